package ratelimit

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLimiter(t *testing.T) {
	c := &clock{time.Unix(1e9, 0)}
	l := NewLimiter(10, 3, c.now)
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, retry := l.Allow("a")
	if ok || retry != 6*time.Second {
		t.Fatalf("4th request: ok=%v retry=%v, want refused, 6s", ok, retry)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key is limited too")
	}
	c.t = c.t.Add(6 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("no token after 6s at 10/min")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("two tokens after 6s at 10/min")
	}
}

func TestLimiterBounded(t *testing.T) {
	c := &clock{time.Unix(1e9, 0)}
	l := NewLimiter(10, 3, c.now)
	l.max = 10
	for i := range 100 {
		l.Allow(string(rune('a' + i)))
	}
	if len(l.m) > 10 {
		t.Fatalf("%d entries, max 10", len(l.m))
	}
}

func attempt(o *Lockout, key string, fail bool) (ok, locked bool) {
	if ok, _ := o.Begin(key); !ok {
		return false, false
	}
	if fail {
		return true, o.Fail(key)
	}
	o.Succeed(key)
	return true, false
}

func TestLockout(t *testing.T) {
	c := &clock{time.Unix(1e9, 0)}
	o := NewLockout(3, 15*time.Minute, c.now)
	attempt(o, "n", true)
	attempt(o, "n", true)
	// A success forgets earlier failures.
	if ok, _ := attempt(o, "n", false); !ok {
		t.Fatal("refused after 2 of 3 failures")
	}
	attempt(o, "n", true)
	attempt(o, "n", true)
	if ok, locked := attempt(o, "n", true); !ok || !locked {
		t.Fatal("not locked after 3 failures")
	}
	ok, retry := o.Begin("n")
	if ok || retry != 15*time.Minute {
		t.Fatalf("begin while locked: ok=%v retry=%v", ok, retry)
	}
	c.t = c.t.Add(15 * time.Minute)
	if ok, _ := attempt(o, "n", false); !ok {
		t.Fatal("still locked after the duration")
	}
	// Failures older than the duration do not count.
	attempt(o, "m", true)
	attempt(o, "m", true)
	c.t = c.t.Add(15 * time.Minute)
	if _, locked := attempt(o, "m", true); locked {
		t.Fatal("old failures counted")
	}
	// Abandoned attempts count neither way, and leave no record.
	o.Begin("x")
	o.Abandon("x")
	if _, ok := o.m["x"]; ok {
		t.Fatal("an abandoned attempt left a record")
	}
}

// Concurrent attempts cannot slip past the limit: with 3 failures allowed,
// at most 3 attempts are admitted before any of them settles.
func TestLockoutConcurrent(t *testing.T) {
	o := NewLockout(3, 15*time.Minute, nil)
	var admitted atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 20 {
		wg.Go(func() {
			<-start
			if ok, _ := o.Begin("k"); ok {
				admitted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := admitted.Load(); n != 3 {
		t.Fatalf("%d attempts admitted at once, want 3", n)
	}
	for range 3 {
		o.Fail("k")
	}
	if ok, _ := o.Begin("k"); ok {
		t.Fatal("not locked")
	}
}

// A full table never forgets a lock in force: it refuses new keys instead.
func TestLockoutTableFull(t *testing.T) {
	c := &clock{time.Unix(1e9, 0)}
	o := NewLockout(1, 15*time.Minute, c.now)
	o.max = 2
	attempt(o, "a", true) // locked
	attempt(o, "b", true) // locked
	if ok, _ := o.Begin("c"); ok {
		t.Fatal("a full table of locks admitted a new key")
	}
	if ok, _ := o.Begin("a"); ok {
		t.Fatal("a lock was evicted")
	}
	c.t = c.t.Add(16 * time.Minute) // locks expired: room again
	if ok, _ := o.Begin("c"); !ok {
		t.Fatal("no room after the locks expired")
	}
}

// A forgetful lock-out counts and locks like any other, but a full table
// forgets locks rather than refuse a new key, and it stays bounded.
func TestForgetfulLockout(t *testing.T) {
	c := &clock{time.Unix(1e9, 0)}
	o := NewForgetfulLockout(2, 15*time.Minute, c.now)
	// The same sequence as NewLockout's.
	plain := NewLockout(2, 15*time.Minute, c.now)
	for i := range 4 {
		a, ra := o.Begin("k")
		b, rb := plain.Begin("k")
		if a != b || ra != rb {
			t.Fatalf("attempt %d: forgetful %v %v, plain %v %v", i, a, ra, b, rb)
		}
		if a {
			if o.Fail("k") != plain.Fail("k") {
				t.Fatalf("attempt %d: Fail differs", i)
			}
		}
	}
	if ok, retry := o.Begin("k"); ok || retry != 15*time.Minute {
		t.Fatalf("not locked: %v %v", ok, retry)
	}

	o = NewForgetfulLockout(1, 15*time.Minute, c.now)
	o.max = 20
	for i := range 100 {
		key := string(rune('A' + i))
		if ok, _ := o.Begin(key); !ok {
			t.Fatalf("key %d refused: a forgetful table must fail open", i)
		}
		o.Fail(key) // locked
		if len(o.m) > o.max {
			t.Fatalf("%d entries, max %d", len(o.m), o.max)
		}
	}
	// Every entry in flight: the attempt goes through, unrecorded.
	o = NewForgetfulLockout(1, 15*time.Minute, c.now)
	o.max = 2
	o.Begin("a")
	o.Begin("b")
	if ok, _ := o.Begin("c"); !ok || len(o.m) != 2 {
		t.Fatalf("%v, %d entries", ok, len(o.m))
	}
	if o.Fail("c") {
		t.Fatal("an unrecorded attempt locked")
	}
}
