package verify_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

// oneKey is a verify.Trust of one key, bound to issuer "fjhrss", within a
// validity window; err, when set, is what every look-up returns (a trust
// that cannot be consulted).
type oneKey struct {
	key                 jose.JSONWebKey
	notBefore, notAfter time.Time
	err                 error
}

func (o oneKey) Key(iss, kid string) (*verify.TrustedKey, error) {
	if o.err != nil {
		return nil, o.err
	}
	if kid != o.key.KeyID {
		return nil, verify.ErrUnknownKey
	}
	if iss != "" && iss != "fjhrss" {
		return nil, verify.ErrWrongIssuer
	}
	return &verify.TrustedKey{Key: o.key, Issuer: "fjhrss", NotBefore: o.notBefore, NotAfter: o.notAfter}, nil
}

// A key vouches only for certificates issued inside its validity window,
// bounds included.
func TestTrustKeyWindow(t *testing.T) {
	v := loadVector(t)
	k, _ := trustTestKey(t)
	iat := time.Unix(v.Claims.IssuedAt, 0)
	for _, tc := range []struct {
		name          string
		nbf, notAfter time.Time
		ok            bool
	}{
		{"unbounded", time.Time{}, time.Time{}, true},
		{"from iat", iat, time.Time{}, true},
		{"from a second after iat", iat.Add(time.Second), time.Time{}, false},
		{"until iat", time.Time{}, iat, true},
		{"until a second before iat", time.Time{}, iat.Add(-time.Second), false},
	} {
		r := verify.Check(v.JWS, verify.Options{Trust: oneKey{key: keys.Public(k), notBefore: tc.nbf, notAfter: tc.notAfter}, Now: checkTime})
		if tc.ok && r.Status != verify.Valid {
			t.Errorf("%s: %s/%s (%s)", tc.name, r.Status, r.ReasonCode(), r.Detail)
		}
		if !tc.ok && (r.Status != verify.Invalid || r.Reason != verify.ReasonUntrustedIssuer || !strings.Contains(r.Detail, "not trusted for certificates issued at") || r.Certificate != nil) {
			t.Errorf("%s: %s/%s (%s)", tc.name, r.Status, r.ReasonCode(), r.Detail)
		}
	}
}

// A trust that cannot be consulted is not a fault of the certificate: the
// verdict is unknown and says it could not check, never invalid.
func TestTrustUnavailableIsNotInvalid(t *testing.T) {
	v := loadVector(t)
	k, _ := trustTestKey(t)
	down := errors.New("trust list unreachable")
	o := verify.Options{Trust: oneKey{key: keys.Public(k), err: down}, Now: checkTime}
	r := verify.Check(v.JWS, o)
	if r.Status != verify.Unknown || r.StatusReason != verify.ReasonCouldNotCheck || r.Reason != "" || !errors.Is(r.Err, down) || !r.CouldNotCheck() || r.Certificate != nil {
		t.Fatalf("got %s/%s err %v", r.Status, r.ReasonCode(), r.Err)
	}
	if b, _ := json.Marshal(r); !strings.Contains(string(b), `"status":"unknown","reason":"could_not_check"`) {
		t.Fatalf("json %s", b)
	}
	var inv *verify.InvalidError
	if _, _, err := verify.Verify(v.JWS, o); !errors.Is(err, down) || errors.As(err, &inv) {
		t.Fatalf("Verify: %v", err)
	}
	// Without any trust, a certificate is untrusted, not unchecked.
	if r := verify.Check(v.JWS, verify.Options{Now: checkTime}); r.Status != verify.Invalid || r.Reason != verify.ReasonUntrustedIssuer || r.Err != nil {
		t.Fatalf("nil trust: %s/%s", r.Status, r.ReasonCode())
	}
}

