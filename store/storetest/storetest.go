// Package storetest checks that a store.Store backend keeps the promises
// package store documents. Every backend's tests call Run:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, listSize int64) (store.Store, func(*testing.T) store.Store) {
//			path := filepath.Join(t.TempDir(), "titlecert.db")
//			s, err := sqlite.Create(path, sqlite.WithStatusListSize(listSize))
//			if err != nil {
//				t.Fatal(err)
//			}
//			open := func(t *testing.T) store.Store {
//				s, err := sqlite.Open(path, sqlite.WithStatusListSize(listSize))
//				if err != nil {
//					t.Fatal(err)
//				}
//				return s
//			}
//			return s, open
//		})
//	}
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
)

// OpenFunc opens a new, empty store for one test, whose status lists have
// listSize entries. It also returns reopen, which opens another store over
// the same data: Run calls it after closing the first store (a restart) and
// while the first store is still open (a second process). OpenFunc should
// register with t.Cleanup whatever removes the data; Run closes the stores.
type OpenFunc func(t *testing.T, listSize int64) (s store.Store, reopen func(t *testing.T) store.Store)

// testListSize is the status list size most tests use: small, so that
// rollover happens after a few allocations.
const testListSize = 16

// Run runs the conformance tests against the backend that open opens.
func Run(t *testing.T, open OpenFunc) {
	h := &harness{open: open}
	tests := []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"AllocateSeq", testAllocateSeq},
		{"AllocateSeqConcurrent", testAllocateSeqConcurrent},
		{"Reopen", testReopen},
		{"TwoInstances", testTwoInstances},
		{"StatusSlots", testStatusSlots},
		{"StatusSlotsRollover", testStatusSlotsRollover},
		{"StatusSlotsRandom", testStatusSlotsRandom},
		{"StatusSlotsDeterministic", testStatusSlotsDeterministic},
		{"StatusSlotsBadRand", testStatusSlotsBadRand},
		{"IssueAndRead", testIssueAndRead},
		{"IssueConflicts", testIssueConflicts},
		{"IssueInvalid", testIssueInvalid},
		{"NotFound", testNotFound},
		{"List", testList},
		{"ListCallback", testListCallback},
		{"Cancelled", testCancelled},
		{"RevokeSuspendReinstate", testRevokeSuspendReinstate},
		{"BulkRevoke", testBulkRevoke},
		{"ChangeStatusRefusals", testChangeStatusRefusals},
		{"StatusEntries", testStatusEntries},
		{"Ledger", testLedger},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, h) })
	}
}

type harness struct{ open OpenFunc }

