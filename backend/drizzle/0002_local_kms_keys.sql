CREATE TABLE `local_kms_keys` (
	`private_key_ref` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`algorithm` text NOT NULL,
	`sealed_private_key` blob,
	`public_key_spki` blob,
	`is_exportable` integer NOT NULL,
	`state` text NOT NULL,
	`revocation_reason` text,
	`revocation_message` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`revoked_at` integer,
	`destroyed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `local_kms_keys_label_unique` ON `local_kms_keys` (`label`);--> statement-breakpoint
CREATE INDEX `local_kms_keys_state_idx` ON `local_kms_keys` (`state`);