// Package publish builds and signs what an issuer publishes for verifiers
// from its store: its status lists (the format is package
// verify/statuslist's). It is the issuer's side of revocation and does no
// HTTP: the CLI (titlecert status export, offline) and the verification
// server (its /s/ routes) share it, so a list is the same however it is
// published. It reads the store through store.Revoker only, so every
// backend publishes alike.
package publish

import (
	"context"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify/statuslist"
)

// Defaults for status lists.
const (
	DefaultValidity = 7 * 24 * time.Hour
	DefaultTTL      = 12 * time.Hour
)

// List is one signed status list.
type List struct {
	ID       int64
	URI      string
	Token    string // the statuslist+jwt
	IssuedAt time.Time
	Expires  time.Time
	TTL      time.Duration
}

// Stats counts the entries that are not valid: by store status
// (store.StatusRevoked, store.StatusSuspended), and the unrecorded entries
// under store.ReasonUnrecorded.
type Stats map[string]int

// Options say who signs and for how long.
type Options struct {
	IssuerID string
	URI      func(list int64) string // the list's URI, as certificates carry it
	Key      jose.JSONWebKey         // the issuer's private signing key
	Now      time.Time
	Validity time.Duration // exp = Now + Validity
	TTL      time.Duration
}

// StatusLists builds and signs every status list the store has opened.
// Besides the revoked and suspended certificates, each list marks as
// invalid (1, reason store.ReasonUnrecorded, "at" the reservation time) the
// entries reserved more than store.UnrecordedGrace before o.Now that no
// recorded certificate holds: those of batches that crashed before their
// commit, whose signed files must not verify.
func StatusLists(ctx context.Context, st store.Revoker, o Options) ([]List, Stats, error) {
	signer, err := cert.NewJWTSigner(o.Key, statuslist.MediaType)
	if err != nil {
		return nil, nil, err
	}
	infos, err := st.StatusLists(ctx)
	if err != nil {
		return nil, nil, err
	}
	stats := Stats{}
	var out []List
	for _, info := range infos {
		size := max(int(info.Size), statuslist.MinSize)
		l, err := statuslist.New(size)
		if err != nil {
			return nil, nil, err
		}
		var details []statuslist.Detail
		err = st.StatusEntries(ctx, info.ID, func(e store.StatusEntry) error {
			v := uint8(statuslist.Revoked)
			if e.Status == store.StatusSuspended {
				v = statuslist.Suspended
			}
			stats[e.Status]++
			details = append(details, statuslist.Detail{Index: e.Index, Reason: e.Reason, At: e.At.Unix()})
			return l.Set(int(e.Index), v)
		})
		if err != nil {
			return nil, nil, fmt.Errorf("publish: list %d: %w", info.ID, err)
		}
		// Entries reserved for a batch that never committed: the
		// certificates signed for them (left by a crash) are invalid.
		err = st.UnrecordedSlots(ctx, info.ID, o.Now.Add(-store.UnrecordedGrace), func(e store.UnrecordedSlot) error {
			stats[store.ReasonUnrecorded]++
			details = append(details, statuslist.Detail{Index: e.Index, Reason: store.ReasonUnrecorded, At: e.ReservedAt.Unix()})
			return l.Set(int(e.Index), statuslist.Revoked)
		})
		if err != nil {
			return nil, nil, fmt.Errorf("publish: list %d: %w", info.ID, err)
		}
		uri := o.URI(info.ID)
		claims, err := statuslist.Build(l, statuslist.BuildOptions{Issuer: o.IssuerID, URI: uri, IssuedAt: o.Now,
			Validity: o.Validity, TTL: o.TTL, Details: details})
		if err != nil {
			return nil, nil, err
		}
		tok, err := statuslist.Sign(signer, claims)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, List{ID: info.ID, URI: uri, Token: tok, IssuedAt: time.Unix(claims.IssuedAt, 0).UTC(),
			Expires: time.Unix(claims.Expiry, 0).UTC(), TTL: o.TTL})
	}
	return out, stats, nil
}

// UnrecordedDue returns when the status lists next change by themselves:
// the earliest time at which an entry reserved before now, and not yet
// recorded, is published as unrecorded (its reservation time plus
// store.UnrecordedGrace, plus a second, as StatusLists compares in whole
// seconds). It returns the zero time when no such entry is pending. A
// server that keeps signed lists signs again then.
func UnrecordedDue(ctx context.Context, st store.Revoker, now time.Time) (time.Time, error) {
	infos, err := st.StatusLists(ctx)
	if err != nil {
		return time.Time{}, err
	}
	var due time.Time
	for _, info := range infos {
		err := st.UnrecordedSlots(ctx, info.ID, now.Add(time.Second), func(e store.UnrecordedSlot) error {
			at := e.ReservedAt.Add(store.UnrecordedGrace + time.Second)
			if at.After(now) && (due.IsZero() || at.Before(due)) {
				due = at
			}
			return nil
		})
		if err != nil {
			return time.Time{}, fmt.Errorf("publish: list %d: %w", info.ID, err)
		}
	}
	return due, nil
}
