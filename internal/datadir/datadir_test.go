package datadir_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store"
)

var cfg = datadir.Config{IssuerID: "fjhrss", IssuerName: "福建省人力资源和社会保障厅", BaseURL: "https://verify.example", IDHashCost: 10}

func TestInitOpenUnlock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	pass := []byte("correct horse battery")
	d, err := datadir.Init(dir, cfg, pass, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(datadir.KeysDir, d.Config.ActiveKID+".jwe"), datadir.HolderKeyFile} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, info.Mode().Perm())
		}
	}
	d2, err := datadir.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Config.ActiveKID != d.Config.ActiveKID || len(d2.PublicSet.Keys) != 1 || d2.Directory == nil {
		t.Fatalf("reopened: %+v", d2.Config)
	}
	s, err := d2.Unlock(pass)
	if err != nil {
		t.Fatal(err)
	}
	if s.SigningKey.KeyID != d.Config.ActiveKID || len(s.HolderKey) != 32 {
		t.Fatal("unlocked secrets do not match")
	}
	a, b := s.HolderHash("11010519491231002x"), s.HolderHash(" 11010519491231002X ")
	if string(a) != string(b) || string(a) == string(s.HolderHash("350102198001011233")) {
		t.Fatal("holder hash does not normalize or does not discriminate")
	}
	if _, err := d2.Unlock([]byte("wrong passphrase")); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := datadir.Init(dir, cfg, pass, nil, nil); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("init over an existing directory: %v", err)
	}
}

func TestInitRefusals(t *testing.T) {
	for name, c := range map[string]datadir.Config{
		"issuer id":  {IssuerID: "Bad ID", IssuerName: "x", BaseURL: "https://x.example"},
		"base url":   {IssuerID: "x", IssuerName: "x", BaseURL: "ftp://x.example"},
		"lower case": {IssuerID: "x", IssuerName: "x", BaseURL: "https://x.example/a_b"},
		"algorithm":  {IssuerID: "x", IssuerName: "x", BaseURL: "https://x.example", Algorithm: "RS256"},
		"name":       {IssuerID: "x", IssuerName: "", BaseURL: "https://x.example"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			if _, err := datadir.Init(dir, c, []byte("correct horse battery"), nil, nil); err == nil {
				t.Fatal("accepted")
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatal("a refused init left files behind")
			}
		})
	}
	if _, err := datadir.Init(filepath.Join(t.TempDir(), "d"), cfg, []byte("short"), nil, nil); err == nil {
		t.Fatal("short passphrase accepted")
	}
	if _, err := datadir.Init(filepath.Join(t.TempDir(), "d"), cfg, []byte("correct horse battery"), []byte(`{"version":"x","series":[]}`), nil); err == nil {
		t.Fatal("bad directory accepted")
	}
}

func TestOpenNotDataDir(t *testing.T) {
	if _, err := datadir.Open(t.TempDir()); !errors.Is(err, datadir.ErrNotDataDir) {
		t.Fatalf("err = %v", err)
	}
}

// TestStoreNeverReplaced checks that Init makes the store and that Open and
// OpenStore refuse a data directory whose store is missing, damaged or
// another issuer's, without making a new one.
func TestStoreNeverReplaced(t *testing.T) {
	root := t.TempDir()
	pass := []byte("correct horse battery")
	dir := filepath.Join(root, "data")
	d, err := datadir.Init(dir, cfg, pass, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := d.OpenStore()
	if err != nil {
		t.Fatalf("the store Init made: %v", err)
	}
	st.Close()
	backup, err := os.ReadFile(d.StorePath())
	if err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.IssuerID = "gdhrss"
	od, err := datadir.Init(filepath.Join(root, "other"), other, pass, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := os.ReadFile(od.StorePath())

	os.Remove(d.StorePath())
	if _, err := datadir.Open(dir); !errors.Is(err, store.ErrMissing) || !strings.Contains(err.Error(), d.StorePath()) {
		t.Fatalf("missing store: %v", err)
	}
	if _, err := d.OpenStore(); !errors.Is(err, store.ErrMissing) {
		t.Fatalf("OpenStore of a missing store: %v", err)
	}
	if _, err := os.Stat(d.StorePath()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a store was made: %v", err)
	}
	os.WriteFile(d.StorePath(), nil, 0o600)
	if _, err := datadir.Open(dir); !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("empty store: %v", err)
	}
	os.WriteFile(d.StorePath(), foreign, 0o600)
	if _, err := d.OpenStore(); !errors.Is(err, store.ErrOtherIssuer) {
		t.Fatalf("another issuer's store: %v", err)
	}
	os.WriteFile(d.StorePath(), backup, 0o600)
	if st, err = d.OpenStore(); err != nil {
		t.Fatalf("restored: %v", err)
	}
	st.Close()
}

// TestIssuerIDRule: a configuration's issuer id follows the one rule,
// cert.CheckIssuerID (FORMAT.md §4 "iss"), so that every id init accepts
// can sign certificates that verify, and every id certificates may carry
// can be configured (capitals included, as FORMAT.md allows).
func TestIssuerIDRule(t *testing.T) {
	for _, id := range []string{"fjhrss", "FJHRSS", "Fj.hrss_2-x", strings.Repeat("a", 64), "", strings.Repeat("a", 65), ".fj", "fj hrss", "福建"} {
		c := datadir.Config{IssuerID: id, IssuerName: "福建省人力资源和社会保障厅", BaseURL: "https://verify.hrss.fj.example"}
		err := c.Check()
		want := cert.CheckIssuerID(id)
		if (err == nil) != (want == nil) {
			t.Errorf("Check with issuer id %q = %v, cert.CheckIssuerID = %v", id, err, want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "datadir: cert: issuer id") {
			t.Errorf("issuer id %q: error %q does not name the field", id, err)
		}
		if is := c.Issuer(); is.ID != id || is.Name != c.IssuerName || is.BaseURL != c.BaseURL {
			t.Errorf("Issuer() = %+v", is)
		}
	}
}
