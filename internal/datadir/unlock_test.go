package datadir_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/keys"
)

// BenchmarkUnlock is the start-up cost of every signing command: two
// PBKDF2 unseals of keys.PBES2Count iterations (run with -benchtime=10x).
func BenchmarkUnlock(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "data")
	pass := []byte("correct horse battery")
	d, err := datadir.Init(dir, cfg, pass, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := d.Unlock(pass); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUnlockFailures checks which failure Unlock reports now that the two
// keys are unsealed at once: the signing key's, as before, whatever
// happens to the holder key.
func TestUnlockFailures(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	pass := []byte("correct horse battery")
	d, err := datadir.Init(dir, cfg, pass, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	holder := filepath.Join(dir, datadir.HolderKeyFile)
	sealed, err := os.ReadFile(holder)
	if err != nil {
		t.Fatal(err)
	}
	// The holder key sealed under another passphrase: the signing key opens,
	// the holder key does not.
	other, err := keys.SealSecret(make([]byte, 32), []byte("another passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(holder, other, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Unlock(pass); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("holder key under another passphrase: %v, want ErrWrongPassphrase", err)
	}
	// Holder key missing and the passphrase wrong: the passphrase is named.
	if err := os.Remove(holder); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Unlock([]byte("wrong passphrase")); !errors.Is(err, keys.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase, holder key missing: %v, want ErrWrongPassphrase", err)
	}
	// Holder key missing, passphrase right: the missing file is named.
	if _, err := d.Unlock(pass); err == nil || errors.Is(err, keys.ErrWrongPassphrase) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("holder key missing: %v, want a not-exist error", err)
	}
	if err := os.WriteFile(holder, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Unlock(pass); err != nil {
		t.Fatal(err)
	}
}
