// Package sqlite is the SQLite backend of package store: everything an
// issuer records, in one local file, through the pure-Go driver
// modernc.org/sqlite (no cgo).
//
// # Promises
//
// A Store keeps every promise of package store. In addition:
//
//   - Durability: the database runs in WAL mode with synchronous=FULL, so a
//     method that returned nil has reached the disk, and a crash loses
//     nothing that was committed.
//   - Concurrency: a Store is safe for concurrent use by goroutines, and
//     several processes may open the same file. Writes are serialised within
//     a process and run in BEGIN IMMEDIATE transactions across processes,
//     so two issuers never receive the same sequence number or status-list
//     entry; a writer waits up to BusyTimeout for another to finish. Reads
//     do not block writes, nor writes reads.
//   - Schema: Open creates the schema, or brings an older one up to date,
//     in one transaction; it refuses a file whose schema is newer than this
//     code.
//
// # Security notes
//
// The file holds holder names and signed certificates. Open creates it with
// mode 0600 (SQLite gives its -wal and -shm files the same mode); it leaves
// the mode of an existing file alone. Keep it in a directory only the issuer
// can read, and back it up: losing it loses the record of what was issued.
//
// # Errors
//
// Errors start with "sqlite: " and wrap the store sentinels as package
// store documents; other errors come from the file or the driver.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/internal/sample"
)

// BusyTimeout is how long a write waits for another process's write to
// finish before it fails.
const BusyTimeout = 30 * time.Second

// maxSampleAttempts bounds the rejection sampling of one status-list entry.
// A list is at most half full, so an honest source fails this many times
// in a row with probability 2^-64.
const maxSampleAttempts = 64

// Store is a store.Store kept in an SQLite file. Create it with Open.
type Store struct {
	db       *sql.DB
	write    chan struct{} // holds one token while this process writes
	listSize int64

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// An Option changes how Open sets up a Store.
type Option func(*Store) error

// WithStatusListSize makes lists opened from now on have n entries instead
// of store.StatusListSize. It is meant for tests; a list keeps the size it
// was opened with.
func WithStatusListSize(n int64) Option {
	return func(s *Store) error {
		if n < 1 {
			return fmt.Errorf("sqlite: status list size %d: %w", n, store.ErrInvalid)
		}
		s.listSize = n
		return nil
	}
}

// Open opens the store in the file at path, creating the file (mode 0600)
// and the schema if they are missing. path is a file name, not a URI: it
// must not be empty, ":memory:", start with "file:" or contain '?'.
func Open(path string, opts ...Option) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: unusable file name %q: %w", path, store.ErrInvalid)
	}
	s := &Store{write: make(chan struct{}, 1), listSize: store.StatusListSize}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	dsn := path + "?" + strings.Join([]string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", BusyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(1)",
		"_txlock=immediate",
	}, "&")
	s.db, err = sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	s.db.SetMaxIdleConns(4)
	if err := s.migrate(context.Background()); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database. Calling it again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("sqlite: %w", err)
		}
	})
	return s.closeErr
}

// migrations are the schema, one step per entry; the database records how
// many it has applied. Append new steps; never edit or reorder old ones.
var migrations = []string{
	// 1: issuance.
	`
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
`,
	// 2: revocation and the integrity archive.
	`
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
`,
	// 3: the verification server's records.
	`
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
`,
	// 4: the QR text form (cert.QRForm) each certificate was issued with,
	// so that it renders again to the bytes issued: every certificate
	// issued before this step has the legacy upper-case form (1); later
	// ones record theirs (0, the lower-case form, when a writer omits it).
	`
ALTER TABLE certificates ADD COLUMN qr_form INTEGER NOT NULL DEFAULT 0 CHECK (qr_form BETWEEN 0 AND 255);
UPDATE certificates SET qr_form = 1;
`,
}

