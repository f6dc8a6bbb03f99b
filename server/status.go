package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/publish"
	"github.com/titlecert/titlecert/verify/statuslist"
)

// statusSnapshot is one signing of the issuer's status lists: the tokens
// served at /s/{id} and the verified set that verdicts consult. It is never
// changed once made.
type statusSnapshot struct {
	set      *statuslist.Set
	lists    map[int64]signedList
	signedAt time.Time
	// unrecordedDue is when an entry reserved but not recorded yet is
	// next published as unrecorded (zero: none pending); the lists are
	// signed again then.
	unrecordedDue time.Time
}

type signedList struct {
	publish.List
	etag string
}

// statusCache keeps the current snapshot and signs a new one when the old
// one is marked dirty (an admin change), is older than half the TTL, or the
// store's archive shows a change made by another process.
type statusCache struct {
	s     *Server
	snap  atomic.Pointer[statusSnapshot]
	dirty atomic.Bool
	// polled is when the archive was last looked at (Unix nanoseconds).
	polled atomic.Int64

	mu        sync.Mutex // held while polling or signing
	lastEvent int64      // highest archive event id seen
	lastList  int64      // highest status list id seen
	scanFrom  time.Time  // archive entries recorded before this were seen
	failedAt  time.Time  // when signing last failed
}

func newStatusCache(s *Server) *statusCache { return &statusCache{s: s} }

// invalidate makes the next request sign the lists again.
func (c *statusCache) invalidate() { c.dirty.Store(true) }

// fresh reports whether snap can be used at now without looking further.
func (c *statusCache) fresh(snap *statusSnapshot, now time.Time) bool {
	return snap != nil && !c.dirty.Load() && now.Sub(snap.signedAt) < c.s.cfg.StatusTTL/2 && now.Sub(snap.signedAt) >= -time.Minute &&
		(snap.unrecordedDue.IsZero() || now.Before(snap.unrecordedDue))
}

// get returns the current snapshot, signing a new one when needed. It
// never fails: when the lists cannot be signed it keeps the previous
// snapshot, or returns an empty set (every status then is unknown).
func (c *statusCache) get(ctx context.Context) *statusSnapshot {
	now := c.s.now()
	snap := c.snap.Load()
	pollDue := now.Sub(time.Unix(0, c.polled.Load())) >= c.s.cfg.StatusPoll
	if c.fresh(snap, now) && !pollDue {
		return snap
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	snap = c.snap.Load()
	if c.fresh(snap, now) {
		if now.Sub(time.Unix(0, c.polled.Load())) < c.s.cfg.StatusPoll {
			return snap // another request polled meanwhile
		}
		c.polled.Store(now.UnixNano())
		changed, err := c.archiveChanged(ctx, now)
		if err != nil {
			c.s.log.WarnContext(ctx, "status: reading the archive", "err", err.Error())
			return snap
		}
		if !changed {
			return snap
		}
	}
	if snap == nil && !c.failedAt.IsZero() && now.Sub(c.failedAt) < 5*time.Second {
		return c.empty(now)
	}
	next, err := c.sign(ctx, now)
	if err != nil {
		c.failedAt = now
		c.s.log.ErrorContext(ctx, "status: signing the status lists", "err", err.Error())
		if snap != nil {
			return snap
		}
		return c.empty(now)
	}
	c.snap.Store(next)
	return next
}

func (c *statusCache) empty(now time.Time) *statusSnapshot {
	return &statusSnapshot{set: statuslist.NewSet(c.s.trust, now), lists: map[int64]signedList{}}
}

// sign signs every list of the store now. Called with c.mu held.
func (c *statusCache) sign(ctx context.Context, now time.Time) (*statusSnapshot, error) {
	// Clear the flag first: a change made while signing sets it again.
	c.dirty.Store(false)
	c.polled.Store(now.UnixNano())
	if _, err := c.archiveChanged(ctx, now); err != nil {
		c.dirty.Store(true)
		return nil, err
	}
	lists, _, err := publish.StatusLists(ctx, c.s.store, publish.Options{
		IssuerID: c.s.cfg.Issuer.ID, URI: c.s.cfg.Issuer.StatusURI, Key: c.s.cfg.SigningKey,
		Now: now, Validity: c.s.cfg.StatusValidity, TTL: c.s.cfg.StatusTTL,
	})
	if err != nil {
		c.dirty.Store(true)
		return nil, err
	}
	snap := &statusSnapshot{set: statuslist.NewSet(c.s.trust, now), lists: make(map[int64]signedList, len(lists)), signedAt: now}
	if snap.unrecordedDue, err = publish.UnrecordedDue(ctx, c.s.store, now); err != nil {
		// The lists are good; only their next change by themselves is
		// unknown: they are signed again at TTL/2 as always.
		c.s.log.WarnContext(ctx, "status: looking for reserved entries", "err", err.Error())
	}
	for _, l := range lists {
		if err := snap.set.Add(l.Token); err != nil {
			c.dirty.Store(true)
			return nil, fmt.Errorf("server: status list %d does not verify: %w", l.ID, err)
		}
		sum := sha256.Sum256([]byte(l.Token))
		snap.lists[l.ID] = signedList{List: l, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`}
	}
	c.s.m.statusSigned.Inc()
	return snap, nil
}

// archiveChanged reports whether the archive holds an event not seen yet,
// or the store a status list not signed yet (issuance opens lists without
// an archive event), and remembers the newest. Called with c.mu held.
func (c *statusCache) archiveChanged(ctx context.Context, now time.Time) (bool, error) {
	lists, err := c.s.store.StatusLists(ctx)
	if err != nil {
		return false, err
	}
	newList := false
	for _, l := range lists {
		if l.ID > c.lastList {
			c.lastList, newList = l.ID, true
		}
	}
	newest := c.lastEvent
	err = c.s.store.Events(ctx, store.EventFilter{Since: c.scanFrom}, func(e *store.Event) error {
		newest = max(newest, e.ID)
		return nil
	})
	if err != nil {
		return false, err
	}
	changed := newest > c.lastEvent || newList
	c.lastEvent = newest
	// Events are recorded with their process's clock; look back a while
	// so that one recorded a little "earlier" is not missed.
	c.scanFrom = now.Add(-10 * time.Minute)
	return changed, nil
}
