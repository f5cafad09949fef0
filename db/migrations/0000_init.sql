CREATE TABLE `approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`requester` text NOT NULL,
	`tool` text NOT NULL,
	`args` text NOT NULL,
	`target` text NOT NULL,
	`required` text NOT NULL,
	`status` text NOT NULL,
	`reason` text NOT NULL,
	`rule` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decided_by` text,
	`decided_at` integer
);
--> statement-breakpoint
CREATE INDEX `approvals_status` ON `approvals` (`status`,`expires_at`);--> statement-breakpoint
CREATE INDEX `approvals_conversation` ON `approvals` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `audit` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`actor` text,
	`conversation_id` text,
	`data` text NOT NULL,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_conversation` ON `audit` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`snapshot` text NOT NULL,
	`machine_version` integer NOT NULL,
	`version` integer NOT NULL,
	`state` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `decisions` (
	`turn_key` text NOT NULL,
	`idx` integer NOT NULL,
	`conversation_id` text NOT NULL,
	`requester` text NOT NULL,
	`tool` text NOT NULL,
	`args` text NOT NULL,
	`decision` text NOT NULL,
	`reason` text NOT NULL,
	`rule` text NOT NULL,
	`approval_id` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`turn_key`, `idx`)
);
--> statement-breakpoint
CREATE TABLE `device_commands` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`device_id` text NOT NULL,
	`command` text NOT NULL,
	`requested_by` text NOT NULL,
	`execution_key` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_commands_execution_key_unique` ON `device_commands` (`execution_key`);--> statement-breakpoint
CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`model` text NOT NULL,
	`os_version` text NOT NULL,
	`disk_free_gb` integer NOT NULL,
	`disk_total_gb` integer NOT NULL,
	`battery_health_pct` integer NOT NULL,
	`last_checkin_at` integer NOT NULL,
	`encrypted` integer NOT NULL,
	`firewall` integer NOT NULL,
	`status` text DEFAULT 'active' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `directory` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`active` integer DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `directory_email` ON `directory` (`email`);--> statement-breakpoint
CREATE TABLE `executions` (
	`key` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`approval_id` text,
	`requester` text NOT NULL,
	`tool` text NOT NULL,
	`args` text NOT NULL,
	`status` text NOT NULL,
	`output` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `executions_requester` ON `executions` (`requester`,`created_at`);--> statement-breakpoint
CREATE TABLE `grants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text NOT NULL,
	`system` text NOT NULL,
	`level` text NOT NULL,
	`reason` text NOT NULL,
	`granted_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`execution_key` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `grants_execution_key_unique` ON `grants` (`execution_key`);--> statement-breakpoint
CREATE INDEX `grants_active` ON `grants` (`revoked_at`,`expires_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` text NOT NULL,
	`role` text NOT NULL,
	`author` text,
	`content` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `messages_conversation` ON `messages` (`conversation_id`,`id`);--> statement-breakpoint
CREATE TABLE `password_resets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text NOT NULL,
	`sent_to` text NOT NULL,
	`execution_key` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `password_resets_execution_key_unique` ON `password_resets` (`execution_key`);--> statement-breakpoint
CREATE TABLE `systems` (
	`id` text PRIMARY KEY NOT NULL,
	`description` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tickets` (
	`number` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`requester` text NOT NULL,
	`summary` text NOT NULL,
	`description` text NOT NULL,
	`priority` text NOT NULL,
	`status` text NOT NULL,
	`assignee` text,
	`execution_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_execution_key_unique` ON `tickets` (`execution_key`);