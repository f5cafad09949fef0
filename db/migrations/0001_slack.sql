CREATE TABLE `slack_cards` (
	`approval_id` text NOT NULL,
	`channel` text NOT NULL,
	`ts` text NOT NULL,
	`posted_at` integer NOT NULL,
	`shows` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `slack_cards_message` ON `slack_cards` (`channel`,`ts`);--> statement-breakpoint
CREATE INDEX `slack_cards_approval` ON `slack_cards` (`approval_id`);--> statement-breakpoint
CREATE TABLE `slack_events` (
	`key` text PRIMARY KEY NOT NULL,
	`event_id` text,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `slack_events_received` ON `slack_events` (`received_at`);