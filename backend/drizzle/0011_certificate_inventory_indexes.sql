DROP INDEX `certificates_status_idx`;--> statement-breakpoint
DROP INDEX `certificates_not_after_idx`;--> statement-breakpoint
DROP INDEX `certificates_ca_idx`;--> statement-breakpoint
DROP INDEX `certificates_profile_idx`;--> statement-breakpoint
ALTER TABLE `certificates` ADD `key_algorithm` text;--> statement-breakpoint
CREATE INDEX `certificates_not_before_idx` ON `certificates` (`not_before`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_subject_idx` ON `certificates` (`subject_dn`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_key_algorithm_idx` ON `certificates` (`key_algorithm`,`not_after`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_status_idx` ON `certificates` (`status`,`not_after`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_not_after_idx` ON `certificates` (`not_after`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_ca_idx` ON `certificates` (`ca_id`,`not_after`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_profile_idx` ON `certificates` (`profile`,`not_after`,`id`);