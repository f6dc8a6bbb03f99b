package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
	"github.com/titlecert/titlecert/store/storetest"
)

func TestUnrecorded(t *testing.T) {
	storetest.RunUnrecorded(t, func(t *testing.T, now func() time.Time) store.Store {
		s, err := sqlite.Create(filepath.Join(t.TempDir(), "titlecert.db"), sqlite.WithClock(now))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// filled makes a closed store at dir/titlecert.db with some records, all of
// them checkpointed into the file, and returns its path.
func filled(t *testing.T, dir string, opts ...sqlite.Option) string {
	t.Helper()
	path := filepath.Join(dir, "titlecert.db")
	s, err := sqlite.Create(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := s.AllocateSeq(ctx, 10); err != nil {
		t.Fatal(err)
	}
	slots, err := s.AllocateStatusSlots(ctx, 200, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var certs []store.Certificate
	for i, sl := range slots {
		c := store.Certificate{Number: "2026" + strings.Repeat("0", 5) + string(rune('0'+i%10)) + string(rune('a'+i/10)), Seq: int64(i + 1),
			HolderKey: []byte{byte(i), byte(i >> 8)}, TitleKey: "t", HolderName: "张三", HolderIDMask: "1101**********002X",
			Series: "s", Specialty: "s", Level: "中级", Title: "t", Committee: "c", ReviewDate: "2026-01-01",
			StatusList: sl.List, StatusIndex: sl.Index, JWS: strings.Repeat("x", 2000), IssuedAt: time.Now()}
		certs = append(certs, c)
	}
	if err := s.Issue(ctx, store.Batch{ID: "B", Source: "x", CreatedAt: time.Now()}, certs); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err == nil {
		t.Fatal("the WAL is still there after Close")
	}
	return path
}

func rawExec(t *testing.T, path string, queries ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestOpenRefuses checks every way a store's file can be missing or
// damaged: Open reports it with the path and the right sentinel, and never
// makes a new, empty store in its place.
func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name string
		make func(t *testing.T, path string) // damages the store at path
		want error
		msg  string
	}{
		{"missing", func(t *testing.T, path string) { os.Remove(path) }, store.ErrMissing, "does not exist"},
		{"wal without its database", func(t *testing.T, path string) {
			// A WAL left behind: keep a copy of a live one, remove the rest.
			s, err := sqlite.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AllocateSeq(t.Context(), 1); err != nil {
				t.Fatal(err)
			}
			wal, err := os.ReadFile(path + "-wal")
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(path)
			os.WriteFile(path+"-wal", wal, 0o600)
		}, store.ErrMissing, "titlecert.db-wal is there"},
		{"zero length", func(t *testing.T, path string) { os.Truncate(path, 0) }, store.ErrCorrupt, "is empty (0 bytes): "},
		{"zero length next to a WAL", func(t *testing.T, path string) {
			os.Truncate(path, 0)
			os.WriteFile(path+"-wal", []byte("log"), 0o600)
		}, store.ErrCorrupt, "is empty (0 bytes), and a write-ahead log titlecert.db-wal is there"},
		{"a directory", func(t *testing.T, path string) { os.Remove(path); os.Mkdir(path, 0o700) }, store.ErrCorrupt, "not a regular file"},
		{"not SQLite", func(t *testing.T, path string) { os.WriteFile(path, []byte("number,name\n2026000001,张三\n"), 0o600) }, store.ErrCorrupt, "not an SQLite database"},
		{"not SQLite, long", func(t *testing.T, path string) {
			os.WriteFile(path, []byte(strings.Repeat("%PDF-1.7 not a database\n", 400)), 0o600)
		}, store.ErrCorrupt, "not an SQLite database"},
		{"header only", func(t *testing.T, path string) { os.Truncate(path, 50) }, store.ErrCorrupt, "not an SQLite database"},
		{"truncated to half", func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			os.Truncate(path, fi.Size()/2)
		}, store.ErrCorrupt, "is truncated"},
		{"truncated to one page", func(t *testing.T, path string) { os.Truncate(path, 4096) }, store.ErrCorrupt, "is truncated"},
		{"page overwritten", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Page 3 onward: b-tree pages of the tables; garbage in their headers.
			garbage := []byte(strings.Repeat("\xff\x13", 2048))
			for p := int64(2); p < 6; p++ {
				f.WriteAt(garbage, p*4096)
			}
		}, store.ErrCorrupt, "damaged"},
		{"another SQLite database", func(t *testing.T, path string) {
			os.Remove(path)
			rawExec(t, path, `CREATE TABLE t (a)`)
		}, store.ErrCorrupt, "not a titlecert store"},
		{"a table missing", func(t *testing.T, path string) { rawExec(t, path, `DROP TABLE admin_tokens`) }, store.ErrCorrupt, "lacks the admin_tokens table"},
		{"no schema version", func(t *testing.T, path string) { rawExec(t, path, `DELETE FROM schema_version`) }, store.ErrCorrupt, "records no schema version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filled(t, t.TempDir())
			tt.make(t, path)
			before, _ := os.ReadFile(path)
			s, err := sqlite.Open(path)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "sqlite: ") {
				t.Fatalf("Open: %v\nwant %v, naming %s and saying %q", err, tt.want, path, tt.msg)
			}
			// A write-ahead log left behind is a part callers act on
			// (titlecert says to move it aside first): matched, not read.
			if wal := strings.Contains(tt.name, "wal") || strings.Contains(tt.name, "WAL"); errors.Is(err, sqlite.ErrWALLeft) != wal {
				t.Fatalf("Open: %v: errors.Is(err, ErrWALLeft) = %v, want %v", err, !wal, wal)
			}
			// Nothing was created or changed in its place.
			after, _ := os.ReadFile(path)
			if string(before) != string(after) {
				t.Fatal("Open changed the file")
			}
		})
	}
}

