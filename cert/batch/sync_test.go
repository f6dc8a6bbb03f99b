package batch

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSyncStaging(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.pdf"), []byte("%PDF-1.7"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syncStaging(dir); err != nil {
		t.Fatalf("syncStaging: %v", err)
	}
	// A folder that is gone is an error, not a silent success: the batch
	// must not be recorded then.
	if err := syncStaging(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("syncStaging of a missing folder succeeded")
	}
}
