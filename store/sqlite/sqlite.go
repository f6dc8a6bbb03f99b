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
//   - Schema: Create makes a new file with the schema; Open brings an older
//     schema up to date, in one transaction, and refuses a file whose schema
//     is newer than this code.
//   - Never replaced: Open never creates a store. A missing, empty,
//     truncated or damaged file, a database that is not a titlecert store
//     and (with WithIssuer) another issuer's store are refused with errors
//     matching store.ErrMissing, store.ErrCorrupt or store.ErrOtherIssuer:
//     a new, empty store in their place would hand out certificate numbers
//     and status-list entries a second time. Check tells a running server
//     that its file was removed or replaced.
//   - Unrecorded entries: each status-list entry records when it was
//     reserved; UnrecordedSlots finds those no certificate was recorded
//     for, and a batch holding an entry older than store.UnrecordedGrace is
//     refused at its commit (store.ErrReservationExpired).
//
// # Security notes
//
// The file holds holder names and signed certificates. Create makes it with
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
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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

// Store is a store.Store kept in an SQLite file. Make a new one with
// Create; open an existing one with Open.
type Store struct {
	path     string
	fi       os.FileInfo // the file as opened, to notice it replaced
	now      func() time.Time
	issuer   string // WithIssuer's, or ""
	db       *sql.DB
	write    chan struct{} // holds one token while this process writes
	listSize int64

	closeOnce sync.Once
	closeErr  error
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Checker = (*Store)(nil)
)

// An Option changes how Open or Create sets up a Store.
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

// WithClock makes the store read the time from now instead of time.Now: the
// time a status-list entry is reserved, and the time compared with it when a
// certificate is recorded (store.UnrecordedGrace). It is meant for tests.
func WithClock(now func() time.Time) Option {
	return func(s *Store) error {
		if now == nil {
			return fmt.Errorf("sqlite: nil clock: %w", store.ErrInvalid)
		}
		s.now = now
		return nil
	}
}

// WithIssuer binds the store to an issuer id (the issuer's config.json).
// Create records it; Open refuses, with an error matching
// store.ErrOtherIssuer, a store that records another issuer, and records it
// in a store made before stores recorded their issuer.
func WithIssuer(id string) Option {
	return func(s *Store) error {
		if id == "" {
			return fmt.Errorf("sqlite: empty issuer id: %w", store.ErrInvalid)
		}
		s.issuer = id
		return nil
	}
}

// Create makes a new, empty store in the file at path, which must not
// exist, with mode 0600. It is the only way a store comes into being: Open
// never creates one. It returns an error matching store.ErrExists if the
// file, or a write-ahead log (path + "-wal") of an earlier store, is there.
// path is a file name, not a URI (see Open).
func Create(path string, opts ...Option) (*Store, error) {
	s, err := newStore(path, opts)
	if err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path + "-wal"); err == nil {
		return nil, fmt.Errorf("sqlite: %s-wal is there: it is the write-ahead log of an earlier store, whose database file is missing; restore that database from a backup instead of creating a new store: %w", path, store.ErrExists)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sqlite: %s already exists: %w", path, store.ErrExists)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := s.open(true); err != nil {
		os.Remove(path)
		os.Remove(path + "-wal")
		os.Remove(path + "-shm")
		return nil, err
	}
	return s, nil
}

// Open opens the existing store in the file at path and brings an older
// schema up to date (in one transaction). path is a file name, not a URI: it
// must not be empty, ":memory:", start with "file:" or contain '?'
// (store.ErrInvalid).
//
// Open never creates a store: an empty store would hand out certificate
// numbers and status-list entries again. It returns an error naming path
// and matching store.ErrMissing if the file does not exist (also when its
// write-ahead log is left without it), store.ErrCorrupt if it is empty, not
// an SQLite database, truncated, fails SQLite's quick_check, or lacks the
// titlecert schema or one of its tables, and store.ErrOtherIssuer (with
// WithIssuer) if it records another issuer. It reads the whole file once
// (quick_check): 0.35 s for a 211 MB store of 50,000 certificates on two
// cores with the file cached (BenchmarkOpen), about 1.7 s per GB.
func Open(path string, opts ...Option) (*Store, error) {
	s, err := newStore(path, opts)
	if err != nil {
		return nil, err
	}
	if err := CheckFile(path); err != nil {
		return nil, err
	}
	if err := s.open(false); err != nil {
		return nil, err
	}
	return s, nil
}

func newStore(path string, opts []Option) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: unusable file name %q: %w", path, store.ErrInvalid)
	}
	s := &Store{path: path, write: make(chan struct{}, 1), listSize: store.StatusListSize, now: time.Now}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// ErrWALLeft is matched, beside store.ErrMissing or store.ErrCorrupt, by
// CheckFile's (and Open's) error when a write-ahead log (path + "-wal") is
// left beside a database file that is missing or empty: before a backup is
// restored it must be moved aside, or SQLite would apply a log of another
// state of the store to it.
var ErrWALLeft = errors.New("sqlite: a write-ahead log is left beside the database file")

// walLeft marks an error as ErrWALLeft without changing its text.
type walLeft struct{ error }

