import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, index, primaryKey, uniqueIndex } from 'drizzle-orm/sqlite-core';

// Timestamps are epoch milliseconds (integers): cheap to compare, no timezone ambiguity.

/** One row per conversation (Slack thread / CLI --thread): the machine's persisted snapshot. */
export const conversations = sqliteTable('conversations', {
  id: text('id').primaryKey(),
  snapshot: text('snapshot').notNull(),
  machineVersion: integer('machine_version').notNull(),
  /** Optimistic-concurrency counter: a save only lands on the version it loaded. */
  version: integer('version').notNull(),
  state: text('state').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

/** Bounded conversation memory: only the last N rows per conversation are kept. */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    conversationId: text('conversation_id').notNull(),
    role: text('role', { enum: ['user', 'assistant'] }).notNull(),
    author: text('author'),
    content: text('content').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('messages_conversation').on(t.conversationId, t.id)],
);

/** The guard's decisions, keyed by turn, so a restarted guard returns what was decided instead of deciding again. */
export const decisions = sqliteTable(
  'decisions',
  {
    turnKey: text('turn_key').notNull(),
    idx: integer('idx').notNull(),
    conversationId: text('conversation_id').notNull(),
    requester: text('requester').notNull(),
    tool: text('tool').notNull(),
    args: text('args').notNull(),
    decision: text('decision', { enum: ['allow', 'require_approval', 'deny'] }).notNull(),
    reason: text('reason').notNull(),
    rule: text('rule').notNull(),
    approvalId: text('approval_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.turnKey, t.idx] }), index('decisions_requester').on(t.requester, t.createdAt)],
);

/** An approval binds one exact action (tool + args + requester + target) to one decision. */
export const approvals = sqliteTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id').notNull(),
    requester: text('requester').notNull(),
    tool: text('tool').notNull(),
    args: text('args').notNull(),
    target: text('target').notNull(),
    required: text('required', { enum: ['approver', 'requester'] }).notNull(),
    status: text('status', { enum: ['pending', 'approved', 'denied', 'expired'] }).notNull(),
    reason: text('reason').notNull(),
    rule: text('rule').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    decidedBy: text('decided_by'),
    decidedAt: integer('decided_at'),
    /**
     * When a settled turn reported the decision (ran the approved action, or told the requester of a
     * denial or expiry). Decided rows without it are delivered by whichever process recovers first.
     */
    deliveredAt: integer('delivered_at'),
    /**
     * Who may approve, as the deciding rule (or a reached budget) named them: a policy `approvers` value
     * as JSON; null means IT admins. Resolved against the directory again on every click.
     */
    approvers: text('approvers'),
    /** Distinct approvers who must approve (policy `approvals`); one Deny ends the request whatever the count. */
    quorum: integer('quorum').notNull().default(1),
    /** The rule's approvals channel, if it names one (else SENTINEL_APPROVALS_CHANNEL, else DMs). */
    channel: text('channel'),
  },
  (t) => [
    index('approvals_status').on(t.status, t.expiresAt),
    index('approvals_conversation').on(t.conversationId),
    index('approvals_undelivered').on(t.deliveredAt, t.status),
  ],
);

/**
 * Who is running a conversation's turn right now. A process holds the lease while its turn is in
 * flight and renews it; another process may take the turn over only once the lease has expired (its
 * owner died), never while the owner is alive.
 */
export const turnLeases = sqliteTable('turn_leases', {
  conversationId: text('conversation_id').primaryKey(),
  owner: text('owner').notNull(),
  expiresAt: integer('expires_at').notNull(),
  /** Whose request the running turn is (directory id): only they may stop it, from any process. */
  requester: text('requester'),
  /** Set by whoever stopped the running turn (Stop pressed where another process runs it); cleared with the next turn. */
  stopRequestedBy: text('stop_requested_by'),
});

/**
 * Answers a transport showed while their turn ran (a Slack message streamed into: tool calls as tasks,
 * the summary as an LLM writes it), recorded as soon as the message exists, so the turn's reply is written
 * over that message (not posted under it) by whichever process delivers it, after a restart too.
 */
export const replyStreams = sqliteTable(
  'reply_streams',
  {
    conversationId: text('conversation_id').notNull(),
    turn: integer('turn').notNull(),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.turn] })],
);

