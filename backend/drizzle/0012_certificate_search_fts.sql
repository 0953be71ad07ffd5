-- Hand-written (drizzle-kit cannot express virtual tables or triggers): the inventory's text
-- search over subject, SANs and serial. A trigram FTS5 index answers substring queries of
-- three characters or more without scanning the certificates table; triggers keep it in step.
CREATE VIRTUAL TABLE `certificates_search` USING fts5(`id` UNINDEXED, `subject_dn`, `sans`, `serial_hex`, tokenize = 'trigram');--> statement-breakpoint
INSERT INTO `certificates_search` (`id`, `subject_dn`, `sans`, `serial_hex`) SELECT `id`, `subject_dn`, `sans`, `serial_hex` FROM `certificates`;--> statement-breakpoint
CREATE TRIGGER `certificates_search_insert` AFTER INSERT ON `certificates` BEGIN
  INSERT INTO `certificates_search` (`id`, `subject_dn`, `sans`, `serial_hex`) VALUES (new.`id`, new.`subject_dn`, new.`sans`, new.`serial_hex`);
END;--> statement-breakpoint
CREATE TRIGGER `certificates_search_delete` AFTER DELETE ON `certificates` BEGIN
  DELETE FROM `certificates_search` WHERE `id` = old.`id`;
END;
