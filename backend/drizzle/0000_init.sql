CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`timestamp` integer NOT NULL,
	`actor` text NOT NULL,
	`operation` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text,
	`status` text NOT NULL,
	`details` text NOT NULL,
	`kms_operation_id` text,
	`request_id` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_log_id_unique` ON `audit_log` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `audit_log_hash_unique` ON `audit_log` (`hash`);--> statement-breakpoint
CREATE INDEX `audit_log_timestamp_idx` ON `audit_log` (`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_log_actor_idx` ON `audit_log` (`actor`,`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_log_operation_idx` ON `audit_log` (`operation`,`timestamp`);--> statement-breakpoint
CREATE INDEX `audit_log_entity_idx` ON `audit_log` (`entity_type`,`entity_id`);--> statement-breakpoint
CREATE TABLE `certificate_authorities` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`parent_id` text,
	`key_id` text NOT NULL,
	`subject_dn` text NOT NULL,
	`certificate_der` blob,
	`serial_hex` text,
	`not_before` integer,
	`not_after` integer,
	`path_length` integer,
	`status` text NOT NULL,
	`revocation_reason` text,
	`revoked_at` integer,
	`crl_number` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`key_id`) REFERENCES `kms_keys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificate_authorities_name_unique` ON `certificate_authorities` (`name`);--> statement-breakpoint
CREATE INDEX `certificate_authorities_parent_idx` ON `certificate_authorities` (`parent_id`);--> statement-breakpoint
CREATE TABLE `certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`ca_id` text NOT NULL,
	`serial_hex` text NOT NULL,
	`subject_dn` text NOT NULL,
	`common_name` text,
	`sans` text DEFAULT '[]' NOT NULL,
	`profile` text NOT NULL,
	`not_before` integer NOT NULL,
	`not_after` integer NOT NULL,
	`der` blob NOT NULL,
	`status` text NOT NULL,
	`revocation_reason` text,
	`revoked_at` integer,
	`key_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`ca_id`) REFERENCES `certificate_authorities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`key_id`) REFERENCES `kms_keys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_ca_serial_idx` ON `certificates` (`ca_id`,`serial_hex`);--> statement-breakpoint
CREATE INDEX `certificates_status_idx` ON `certificates` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_not_after_idx` ON `certificates` (`not_after`);--> statement-breakpoint
CREATE INDEX `certificates_ca_idx` ON `certificates` (`ca_id`,`id`);--> statement-breakpoint
CREATE INDEX `certificates_profile_idx` ON `certificates` (`profile`);--> statement-breakpoint
CREATE TABLE `kms_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`backend` text NOT NULL,
	`private_key_ref` text NOT NULL,
	`public_key_ref` text,
	`algorithm` text NOT NULL,
	`purpose` text NOT NULL,
	`label` text NOT NULL,
	`public_key_spki` blob NOT NULL,
	`is_exportable` integer DEFAULT false NOT NULL,
	`exported_at` integer,
	`state` text NOT NULL,
	`revocation_reason` text,
	`revoked_at` integer,
	`destroyed_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `kms_keys_label_unique` ON `kms_keys` (`label`);--> statement-breakpoint
CREATE UNIQUE INDEX `kms_keys_backend_private_ref_idx` ON `kms_keys` (`backend`,`private_key_ref`);--> statement-breakpoint
CREATE INDEX `kms_keys_state_idx` ON `kms_keys` (`state`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`expires_at` integer NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_token_hash_unique` ON `sessions` (`token_hash`);--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE INDEX `sessions_expires_idx` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`display_name` text,
	`password_hash` text,
	`role` text NOT NULL,
	`is_disabled` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);