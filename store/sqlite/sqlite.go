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
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/titlecert/titlecert/store"
)

// BusyTimeout is how long a write waits for another process's write to
// finish before it fails.
const BusyTimeout = 30 * time.Second

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
