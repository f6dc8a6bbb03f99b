package statuslist

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/titlecert/titlecert/verify"
)

// Set holds the status lists a verifier has, by URI, and implements
// verify.StatusSource. Lists that failed verification are remembered by the
// URI they claim, so that a certificate pointing at one is reported with
// the precise reason (expired, untrusted) rather than "missing".
type Set struct {
	trust  verify.Trust
	now    time.Time
	lists  map[string]*Token
	failed map[string]error
}

var _ verify.StatusSource = (*Set)(nil)

// NewSet returns an empty set that verifies lists against trust at time
// now (see Parse): a list is trusted only when trust vouches for its key
// and the issuer it claims, so issuer B's key can never vouch for (or
// un-revoke) issuer A's certificates.
func NewSet(trust verify.Trust, now time.Time) *Set {
	return &Set{trust: trust, now: now, lists: map[string]*Token{}, failed: map[string]error{}}
}

// Add verifies a status list token and adds it. A list that fails is kept
// as failed for its claimed URI and its error returned. Of two valid lists
// for the same URI, the one issued later wins.
func (s *Set) Add(token string) error {
	t, err := Parse(token, s.trust, s.now)
	if err != nil {
		if sub := peekSubject(token); sub != "" {
			if _, ok := s.lists[sub]; !ok {
				s.failed[sub] = err
			}
		}
		return err
	}
	// The later list wins; of two signed in the same second, the one with
	// more entries not valid (revocation only ever adds them).
	if old, ok := s.lists[t.Subject]; !ok || t.IssuedAt > old.IssuedAt || t.IssuedAt == old.IssuedAt && len(t.Details) > len(old.Details) {
		s.lists[t.Subject] = t
		delete(s.failed, t.Subject)
	}
	return nil
}

// AddBundle adds every token of data, one per line (the form `titlecert
// status export` writes); blank lines are ignored. It returns the errors
// of the tokens that failed, joined.
func (s *Set) AddBundle(data []byte) error {
	if len(data) > 4*MaxTokenLen {
		return fmt.Errorf("%w: bundle of %d bytes", ErrTooLarge, len(data))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxTokenLen+2)
	var errs []error
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		n++
		if err := s.Add(line); err != nil {
			errs = append(errs, fmt.Errorf("list %d: %w", n, err))
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: no status list in the file", ErrMalformed)
	}
	return errors.Join(errs...)
}

// Has reports whether the set holds a valid list for uri.
func (s *Set) Has(uri string) bool { _, ok := s.lists[uri]; return ok }

// Len returns the number of valid lists held.
func (s *Set) Len() int { return len(s.lists) }

// Status implements verify.StatusSource. It answers from the lists held,
// without I/O, so ctx is not consulted.
func (s *Set) Status(_ context.Context, iss, uri string, idx int64) (verify.EntryStatus, error) {
	t, ok := s.lists[uri]
	if !ok {
		if err, ok := s.failed[uri]; ok {
			se := &verify.StatusError{Reason: verify.ReasonStatusListInvalid, Detail: err.Error()}
			switch {
			case errors.Is(err, ErrExpired):
				se.Reason = verify.ReasonStatusListExpired
			case errors.Is(err, ErrUntrusted):
				se.Reason = verify.ReasonStatusListUntrusted
			case !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge):
				se.Err = err // the trust could not be consulted: not checked
			}
			return verify.EntryStatus{}, se
		}
		return verify.EntryStatus{}, &verify.StatusError{Reason: verify.ReasonStatusListMissing, Detail: fmt.Sprintf("no status list for %s", uri)}
	}
	if t.Issuer != iss {
		return verify.EntryStatus{}, &verify.StatusError{Reason: verify.ReasonStatusListUntrusted,
			Detail: fmt.Sprintf("the list for %s was issued by %q, the certificate by %q", uri, t.Issuer, iss)}
	}
	v, d, ok := t.Lookup(idx)
	if !ok {
		return verify.EntryStatus{}, &verify.StatusError{Reason: verify.ReasonStatusListInvalid,
			Detail: fmt.Sprintf("index %d is outside the list of %d entries", idx, t.Len())}
	}
	st := verify.EntryStatus{ListIssuedAt: time.Unix(t.IssuedAt, 0), ListExpiresAt: time.Unix(t.Expiry, 0), Reason: verify.RevocationReason(d.Reason)}
	if d.At > 0 {
		st.Since = time.Unix(d.At, 0)
	}
	switch v {
	case Valid:
		st.Value, st.Reason, st.Since = verify.Valid, "", time.Time{}
	case Revoked:
		st.Value = verify.Revoked
	case Suspended:
		st.Value = verify.Suspended
	default:
		st.Value = verify.Unknown
	}
	return st, nil
}

// peekSubject reads "sub" from an unverified token, only to attribute an
// error to the list it claims to be.
func peekSubject(token string) string {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 || len(parts[1]) > MaxTokenLen {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(raw, &c) != nil {
		return ""
	}
	return c.Sub
}
