package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
)

// RunBatchWriter checks a backend that implements store.BatchWriter: a batch
// added in pieces to one transaction is recorded completely by Commit or not
// at all. open is as for Run. Backends call it next to Run:
//
//	func TestBatchWriter(t *testing.T) { storetest.RunBatchWriter(t, open) }
func RunBatchWriter(t *testing.T, open OpenFunc) {
	h := &harness{open: open}
	tests := []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"InPieces", testBatchInPieces},
		{"CountZero", testBatchCountZero},
		{"Invalid", testBatchInvalid},
		{"Conflicts", testBatchConflicts},
		{"Rollback", testBatchRollback},
		{"Cancelled", testBatchCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, h) })
	}
}

func batchWriter(t *testing.T, h *harness) (store.Store, store.BatchWriter) {
	t.Helper()
	s, _ := h.new(t, testListSize)
	bw, ok := s.(store.BatchWriter)
	if !ok {
		t.Fatalf("%T does not implement store.BatchWriter", s)
	}
	return s, bw
}

// stillWritable checks that the batch let go of the store: a write and a
// read succeed within a few seconds.
func stillWritable(t *testing.T, s store.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := s.AllocateSeq(ctx, 1); err != nil {
		t.Fatalf("AllocateSeq after the batch ended: %v (is the write lock still held?)", err)
	}
	if _, err := s.Batches(ctx); err != nil {
		t.Fatalf("Batches after the batch ended: %v", err)
	}
}

// addAll begins b and adds certs in pieces of k.
func addAll(t *testing.T, bw store.BatchWriter, b store.Batch, certs []store.Certificate, k int) store.BatchTx {
	t.Helper()
	ctx := t.Context()
	tx, err := bw.BeginBatch(ctx, b)
	if err != nil {
		t.Fatalf("BeginBatch: %v", err)
	}
	for i := 0; i < len(certs); i += k {
		if err := tx.Add(ctx, certs[i:min(i+k, len(certs))]); err != nil {
			tx.Rollback()
			t.Fatalf("Add: %v", err)
		}
	}
	return tx
}

func testBatchInPieces(t *testing.T, h *harness) {
	ctx := t.Context()
	s, bw := batchWriter(t, h)
	b, certs := newBatch("B1", 0, 7)
	b.Count = len(certs)
	tx := addAll(t, bw, b, certs, 3)

	// Reads go on while the batch is open, and see none of it.
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	if _, err := s.Certificate(rctx, certs[0].Number); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Certificate while the batch is open: err = %v, want ErrNotFound", err)
	}
	cancel()

	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("Rollback after Commit: %v", err)
	}
	if err := tx.Commit(); err == nil {
		t.Error("second Commit succeeded")
	}
	for i := range certs {
		got, err := s.Certificate(ctx, certs[i].Number)
		if err != nil {
			t.Fatalf("Certificate(%s): %v", certs[i].Number, err)
		}
		checkCert(t, got, &certs[i], b.ID)
	}
	batches, err := s.Batches(ctx)
	if err != nil || len(batches) != 1 {
		t.Fatalf("Batches = %v, %v; want one", batches, err)
	}
	checkBatch(t, batches[0], b, len(certs))
	stillWritable(t, s)
}

func testBatchCountZero(t *testing.T, h *harness) {
	s, bw := batchWriter(t, h)
	b, certs := newBatch("B1", 0, 5)
	tx := addAll(t, bw, b, certs, 2)
	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	batches, err := s.Batches(t.Context())
	if err != nil || len(batches) != 1 {
		t.Fatalf("Batches = %v, %v; want one", batches, err)
	}
	checkBatch(t, batches[0], b, len(certs))
}

func testBatchInvalid(t *testing.T, h *harness) {
	ctx := t.Context()
	s, bw := batchWriter(t, h)
	for _, b := range []store.Batch{{}, {ID: "X", Count: -1}} {
		if tx, err := bw.BeginBatch(ctx, b); !errors.Is(err, store.ErrInvalid) {
			if tx != nil {
				tx.Rollback()
			}
			t.Errorf("BeginBatch(%+v): err = %v, want ErrInvalid", b, err)
		}
	}
	tests := []struct {
		name   string
		count  int
		change func(c []store.Certificate) []store.Certificate
		// atCommit: the problem shows at Commit rather than at Add.
		atCommit bool
	}{
		{"no certificates", 0, func(c []store.Certificate) []store.Certificate { return nil }, true},
		{"wrong count", 2, nil, true},
		{"no number", 0, func(c []store.Certificate) []store.Certificate { c[2].Number = ""; return c }, false},
		{"no holder key", 0, func(c []store.Certificate) []store.Certificate { c[2].HolderKey = nil; return c }, false},
		{"no title key", 0, func(c []store.Certificate) []store.Certificate { c[2].TitleKey = ""; return c }, false},
		{"other batch id", 0, func(c []store.Certificate) []store.Certificate { c[2].BatchID = "other"; return c }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, certs := newBatch("X", 0, 3)
			b.Count = tt.count
			if tt.change != nil {
				certs = tt.change(certs)
			}
			tx, err := bw.BeginBatch(ctx, b)
			if err != nil {
				t.Fatalf("BeginBatch: %v", err)
			}
			defer tx.Rollback()
			err = nil
			for i := range certs { // one at a time: the first two are fine
				if err = tx.Add(ctx, certs[i:i+1]); err != nil {
					break
				}
			}
			if tt.atCommit {
				if err != nil {
					t.Fatalf("Add: %v", err)
				}
				err = tx.Commit()
			} else if err == nil {
				t.Fatal("Add accepted an invalid certificate")
			} else if cerr := tx.Commit(); cerr == nil {
				t.Error("Commit succeeded after a failed Add")
			}
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			checkNothingFrom(t, s, b, certs, nil, nil)
			stillWritable(t, s)
		})
	}
}

