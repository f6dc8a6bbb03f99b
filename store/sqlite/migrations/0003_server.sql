
CREATE TABLE verifications (
	id      INTEGER PRIMARY KEY,
	number  TEXT NOT NULL REFERENCES certificates (number),
	at      INTEGER NOT NULL,
	channel TEXT NOT NULL
) STRICT;
CREATE INDEX verifications_number ON verifications (number, at);

CREATE TABLE audit_log (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	number TEXT NOT NULL,
	detail TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE admin_tokens (
	name       TEXT PRIMARY KEY,
	hash       BLOB NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
) STRICT;
