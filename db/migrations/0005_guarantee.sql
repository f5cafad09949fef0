CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`conversation_id` text NOT NULL,
	`kind` text NOT NULL,
	`body` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_by` text,
	`last_error` text,
	`created_at` integer NOT NULL,
	`sent_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_key_unique` ON `outbox` (`key`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `turn_leases` (
	`conversation_id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `approvals` ADD `delivered_at` integer;--> statement-breakpoint
CREATE INDEX `approvals_undelivered` ON `approvals` (`delivered_at`,`status`);--> statement-breakpoint
-- Decisions made before this migration were delivered the old way; only new ones go through recovery.
UPDATE `approvals` SET `delivered_at` = `decided_at` WHERE `status` != 'pending'
  AND (`status` != 'approved' OR EXISTS (SELECT 1 FROM `executions` WHERE `executions`.`key` = 'approval:' || `approvals`.`id`));