func (e walLeft) Unwrap() error        { return e.error }
func (e walLeft) Is(target error) bool { return target == ErrWALLeft }

// CheckFile makes the cheap checks Open makes before SQLite reads the file
// at path (SQLite would turn a missing or empty file into a new database):
// an error matching store.ErrMissing if it does not exist (its write-ahead
// log left alone is named), store.ErrCorrupt if it is not a regular file, is
// empty, does not start with the SQLite header or is shorter than its header
// says. It reads the first 100 bytes; it does not check the contents.
func CheckFile(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, werr := os.Lstat(path + "-wal"); werr == nil {
			return walLeft{fmt.Errorf("sqlite: %s is missing, but its write-ahead log %s-wal is there: the database file was deleted or moved: %w", path, filepath.Base(path), store.ErrMissing)}
		}
		return fmt.Errorf("sqlite: %s does not exist: %w", path, store.ErrMissing)
	} else if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("sqlite: %s is not a regular file: %w", path, store.ErrCorrupt)
	}
	if fi.Size() == 0 {
		wal := ""
		if _, err := os.Lstat(path + "-wal"); err == nil {
			wal = fmt.Sprintf(", and a write-ahead log %s-wal is there", filepath.Base(path))
		}
		err := fmt.Errorf("sqlite: %s is empty (0 bytes)%s: %w", path, wal, store.ErrCorrupt)
		if wal != "" {
			return walLeft{err}
		}
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer f.Close()
	var h [100]byte
	if n, _ := io.ReadFull(f, h[:]); n < len(h) || string(h[:16]) != sqliteHeader {
		return fmt.Errorf("sqlite: %s is not an SQLite database: %w", path, store.ErrCorrupt)
	}
	// The header's page count is valid when its "version-valid-for"
	// equals the change counter; pages checkpointed from the WAL are in
	// the file, so a file shorter than that was cut off.
	pageSize := int64(binary.BigEndian.Uint16(h[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := int64(binary.BigEndian.Uint32(h[28:32]))
	if binary.BigEndian.Uint32(h[92:96]) == binary.BigEndian.Uint32(h[24:28]) && pages > 0 && fi.Size() < pages*pageSize {
		return fmt.Errorf("sqlite: %s is truncated: %d bytes, its header says %d: %w", path, fi.Size(), pages*pageSize, store.ErrCorrupt)
	}
	return nil
}

// open connects to the file CheckFile (or Create) vetted, checks its
// integrity and schema, and migrates it. A new store gets the schema.
func (s *Store) open(create bool) error {
	dsn := s.path + "?" + strings.Join([]string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", BusyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(1)",
		"_txlock=immediate",
	}, "&")
	var err error
	s.db, err = sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	s.db.SetMaxIdleConns(4)
	if err := s.setUp(context.Background(), create); err != nil {
		s.db.Close()
		return err
	}
	if s.fi, err = os.Stat(s.path); err != nil {
		s.db.Close()
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// damaged wraps a driver error, matching store.ErrCorrupt when SQLite found
// the file damaged or not a database.
func (s *Store) damaged(what string, err error) error {
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("sqlite: %s: %s: %w (%v)", s.path, what, store.ErrCorrupt, err)
		}
	}
	return fmt.Errorf("sqlite: %s: %s: %w", s.path, what, err)
}

// tables are those the schema makes; a store lacking one is damaged.
var tables = []string{"schema_version", "counters", "status_lists", "status_slots", "batches", "certificates",
	"status_events", "verifications", "audit_log", "admin_tokens", "store_meta"}

func (s *Store) setUp(ctx context.Context, create bool) error {
	if !create {
		if err := s.inspect(ctx); err != nil {
			return err
		}
	}
	if err := s.migrate(ctx, create); err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'`)
	if err != nil {
		return s.damaged("reading the schema", err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return s.damaged("reading the schema", err)
		}
		have[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.damaged("reading the schema", err)
	}
	for _, t := range tables {
		if !have[t] {
			return fmt.Errorf("sqlite: %s lacks the %s table of a titlecert store: %w", s.path, t, store.ErrCorrupt)
		}
	}
	return s.bindIssuer(ctx)
}

// inspect checks an existing file, through a read-only connection that
// changes nothing in it (the store's own connections would turn a foreign
// database to WAL mode): SQLite's quick_check, and the titlecert schema.
func (s *Store) inspect(ctx context.Context) error {
	db, err := sql.Open("sqlite", s.path+"?"+fmt.Sprintf("_pragma=busy_timeout(%d)", BusyTimeout.Milliseconds())+"&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check(1)`).Scan(&res); err != nil {
		return s.damaged("integrity check", err)
	}
	if res != "ok" {
		return fmt.Errorf("sqlite: %s fails the integrity check (%s): %w", s.path, res, store.ErrCorrupt)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&n); err != nil {
		return s.damaged("reading the schema", err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s is an SQLite database but not a titlecert store (no schema_version table): %w", s.path, store.ErrCorrupt)
	}
	return nil
}

// Issuer returns the issuer id the store is bound to, or "" for a store
// made before stores recorded their issuer and not bound since.
func (s *Store) Issuer(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE key = 'issuer_id'`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fail(ctx, s.damaged("reading the issuer", err))
	}
	return id, nil
}

// BindIssuer binds the store to issuer id, as WithIssuer does at Open: it
// records id in a store that records no issuer yet (one made before stores
// recorded theirs), and returns an error matching store.ErrOtherIssuer if
// the store records another.
func (s *Store) BindIssuer(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("sqlite: empty issuer id: %w", store.ErrInvalid)
	}
	s.issuer = id
	return s.bindIssuer(ctx)
}

// bindIssuer records the issuer WithIssuer names, or checks it against
// the one recorded.
func (s *Store) bindIssuer(ctx context.Context) error {
	if s.issuer == "" {
		return nil
	}
	// Usually recorded already: a read, no write lock.
	var have string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE key = 'issuer_id'`).Scan(&have)
	switch {
	case err == nil && have == s.issuer:
		return nil
	case err == nil:
		return fmt.Errorf("sqlite: %s is the store of issuer %q, not %q: %w", s.path, have, s.issuer, store.ErrOtherIssuer)
	case !errors.Is(err, sql.ErrNoRows):
		return s.damaged("reading the issuer", err)
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		var have string
		err := tx.QueryRowContext(ctx, `SELECT value FROM store_meta WHERE key = 'issuer_id'`).Scan(&have)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO store_meta (key, value) VALUES ('issuer_id', ?)`, s.issuer); err != nil {
				return s.damaged("recording the issuer", err)
			}
			return nil
		case err != nil:
			return s.damaged("reading the issuer", err)
		case have != s.issuer:
			return fmt.Errorf("sqlite: %s is the store of issuer %q, not %q: %w", s.path, have, s.issuer, store.ErrOtherIssuer)
		}
		return nil
	})
}

// Check implements store.Checker: the file is still the one opened, and a
// small query answers.
func (s *Store) Check(ctx context.Context) error {
	fi, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sqlite: %s was removed while open: %w", s.path, store.ErrMissing)
	} else if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if !os.SameFile(fi, s.fi) {
		return fmt.Errorf("sqlite: %s was replaced by another file while open: %w", s.path, store.ErrMissing)
	}
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil {
		return fail(ctx, s.damaged("reading the schema version", err))
	}
	return nil
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
		reservedAt := s.now().Unix()
		ins, err := tx.PrepareContext(ctx, `INSERT INTO status_slots (list, idx, reserved_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
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
				res, err := ins.ExecContext(ctx, list, idx, reservedAt)
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
		return s.checkReservations(ctx, tx, b.ID)
	})
}

// checkReservations refuses a batch, before its commit, if one of its
// certificates holds a status-list entry reserved more than
// store.UnrecordedGrace ago: status lists may already publish that entry
// as unrecorded. Checked in the batch's write transaction, with the store's
// clock, it agrees with UnrecordedSlots: a reader sees the batch either
// not yet recorded, with the entry still within the grace period, or
// recorded.
func (s *Store) checkReservations(ctx context.Context, tx *sql.Tx, batchID string) error {
	cutoff := s.now().Add(-store.UnrecordedGrace)
	var number string
	var list, idx, at int64
	err := tx.QueryRowContext(ctx, `SELECT c.number, s.list, s.idx, s.reserved_at
		FROM certificates c JOIN status_slots s ON s.list = c.status_list AND s.idx = c.status_index
		WHERE c.batch_id = ? AND s.reserved_at < ? ORDER BY c.number LIMIT 1`, batchID, cutoff.Unix()).Scan(&number, &list, &idx, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return fmt.Errorf("sqlite: checking the batch's status-list entries: %w", err)
	}
	return fmt.Errorf("sqlite: recording certificate %s: its status-list entry %d/%d was reserved at %s, more than %s ago, and may be published as unrecorded; issue the batch again: %w",
		number, list, idx, time.Unix(at, 0).UTC().Format(time.RFC3339), store.UnrecordedGrace, store.ErrReservationExpired)
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
func (s *Store) one(ctx context.Context, what, key string, query string, args ...any) (*store.Certificate, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	c, err := scanCert(s.db.QueryRowContext(ctx, `SELECT `+certColumns+` FROM certificates WHERE `+query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: %w", &store.NotFoundError{What: what, Key: key})
	} else if err != nil {
		return nil, fail(ctx, fmt.Errorf("sqlite: %s %q: %w", what, key, err))
	}
	return c, nil
}

// FindTitle implements store.Store.
func (s *Store) FindTitle(ctx context.Context, holderKey []byte, titleKey string) (*store.Certificate, error) {
	return s.one(ctx, "title", titleKey, `holder_key = ? AND title_key = ?`, holderKey, titleKey)
}

// Certificate implements store.Store.
func (s *Store) Certificate(ctx context.Context, number string) (*store.Certificate, error) {
	return s.one(ctx, "certificate", number, `number = ?`, number)
}

// ByVerificationCode implements store.Store.
func (s *Store) ByVerificationCode(ctx context.Context, code string) (*store.Certificate, error) {
	return s.one(ctx, "verification code", code, `verification_code = ?`, code)
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