// new opens an empty store that is closed when the test ends.
func (h *harness) new(t *testing.T, listSize int64) (store.Store, func(*testing.T) store.Store) {
	t.Helper()
	s, reopen := h.open(t, listSize)
	t.Cleanup(func() { s.Close() })
	return s, func(t *testing.T) store.Store {
		t.Helper()
		s := reopen(t)
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func testAllocateSeq(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	want := int64(1)
	for _, n := range []int{1, 3, 1, 100, 7} {
		first, err := s.AllocateSeq(ctx, n)
		if err != nil {
			t.Fatalf("AllocateSeq(%d): %v", n, err)
		}
		if first != want {
			t.Fatalf("AllocateSeq(%d) = %d, want %d", n, first, want)
		}
		want += int64(n)
	}
	for _, n := range []int{0, -1} {
		if _, err := s.AllocateSeq(ctx, n); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AllocateSeq(%d): err = %v, want ErrInvalid", n, err)
		}
	}
	if first, err := s.AllocateSeq(ctx, 1); err != nil || first != want {
		t.Errorf("AllocateSeq(1) after invalid calls = %d, %v; want %d, nil", first, err, want)
	}
}

// span is a range of allocated sequence numbers.
type span struct{ first, n int64 }

// checkDisjoint reports overlapping spans.
func checkDisjoint(t *testing.T, spans []span) {
	t.Helper()
	slices.SortFunc(spans, func(a, b span) int { return int(a.first - b.first) })
	for i := 1; i < len(spans); i++ {
		if prev := spans[i-1]; prev.first+prev.n > spans[i].first {
			t.Fatalf("sequence ranges overlap: [%d,+%d) and [%d,+%d)", prev.first, prev.n, spans[i].first, spans[i].n)
		}
	}
}

// allocateMany allocates from s in workers goroutines and returns the spans.
func allocateMany(t *testing.T, stores []store.Store, workers, rounds int) []span {
	t.Helper()
	var (
		mu    sync.Mutex
		spans []span
		wg    sync.WaitGroup
	)
	errc := make(chan error, workers)
	for w := range workers {
		s := stores[w%len(stores)]
		wg.Go(func() {
			for r := range rounds {
				n := 1 + (w+r)%5
				first, err := s.AllocateSeq(t.Context(), n)
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				spans = append(spans, span{first, int64(n)})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("AllocateSeq: %v", err)
	}
	return spans
}

func testAllocateSeqConcurrent(t *testing.T, h *harness) {
	s, _ := h.new(t, testListSize)
	spans := allocateMany(t, []store.Store{s}, 8, 25)
	checkDisjoint(t, spans)
	// Nothing failed, so nothing should be missing either.
	var total int64
	for _, sp := range spans {
		total += sp.n
	}
	last := spans[len(spans)-1]
	if last.first+last.n-1 != total {
		t.Errorf("allocated %d numbers, highest is %d: gaps without failures", total, last.first+last.n-1)
	}
}

func testReopen(t *testing.T, h *harness) {
	ctx := t.Context()
	s, reopen := h.new(t, testListSize)
	first, err := s.AllocateSeq(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	slots, err := s.AllocateStatusSlots(ctx, testListSize/2-1, newRand(1))
	if err != nil {
		t.Fatal(err)
	}
	b, certs := newBatch("B1", 0, 2)
	if err := s.Issue(ctx, b, certs); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	s = reopen(t)
	next, err := s.AllocateSeq(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if next < first+10 {
		t.Errorf("after reopen, AllocateSeq = %d; %d..%d were already handed out", next, first, first+9)
	}
	more, err := s.AllocateStatusSlots(ctx, 2, newRand(1)) // same random stream: must not repeat
	if err != nil {
		t.Fatal(err)
	}
	checkSlots(t, append(slots, more...), testListSize)
	if more[0].List != slots[0].List || more[1].List != slots[0].List+1 {
		t.Errorf("after reopen with list %d one short of half full, got lists %d, %d; want %d, %d",
			slots[0].List, more[0].List, more[1].List, slots[0].List, slots[0].List+1)
	}
	got, err := s.Certificate(ctx, certs[1].Number)
	if err != nil {
		t.Fatalf("Certificate after reopen: %v", err)
	}
	checkCert(t, got, &certs[1], b.ID)
	if err := s.Issue(ctx, b, certs); !errors.Is(err, store.ErrExists) {
		t.Errorf("Issue of the same batch after reopen: err = %v, want ErrExists", err)
	}
}

func testTwoInstances(t *testing.T, h *harness) {
	s1, reopen := h.new(t, testListSize)
	s2 := reopen(t)
	spans := allocateMany(t, []store.Store{s1, s2}, 4, 25)
	checkDisjoint(t, spans)

	var (
		mu  sync.Mutex
		all []store.StatusSlot
		wg  sync.WaitGroup
	)
	errc := make(chan error, 4)
	for w, s := range []store.Store{s1, s2, s1, s2} {
		wg.Go(func() {
			for r := range 10 {
				slots, err := s.AllocateStatusSlots(t.Context(), 1+r%3, newRand(uint64(w)))
				if err != nil {
					errc <- err
					return
				}
				mu.Lock()
				all = append(all, slots...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("AllocateStatusSlots: %v", err)
	}
	checkSlots(t, all, testListSize)
}

// checkSlots checks that slots are distinct, in range, and that no list
// holds more than half its entries.
func checkSlots(t *testing.T, slots []store.StatusSlot, listSize int64) {
	t.Helper()
	seen := make(map[store.StatusSlot]bool)
	perList := make(map[int64]int64)
	for _, sl := range slots {
		if sl.List < 1 || sl.Index < 0 || sl.Index >= listSize {
			t.Errorf("slot %d/%d out of range (lists from 1, %d entries)", sl.List, sl.Index, listSize)
		}
		if seen[sl] {
			t.Errorf("slot %d/%d handed out twice", sl.List, sl.Index)
		}
		seen[sl] = true
		perList[sl.List]++
	}
	for l, n := range perList {
		if 2*n > listSize+1 {
			t.Errorf("list %d: %d entries used of %d, more than half", l, n, listSize)
		}
	}
}

// newRand returns a deterministic source of random bytes.
func newRand(seed uint64) io.Reader {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

func testStatusSlots(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	var all []store.StatusSlot
	for range testListSize / 2 {
		slots, err := s.AllocateStatusSlots(ctx, 1, newRand(uint64(len(all))))
		if err != nil {
			t.Fatal(err)
		}
		if len(slots) != 1 {
			t.Fatalf("AllocateStatusSlots(1) returned %d slots", len(slots))
		}
		all = append(all, slots...)
	}
	checkSlots(t, all, testListSize)
	for _, sl := range all {
		if sl.List != all[0].List {
			t.Fatalf("first %d slots of an empty store span lists %v", testListSize/2, all)
		}
	}
	for _, n := range []int{0, -1} {
		if _, err := s.AllocateStatusSlots(ctx, n, newRand(0)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("AllocateStatusSlots(%d): err = %v, want ErrInvalid", n, err)
		}
	}
}

func testStatusSlotsRollover(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	const half = testListSize / 2
	first, err := s.AllocateStatusSlots(ctx, half-1, newRand(1))
	if err != nil {
		t.Fatal(err)
	}
	// One call that finishes list L, fills L+1 and starts L+2.
	rest, err := s.AllocateStatusSlots(ctx, 1+half+3, newRand(2))
	if err != nil {
		t.Fatal(err)
	}
	all := append(first, rest...)
	checkSlots(t, all, testListSize)
	l := all[0].List
	if l != 1 {
		t.Errorf("first list is %d, want 1", l)
	}
	for i, sl := range all {
		want := l + int64(i/half)
		if sl.List != want {
			t.Fatalf("slot %d is in list %d, want %d (rollover at half of %d entries)", i, sl.List, want, testListSize)
		}
	}
}

func testStatusSlotsRandom(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, store.StatusListSize)
	var all []store.StatusSlot
	for range 4 {
		slots, err := s.AllocateStatusSlots(ctx, 50, newRand(uint64(len(all)+7)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, slots...)
	}
	checkSlots(t, all, store.StatusListSize)
	idx := make([]int64, len(all))
	for i, sl := range all {
		idx[i] = sl.Index
		if sl.List != all[0].List {
			t.Fatalf("200 slots span several lists of %d entries", store.StatusListSize)
		}
	}
	if slices.IsSorted(idx) {
		t.Errorf("indexes are handed out in increasing order: %v", idx)
	}
	// Uniform draws from 131072 spread over the whole range; sequential or
	// clustered ones do not. Count the draws in each quarter.
	var quarters [4]int
	for _, i := range idx {
		quarters[i*4/store.StatusListSize]++
	}
	for q, n := range quarters {
		if n < 20 {
			t.Errorf("quarter %d of the list holds %d of %d indexes; not uniform: %v", q, n, len(idx), quarters)
		}
	}
}

func testStatusSlotsDeterministic(t *testing.T, h *harness) {
	ctx := t.Context()
	var got [2][]store.StatusSlot
	for i := range got {
		s, _ := h.new(t, testListSize)
		slots, err := s.AllocateStatusSlots(ctx, testListSize, newRand(42))
		if err != nil {
			t.Fatal(err)
		}
		got[i] = slots
	}
	if !slices.Equal(got[0], got[1]) {
		t.Errorf("same random bytes, same empty store, different slots:\n%v\n%v", got[0], got[1])
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type errReader struct{}

var errRand = errors.New("storetest: no randomness")

func (errReader) Read(p []byte) (int, error) { return 0, errRand }

func testStatusSlotsBadRand(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	if _, err := s.AllocateStatusSlots(ctx, 1, errReader{}); !errors.Is(err, errRand) {
		t.Errorf("AllocateStatusSlots with a failing reader: err = %v, want it wrapped", err)
	}
	// All zeros: the first draw succeeds, the second can never succeed. It
	// must fail rather than loop, and reserve nothing.
	done := make(chan error, 1)
	go func() {
		_, err := s.AllocateStatusSlots(ctx, 2, zeroReader{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("AllocateStatusSlots(2) with a reader of zeros succeeded")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("AllocateStatusSlots(2) with a reader of zeros did not return")
	}
	slots, err := s.AllocateStatusSlots(ctx, 1, zeroReader{})
	if err != nil {
		t.Fatalf("after a failed allocation, slot 0 should be free: %v", err)
	}
	if slots[0].Index != 0 {
		t.Errorf("zero reader gave index %d, want 0", slots[0].Index)
	}
}

// newBatch returns a batch of n certificates numbered from base+1, each for
// a different holder.
func newBatch(id string, base, n int) (store.Batch, []store.Certificate) {
	b := store.Batch{
		ID:           id,
		Source:       id + ".csv",
		SourceSHA256: sum(id),
		CreatedAt:    time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC).Add(time.Duration(base) * time.Minute),
		Operator:     "张三",
	}
	var certs []store.Certificate
	for i := base + 1; i <= base+n; i++ {
		certs = append(certs, newCert(i, ""))
	}
	return b, certs
}

func sum(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// newCert returns certificate number 2026000000+i for holder i.
func newCert(i int, batchID string) store.Certificate {
	jws := fmt.Sprintf("eyJhbGciOiJFUzI1NiJ9.cert-%d.sig", i)
	return store.Certificate{
		Number:           fmt.Sprintf("2026%06d", i),
		Seq:              int64(i),
		BatchID:          batchID,
		HolderKey:        sum(fmt.Sprintf("holder %d", i)),
		TitleKey:         "工程技术|建筑工程|中级",
		HolderName:       "李四",
		HolderIDMask:     "3501**********0314",
		Series:           "工程技术",
		Specialty:        "建筑工程",
		Level:            "中级",
		Title:            "工程师",
		Committee:        "福建省工程系列建筑专业中级职称评审委员会",
		ReviewDate:       "2026-02-15",
		StatusList:       1,
		StatusIndex:      int64(i),
		JWS:              jws,
		JWSHash:          sum(jws),
		PDFHash:          sum("pdf " + jws),
		VerificationCode: fmt.Sprintf("CODE-%04d", i),
		IssuedAt:         time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CST", 8*3600)),
		Status:           store.StatusValid,
	}
}

// checkCert compares a certificate read back with the one recorded: equal
// field by field, times to the second and in UTC.
func checkCert(t *testing.T, got, sent *store.Certificate, batchID string) {
	t.Helper()
	want := *sent
	want.IssuedAt = want.IssuedAt.Truncate(time.Second).UTC()
	if want.BatchID == "" {
		want.BatchID = batchID
	}
	if want.Status == "" {
		want.Status = store.StatusValid
	}
	if want.StatusList == 0 {
		want.StatusIndex = 0
	}
	g := *got
	if !g.IssuedAt.Equal(want.IssuedAt) || g.IssuedAt.Location() != time.UTC {
		t.Errorf("certificate %s: IssuedAt = %v, want %v", want.Number, g.IssuedAt, want.IssuedAt)
	}
	for _, f := range []struct {
		name      string
		got, want []byte
	}{
		{"HolderKey", g.HolderKey, want.HolderKey},
		{"JWSHash", g.JWSHash, want.JWSHash},
		{"PDFHash", g.PDFHash, want.PDFHash},
	} {
		if !bytes.Equal(f.got, f.want) {
			t.Errorf("certificate %s: %s = %x, want %x", want.Number, f.name, f.got, f.want)
		}
	}
	g.IssuedAt, want.IssuedAt = time.Time{}, time.Time{}
	g.HolderKey, g.JWSHash, g.PDFHash = nil, nil, nil
	want.HolderKey, want.JWSHash, want.PDFHash = nil, nil, nil
	if !reflect.DeepEqual(g, want) {
		t.Errorf("certificate %s:\n got %+v\nwant %+v", want.Number, g, want)
	}
}

func checkBatch(t *testing.T, got, sent store.Batch, count int) {
	t.Helper()
	want := sent
	want.CreatedAt = want.CreatedAt.Truncate(time.Second).UTC()
	if want.Count == 0 {
		want.Count = count
	}
	if !got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("batch %s: CreatedAt = %v, want %v", want.ID, got.CreatedAt, want.CreatedAt)
	}
	if !bytes.Equal(got.SourceSHA256, want.SourceSHA256) {
		t.Errorf("batch %s: SourceSHA256 = %x, want %x", want.ID, got.SourceSHA256, want.SourceSHA256)
	}
	if got.ID != want.ID || got.Source != want.Source || got.Count != want.Count || got.Operator != want.Operator {
		t.Errorf("batch:\n got %+v\nwant %+v", got, want)
	}
}

func testIssueAndRead(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	b, certs := newBatch("2026-03-A", 0, 3)
	b.CreatedAt = b.CreatedAt.Add(999 * time.Millisecond).In(time.FixedZone("CST", 8*3600))
	certs[0].BatchID = b.ID
	certs[1].Status = "" // recorded as valid
	certs[1].QRForm = 1  // the legacy QR text form, kept as recorded
	certs[2].StatusList, certs[2].StatusIndex = 0, 0
	certs[2].VerificationCode = ""
	certs[2].PDFHash = nil
	if err := s.Issue(ctx, b, certs); err != nil {
		t.Fatalf("Issue: %v", err)
	}
	// A batch with no status entries and no codes, and the same holder
	// with a different title.
	b2, certs2 := newBatch("2026-03-B", 10, 2)
	b2.Count = 2
	for i := range certs2 {
		certs2[i].StatusList, certs2[i].VerificationCode = 0, ""
	}
	certs2[0].HolderKey = certs[0].HolderKey
	certs2[0].TitleKey = "工程技术|建筑工程|副高级"
	if err := s.Issue(ctx, b2, certs2); err != nil {
		t.Fatalf("Issue of second batch: %v", err)
	}

	batchOf := make(map[string]string)
	for _, c := range certs {
		batchOf[c.Number] = b.ID
	}
	for _, c := range certs2 {
		batchOf[c.Number] = b2.ID
	}
	for _, c := range append(slices.Clone(certs), certs2...) {
		got, err := s.Certificate(ctx, c.Number)
		if err != nil {
			t.Fatalf("Certificate(%s): %v", c.Number, err)
		}
		checkCert(t, got, &c, batchOf[c.Number])
		got, err = s.FindTitle(ctx, c.HolderKey, c.TitleKey)
		if err != nil {
			t.Fatalf("FindTitle(certificate %s): %v", c.Number, err)
		}
		if got.Number != c.Number {
			t.Errorf("FindTitle(holder and title of %s) = %s", c.Number, got.Number)
		}
		if c.VerificationCode == "" {
			continue
		}
		got, err = s.ByVerificationCode(ctx, c.VerificationCode)
		if err != nil {
			t.Fatalf("ByVerificationCode(%s): %v", c.VerificationCode, err)
		}
		if got.Number != c.Number {
			t.Errorf("ByVerificationCode(%s) = %s, want %s", c.VerificationCode, got.Number, c.Number)
		}
	}

	batches, err := s.Batches(ctx)
	if err != nil {
		t.Fatalf("Batches: %v", err)
	}
	if len(batches) != 2 {
		t.Fatalf("Batches returned %d, want 2", len(batches))
	}
	checkBatch(t, batches[0], b, 3)
	checkBatch(t, batches[1], b2, 2)
}

func testIssueConflicts(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	b, certs := newBatch("A", 0, 3)
	if err := s.Issue(ctx, b, certs); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		batch  string
		change func(c []store.Certificate)
		what   string
	}{
		{"batch id", "A", func([]store.Certificate) {}, store.ConflictBatch},
		{"number", "B", func(c []store.Certificate) { c[1].Number = certs[0].Number }, store.ConflictNumber},
		{"number in batch", "B", func(c []store.Certificate) { c[2].Number = c[0].Number }, store.ConflictNumber},
		{"title", "B", func(c []store.Certificate) { c[2].HolderKey = certs[1].HolderKey }, store.ConflictTitle},
		{"title in batch", "B", func(c []store.Certificate) { c[1].HolderKey = c[0].HolderKey }, store.ConflictTitle},
		{"status slot", "B", func(c []store.Certificate) { c[2].StatusIndex = certs[2].StatusIndex }, store.ConflictStatusSlot},
		{"status slot in batch", "B", func(c []store.Certificate) { c[1].StatusIndex = c[0].StatusIndex }, store.ConflictStatusSlot},
		{"verification code", "B", func(c []store.Certificate) { c[1].VerificationCode = certs[0].VerificationCode }, store.ConflictVerificationCode},
		{"verification code in batch", "B", func(c []store.Certificate) { c[2].VerificationCode = c[0].VerificationCode }, store.ConflictVerificationCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b2, certs2 := newBatch(tt.batch, 100, 3)
			tt.change(certs2)
			err := s.Issue(ctx, b2, certs2)
			if !errors.Is(err, store.ErrExists) {
				t.Fatalf("Issue: err = %v, want ErrExists", err)
			}
			var ce *store.ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("Issue: err = %#v, want a *store.ConflictError", err)
			}
			if ce.What != tt.what {
				t.Errorf("Issue: conflict on %q, want %q (%v)", ce.What, tt.what, err)
			}
			checkNothingFrom(t, s, b2, certs2, []store.Batch{b}, certs)
		})
	}
}

// checkNothingFrom checks that nothing of b and certs was recorded and that
// the store holds exactly batches and before.
func checkNothingFrom(t *testing.T, s store.Store, b store.Batch, certs []store.Certificate, batches []store.Batch, before []store.Certificate) {
	t.Helper()
	ctx := t.Context()
	var numbers []string
	if err := s.List(ctx, store.Filter{}, func(c *store.Certificate) error {
		numbers = append(numbers, c.Number)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range before {
		want = append(want, c.Number)
	}
	if !slices.Equal(numbers, want) {
		t.Errorf("after a failed Issue the store holds %v, want %v", numbers, want)
	}
	got, err := s.Batches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(batches) {
		t.Errorf("after a failed Issue there are %d batches, want %d", len(got), len(batches))
	}
	if b.ID != "" {
		if err := s.List(ctx, store.Filter{BatchID: b.ID}, func(c *store.Certificate) error {
			if !slices.Contains(want, c.Number) {
				t.Errorf("certificate %s of the failed batch was recorded", c.Number)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range certs {
		if c.VerificationCode == "" || slices.ContainsFunc(before, func(o store.Certificate) bool { return o.VerificationCode == c.VerificationCode }) {
			continue
		}
		if _, err := s.ByVerificationCode(ctx, c.VerificationCode); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByVerificationCode(%s) of the failed batch: err = %v, want ErrNotFound", c.VerificationCode, err)
		}
	}
}

func testIssueInvalid(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	tests := []struct {
		name   string
		change func(b *store.Batch, c *[]store.Certificate)
	}{
		{"no batch id", func(b *store.Batch, c *[]store.Certificate) { b.ID = "" }},
		{"no certificates", func(b *store.Batch, c *[]store.Certificate) { *c = nil }},
		{"wrong count", func(b *store.Batch, c *[]store.Certificate) { b.Count = 2 }},
		{"no number", func(b *store.Batch, c *[]store.Certificate) { (*c)[2].Number = "" }},
		{"no holder key", func(b *store.Batch, c *[]store.Certificate) { (*c)[2].HolderKey = nil }},
		{"no title key", func(b *store.Batch, c *[]store.Certificate) { (*c)[2].TitleKey = "" }},
		{"other batch id", func(b *store.Batch, c *[]store.Certificate) { (*c)[2].BatchID = "other" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, certs := newBatch("X", 0, 3)
			tt.change(&b, &certs)
			if err := s.Issue(ctx, b, certs); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("Issue: err = %v, want ErrInvalid", err)
			}
			checkNothingFrom(t, s, b, certs, nil, nil)
		})
	}
}

func testNotFound(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	b, certs := newBatch("A", 0, 1)
	certs[0].VerificationCode = "7KQ2-M9XD"
	if err := s.Issue(ctx, b, certs); err != nil {
		t.Fatal(err)
	}
	c := certs[0]
	check := func(name string, err error) {
		t.Helper()
		var nf *store.NotFoundError
		if !errors.Is(err, store.ErrNotFound) || !errors.As(err, &nf) {
			t.Errorf("%s: err = %v, want a *store.NotFoundError (ErrNotFound)", name, err)
		}
	}
	_, err := s.Certificate(ctx, "2026999999")
	check("Certificate(missing)", err)
	if nf := (*store.NotFoundError)(nil); !errors.As(err, &nf) || nf.What != "certificate" || nf.Key != "2026999999" {
		t.Errorf("Certificate(missing): err = %#v, want What certificate, Key 2026999999", err)
	}
	_, err = s.Certificate(ctx, "")
	check(`Certificate("")`, err)
	_, err = s.ByVerificationCode(ctx, "7KQ2-M9XE")
	check("ByVerificationCode(missing)", err)
	_, err = s.ByVerificationCode(ctx, "7kq2-m9xd")
	check("ByVerificationCode(lower case)", err)
	_, err = s.ByVerificationCode(ctx, "")
	check(`ByVerificationCode("")`, err)
	_, err = s.FindTitle(ctx, c.HolderKey, "工程技术|建筑工程|副高级")
	check("FindTitle(other title)", err)
	_, err = s.FindTitle(ctx, sum("someone else"), c.TitleKey)
	check("FindTitle(other holder)", err)
	_, err = s.FindTitle(ctx, nil, c.TitleKey)
	check("FindTitle(nil holder)", err)

	bs, err := s.Batches(ctx)
	if err != nil || len(bs) != 1 {
		t.Errorf("Batches = %d batches, %v; want 1", len(bs), err)
	}
	empty, _ := h.new(t, testListSize)
	bs, err = empty.Batches(ctx)
	if err != nil || len(bs) != 0 {
		t.Errorf("Batches of an empty store = %v, %v; want none", bs, err)
	}
}

// listFixture issues certificates in two batches and two committees, in an
// order that is not the number order.
func listFixture(t *testing.T, s store.Store) map[string]store.Certificate {
	t.Helper()
	all := make(map[string]store.Certificate)
	for _, batch := range []struct {
		id      string
		numbers []int
	}{
		{"B2", []int{9, 3, 7, 12, 1}},
		{"B1", []int{10, 2, 8, 11, 4, 6, 5}},
	} {
		var certs []store.Certificate
		for _, i := range batch.numbers {
			c := newCert(i, batch.id)
			if i%3 == 0 {
				c.Committee = "福建省会计系列高级职称评审委员会"
			}
			certs = append(certs, c)
			all[c.Number] = c
		}
		b, _ := newBatch(batch.id, 0, 0)
		if err := s.Issue(t.Context(), b, certs); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

func testList(t *testing.T, h *harness) {
	s, _ := h.new(t, testListSize)
	all := listFixture(t, s)
	num := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, fmt.Sprintf("2026%06d", i))
		}
		return out
	}
	const acct = "福建省会计系列高级职称评审委员会"
	tests := []struct {
		name   string
		filter store.Filter
		want   []string
	}{
		{"all", store.Filter{}, num(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)},
		{"batch", store.Filter{BatchID: "B2"}, num(1, 3, 7, 9, 12)},
		{"committee", store.Filter{Committee: acct}, num(3, 6, 9, 12)},
		{"batch and committee", store.Filter{BatchID: "B1", Committee: acct}, num(6)},
		{"limit", store.Filter{Limit: 3}, num(1, 2, 3)},
		{"after", store.Filter{After: num(10)[0]}, num(11, 12)},
		{"after and limit", store.Filter{After: num(4)[0], Limit: 2}, num(5, 6)},
		{"batch after limit", store.Filter{BatchID: "B1", After: num(2)[0], Limit: 3}, num(4, 5, 6)},
		{"no such batch", store.Filter{BatchID: "B3"}, nil},
		{"no such committee", store.Filter{Committee: "x"}, nil},
		{"after the last", store.Filter{After: num(12)[0]}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := s.List(t.Context(), tt.filter, func(c *store.Certificate) error {
				got = append(got, c.Number)
				want := all[c.Number]
				checkCert(t, c, &want, "")
				return nil
			})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("List(%+v) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
	err := s.List(t.Context(), store.Filter{Limit: -1}, func(*store.Certificate) error { return nil })
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("List with Limit -1: err = %v, want ErrInvalid", err)
	}
}

func testListCallback(t *testing.T, h *harness) {
	ctx := t.Context()
	s, _ := h.new(t, testListSize)
	listFixture(t, s)

	// fn's error stops the listing and comes back unchanged.
	stop := errors.New("stop here")
	n := 0
	err := s.List(ctx, store.Filter{}, func(*store.Certificate) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("List: err = %v, want fn's error unchanged", err)
	}
	if n != 3 {
		t.Errorf("List called fn %d times after it failed on the 3rd", n-3)
	}

	// fn may use the store, reading and writing.
	seq := 100
	err = s.List(ctx, store.Filter{BatchID: "B1"}, func(c *store.Certificate) error {
		if _, err := s.Certificate(ctx, c.Number); err != nil {
			return err
		}
		seq++
		b, certs := newBatch(fmt.Sprintf("inner-%d", seq), seq, 1)
		certs[0].StatusList = 2
		return s.Issue(ctx, b, certs)
	})
	if err != nil {
		t.Errorf("List with a callback that uses the store: %v", err)
	}
}

func testCancelled(t *testing.T, h *harness) {
	s, _ := h.new(t, testListSize)
	listFixture(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	check := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
	_, err := s.AllocateSeq(ctx, 1)
	check("AllocateSeq", err)
	_, err = s.AllocateStatusSlots(ctx, 1, newRand(0))
	check("AllocateStatusSlots", err)
	b, certs := newBatch("C", 100, 2)
	check("Issue", s.Issue(ctx, b, certs))
	_, err = s.Certificate(ctx, "2026000001")
	check("Certificate", err)
	_, err = s.ByVerificationCode(ctx, "CODE-0001")
	check("ByVerificationCode", err)
	c := newCert(1, "")
	_, err = s.FindTitle(ctx, c.HolderKey, c.TitleKey)
	check("FindTitle", err)
	_, err = s.Batches(ctx)
	check("Batches", err)
	check("List", s.List(ctx, store.Filter{}, func(*store.Certificate) error { return nil }))

	// Nothing was written.
	if _, err := s.Certificate(t.Context(), certs[0].Number); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Issue with a cancelled context recorded certificate %s (err = %v)", certs[0].Number, err)
	}
	if first, err := s.AllocateSeq(t.Context(), 1); err != nil || first != 1 {
		t.Errorf("AllocateSeq after a cancelled one = %d, %v; want 1, nil", first, err)
	}

	// Cancelled while listing: no more calls of fn.
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	n := 0
	err = s.List(ctx, store.Filter{}, func(*store.Certificate) error {
		n++
		if n == 2 {
			cancel()
		}
		return nil
	})
	check("List cancelled during the listing", err)
	if n != 2 {
		t.Errorf("List called fn %d times after the context was cancelled", n-2)
	}
}
