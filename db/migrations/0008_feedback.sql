CREATE TABLE `feedback` (
	`channel` text NOT NULL,
	`message_ts` text NOT NULL,
	`slack_user` text NOT NULL,
	`voter` text NOT NULL,
	`vote` text NOT NULL,
	`conversation_id` text NOT NULL,
	`reply_key` text NOT NULL,
	`request` text,
	`reply` text,
	`at` integer NOT NULL,
	PRIMARY KEY(`channel`, `message_ts`, `slack_user`)
);
--> statement-breakpoint
CREATE INDEX `feedback_at` ON `feedback` (`at`);