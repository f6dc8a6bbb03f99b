package storetest

import (
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
)

// ClockOpenFunc opens a new, empty store for one test whose clock is now:
// the store reads the time of a status-list reservation, and the time it
// compares with it when recording (store.UnrecordedGrace), from now only.
type ClockOpenFunc func(t *testing.T, now func() time.Time) store.Store

// RunUnrecorded checks that a backend publishes reserved but unrecorded
// status-list entries (a batch that crashed before its commit) once
// store.UnrecordedGrace has passed, and never records a certificate in an
// entry it may have published so. Backends call it next to Run:
//
//	func TestUnrecorded(t *testing.T) { storetest.RunUnrecorded(t, openWithClock) }
func RunUnrecorded(t *testing.T, open ClockOpenFunc) {
	tests := []struct {
		name string
		fn   func(*testing.T, ClockOpenFunc)
	}{
		{"Slots", testUnrecordedSlots},
		{"RecordWithinGrace", testRecordWithinGrace},
		{"RecordAfterGrace", testRecordAfterGrace},
		{"BatchAfterGrace", testBatchAfterGrace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// clock is a settable clock for ClockOpenFunc.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func newClock() *clock { return &clock{t: t0} }

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func openClock(t *testing.T, open ClockOpenFunc) (store.Store, *clock) {
	c := newClock()
	s := open(t, c.now)
	t.Cleanup(func() { s.Close() })
	return s, c
}

// certsIn returns certificates numbered from base+1 in the given entries.
func certsIn(base int, slots []store.StatusSlot) []store.Certificate {
	var out []store.Certificate
	for i, sl := range slots {
		c := newCert(base+i+1, "")
		c.StatusList, c.StatusIndex = sl.List, sl.Index
		out = append(out, c)
	}
	return out
}

func unrecorded(t *testing.T, s store.Store, list int64, before time.Time) []store.UnrecordedSlot {
	t.Helper()
	var got []store.UnrecordedSlot
	if err := s.UnrecordedSlots(t.Context(), list, before, func(e store.UnrecordedSlot) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func testUnrecordedSlots(t *testing.T, open ClockOpenFunc) {
	ctx := t.Context()
	s, c := openClock(t, open)
	slots, err := s.AllocateStatusSlots(ctx, 4, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// Two of the four are recorded, one of them then revoked: only the
	// other two are unrecorded.
	certs := certsIn(0, slots[:2])
	if err := s.Issue(ctx, store.Batch{ID: "B1", CreatedAt: t0}, certs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ChangeStatus(ctx, store.Selection{Numbers: []string{certs[0].Number}}, change(store.ActionRevoke, store.ReasonFraud)); err != nil {
		t.Fatal(err)
	}
	if got := unrecorded(t, s, slots[0].List, t0); len(got) != 0 {
		t.Fatalf("entries reserved at %s counted as reserved before it: %+v", t0, got)
	}
	got := unrecorded(t, s, slots[0].List, t0.Add(time.Second))
	want := map[int64]bool{slots[2].Index: true, slots[3].Index: true}
	if len(got) != 2 || !want[got[0].Index] || !want[got[1].Index] || got[0].Index >= got[1].Index {
		t.Fatalf("unrecorded entries %+v, want indexes %d and %d in order", got, slots[2].Index, slots[3].Index)
	}
	for _, e := range got {
		if !e.ReservedAt.Equal(t0) || e.ReservedAt.Location() != time.UTC {
			t.Errorf("entry %d reserved at %s, want %s in UTC", e.Index, e.ReservedAt, t0)
		}
	}
	// A later reservation counts from its own time.
	c.set(t0.Add(time.Hour))
	more, err := s.AllocateStatusSlots(ctx, 1, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if got := unrecorded(t, s, more[0].List, t0.Add(time.Hour)); len(got) != 2 {
		t.Fatalf("before the later reservation: %+v", got)
	}
	if got := unrecorded(t, s, more[0].List, t0.Add(time.Hour+time.Second)); len(got) != 3 {
		t.Fatalf("after the later reservation: %+v", got)
	}
	if got := unrecorded(t, s, more[0].List+1, t0.Add(48*time.Hour)); len(got) != 0 {
		t.Fatalf("a list not opened: %+v", got)
	}
}

func testRecordWithinGrace(t *testing.T, open ClockOpenFunc) {
	ctx := t.Context()
	s, c := openClock(t, open)
	slots, err := s.AllocateStatusSlots(ctx, 1, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// At exactly the grace period the entry is not published yet, so it
	// may still be recorded.
	c.set(t0.Add(store.UnrecordedGrace))
	if got := unrecorded(t, s, slots[0].List, c.now().Add(-store.UnrecordedGrace)); len(got) != 0 {
		t.Fatalf("published within the grace period: %+v", got)
	}
	if err := s.Issue(ctx, store.Batch{ID: "B1", CreatedAt: t0}, certsIn(0, slots)); err != nil {
		t.Fatalf("recording within the grace period: %v", err)
	}
	c.set(t0.Add(10 * store.UnrecordedGrace))
	if got := unrecorded(t, s, slots[0].List, c.now().Add(-store.UnrecordedGrace)); len(got) != 0 {
		t.Fatalf("a recorded entry is published as unrecorded: %+v", got)
	}
}

func testRecordAfterGrace(t *testing.T, open ClockOpenFunc) {
	ctx := t.Context()
	s, c := openClock(t, open)
	slots, err := s.AllocateStatusSlots(ctx, 3, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c.set(t0.Add(store.UnrecordedGrace + time.Second))
	// Status lists now publish all three as unrecorded...
	if got := unrecorded(t, s, slots[0].List, c.now().Add(-store.UnrecordedGrace)); len(got) != 3 {
		t.Fatalf("after the grace period: %+v", got)
	}
	// ...so none may become a recorded certificate, and the batch is
	// refused as a whole.
	certs := certsIn(0, slots)
	certs[0].StatusList, certs[0].StatusIndex = 0, 0 // one without an entry does not save it
	err = s.Issue(ctx, store.Batch{ID: "B1", CreatedAt: t0}, certs)
	if !errors.Is(err, store.ErrReservationExpired) {
		t.Fatalf("Issue after the grace period: %v, want ErrReservationExpired", err)
	}
	for _, cert := range certs {
		if _, err := s.Certificate(ctx, cert.Number); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("certificate %s recorded by a refused batch: %v", cert.Number, err)
		}
	}
	if got := unrecorded(t, s, slots[0].List, c.now().Add(-store.UnrecordedGrace)); len(got) != 3 {
		t.Fatalf("after the refusal: %+v", got)
	}
	// Entries the store never reserved are not its concern.
	made := newCert(9, "")
	if err := s.Issue(ctx, store.Batch{ID: "B2", CreatedAt: t0}, []store.Certificate{made}); err != nil {
		t.Fatal(err)
	}
}

func testBatchAfterGrace(t *testing.T, open ClockOpenFunc) {
	ctx := t.Context()
	s, c := openClock(t, open)
	bw, ok := s.(store.BatchWriter)
	if !ok {
		t.Skipf("%T does not implement store.BatchWriter", s)
	}
	slots, err := s.AllocateStatusSlots(ctx, 2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	certs := certsIn(0, slots)
	tx, err := bw.BeginBatch(ctx, store.Batch{ID: "B1", CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Add(ctx, certs); err != nil {
		t.Fatal(err)
	}
	// The grace period ends while the batch is open: Commit is when it
	// counts.
	c.set(t0.Add(store.UnrecordedGrace + time.Second))
	if err := tx.Commit(); !errors.Is(err, store.ErrReservationExpired) {
		t.Fatalf("Commit after the grace period: %v, want ErrReservationExpired", err)
	}
	if _, err := s.Certificate(ctx, certs[0].Number); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("recorded by a refused batch: %v", err)
	}
	if b, _ := s.Batches(ctx); len(b) != 0 {
		t.Fatalf("batches: %+v", b)
	}
}