/**
 * Everything a settled turn has to show people (thread replies, approval cards, card updates), written
 * in the transaction that settles the turn, so nothing decided can be lost between the database and the
 * transport. A transport's deliverer sends each row, at least once and recognisably (by `key`).
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull().unique(),
    conversationId: text('conversation_id').notNull(),
    kind: text('kind', { enum: ['reply', 'approval_cards', 'card_update', 'admin_notice', 'home_refresh'] }).notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'sending', 'sent', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    claimedBy: text('claimed_by'),
    lastError: text('last_error'),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [index('outbox_due').on(t.status, t.nextAttemptAt)],
);

/**
 * The execution journal. The idempotency key is the primary key: `planned` is written with the move to
 * `executing`, `started` right before the side effect, and a final status right after. A `started` row
 * found on restart means the outcome is unknown.
 */
export const executions = sqliteTable(
  'executions',
  {
    key: text('key').primaryKey(),
    conversationId: text('conversation_id').notNull(),
    approvalId: text('approval_id'),
    requester: text('requester').notNull(),
    tool: text('tool').notNull(),
    args: text('args').notNull(),
    status: text('status', { enum: ['planned', 'started', 'succeeded', 'failed', 'in_doubt'] }).notNull(),
    output: text('output'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  // No secondary indexes: nothing reads executions by anything but their key, and each index is one
  // more page written per commit.
);

/** Hash-chained, append-only audit log. */
export const audit = sqliteTable(
  'audit',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor'),
    conversationId: text('conversation_id'),
    data: text('data').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  // Append-only and read in order (verify, export): an index would cost a page write per entry.
);

// ---- Embedded backends: directory, MDM inventory, access grants, ticketing ----

/** One approver's approval of a request that needs several; the primary key makes a second one by the same person impossible. */
export const approvalVotes = sqliteTable(
  'approval_votes',
  {
    approvalId: text('approval_id').notNull(),
    voter: text('voter').notNull(),
    votedAt: integer('voted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.approvalId, t.voter] })],
);

export const directory = sqliteTable(
  'directory',
  {
    id: text('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    role: text('role', { enum: ['guest', 'employee', 'admin'] }).notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    /** Directory groups the person belongs to (JSON array of names), for policy `approvers: { group }`. */
    groups: text('groups').notNull().default('[]'),
  },
  // Lookups by email ignore case (Slack profiles and directories disagree on it), so the index does too.
  (t) => [uniqueIndex('directory_email').on(t.email), index('directory_email_lower').on(sql`lower(${t.email})`)],
);

export const passwordResets = sqliteTable('password_resets', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  userId: text('user_id').notNull(),
  sentTo: text('sent_to').notNull(),
  executionKey: text('execution_key').notNull().unique(),
  createdAt: integer('created_at').notNull(),
});

export const devices = sqliteTable(
  'devices',
  {
    id: text('id').primaryKey(),
    owner: text('owner').notNull(),
    model: text('model').notNull(),
    osVersion: text('os_version').notNull(),
    diskFreeGb: integer('disk_free_gb').notNull(),
    diskTotalGb: integer('disk_total_gb').notNull(),
    batteryHealthPct: integer('battery_health_pct').notNull(),
    lastCheckinAt: integer('last_checkin_at').notNull(),
    encrypted: integer('encrypted', { mode: 'boolean' }).notNull(),
    firewall: integer('firewall', { mode: 'boolean' }).notNull(),
    status: text('status', { enum: ['active', 'locked', 'wiped'] }).notNull().default('active'),
  },
  (t) => [index('devices_owner').on(t.owner, t.id)],
);

/** Every remote command the MDM accepted; the execution key makes a repeated command visible. */
export const deviceCommands = sqliteTable('device_commands', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  deviceId: text('device_id').notNull(),
  command: text('command', { enum: ['lock', 'restart', 'wipe'] }).notNull(),
  requestedBy: text('requested_by').notNull(),
  executionKey: text('execution_key').notNull().unique(),
  createdAt: integer('created_at').notNull(),
});

export const systems = sqliteTable('systems', {
  id: text('id').primaryKey(),
  description: text('description').notNull(),
});

export const grants = sqliteTable(
  'grants',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: text('user_id').notNull(),
    system: text('system').notNull(),
    level: text('level', { enum: ['read', 'write', 'admin'] }).notNull(),
    reason: text('reason').notNull(),
    grantedAt: integer('granted_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
    executionKey: text('execution_key').notNull().unique(),
  },
  (t) => [index('grants_active').on(t.revokedAt, t.expiresAt)],
);

/**
 * When each access grant ends, and what Sentinel still has to do about it (machines/grant-sweeper.ts):
 * revoke it through the configured Access backend at `revokeAt`, retrying a refused revocation with
 * backoff (`attempts`, `nextAttemptAt`, `lastError`), and tell the person in the thread the grant was
 * asked for (`conversationId`) an hour before (`warnAt`, only for grants longer than an hour) and when it
 * has ended. A row is claimed (`claimedBy` until `claimedUntil`, wall clock) while one process revokes it,
 * so two processes never revoke the same grant at once. Times other than the claim are Sentinel's clock.
 */
export const grantSchedule = sqliteTable(
  'grant_schedule',
  {
    /** The Access backend's grant id. */
    grantId: integer('grant_id').primaryKey(),
    userId: text('user_id').notNull(),
    system: text('system').notNull(),
    level: text('level', { enum: ['read', 'write', 'admin'] }).notNull(),
    /** Who asked for it, and in which conversation (null for grants made outside a turn). */
    requester: text('requester'),
    conversationId: text('conversation_id'),
    grantedAt: integer('granted_at').notNull(),
    revokeAt: integer('revoke_at').notNull(),
    warnAt: integer('warn_at'),
    warnedAt: integer('warned_at'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    lastError: text('last_error'),
    claimedBy: text('claimed_by'),
    claimedUntil: integer('claimed_until'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('grant_schedule_due').on(t.revokedAt, t.nextAttemptAt), index('grant_schedule_warn').on(t.warnedAt, t.warnAt)],
);

export const tickets = sqliteTable('tickets', {
  number: integer('number').primaryKey({ autoIncrement: true }),
  requester: text('requester').notNull(),
  summary: text('summary').notNull(),
  description: text('description').notNull(),
  priority: text('priority', { enum: ['low', 'medium', 'high', 'urgent'] }).notNull(),
  status: text('status', { enum: ['open', 'in_progress', 'waiting', 'resolved', 'closed'] }).notNull(),
  assignee: text('assignee'),
  executionKey: text('execution_key').unique(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

// ---- Slack transport ----

/**
 * Slack messages already taken in, keyed by team + channel + ts: one message arriving as both
 * `app_mention` and `message`, or redelivered under the same or a new event_id, is handled once.
 */
export const slackEvents = sqliteTable(
  'slack_events',
  {
    key: text('key').primaryKey(),
    eventId: text('event_id'),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [index('slack_events_received').on(t.receivedAt)],
);

/** Where each approval card was posted, so every copy can be updated in place once it is decided. */
export const slackCards = sqliteTable(
  'slack_cards',
  {
    approvalId: text('approval_id').notNull(),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
    postedAt: integer('posted_at').notNull(),
    /** The status the card shows; a card is updated once, when the approval leaves `pending`. */
    shows: text('shows', { enum: ['pending', 'approved', 'denied', 'expired'] }).notNull(),
  },
  (t) => [uniqueIndex('slack_cards_message').on(t.channel, t.ts), index('slack_cards_approval').on(t.approvalId)],
);

/**
 * 👍/👎 on Sentinel's replies in Slack: one vote per person per message (a second click replaces it).
 * `request` and `reply` are what was asked and answered, copied when the vote is cast (history is pruned).
 */
export const feedback = sqliteTable(
  'feedback',
  {
    channel: text('channel').notNull(),
    messageTs: text('message_ts').notNull(),
    slackUser: text('slack_user').notNull(),
    /** The voter as the directory knows them (the Slack id for someone it does not). */
    voter: text('voter').notNull(),
    vote: text('vote', { enum: ['up', 'down'] }).notNull(),
    conversationId: text('conversation_id').notNull(),
    replyKey: text('reply_key').notNull(),
    request: text('request'),
    reply: text('reply'),
    at: integer('at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.channel, t.messageTs, t.slackUser] }), index('feedback_at').on(t.at)],
);
