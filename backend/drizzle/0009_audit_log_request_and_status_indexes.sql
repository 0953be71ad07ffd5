CREATE INDEX `audit_log_request_idx` ON `audit_log` (`request_id`);--> statement-breakpoint
CREATE INDEX `audit_log_unsuccessful_idx` ON `audit_log` (`status`) WHERE "audit_log"."status" <> 'success';