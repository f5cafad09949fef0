CREATE TABLE `grant_schedule` (
	`grant_id` integer PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`system` text NOT NULL,
	`level` text NOT NULL,
	`requester` text,
	`conversation_id` text,
	`granted_at` integer NOT NULL,
	`revoke_at` integer NOT NULL,
	`warn_at` integer,
	`warned_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`claimed_by` text,
	`claimed_until` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE INDEX `grant_schedule_due` ON `grant_schedule` (`revoked_at`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `grant_schedule_warn` ON `grant_schedule` (`warned_at`,`warn_at`);