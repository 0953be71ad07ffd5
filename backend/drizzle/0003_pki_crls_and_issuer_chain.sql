CREATE TABLE `crls` (
	`ca_id` text PRIMARY KEY NOT NULL,
	`crl_number` integer NOT NULL,
	`this_update` integer NOT NULL,
	`next_update` integer NOT NULL,
	`entry_count` integer NOT NULL,
	`der` blob NOT NULL,
	FOREIGN KEY (`ca_id`) REFERENCES `certificate_authorities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `certificate_authorities` ADD `issuer_chain_pem` text;