// Each kind of status answer lands in its own field of the Result; only a
// status source that failed to check sets Err; the context of
// CheckContext reaches the status source.
func TestStatusReasonsApart(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	type ctxKey struct{}
	ctx := context.WithValue(t.Context(), ctxKey{}, "mine")
	down := errors.New("connection refused")
	since := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		st     verify.EntryStatus
		err    error
		want   verify.Result
		failed bool
	}{
		{"revoked", verify.EntryStatus{Value: verify.Revoked, Reason: "fraud", Since: since}, nil,
			verify.Result{Status: verify.Revoked, RevocationReason: "fraud"}, false},
		{"suspended without reason", verify.EntryStatus{Value: verify.Suspended}, nil,
			verify.Result{Status: verify.Suspended, RevocationReason: verify.ReasonUnspecified}, false},
		{"expired list", verify.EntryStatus{}, &verify.StatusError{Reason: verify.ReasonStatusListExpired, Detail: "d"},
			verify.Result{Status: verify.Unknown, StatusReason: verify.ReasonStatusListExpired}, false},
		{"fetch failed", verify.EntryStatus{}, &verify.StatusError{Reason: verify.ReasonStatusListMissing, Detail: "d", Err: down},
			verify.Result{Status: verify.Unknown, StatusReason: verify.ReasonStatusListMissing}, true},
		{"unexplained error", verify.EntryStatus{}, down,
			verify.Result{Status: verify.Unknown, StatusReason: verify.ReasonStatusListInvalid}, true},
		{"value 3", verify.EntryStatus{Value: "3"}, nil,
			verify.Result{Status: verify.Unknown, StatusReason: verify.ReasonStatusListInvalid}, false},
	} {
		src := statusFunc(func(c context.Context, iss, uri string, idx int64) (verify.EntryStatus, error) {
			if c.Value(ctxKey{}) != "mine" {
				t.Errorf("%s: the status source did not get the caller's context", tc.name)
			}
			return tc.st, tc.err
		})
		r := verify.CheckContext(ctx, v.JWS, verify.Options{Trust: trust, Now: checkTime, Status: src})
		if r.Status != tc.want.Status || r.Reason != "" || r.StatusReason != tc.want.StatusReason || r.RevocationReason != tc.want.RevocationReason {
			t.Errorf("%s: got %s reason %q status %q revocation %q", tc.name, r.Status, r.Reason, r.StatusReason, r.RevocationReason)
		}
		if tc.failed != r.CouldNotCheck() || tc.failed && !errors.Is(r.Err, down) {
			t.Errorf("%s: Err %v", tc.name, r.Err)
		}
		if r.Certificate == nil || !r.StatusChecked {
			t.Errorf("%s: no certificate or status not checked", tc.name)
		}
	}
}

// PinnedKeys, the pinned JWKS, implements verify.Trust with the issuer
// binding of its file.
func TestPinnedKeysLookup(t *testing.T) {
	k, _ := trustTestKey(t)
	b, _ := keys.Generate(keys.ES256, nil)
	tr := &verify.PinnedKeys{Keys: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{keys.Public(k), keys.Public(b)}},
		Issuers: map[string]string{k.KeyID: "fjhrss"}} // b unbound
	for _, tc := range []struct {
		iss, kid, issuer string
		err              error
	}{
		{"", k.KeyID, "fjhrss", nil},
		{"fjhrss", k.KeyID, "fjhrss", nil},
		{"zjhrss", k.KeyID, "", verify.ErrWrongIssuer},
		{"zjhrss", b.KeyID, "", nil},
		{"fjhrss", "no-such-kid", "", verify.ErrUnknownKey},
		{"", "", "", verify.ErrUnknownKey},
	} {
		got, err := tr.Key(tc.iss, tc.kid)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || got != nil {
				t.Errorf("Key(%q, %.8q): %v, want %v", tc.iss, tc.kid, err, tc.err)
			}
			continue
		}
		if err != nil || got.Key.KeyID != tc.kid || got.Issuer != tc.issuer || !got.NotBefore.IsZero() || !got.NotAfter.IsZero() {
			t.Errorf("Key(%q, %.8q): %+v %v", tc.iss, tc.kid, got, err)
		}
	}
}

// The key's issuer is checked after the signature and the claims (FORMAT.md
// §10 steps 7-9): a certificate wrong in both ways is bad_signature, as it
// was before verify.Trust.
func TestTrustBindingAfterSignature(t *testing.T) {
	v := loadVector(t) // issuer "fjhrss"
	k, _ := trustTestKey(t)
	bToA := &verify.PinnedKeys{Keys: keys.PublicSet(k), Issuers: map[string]string{k.KeyID: "zjhrss"}}
	o := verify.Options{Trust: bToA, Now: checkTime}
	if r := verify.Check(v.JWS, o); r.Status != verify.Invalid || r.Reason != verify.ReasonUntrustedIssuer ||
		r.Detail != `key "`+k.KeyID+`" signs for issuer "zjhrss", but the certificate claims issuer "fjhrss"` {
		t.Fatalf("bound to another issuer: %s/%s (%s)", r.Status, r.ReasonCode(), r.Detail)
	}
	i := strings.LastIndexByte(v.JWS, '.')
	flipped := v.JWS[:i+1] + map[bool]string{true: "B", false: "A"}[v.JWS[i+1] == 'A'] + v.JWS[i+2:]
	if r := verify.Check(flipped, o); r.Status != verify.Invalid || r.Reason != verify.ReasonBadSignature {
		t.Fatalf("bound to another issuer, bad signature: %s/%s (%s)", r.Status, r.ReasonCode(), r.Detail)
	}
}