func (s *Store) migrate(ctx context.Context) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT`); err != nil {
			return fmt.Errorf("sqlite: creating schema_version: %w", err)
		}
		var v int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v); err != nil {
			return fmt.Errorf("sqlite: reading schema version: %w", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("sqlite: database schema version %d is newer than this program's (%d)", v, len(migrations))
		}
		for ; v < len(migrations); v++ {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return fmt.Errorf("sqlite: migrating schema to version %d: %w", v+1, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v+1); err != nil {
				return fmt.Errorf("sqlite: migrating schema to version %d: %w", v+1, err)
			}
		}
		return nil
	})
}

// fail returns err, made to match ctx.Err() when ctx is done (the driver
// may report an interrupted statement rather than the context's error).
func fail(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("sqlite: %w (%v)", cerr, err)
	}
	return err
}

// writeTx runs fn in a write transaction (BEGIN IMMEDIATE, one at a time in
// this process) and commits it if fn returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	select {
	case s.write <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("sqlite: %w", ctx.Err())
	}
	defer func() { <-s.write }()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fail(ctx, fmt.Errorf("sqlite: begin: %w", err))
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fail(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return fail(ctx, fmt.Errorf("sqlite: commit: %w", err))
	}
	return nil
}

// AllocateSeq implements store.Store.
func (s *Store) AllocateSeq(ctx context.Context, n int) (int64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("sqlite: allocating %d sequence numbers: %w", n, store.ErrInvalid)
	}
	var first int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx,
			`UPDATE counters SET next = next + ?1 WHERE name = 'certificate_seq' RETURNING next - ?1`,
			int64(n)).Scan(&first)
		if err != nil {
			return fmt.Errorf("sqlite: allocating sequence numbers: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return first, nil
}

// AllocateStatusSlots implements store.Store.
func (s *Store) AllocateStatusSlots(ctx context.Context, n int, rand io.Reader) ([]store.StatusSlot, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sqlite: allocating %d status slots: %w", n, store.ErrInvalid)
	}
	var out []store.StatusSlot
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		out = make([]store.StatusSlot, 0, n)
		var list, size, used int64
		err := tx.QueryRowContext(ctx, `SELECT id, size, used FROM status_lists ORDER BY id DESC LIMIT 1`).Scan(&list, &size, &used)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: reading status lists: %w", err)
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO status_slots (list, idx) VALUES (?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		defer ins.Close()
		saveUsed := func() error {
			if list == 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE status_lists SET used = ? WHERE id = ?`, used, list); err != nil {
				return fmt.Errorf("sqlite: updating status list %d: %w", list, err)
			}
			return nil
		}
		for len(out) < n {
			if list == 0 || 2*used >= size {
				if err := saveUsed(); err != nil {
					return err
				}
				list, size, used = list+1, s.listSize, 0
				if _, err := tx.ExecContext(ctx, `INSERT INTO status_lists (id, size, used) VALUES (?, ?, 0)`, list, size); err != nil {
					return fmt.Errorf("sqlite: opening status list %d: %w", list, err)
				}
			}
			for attempt := 0; ; attempt++ {
				if attempt == maxSampleAttempts {
					return fmt.Errorf("sqlite: no free status-list index after %d random draws: is the random source broken?", attempt)
				}
				idx, err := sample.Index(rand, size)
				if err != nil {
					return fmt.Errorf("sqlite: choosing status-list index: %w", err)
				}
				res, err := ins.ExecContext(ctx, list, idx)
				if err != nil {
					return fmt.Errorf("sqlite: reserving status-list entry: %w", err)
				}
				if k, err := res.RowsAffected(); err != nil {
					return fmt.Errorf("sqlite: reserving status-list entry: %w", err)
				} else if k == 1 {
					out = append(out, store.StatusSlot{List: list, Index: idx})
					used++
					break
				}
			}
		}
		return saveUsed()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Issue implements store.Store.
