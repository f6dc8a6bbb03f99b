// Package budget is a weighted semaphore with a cap on holders: the
// verification server's bound on the memory of the uploads it decodes at
// once. Each holder takes a weight (an estimate of the memory its decoding
// needs, in bytes) and a slot; the total weight held never exceeds the
// capacity, nor the holders the slots.
//
// Waiters are served first come, first served: a large request at the head
// of the queue is not starved by small ones arriving after it (the same
// policy as golang.org/x/sync/semaphore, which the module does not
// otherwise need).
package budget

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// ErrTooLarge is returned by Acquire for a weight larger than the whole
// capacity: it could never be granted.
var ErrTooLarge = errors.New("budget: the request is larger than the whole budget")

// Budget is a weighted semaphore with at most Slots holders. It is safe
// for concurrent use.
type Budget struct {
	capacity int64
	slots    int

	mu      sync.Mutex
	used    int64
	holders int
	waiters list.List // of *waiter, oldest first
}

type waiter struct {
	weight int64
	ready  chan struct{} // closed when granted
}

// New returns a budget of capacity (bytes, or any unit the caller uses)
// shared by at most slots holders at once. Both must be positive.
func New(capacity int64, slots int) *Budget {
	return &Budget{capacity: max(capacity, 1), slots: max(slots, 1)}
}

// Capacity returns the budget's capacity.
func (b *Budget) Capacity() int64 { return b.capacity }

// Acquire takes weight (negative counts as zero) and a slot, waiting until
// both are free or ctx is done. It returns ErrTooLarge at once when weight
// exceeds the capacity, and ctx.Err() when ctx ends first (at once if ctx
// is already done and the budget is not free now). Every successful
// Acquire must be followed by exactly one Release of the same weight.
func (b *Budget) Acquire(ctx context.Context, weight int64) error {
	weight = max(weight, 0)
	if weight > b.capacity {
		return ErrTooLarge
	}
	b.mu.Lock()
	if b.waiters.Len() == 0 && b.fits(weight) {
		b.take(weight)
		b.mu.Unlock()
		return nil
	}
	if err := ctx.Err(); err != nil {
		b.mu.Unlock()
		return err
	}
	w := &waiter{weight: weight, ready: make(chan struct{})}
	e := b.waiters.PushBack(w)
	b.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	select {
	case <-w.ready:
		// Granted while ctx ended: give it back.
		b.give(weight)
	default:
		front := b.waiters.Front() == e
		b.waiters.Remove(e)
		if front {
			b.grant() // the next ones may fit now
		}
	}
	b.mu.Unlock()
	return ctx.Err()
}

// TryAcquireWithin takes weight (negative counts as zero) and a slot when
// they are free now and the weight held stays at most limit (capped by
// the capacity); it never waits. It reports whether it took them. A
// limit below the capacity keeps the rest for holders that acquire with
// a higher limit: the server's large upload bodies take only what leaves
// room for small ones. A true answer must be followed by exactly one
// Release of the same weight.
func (b *Budget) TryAcquireWithin(weight, limit int64) bool {
	weight = max(weight, 0)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.waiters.Len() != 0 || !b.fits(weight) || b.used+weight > limit {
		return false
	}
	b.take(weight)
	return true
}

// Release gives back weight and a slot taken by Acquire.
func (b *Budget) Release(weight int64) {
	b.mu.Lock()
	b.give(max(weight, 0))
	b.mu.Unlock()
}

// InUse returns the weight held and the number of holders.
func (b *Budget) InUse() (weight int64, holders int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.holders
}

// Waiting returns how many Acquire calls are waiting.
func (b *Budget) Waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waiters.Len()
}

func (b *Budget) fits(weight int64) bool {
	return b.holders < b.slots && b.used+weight <= b.capacity
}

func (b *Budget) take(weight int64) {
	b.used += weight
	b.holders++
}

func (b *Budget) give(weight int64) {
	b.used -= weight
	b.holders--
	if b.used < 0 || b.holders < 0 {
		panic("budget: released more than acquired")
	}
	b.grant()
}

// grant serves waiters from the front while they fit.
func (b *Budget) grant() {
	for {
		e := b.waiters.Front()
		if e == nil {
			return
		}
		w := e.Value.(*waiter)
		if !b.fits(w.weight) {
			return
		}
		b.take(w.weight)
		b.waiters.Remove(e)
		close(w.ready)
	}
}
