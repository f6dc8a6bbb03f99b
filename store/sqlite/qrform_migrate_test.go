package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

// testdata/schema3.db was written by titlecert before the QR text form
// was recorded (schema version 3): two certificates of batch 2026-03-A.
func openLegacyDB(t *testing.T) *sqlite.Store {
	t.Helper()
	data, err := os.ReadFile("testdata/schema3.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "titlecert.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(path, sqlite.WithStatusListSize(16))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Certificates issued before the QR text form was recorded have the
// legacy upper-case form (1): they must render again to the bytes issued.
// Certificates issued after record theirs.
func TestMigrationQRForm(t *testing.T) {
	s := openLegacyDB(t)
	ctx := t.Context()
	for _, n := range []string{"2026000001", "2026000002"} {
		c, err := s.Certificate(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if c.QRForm != 1 || c.JWS != "eyJhbGciOiJFZERTQSJ9.legacy-"+n[len(n)-1:]+".sig" {
			t.Errorf("legacy certificate %s: QRForm %d, JWS %q", n, c.QRForm, c.JWS)
		}
	}
	seq, err := s.AllocateSeq(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if seq != 3 {
		t.Fatalf("AllocateSeq after migration = %d, want 3", seq)
	}
	old, _ := s.Certificate(ctx, "2026000001")
	certs := []store.Certificate{*old, *old}
	for i := range certs {
		c := &certs[i]
		c.Number, c.Seq, c.BatchID = []string{"2026000003", "2026000004"}[i], seq+int64(i), ""
		c.HolderKey = []byte("another holder " + c.Number)
		c.JWS, c.VerificationCode = "eyJ.new-"+c.Number+".sig", "NEW-"+c.Number
		c.QRForm = uint8(i) // 0: the lower-case form; 1 kept as given
	}
	if err := s.Issue(ctx, store.Batch{ID: "2026-11-A", Source: "x.csv", CreatedAt: old.IssuedAt, Operator: "t"}, certs); err != nil {
		t.Fatal(err)
	}
	for i, n := range []string{"2026000003", "2026000004"} {
		c, err := s.Certificate(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if c.QRForm != uint8(i) {
			t.Errorf("certificate %s issued after the migration: QRForm %d, want %d", n, c.QRForm, i)
		}
	}
	// The legacy rows kept theirs.
	if c, _ := s.Certificate(ctx, "2026000002"); c.QRForm != 1 {
		t.Errorf("legacy certificate after new issues: QRForm %d", c.QRForm)
	}
}
