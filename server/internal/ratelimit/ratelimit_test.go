package ratelimit

import (
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

func TestLockout(t *testing.T) {
	c := &clock{time.Unix(1e9, 0)}
	o := NewLockout(3, 15*time.Minute, c.now)
	o.Fail("n")
	o.Fail("n")
	if locked, _ := o.Locked("n"); locked {
		t.Fatal("locked after 2 of 3 failures")
	}
	// A success forgets earlier failures.
	o.Reset("n")
	o.Fail("n")
	o.Fail("n")
	if locked, _ := o.Locked("n"); locked {
		t.Fatal("failures before a success counted")
	}
	if !o.Fail("n") {
		t.Fatal("not locked after 3 failures")
	}
	locked, retry := o.Locked("n")
	if !locked || retry != 15*time.Minute {
		t.Fatalf("locked=%v retry=%v", locked, retry)
	}
	o.Reset("n") // a lock in force stays
	if locked, _ := o.Locked("n"); !locked {
		t.Fatal("Reset lifted a lock")
	}
	c.t = c.t.Add(15 * time.Minute)
	if locked, _ := o.Locked("n"); locked {
		t.Fatal("still locked after the duration")
	}
	// Failures older than the duration do not count.
	o.Fail("m")
	o.Fail("m")
	c.t = c.t.Add(16 * time.Minute)
	if o.Fail("m") {
		t.Fatal("old failures counted")
	}
}
