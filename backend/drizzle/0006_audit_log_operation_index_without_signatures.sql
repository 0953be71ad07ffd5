DROP INDEX `audit_log_operation_seq_idx`;--> statement-breakpoint
CREATE INDEX `audit_log_operation_unsigned_idx` ON `audit_log` (`operation`) WHERE "audit_log"."operation" <> 'kms.sign';