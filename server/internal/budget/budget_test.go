package budget

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
)

func TestAcquireRelease(t *testing.T) {
	b := New(100, 3)
	ctx := context.Background()
	if err := b.Acquire(ctx, 60); err != nil {
		t.Fatal(err)
	}
	if err := b.Acquire(ctx, 40); err != nil {
		t.Fatal(err)
	}
	if w, h := b.InUse(); w != 100 || h != 2 {
		t.Fatalf("in use %d by %d", w, h)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Acquire(done, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("over the capacity with a done context: %v", err)
	}
	if err := b.Acquire(ctx, 101); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("larger than the budget: %v", err)
	}
	b.Release(60)
	if err := b.Acquire(done, 0); err != nil {
		t.Fatalf("a free slot: %v", err)
	}
	if err := b.Acquire(done, 0); err != nil {
		t.Fatalf("a free slot: %v", err)
	}
	if err := b.Acquire(done, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("no slot left: %v", err)
	}
	if w, h := b.InUse(); w != 40 || h != 3 {
		t.Fatalf("in use %d by %d", w, h)
	}
}

// Waiters are served in order, a large one before smaller ones behind it,
// and the budget is never exceeded.
func TestWaitersInOrder(t *testing.T) {
	b := New(100, 10)
	ctx := context.Background()
	b.Acquire(ctx, 90)
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	weights := []int64{80, 10, 10}
	for i, w := range weights {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Acquire(ctx, w); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			if u, _ := b.InUse(); u > 100 {
				t.Errorf("in use %d", u)
			}
			mu.Unlock()
		}()
		for b.Waiting() != i+1 {
			runtime.Gosched() // queue them in a known order
		}
	}
	// 10 would fit now, but the 80 at the head waits for room.
	if u, h := b.InUse(); u != 90 || h != 1 {
		t.Fatalf("a waiter jumped the queue: %d by %d", u, h)
	}
	b.Release(90)
	wg.Wait()
	if len(order) != 3 {
		t.Fatalf("granted %v", order)
	}
	if u, h := b.InUse(); u != 100 || h != 3 {
		t.Fatalf("in use %d by %d", u, h)
	}
}

// A waiter whose context ends leaves the queue, and the ones behind it
// are served if they fit.
func TestCancelledWaiter(t *testing.T) {
	b := New(100, 10)
	bg := context.Background()
	b.Acquire(bg, 50)
	ctx, cancel := context.WithCancel(bg)
	errc := make(chan error)
	go func() { errc <- b.Acquire(ctx, 60) }()
	for b.Waiting() != 1 {
		runtime.Gosched()
	}
	got := make(chan error)
	go func() { got <- b.Acquire(bg, 40) }()
	for b.Waiting() != 2 {
		runtime.Gosched()
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if err := <-got; err != nil {
		t.Fatalf("behind it: %v", err)
	}
	if u, h := b.InUse(); u != 90 || h != 2 || b.Waiting() != 0 {
		t.Fatalf("in use %d by %d, %d waiting", u, h, b.Waiting())
	}
}

// TryAcquireWithin never takes past its limit, so what is above it stays
// for the acquisitions with a higher one (the server's small uploads).
func TestTryAcquireWithin(t *testing.T) {
	b := New(100, 10)
	if !b.TryAcquireWithin(60, 75) || !b.TryAcquireWithin(15, 75) {
		t.Fatal("refused within the limit")
	}
	if b.TryAcquireWithin(1, 75) {
		t.Fatal("took past the limit")
	}
	if !b.TryAcquireWithin(25, 100) {
		t.Fatal("refused the reserve to a higher limit")
	}
	if b.TryAcquireWithin(1, 1000) {
		t.Fatal("took past the capacity")
	}
	if w, h := b.InUse(); w != 100 || h != 3 {
		t.Fatalf("in use %d, %d holders", w, h)
	}
	b.Release(60)
	if !b.TryAcquireWithin(-5, 40) {
		t.Fatal("a negative weight counts as zero")
	}
	b.Release(0)
	b.Release(15)
	b.Release(25)
	if w, h := b.InUse(); w != 0 || h != 0 {
		t.Fatalf("in use %d, %d holders after release", w, h)
	}
}
