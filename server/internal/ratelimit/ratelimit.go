// Package ratelimit holds the verification server's two defences against
// guessing: a token bucket per client address (Limiter) and a lock-out per
// certificate after repeated failures (Lockout).
//
// Both keep their state in memory, bounded in size: when a table is full,
// entries that no longer matter (full buckets, expired failures) are
// dropped, and if none can be dropped the oldest entry goes. A server
// restart forgets everything, which errs on the side of availability. Both
// take an injectable clock and are safe for concurrent use.
package ratelimit

import (
	"sync"
	"time"
)

// DefaultMaxEntries bounds the keys a Limiter or Lockout remembers.
const DefaultMaxEntries = 100_000

// Limiter is a token bucket per key: each key may spend Burst tokens at
// once and regains PerMinute tokens a minute.
type Limiter struct {
	perSec float64
	burst  float64
	now    func() time.Time
	max    int

	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter allowing perMinute requests a minute per key
// with bursts of burst. now is time.Now when nil.
func NewLimiter(perMinute, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{perSec: float64(perMinute) / 60, burst: float64(burst), now: now, max: DefaultMaxEntries, m: map[string]*bucket{}}
}

// Allow takes a token for key. When none is left it returns false and how
// long until one is.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.m[key]
	if !found {
		l.makeRoom(now)
		b = &bucket{tokens: l.burst, last: now}
		l.m[key] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	if l.perSec <= 0 {
		return false, time.Hour
	}
	wait := time.Duration((1 - b.tokens) / l.perSec * float64(time.Second))
	return false, max(wait, time.Second)
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(l.burst, b.tokens+dt*l.perSec)
		b.last = now
	}
}

// makeRoom drops full buckets (they behave like new ones) when the table
// is full, and an arbitrary one if none is full.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.m) < l.max {
		return
	}
	for k, b := range l.m {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) < l.max {
			break
		}
		delete(l.m, k)
	}
}

// Lockout locks a key for Duration once it has failed Failures times, each
// failure counting for Duration after it happened. Attempts are reserved
// with Begin before the (slow) check and settled with Fail, Succeed or
// Abandon after it, so that concurrent attempts cannot slip past the limit:
// at most Failures attempts are ever in flight or failed for one key.
type Lockout struct {
	failures int
	duration time.Duration
	now      func() time.Time
	max      int
	// forgetful: when the table is full, forget records (locks included)
	// rather than refuse; see NewForgetfulLockout.
	forgetful bool

	mu sync.Mutex
	m  map[string]*record
}

type record struct {
	fails       []time.Time // recent failures, oldest first
	lockedUntil time.Time
	pending     int // attempts begun and not yet settled
}

// NewLockout returns a lock-out after failures failures, for duration.
// now is time.Now when nil.
func NewLockout(failures int, duration time.Duration, now func() time.Time) *Lockout {
	if now == nil {
		now = time.Now
	}
	return &Lockout{failures: failures, duration: duration, now: now, max: DefaultMaxEntries, m: map[string]*record{}}
}

// NewForgetfulLockout is NewLockout for keys whose lock protects nothing
// but must be seen to happen: the verification server's made-up
// certificate numbers, locked only so that they answer exactly like real
// ones. When its table is full it forgets a tenth of it (locks and
// failures, never an attempt in flight) instead of refusing, and if it
// still has no room it lets the attempt through unrecorded: it fails
// open, so that filling it locks nobody out.
func NewForgetfulLockout(failures int, duration time.Duration, now func() time.Time) *Lockout {
	o := NewLockout(failures, duration, now)
	o.forgetful = true
	return o
}

// Begin reserves an attempt for key. It refuses, with how long to wait,
// while key is locked out, while the attempts in flight already use up the
// failures left before a lock-out, or when the table is full of keys it
// must keep (locked or in flight): it fails closed rather than forget a
// lock. Every reserved attempt must be settled exactly once.
func (o *Lockout) Begin(key string) (ok bool, retryAfter time.Duration) {
	now := o.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	r, found := o.m[key]
	if !found {
		if !o.makeRoom(now) {
			if o.forgetful {
				return true, 0 // unrecorded: Fail, Succeed and Abandon ignore it
			}
			return false, time.Minute
		}
		r = &record{}
		o.m[key] = r
	}
	if now.Before(r.lockedUntil) {
		return false, max(r.lockedUntil.Sub(now).Round(time.Second), time.Second)
	}
	r.prune(now, o.duration)
	if len(r.fails)+r.pending >= o.failures {
		return false, time.Second
	}
	r.pending++
	return true, 0
}

// Fail settles an attempt as failed and reports whether key is now locked.
func (o *Lockout) Fail(key string) bool {
	now := o.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	r, ok := o.m[key]
	if !ok {
		return false
	}
	r.settle()
	r.prune(now, o.duration)
	r.fails = append(r.fails, now)
	if len(r.fails) >= o.failures {
		r.lockedUntil = now.Add(o.duration)
		r.fails = r.fails[:0]
		return true
	}
	return false
}

// Succeed settles an attempt as successful: earlier failures are
// forgotten. A lock in force stays.
func (o *Lockout) Succeed(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if r, ok := o.m[key]; ok {
		r.settle()
		r.fails = r.fails[:0]
		o.dropIfIdle(key, r, o.now())
	}
}

// Abandon settles an attempt that had no outcome (an internal error, a
// key that names nothing): it counts neither way.
func (o *Lockout) Abandon(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if r, ok := o.m[key]; ok {
		r.settle()
		o.dropIfIdle(key, r, o.now())
	}
}

func (r *record) settle() {
	if r.pending > 0 {
		r.pending--
	}
}

func (o *Lockout) dropIfIdle(key string, r *record, now time.Time) {
	if r.pending == 0 && len(r.fails) == 0 && !now.Before(r.lockedUntil) {
		delete(o.m, key)
	}
}

func (r *record) prune(now time.Time, d time.Duration) {
	i := 0
	for i < len(r.fails) && now.Sub(r.fails[i]) >= d {
		i++
	}
	r.fails = r.fails[i:]
}

// makeRoom makes room for one more key if the table is full, dropping
// first the idle keys, then keys with failures only; never a lock in force
// or an attempt in flight. It reports whether there is room.
func (o *Lockout) makeRoom(now time.Time) bool {
	if len(o.m) < o.max {
		return true
	}
	for k, r := range o.m {
		r.prune(now, o.duration)
		o.dropIfIdle(k, r, now)
	}
	for k, r := range o.m {
		if len(o.m) < o.max {
			break
		}
		if r.pending == 0 && !now.Before(r.lockedUntil) {
			delete(o.m, k)
		}
	}
	if o.forgetful && len(o.m) >= o.max {
		// Make room for many keys at once, so that a flood of new keys
		// does not cost a scan of the table each.
		for k, r := range o.m {
			if len(o.m) < o.max-o.max/10 {
				break
			}
			if r.pending == 0 {
				delete(o.m, k)
			}
		}
	}
	return len(o.m) < o.max
}
