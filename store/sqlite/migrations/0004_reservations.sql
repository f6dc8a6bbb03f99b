
ALTER TABLE status_slots ADD COLUMN reserved_at INTEGER; -- Unix seconds
UPDATE status_slots SET reserved_at = CAST(strftime('%s', 'now') AS INTEGER);
CREATE TABLE store_meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;
