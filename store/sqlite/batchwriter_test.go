package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
	"github.com/titlecert/titlecert/store/storetest"
)

func TestBatchWriter(t *testing.T) { storetest.RunBatchWriter(t, openSQLite) }

// TestBatchHoldsWriteLock: while a batch is open, other writes wait (so
// nothing can slip between the batch's records), and reads do not.
func TestBatchHoldsWriteLock(t *testing.T) {
	s, err := sqlite.Create(filepath.Join(t.TempDir(), "titlecert.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tx, err := s.BeginBatch(t.Context(), store.Batch{ID: "B1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.AllocateSeq(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("AllocateSeq during a batch: err = %v, want it to wait until the deadline", err)
	}
	if _, err := s.Batches(t.Context()); err != nil {
		t.Errorf("Batches during a batch: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AllocateSeq(t.Context(), 1); err != nil {
		t.Errorf("AllocateSeq after the batch: %v", err)
	}
}
