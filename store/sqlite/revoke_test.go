package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

// TestArchiveAppendOnly checks that the database itself refuses to edit or
// delete the integrity archive, to un-revoke a certificate or to delete one,
// whatever program writes to the file.
func TestArchiveAppendOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := sqlite.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c := store.Certificate{Number: "2026000001", Seq: 1, BatchID: "B", HolderKey: []byte("h"), TitleKey: "t",
		HolderName: "张三", HolderIDMask: "1101**********002X", Series: "s", Specialty: "s", Level: "中级", Title: "t",
		Committee: "c", ReviewDate: "2026-01-01", JWS: "a.b.c", IssuedAt: time.Now()}
	if err := s.Issue(ctx, store.Batch{ID: "B", Source: "x", CreatedAt: time.Now()}, []store.Certificate{c}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{c.Number}}, store.StatusChange{
		Action: store.ActionRevoke, Reason: store.ReasonFraud, Effective: now, RecordedAt: now, Operator: "t"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`UPDATE status_events SET reason = 'other'`,
		`DELETE FROM status_events`,
		`UPDATE certificates SET status = 'valid'`,
		`DELETE FROM certificates`,
	} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM status_events`).Scan(&n)
	var status string
	db.QueryRow(`SELECT status FROM certificates`).Scan(&status)
	if n != 1 || status != store.StatusRevoked {
		t.Fatalf("archive %d entries, status %s", n, status)
	}
}
