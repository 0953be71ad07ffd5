-- A CA certificate imported before the parser kept whole bytes was stored with the serial's
-- leading zero nibble trimmed ("d92d…" for 0x0d92d…); the stored form is whole bytes.
UPDATE `certificate_authorities` SET `serial_hex` = '0' || `serial_hex` WHERE length(`serial_hex`) % 2 = 1;
