
ALTER TABLE certificates ADD COLUMN status_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN status_at INTEGER; -- Unix seconds; NULL while never changed
CREATE INDEX certificates_not_valid ON certificates (status_list, status_index) WHERE status <> 'valid';

CREATE TABLE status_events (
	id           INTEGER PRIMARY KEY,
	number       TEXT NOT NULL REFERENCES certificates (number),
	action       TEXT NOT NULL,
	from_status  TEXT NOT NULL,
	to_status    TEXT NOT NULL,
	reason       TEXT NOT NULL,
	note         TEXT NOT NULL,
	operator     TEXT NOT NULL,
	effective_at INTEGER NOT NULL,
	recorded_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX status_events_number ON status_events (number, id);
CREATE INDEX status_events_recorded ON status_events (recorded_at, id);

-- The integrity archive is append-only, and revocation is permanent: the
-- database itself refuses otherwise, whatever program writes to it.
CREATE TRIGGER status_events_no_update BEFORE UPDATE ON status_events
BEGIN SELECT RAISE(ABORT, 'the integrity archive is append-only'); END;
CREATE TRIGGER status_events_no_delete BEFORE DELETE ON status_events
BEGIN SELECT RAISE(ABORT, 'the integrity archive is append-only'); END;
CREATE TRIGGER certificates_revocation_final BEFORE UPDATE OF status ON certificates
WHEN OLD.status = 'revoked' AND NEW.status <> 'revoked'
BEGIN SELECT RAISE(ABORT, 'a revoked certificate stays revoked'); END;
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'issued certificates are never deleted'); END;