func TestOpenIssuer(t *testing.T) {
	dir := t.TempDir()
	path := filled(t, dir, sqlite.WithIssuer("fjhrss"))
	if _, err := sqlite.Open(path, sqlite.WithIssuer("gdhrss")); !errors.Is(err, store.ErrOtherIssuer) ||
		!strings.Contains(err.Error(), `issuer "fjhrss", not "gdhrss"`) || !strings.Contains(err.Error(), path) {
		t.Fatalf("another issuer's store: %v", err)
	}
	s, err := sqlite.Open(path, sqlite.WithIssuer("fjhrss"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Opened without an issuer, nothing is checked or recorded.
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A store made before stores recorded their issuer takes the first
	// one it is opened for, and then refuses others.
	old := filled(t, t.TempDir())
	if s, err = sqlite.Open(old); err != nil {
		t.Fatal(err)
	}
	if id, err := s.Issuer(t.Context()); id != "" || err != nil {
		t.Fatalf("issuer of an unbound store: %q %v", id, err)
	}
	s.Close()
	if s, err = sqlite.Open(old, sqlite.WithIssuer("gdhrss")); err != nil {
		t.Fatal(err)
	}
	if id, err := s.Issuer(t.Context()); id != "gdhrss" || err != nil {
		t.Fatalf("issuer after binding: %q %v", id, err)
	}
	if err := s.BindIssuer(t.Context(), "fjhrss"); !errors.Is(err, store.ErrOtherIssuer) {
		t.Fatalf("BindIssuer to another: %v", err)
	}
	s.Close()
	if _, err := sqlite.Open(old, sqlite.WithIssuer("fjhrss")); !errors.Is(err, store.ErrOtherIssuer) {
		t.Fatalf("after adoption: %v", err)
	}
}

func TestCreateRefuses(t *testing.T) {
	path := filled(t, t.TempDir())
	before, _ := os.ReadFile(path)
	if _, err := sqlite.Create(path); !errors.Is(err, store.ErrExists) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Create over a store: %v", err)
	}
	for _, size := range []int64{0, 10} {
		p := filepath.Join(t.TempDir(), "titlecert.db")
		os.WriteFile(p, before[:size], 0o600)
		if _, err := sqlite.Create(p); !errors.Is(err, store.ErrExists) {
			t.Fatalf("Create over a file of %d bytes: %v", size, err)
		}
	}
	if after, _ := os.ReadFile(path); string(before) != string(after) {
		t.Fatal("Create changed the store")
	}
	// A WAL without its database: creating a store there would let SQLite
	// apply the old log to the new file.
	p := filepath.Join(t.TempDir(), "titlecert.db")
	os.WriteFile(p+"-wal", []byte("wal"), 0o600)
	if _, err := sqlite.Create(p); !errors.Is(err, store.ErrExists) || !strings.Contains(err.Error(), "-wal") {
		t.Fatalf("Create next to a WAL: %v", err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Create left a database file: %v", err)
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filled(t, dir)
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	// Replaced behind the open store (a restore done the wrong way, or a
	// new empty file): not the store this process writes to.
	other := filled(t, t.TempDir())
	moved := path + ".moved"
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); !errors.Is(err, store.ErrMissing) || !strings.Contains(err.Error(), "was removed") {
		t.Fatalf("Check with the file removed: %v", err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); !errors.Is(err, store.ErrMissing) || !strings.Contains(err.Error(), "was replaced") {
		t.Fatalf("Check with the file replaced: %v", err)
	}
	s.Close()
	if err := s.Check(ctx); err == nil {
		t.Fatal("Check on a closed store succeeded")
	}
}

// BenchmarkOpen measures Open (with its quick_check) on a store of 50,000
// certificates (about 130 MB).
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "titlecert.db")
	s, err := sqlite.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	jws := strings.Repeat("x", 2000)
	for k := range 50 {
		var certs []store.Certificate
		for i := range 1000 {
			n := k*1000 + i
			certs = append(certs, store.Certificate{Number: fmt.Sprintf("2026%06d", n), Seq: int64(n), HolderKey: []byte(fmt.Sprint(n)), TitleKey: "t",
				HolderName: "张三", HolderIDMask: "1101**********002X", Series: "s", Specialty: "s", Level: "中级", Title: "t",
				Committee: "c", ReviewDate: "2026-01-01", StatusList: 1, StatusIndex: int64(n), JWS: jws, IssuedAt: time.Now()})
		}
		if err := s.Issue(b.Context(), store.Batch{ID: fmt.Sprint("B", k), CreatedAt: time.Now()}, certs); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	fi, _ := os.Stat(path)
	for b.Loop() {
		s, err := sqlite.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric(float64(fi.Size())/1e6, "MB")
}
