
CREATE TABLE counters (
	name TEXT PRIMARY KEY,
	next INTEGER NOT NULL
) STRICT;
INSERT INTO counters (name, next) VALUES ('certificate_seq', 1);

CREATE TABLE status_lists (
	id   INTEGER PRIMARY KEY CHECK (id >= 1),
	size INTEGER NOT NULL CHECK (size >= 1),
	used INTEGER NOT NULL CHECK (used >= 0 AND used <= size)
) STRICT;

CREATE TABLE status_slots (
	list INTEGER NOT NULL REFERENCES status_lists (id),
	idx  INTEGER NOT NULL CHECK (idx >= 0),
	PRIMARY KEY (list, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE batches (
	id            TEXT PRIMARY KEY,
	source        TEXT NOT NULL,
	source_sha256 BLOB,
	count         INTEGER NOT NULL,
	created_at    INTEGER NOT NULL, -- Unix seconds
	operator      TEXT NOT NULL
) STRICT;
CREATE INDEX batches_created ON batches (created_at, id);

CREATE TABLE certificates (
	number            TEXT PRIMARY KEY,
	seq               INTEGER NOT NULL,
	batch_id          TEXT NOT NULL REFERENCES batches (id),
	holder_key        BLOB NOT NULL,
	title_key         TEXT NOT NULL,
	holder_name       TEXT NOT NULL,
	holder_id_mask    TEXT NOT NULL,
	series            TEXT NOT NULL,
	specialty         TEXT NOT NULL,
	level             TEXT NOT NULL,
	title             TEXT NOT NULL,
	committee         TEXT NOT NULL,
	review_date       TEXT NOT NULL,
	status_list       INTEGER,          -- NULL: no status-list entry
	status_index      INTEGER,
	jws               TEXT NOT NULL,
	jws_hash          BLOB,
	pdf_hash          BLOB,
	verification_code TEXT,             -- NULL: none
	issued_at         INTEGER NOT NULL, -- Unix seconds
	status            TEXT NOT NULL,
	UNIQUE (holder_key, title_key),
	UNIQUE (status_list, status_index)
) STRICT;
CREATE UNIQUE INDEX certificates_verification_code ON certificates (verification_code);
CREATE INDEX certificates_batch ON certificates (batch_id, number);
CREATE INDEX certificates_committee ON certificates (committee, number);
