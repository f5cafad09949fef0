CREATE TABLE `reply_streams` (
	`conversation_id` text NOT NULL,
	`turn` integer NOT NULL,
	`channel` text NOT NULL,
	`ts` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `turn`)
);
--> statement-breakpoint
ALTER TABLE `turn_leases` ADD `requester` text;--> statement-breakpoint
ALTER TABLE `turn_leases` ADD `stop_requested_by` text;