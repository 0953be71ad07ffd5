ALTER TABLE `certificate_authorities` ADD `crl_revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `certificate_authorities` ADD `crl_published_revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-written: re-sign every CA's CRL once after the upgrade, so a serial an earlier
-- failed publication left off is listed again.
UPDATE `certificate_authorities` SET `crl_revision` = 1 WHERE `certificate_der` IS NOT NULL;
