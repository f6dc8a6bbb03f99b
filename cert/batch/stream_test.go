package batch_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

// streamRows is the size of the batches that check streaming: a few
// thousand rows (n ≫ the chunk size is what matters), fewer under the race detector or with -short.
func streamRows() int {
	if raceEnabled || testing.Short() {
		return 300
	}
	return 1000
}

// recordingStore is a sqlite store whose batch transactions report the
// size of each Add, and fail the failAt-th Add when failAt > 0.
type recordingStore struct {
	*sqlite.Store
	failAt int

	mu   sync.Mutex
	adds []int
}

var errDiskFull = errors.New("disk full")

func (s *recordingStore) BeginBatch(ctx context.Context, b store.Batch) (store.BatchTx, error) {
	tx, err := s.Store.BeginBatch(ctx, b)
	if err != nil {
		return nil, err
	}
	return &recordingTx{BatchTx: tx, s: s}, nil
}

type recordingTx struct {
	store.BatchTx
	s *recordingStore
}

func (tx *recordingTx) Add(ctx context.Context, certs []store.Certificate) error {
	tx.s.mu.Lock()
	tx.s.adds = append(tx.s.adds, len(certs))
	n := len(tx.s.adds)
	tx.s.mu.Unlock()
	if n == tx.s.failAt {
		tx.BatchTx.Rollback()
		return errDiskFull
	}
	return tx.BatchTx.Add(ctx, certs)
}

// TestStreaming issues a batch of a few thousand rows and checks that what
// is held at once depends on the chunk size, not on the batch: candidates
// in flight (read but not finished) and records per store write.
func TestStreaming(t *testing.T) {
	n := streamRows()
	const chunk = 64
	f := newFixture(t)
	rs := &recordingStore{Store: f.store}
	f.issuer.Store = rs
	f.issuer.ChunkSize = chunk
	var (
		started  atomic.Int64 // candidates read in the second pass
		maxAhead int64
	)
	batch.OnNewJob(f.issuer, func() { started.Add(1) })
	f.issuer.Progress = func(done, total int) {
		if total != n {
			t.Errorf("Progress total %d, want %d", total, n)
		}
		maxAhead = max(maxAhead, started.Load()-int64(done))
	}
	src := source(sampleCSV(t, n))
	res, err := f.issuer.Issue(context.Background(), src, f.out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count != n || started.Load() != int64(n) {
		t.Fatalf("issued %d, read %d candidates, want %d", res.Count, started.Load(), n)
	}
	// In flight when a certificate is done: those queued behind it in
	// order (at most chunk) and the one the reader holds.
	if limit := int64(chunk + 2); maxAhead > limit {
		t.Errorf("up to %d candidates in flight, want at most %d (chunk %d)", maxAhead, limit, chunk)
	}
	total := 0
	for _, k := range rs.adds {
		if k > chunk {
			t.Errorf("a store write of %d records, want at most %d", k, chunk)
		}
		total += k
	}
	if want := (n + chunk - 1) / chunk; len(rs.adds) != want || total != n {
		t.Errorf("%d store writes of %d records in all, want %d of %d", len(rs.adds), total, want, n)
	}
	issued := readManifest(t, res.Manifest)
	if len(issued) != n {
		t.Fatalf("manifest lists %d", len(issued))
	}
	entries, _ := os.ReadDir(f.out)
	if len(entries) != n+1 {
		t.Fatalf("out holds %d entries, want %d PDFs and the manifest", len(entries), n)
	}
	for _, i := range []int{0, n / 2, n - 1} {
		rec, err := f.store.Certificate(context.Background(), issued[i].Number)
		if err != nil || rec.JWS != issued[i].JWS {
			t.Fatalf("record of %s: %v", issued[i].Number, err)
		}
		if _, err := os.Stat(filepath.Join(f.out, issued[i].File)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAllOrNothingStreaming fails a batch at various points after the
// check: nothing is recorded and no file is left.
func TestAllOrNothingStreaming(t *testing.T) {
	const n = 100
	data := sampleCSV(t, n)
	t.Run("cancelled in the middle of rendering", func(t *testing.T) {
		f := newFixture(t)
		f.issuer.ChunkSize = 16
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f.issuer.Progress = func(done, total int) {
			if done == total/2 {
				cancel()
			}
		}
		if _, err := f.issuer.Issue(ctx, source(data), f.out); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		assertNothingIssued(t, f)
	})
	t.Run("store write fails in the middle of the transaction", func(t *testing.T) {
		f := newFixture(t)
		f.issuer.ChunkSize = 16
		rs := &recordingStore{Store: f.store, failAt: 3}
		f.issuer.Store = rs
		if _, err := f.issuer.Issue(context.Background(), source(data), f.out); !errors.Is(err, errDiskFull) {
			t.Fatalf("err = %v", err)
		}
		if len(rs.adds) != 3 {
			t.Fatalf("%d store writes, want the failing 3rd to be the last", len(rs.adds))
		}
		assertNothingIssued(t, f)
		// The store's write lock was let go.
		if _, err := f.store.AllocateSeq(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("file changed between the check and the issuance", func(t *testing.T) {
		const n = 12
		data := sampleCSV(t, n)
		for name, second := range map[string][]byte{
			"one more row":   sampleCSV(t, n+1),
			"one row less":   sampleCSV(t, n-1),
			"a byte changed": bytes.Replace(data, []byte("中级"), []byte("初级"), 1),
			"a row broken":   bytes.Replace(data, []byte("2026-"), []byte("2099-"), 1),
		} {
			t.Run(name, func(t *testing.T) {
				f := newFixture(t)
				opened := 0
				src := source(data)
				src.Open = func() (io.ReadCloser, error) {
					opened++
					if opened == 2 {
						return io.NopCloser(bytes.NewReader(second)), nil
					}
					return io.NopCloser(bytes.NewReader(data)), nil
				}
				if _, err := f.issuer.Issue(context.Background(), src, f.out); !errors.Is(err, batch.ErrSourceChanged) {
					t.Fatalf("err = %v, want ErrSourceChanged", err)
				}
				assertNothingIssued(t, f)
			})
		}
	})
}
