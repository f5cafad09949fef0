CREATE TABLE `approval_votes` (
	`approval_id` text NOT NULL,
	`voter` text NOT NULL,
	`voted_at` integer NOT NULL,
	PRIMARY KEY(`approval_id`, `voter`)
);
--> statement-breakpoint
ALTER TABLE `approvals` ADD `approvers` text;--> statement-breakpoint
ALTER TABLE `approvals` ADD `quorum` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `approvals` ADD `channel` text;--> statement-breakpoint
ALTER TABLE `directory` ADD `groups` text DEFAULT '[]' NOT NULL;