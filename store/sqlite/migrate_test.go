package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
)

// TestMigrateVersion3 opens a store made by the previous schema (version
// 3, before reservations had a time): it is brought up to date, an entry
// reserved then and never recorded counts from the migration, and the
// store takes the issuer it is first opened for.
func TestMigrateVersion3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "titlecert.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for v, m := range migrations[:3] {
		if v == 0 {
			if _, err := db.Exec(`CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT`); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO schema_version (version) VALUES (?)`, v+1); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO status_lists (id, size, used) VALUES (1, 131072, 2)`,
		`INSERT INTO status_slots (list, idx) VALUES (1, 7), (1, 9)`,
		`INSERT INTO batches (id, source, count, created_at, operator) VALUES ('B', 'x', 1, 0, 'op')`,
		`INSERT INTO certificates (number, seq, batch_id, holder_key, title_key, holder_name, holder_id_mask, series, specialty,
			level, title, committee, review_date, status_list, status_index, jws, issued_at, status)
			VALUES ('2026000001', 1, 'B', x'01', 't', 'n', 'm', 's', 's', 'l', 't', 'c', '2026-01-01', 1, 7, 'a.b.c', 0, 'valid')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	before := time.Now().Truncate(time.Second)
	s, err := Open(path, WithIssuer("fjhrss"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	s.db.QueryRow(`SELECT max(version) FROM schema_version`).Scan(&v)
	if v != len(migrations) {
		t.Fatalf("schema version %d, want %d", v, len(migrations))
	}
	var got []store.UnrecordedSlot
	collect := func(e store.UnrecordedSlot) error { got = append(got, e); return nil }
	if err := s.UnrecordedSlots(context.Background(), 1, before, collect); err != nil || len(got) != 0 {
		t.Fatalf("an old entry counted from before the migration: %+v %v", got, err)
	}
	if err := s.UnrecordedSlots(context.Background(), 1, time.Now().Add(time.Second), collect); err != nil || len(got) != 1 || got[0].Index != 9 || got[0].ReservedAt.Before(before) {
		t.Fatalf("unrecorded after the migration: %+v %v", got, err)
	}
	s.Close()
	if _, err := Open(path, WithIssuer("gdhrss")); !errors.Is(err, store.ErrOtherIssuer) {
		t.Fatalf("adopted store opened for another issuer: %v", err)
	}
}
