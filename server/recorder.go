package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

// recorder appends online verifications to holders' logs in the
// background, so that a verification never waits for a database write.
// Verifications of one certificate through one channel within window of
// the last one recorded are coalesced into it: a holder learns that their
// certificate was checked, and a flood of checks costs neither a write
// each nor a log nobody can read.
type recorder struct {
	st     store.Ledger
	log    *slog.Logger
	m      *serverMetrics
	window time.Duration

	seenMu sync.Mutex
	seen   map[seenKey]time.Time // when each (number, channel) was last recorded

	mu     sync.RWMutex // guards closed against sends
	closed bool
	queue  chan any // store.Verification, or chan struct{} to flush
	done   chan struct{}
}

type seenKey struct{ number, channel string }

// maxSeen bounds the coalescing table.
const maxSeen = 100_000

func newRecorder(st store.Ledger, size int, window time.Duration, log *slog.Logger, m *serverMetrics) *recorder {
	r := &recorder{st: st, log: log, m: m, window: window, seen: map[seenKey]time.Time{},
		queue: make(chan any, size), done: make(chan struct{})}
	go r.run()
	return r
}

// record queues v, or drops it (and counts it) when the queue is full.
func (r *recorder) record(v store.Verification) {
	if r.coalesce(v) {
		r.m.logCoalesced.Inc()
		return
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return
	}
	select {
	case r.queue <- v:
	default:
		r.m.logDropped.Inc()
	}
}

// coalesce reports whether v falls within the window of the last entry
// recorded for its certificate and channel, and otherwise remembers it.
func (r *recorder) coalesce(v store.Verification) bool {
	if r.window <= 0 {
		return false
	}
	k := seenKey{v.Number, v.Channel}
	r.seenMu.Lock()
	defer r.seenMu.Unlock()
	if last, ok := r.seen[k]; ok && !v.At.Before(last) && v.At.Sub(last) < r.window {
		return true
	}
	if len(r.seen) >= maxSeen {
		for k, t := range r.seen {
			if v.At.Sub(t) >= r.window || v.At.Before(t) {
				delete(r.seen, k)
			}
		}
		if len(r.seen) >= maxSeen {
			clear(r.seen)
		}
	}
	r.seen[k] = v.At
	return false
}

func (r *recorder) run() {
	defer close(r.done)
	for item := range r.queue {
		switch v := item.(type) {
		case store.Verification:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := r.st.RecordVerification(ctx, v)
			cancel()
			switch {
			case err == nil:
			case errors.Is(err, store.ErrNotFound):
				// Signed by this issuer's key but not in this store
				// (another store, or a test certificate): nothing to log.
			default:
				r.m.logDropped.Inc()
				r.log.Warn("recording a verification", "err", err.Error())
			}
		case chan struct{}:
			close(v)
		}
	}
}

// flush waits until everything queued before it has been written.
func (r *recorder) flush() {
	ch := make(chan struct{})
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return
	}
	r.queue <- ch
	r.mu.RUnlock()
	<-ch
}

func (r *recorder) close() {
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.queue)
	}
	r.mu.Unlock()
	<-r.done
}

// verified counts a verdict and, for a certificate of this issuer whose
// signature verified, queues an entry in its holder's log.
func (s *Server) verified(res verify.Result, channel string) {
	s.m.verifications.Inc(channel, string(res.Status))
	if c := res.Certificate; c != nil && c.Issuer == s.cfg.Issuer.ID {
		s.verification.record(store.Verification{Number: c.Number, At: s.now().UTC(), Channel: channel})
	}
}
