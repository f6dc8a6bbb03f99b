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

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/titlecert/titlecert/store"
)

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// sqliteHeaderLen is the length of an SQLite database file's header.
const sqliteHeaderLen = 100

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
	// Cut short while open (truncate -s 0): SQLite answers from its
	// page cache and write-ahead log until the next write fails.
	if fi.Size() < sqliteHeaderLen {
		return fmt.Errorf("sqlite: %s was cut to %d bytes while open, shorter than its %d-byte header: %w", s.path, fi.Size(), sqliteHeaderLen, store.ErrCorrupt)
	}
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_version`).Scan(&v); err != nil {
		return fail(ctx, s.damaged("reading the schema version", err))
	}
	return nil
}
