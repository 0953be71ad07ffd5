DROP INDEX `certificates_ca_idx`;--> statement-breakpoint
DROP INDEX `certificates_profile_idx`;--> statement-breakpoint
DROP INDEX `certificates_key_algorithm_idx`;--> statement-breakpoint
CREATE INDEX `certificates_status_issued_idx` ON `certificates` (`status`,`not_before`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_ca_issued_idx` ON `certificates` (`ca_id`,`not_before`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_profile_issued_idx` ON `certificates` (`profile`,`not_before`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_key_algorithm_issued_idx` ON `certificates` (`key_algorithm`,`not_before`,`id`);