func (s *Store) Issue(ctx context.Context, b store.Batch, certs []store.Certificate) error {
	if b.ID == "" {
		return fmt.Errorf("sqlite: issuing: batch id is empty: %w", store.ErrInvalid)
	}
	if len(certs) == 0 {
		return fmt.Errorf("sqlite: issuing batch %q: no certificates: %w", b.ID, store.ErrInvalid)
	}
	if b.Count == 0 {
		b.Count = len(certs)
	} else if b.Count != len(certs) {
		return fmt.Errorf("sqlite: issuing batch %q: count is %d but there are %d certificates: %w", b.ID, b.Count, len(certs), store.ErrInvalid)
	}
	for i := range certs {
		c := &certs[i]
		switch {
		case c.Number == "":
			return fmt.Errorf("sqlite: issuing batch %q: certificate %d has no number: %w", b.ID, i+1, store.ErrInvalid)
		case len(c.HolderKey) == 0:
			return fmt.Errorf("sqlite: issuing certificate %s: no holder key: %w", c.Number, store.ErrInvalid)
		case c.TitleKey == "":
			return fmt.Errorf("sqlite: issuing certificate %s: no title key: %w", c.Number, store.ErrInvalid)
		case c.BatchID != "" && c.BatchID != b.ID:
			return fmt.Errorf("sqlite: issuing certificate %s: batch id %q, want %q: %w", c.Number, c.BatchID, b.ID, store.ErrInvalid)
		}
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO batches (id, source, source_sha256, count, created_at, operator) VALUES (?, ?, ?, ?, ?, ?)`,
			b.ID, b.Source, blob(b.SourceSHA256), b.Count, b.CreatedAt.Unix(), b.Operator)
		if isUnique(err) {
			return &store.ConflictError{What: store.ConflictBatch, Value: b.ID}
		} else if err != nil {
			return fmt.Errorf("sqlite: recording batch %q: %w", b.ID, err)
		}
		ins, err := tx.PrepareContext(ctx, insertCertSQL)
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		defer ins.Close()
		for i := range certs {
			if err := insertCert(ctx, ins, b.ID, &certs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertCertSQL inserts one certificate; the columns are certColumns, a
// new certificate has no status reason or time yet.
const insertCertSQL = `INSERT INTO certificates (` + certColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', NULL, ?)`

// insertCert records c as part of batch batchID with ins (insertCertSQL),
// turning a unique-constraint failure into a *store.ConflictError.
func insertCert(ctx context.Context, ins *sql.Stmt, batchID string, c *store.Certificate) error {
	var list, index, code any
	if c.StatusList != 0 {
		list, index = c.StatusList, c.StatusIndex
	}
	if c.VerificationCode != "" {
		code = c.VerificationCode
	}
	status := c.Status
	if status == "" {
		status = store.StatusValid
	}
	_, err := ins.ExecContext(ctx,
		c.Number, c.Seq, batchID, c.HolderKey, c.TitleKey,
		c.HolderName, c.HolderIDMask, c.Series, c.Specialty, c.Level, c.Title, c.Committee, c.ReviewDate,
		list, index, c.JWS, blob(c.JWSHash), blob(c.PDFHash), code, c.IssuedAt.Unix(), status, int64(c.QRForm))
	if isUnique(err) {
		return conflict(err, c)
	} else if err != nil {
		return fmt.Errorf("sqlite: recording certificate %s: %w", c.Number, err)
	}
	return nil
}

// blob stores an empty byte slice as NULL.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func isUnique(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// conflict names the unique constraint that inserting c violated. SQLite
// names the columns in the message: "UNIQUE constraint failed: t.a, t.b".
func conflict(err error, c *store.Certificate) error {
	msg := err.Error()
	e := &store.ConflictError{Number: c.Number}
	switch {
	case strings.Contains(msg, "certificates.number"):
		e.What, e.Value = store.ConflictNumber, c.Number
	case strings.Contains(msg, "certificates.holder_key"):
		e.What, e.Value = store.ConflictTitle, c.TitleKey
	case strings.Contains(msg, "certificates.status_list"):
		e.What, e.Value = store.ConflictStatusSlot, fmt.Sprintf("%d/%d", c.StatusList, c.StatusIndex)
	case strings.Contains(msg, "certificates.verification_code"):
		e.What, e.Value = store.ConflictVerificationCode, c.VerificationCode
	default:
		return fmt.Errorf("sqlite: recording certificate %s: %w: %v", c.Number, store.ErrExists, err)
	}
	return e
}

const certColumns = `number, seq, batch_id, holder_key, title_key,
	holder_name, holder_id_mask, series, specialty, level, title, committee, review_date,
	status_list, status_index, jws, jws_hash, pdf_hash, verification_code, issued_at, status,
	status_reason, status_at, qr_form`

type scanner interface{ Scan(...any) error }

func scanCert(row scanner) (*store.Certificate, error) {
	var (
		c           store.Certificate
		list, index sql.NullInt64
		code        sql.NullString
		issued      int64
		statusAt    sql.NullInt64
	)
	err := row.Scan(&c.Number, &c.Seq, &c.BatchID, &c.HolderKey, &c.TitleKey,
		&c.HolderName, &c.HolderIDMask, &c.Series, &c.Specialty, &c.Level, &c.Title, &c.Committee, &c.ReviewDate,
		&list, &index, &c.JWS, &c.JWSHash, &c.PDFHash, &code, &issued, &c.Status,
		&c.StatusReason, &statusAt, &c.QRForm)
	if err != nil {
		return nil, err
	}
	c.StatusList, c.StatusIndex = list.Int64, index.Int64
	c.VerificationCode = code.String
	c.IssuedAt = time.Unix(issued, 0).UTC()
	if statusAt.Valid {
		c.StatusAt = time.Unix(statusAt.Int64, 0).UTC()
	}
	c.JWSHash, c.PDFHash = nilIfEmpty(c.JWSHash), nilIfEmpty(c.PDFHash)
	return &c, nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// one returns the single certificate the query selects.
func (s *Store) one(ctx context.Context, what string, query string, args ...any) (*store.Certificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	c, err := scanCert(s.db.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE `+query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: %s: %w", what, store.ErrNotFound)
	} else if err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: %s: %w", what, err))
	}
	return c, nil
}

// FindTitle implements store.Store.
func (s *Store) FindTitle(ctx context.Context, holderKey []byte, titleKey string) (*store.Certificate, error) {
	return s.one(ctx, fmt.Sprintf("title %q for holder", titleKey), `holder_key = ? AND title_key = ?`, holderKey, titleKey)
}

// Certificate implements store.Store.
func (s *Store) Certificate(ctx context.Context, number string) (*store.Certificate, error) {
	return s.one(ctx, fmt.Sprintf("certificate %q", number), `number = ?`, number)
}

// ByVerificationCode implements store.Store.
func (s *Store) ByVerificationCode(ctx context.Context, code string) (*store.Certificate, error) {
	return s.one(ctx, fmt.Sprintf("verification code %q", code), `verification_code = ?`, code)
}

// List implements store.Store.
func (s *Store) List(ctx context.Context, f store.Filter, fn func(*store.Certificate) error) error {
	if f.Limit < 0 {
		return fmt.Errorf("sqlite: listing: limit %d: %w", f.Limit, store.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	q := `SELECT ` + certColumns + ` FROM certificates WHERE true`
	var args []any
	if f.BatchID != "" {
		q += ` AND batch_id = ?`
		args = append(args, f.BatchID)
	}
	if f.Committee != "" {
		q += ` AND committee = ?`
		args = append(args, f.Committee)
	}
	if f.After != "" {
		q += ` AND number > ?`
		args = append(args, f.After)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.ReviewedFrom != "" {
		q += ` AND review_date >= ?`
		args = append(args, f.ReviewedFrom)
	}
	if f.ReviewedUntil != "" {
		q += ` AND review_date <= ?`
		args = append(args, f.ReviewedUntil)
	}
	q += ` ORDER BY number`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fail(ctx, fmt.Errorf("sqlite: listing: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return fail(ctx, fmt.Errorf("sqlite: listing: %w", err))
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sqlite: listing: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fail(ctx, fmt.Errorf("sqlite: listing: %w", err))
	}
	return nil
}

// Batches implements store.Store.
func (s *Store) Batches(ctx context.Context) ([]store.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, source, source_sha256, count, created_at, operator FROM batches ORDER BY created_at, id`)
	if err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: listing batches: %w", err))
	}
	defer rows.Close()
	var out []store.Batch
	for rows.Next() {
		var b store.Batch
		var created int64
		if err := rows.Scan(&b.ID, &b.Source, &b.SourceSHA256, &b.Count, &created, &b.Operator); err != nil {
			return nil, fail(ctx, fmt.Errorf("sqlite: listing batches: %w", err))
		}
		b.CreatedAt = time.Unix(created, 0).UTC()
		b.SourceSHA256 = nilIfEmpty(b.SourceSHA256)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: listing batches: %w", err))
	}
	return out, nil
}
