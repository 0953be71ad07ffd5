DROP INDEX `audit_log_id_unique`;--> statement-breakpoint
DROP INDEX `audit_log_timestamp_idx`;--> statement-breakpoint
DROP INDEX `audit_log_actor_idx`;--> statement-breakpoint
DROP INDEX `audit_log_operation_idx`;--> statement-breakpoint
CREATE INDEX `audit_log_actor_seq_idx` ON `audit_log` (`actor`);--> statement-breakpoint
CREATE INDEX `audit_log_operation_seq_idx` ON `audit_log` (`operation`);