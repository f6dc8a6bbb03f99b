package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/titlecert/titlecert/store"
)

// The schema is the SQL files under migrations/, one step per file, applied
// in the order of their names (0001_..., 0002_...); the database records how
// many it has applied. Append new files; never edit, rename or reorder old
// ones: stores already migrated would not run them again, and
// TestMigrationsUnchanged pins each file's bytes.
//
//	0001_issuance:     certificates, batches, sequence counter, status lists.
//	0002_revocation:   status changes and the append-only integrity archive.
//	0003_server:       the verification server's records and admin tokens.
//	0004_reservations: when each status-list entry was reserved, so that
//	                   entries no certificate was recorded for are published
//	                   as unrecorded after store.UnrecordedGrace (entries
//	                   reserved before this step count from the migration);
//	                   and the issuer the store belongs to.
//	0005_qr_form:      the QR text form (cert.QRForm) each certificate was
//	                   issued with, so that it renders again to the bytes
//	                   issued: every certificate issued before this step has
//	                   the legacy upper-case form (1); later ones record
//	                   theirs (0, the lower-case form, when a writer omits it).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are the steps of the schema, in order.
var migrations = loadMigrations()

func loadMigrations() []string {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		panic(err) // the pattern is constant
	}
	sort.Strings(names)
	steps := make([]string, len(names))
	for i, name := range names {
		if want := fmt.Sprintf("%04d_", i+1); len(path.Base(name)) < len(want) || path.Base(name)[:len(want)] != want {
			panic("sqlite: migration " + name + " out of sequence") // caught by every test
		}
		b, err := migrationFS.ReadFile(name)
		if err != nil {
			panic(err) // embedded: cannot fail
		}
		steps[i] = string(b)
	}
	return steps
}

func (s *Store) migrate(ctx context.Context, create bool) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if create {
			if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT`); err != nil {
				return fmt.Errorf("sqlite: creating schema_version: %w", err)
			}
		}
		var v int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v); err != nil {
			return s.damaged("reading the schema version", err)
		}
		if v == 0 && !create {
			return fmt.Errorf("sqlite: %s records no schema version: it is not a titlecert store, or it was never set up: %w", s.path, store.ErrCorrupt)
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