func testBatchConflicts(t *testing.T, h *harness) {
	ctx := t.Context()
	s, bw := batchWriter(t, h)
	b0, before := newBatch("B0", 0, 3)
	if err := s.Issue(ctx, b0, before); err != nil {
		t.Fatal(err)
	}
	batches := []store.Batch{b0}

	tx, err := bw.BeginBatch(ctx, store.Batch{ID: "B0"})
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.What != store.ConflictBatch {
		if tx != nil {
			tx.Rollback()
		}
		t.Fatalf("BeginBatch with a recorded batch id: err = %v, want a ConflictError about the batch id", err)
	}
	stillWritable(t, s)

	tests := []struct {
		name   string
		what   string
		change func(c []store.Certificate)
	}{
		{"number recorded", store.ConflictNumber, func(c []store.Certificate) { c[4].Number = before[1].Number }},
		{"number within the batch", store.ConflictNumber, func(c []store.Certificate) { c[4].Number = c[0].Number }},
		{"title recorded", store.ConflictTitle, func(c []store.Certificate) { c[4].HolderKey = before[0].HolderKey }},
		{"verification code within the batch", store.ConflictVerificationCode, func(c []store.Certificate) { c[4].VerificationCode = c[1].VerificationCode }},
		{"status entry recorded", store.ConflictStatusSlot, func(c []store.Certificate) { c[4].StatusIndex = before[2].StatusIndex }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, certs := newBatch("B1", 10, 5)
			tt.change(certs)
			tx, err := bw.BeginBatch(ctx, b)
			if err != nil {
				t.Fatalf("BeginBatch: %v", err)
			}
			defer tx.Rollback()
			if err := tx.Add(ctx, certs[:3]); err != nil {
				t.Fatalf("Add: %v", err)
			}
			err = tx.Add(ctx, certs[3:])
			if !errors.As(err, &ce) || ce.What != tt.what {
				t.Fatalf("Add: err = %v, want a ConflictError about the %s", err, tt.what)
			}
			if !errors.Is(err, store.ErrExists) {
				t.Errorf("Add: err = %v does not match ErrExists", err)
			}
			if err := tx.Commit(); err == nil {
				t.Error("Commit succeeded after a failed Add")
			}
			checkNothingFrom(t, s, b, certs, batches, before)
			stillWritable(t, s)
		})
	}
}

func testBatchRollback(t *testing.T, h *harness) {
	s, bw := batchWriter(t, h)
	b, certs := newBatch("B1", 0, 4)
	tx := addAll(t, bw, b, certs, 2)
	if err := tx.Rollback(); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("second Rollback: %v", err)
	}
	if err := tx.Add(t.Context(), certs[:1]); err == nil {
		t.Error("Add after Rollback succeeded")
	}
	if err := tx.Commit(); err == nil {
		t.Error("Commit after Rollback succeeded")
	}
	checkNothingFrom(t, s, b, certs, nil, nil)
	stillWritable(t, s)

	// The same batch can then be recorded.
	tx = addAll(t, bw, b, certs, 3)
	if err := tx.Commit(); err != nil {
		t.Fatalf("Commit after an abandoned attempt: %v", err)
	}
}

func testBatchCancelled(t *testing.T, h *harness) {
	s, bw := batchWriter(t, h)
	b, certs := newBatch("B1", 0, 4)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if tx, err := bw.BeginBatch(ctx, b); !errors.Is(err, context.Canceled) {
		if tx != nil {
			tx.Rollback()
		}
		t.Fatalf("BeginBatch with a cancelled context: err = %v, want context.Canceled", err)
	}

	// Cancelled between Add and Commit: the transaction is gone.
	ctx, cancel = context.WithCancel(t.Context())
	tx, err := bw.BeginBatch(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(ctx, certs[:2]); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := tx.Add(ctx, certs[2:]); !errors.Is(err, context.Canceled) {
		t.Errorf("Add after cancel: err = %v, want context.Canceled", err)
	}
	if err := tx.Commit(); err == nil {
		t.Error("Commit after cancel succeeded")
	}
	tx.Rollback()
	checkNothingFrom(t, s, b, certs, nil, nil)
	stillWritable(t, s)

	// Cancelled before Commit, with nothing else called in between.
	ctx, cancel = context.WithCancel(t.Context())
	tx, err = bw.BeginBatch(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Add(ctx, certs); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := tx.Commit(); !errors.Is(err, context.Canceled) {
		t.Errorf("Commit after cancel: err = %v, want context.Canceled", err)
	}
	tx.Rollback()
	checkNothingFrom(t, s, b, certs, nil, nil)
	stillWritable(t, s)
}
