CREATE INDEX `devices_owner` ON `devices` (`owner`,`id`);--> statement-breakpoint
CREATE INDEX `directory_email_lower` ON `directory` (lower("email"));