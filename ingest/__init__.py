"""Getting mail in: parse raw messages (files, mbox, IMAP) into `ParsedMessage` values."""
