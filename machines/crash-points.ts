/**
 * Named points in a turn where the crash tests kill the process (SIGKILL, no cleanup), to prove that a
 * restart from whatever was committed neither loses an approved action nor runs one twice.
 */
export const CRASH_POINTS = [
  'turn_stored', // the user's message and the proposing snapshot are committed
  'decisions_stored', // the guard's decisions (and approval requests) are committed
  'approval_stored', // an approver's decision is committed, before it is delivered
  'intent_stored', // the move to executing and the planned executions are committed
  'execution_started', // the journal says started; the backend has not been called
  'backend_called', // the backend acted; the journal does not know yet
  'result_stored', // the journal has the result; the summary is not written
  'reply_stored', // the turn is at rest with its reply; the transport has not shown it
] as const;

/** Points in the Slack app's delivery of a settled turn (the outbox). */
export const DELIVERY_CRASH_POINTS = [
  'delivery_posted', // Slack accepted the post; the outbox row is not marked sent
] as const;

export const ALL_CRASH_POINTS = [...CRASH_POINTS, ...DELIVERY_CRASH_POINTS] as const;
export type CrashPoint = (typeof ALL_CRASH_POINTS)[number];

/** Kills this process at `point`, the `nth` time it is reached (1 = first). No-op when not configured. */
export function crasher(at: { point: CrashPoint; nth: number } | undefined): (point: CrashPoint) => void {
  if (!at) return () => undefined;
  let seen = 0;
  return (point) => {
    if (point === at.point && ++seen === at.nth) process.kill(process.pid, 'SIGKILL');
  };
}
