package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

// TestChangeStatusChangedMeanwhile runs ChangeStatus's guard against a
// certificate whose status changes between its selection and its update
// (the UPDATE matches the status read, and must change exactly one row).
// A trigger that skips the second certificate's update stands for that
// change: the whole change is refused, naming the certificate, and
// nothing is changed or archived, the first certificate included.
func TestChangeStatusChangedMeanwhile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	s, err := sqlite.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	var certs []store.Certificate
	for i, n := range []string{"2026000001", "2026000002"} {
		certs = append(certs, store.Certificate{Number: n, Seq: int64(i + 1), BatchID: "B", HolderKey: []byte{'h', byte(i)}, TitleKey: "t" + n,
			HolderName: "张三", HolderIDMask: "1101**********002X", Series: "s", Specialty: "s", Level: "中级", Title: "t",
			Committee: "c", ReviewDate: "2026-01-01", JWS: "a.b." + n, IssuedAt: time.Now()})
	}
	if err := s.Issue(ctx, store.Batch{ID: "B", Source: "x", CreatedAt: time.Now()}, certs); err != nil {
		t.Fatal(err)
	}
	rawExec(t, path, `CREATE TRIGGER test_changed_meanwhile BEFORE UPDATE OF status ON certificates
		WHEN OLD.number = '2026000002' BEGIN SELECT RAISE(IGNORE); END`)

	now := time.Now()
	for name, sel := range map[string]store.Selection{
		"numbers":   {Numbers: []string{"2026000001", "2026000002"}},
		"committee": {Committee: "c"},
	} {
		_, err := s.ChangeStatus(ctx, sel, store.StatusChange{
			Action: store.ActionRevoke, Reason: store.ReasonFraud, Effective: now, RecordedAt: now, Operator: "t"})
		if err == nil || !strings.Contains(err.Error(), "certificate 2026000002 changed meanwhile") {
			t.Fatalf("%s: ChangeStatus = %v, want certificate 2026000002 changed meanwhile", name, err)
		}
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var events, revoked int
	if err := db.QueryRow(`SELECT count(*) FROM status_events`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM certificates WHERE status != 'valid'`).Scan(&revoked); err != nil {
		t.Fatal(err)
	}
	if events != 0 || revoked != 0 {
		t.Fatalf("after the refused change: %d archive entries, %d certificates not valid; want none", events, revoked)
	}
}
