DROP INDEX `audit_conversation`;--> statement-breakpoint
DROP INDEX `executions_requester`;