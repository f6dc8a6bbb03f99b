package statuslist_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

// signClaims signs any claims object as a status list token with the test
// key: the shape checks of Parse are tested on lists that nothing else is
// wrong with.
func signClaims(t testing.TB, claims map[string]any) string {
	t.Helper()
	k, err := keys.FromPrivate(testkey.Ed25519())
	if err != nil {
		t.Fatal(err)
	}
	s, err := cert.NewJWTSigner(k, statuslist.MediaType)
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign(js)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// listClaims returns the claims of a well-formed list of MinSize entries,
// entry 5 revoked, issued at iat and expiring at exp.
func listClaims(t testing.TB, iat, exp int64) map[string]any {
	t.Helper()
	l, err := statuslist.New(statuslist.MinSize)
	if err != nil {
		t.Fatal(err)
	}
	l.Set(5, statuslist.Revoked)
	lst, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"iss": "fjhrss", "sub": uri, "iat": iat, "exp": exp, "ttl": 3600,
		"status_list": map[string]any{"bits": statuslist.Bits, "lst": lst},
	}
}

func testTrust(t testing.TB) *verify.PinnedKeys {
	t.Helper()
	k, err := keys.FromPrivate(testkey.Ed25519())
	if err != nil {
		t.Fatal(err)
	}
	return &verify.PinnedKeys{Keys: keys.PublicSet(k)}
}

// Each shape check of a list refuses on its own: bits other than 2, no
// "sub", an "iat" that is not after the epoch, an "exp" not after "iat",
// and a list issued more than five minutes after the time of checking.
// The same list without its fault is accepted.
func TestParseEachShapeCheck(t *testing.T) {
	trust := testTrust(t)
	now := iat.Add(time.Hour)
	i, e := iat.Unix(), iat.Add(24*time.Hour).Unix()
	if _, err := statuslist.Parse(signClaims(t, listClaims(t, i, e)), trust, now); err != nil {
		t.Fatalf("control: %v", err)
	}
	with := func(key string, v any) map[string]any {
		c := listClaims(t, i, e)
		c[key] = v
		return c
	}
	bits := func(b int) map[string]any {
		c := listClaims(t, i, e)
		c["status_list"].(map[string]any)["bits"] = b
		return c
	}
	for name, tc := range map[string]struct {
		claims map[string]any
		want   string
	}{
		"bits 1":               {bits(1), "needs bits 2"},
		"bits 4":               {bits(4), "needs bits 2"},
		"bits 8":               {bits(8), "needs bits 2"},
		"bits 0":               {bits(0), "needs bits 2"},
		"no sub":               {with("sub", ""), "needs bits 2, sub"},
		"iat 0":                {with("iat", 0), "iat"},
		"iat negative":         {with("iat", -1), "iat"},
		"exp equal to iat":     {with("exp", i), "exp after iat"},
		"exp before iat":       {with("exp", i-1), "exp after iat"},
		"issued 5m01s ahead":   {listClaims(t, now.Add(5*time.Minute+time.Second).Unix(), e), "issued in the future"},
		"issued a day ahead":   {listClaims(t, now.Add(24*time.Hour).Unix(), now.Add(48*time.Hour).Unix()), "issued in the future"},
		"exp before iat, both": {listClaims(t, e, i), "exp after iat"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := statuslist.Parse(signClaims(t, tc.claims), trust, now)
			if !errors.Is(err, statuslist.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrMalformed with %q", err, tc.want)
			}
			if errors.Is(err, statuslist.ErrExpired) || errors.Is(err, statuslist.ErrUntrusted) {
				t.Fatalf("%v is also expired or untrusted", err)
			}
		})
	}
	// Issued exactly five minutes ahead (a signer's clock running ahead)
	// is accepted.
	if _, err := statuslist.Parse(signClaims(t, listClaims(t, now.Add(5*time.Minute).Unix(), e)), trust, now); err != nil {
		t.Fatalf("issued 5m ahead: %v", err)
	}
}

// A list is good up to the second before its "exp" and expired from that
// second on, in Parse and in the verdict a Set gives: unknown with reason
// status_list_expired, never valid or revoked.
func TestListExpiryAtTheLimit(t *testing.T) {
	trust := testTrust(t)
	exp := iat.Add(24 * time.Hour)
	tok := signClaims(t, listClaims(t, iat.Unix(), exp.Unix()))
	for _, tc := range []struct {
		name    string
		now     time.Time
		expired bool
	}{
		{"one second before exp", exp.Add(-time.Second), false},
		{"half a second before exp", exp.Add(-time.Second / 2), false},
		{"at exp", exp, true},
		{"one second past exp", exp.Add(time.Second), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := statuslist.Parse(tok, trust, tc.now)
			if tc.expired != errors.Is(err, statuslist.ErrExpired) || !tc.expired && err != nil {
				t.Fatalf("Parse at exp%+v: %v, want expired %v", tc.now.Sub(exp), err, tc.expired)
			}
			s := statuslist.NewSet(trust, tc.now)
			s.Add(tok)
			st, err := s.Status(t.Context(), "fjhrss", uri, 5)
			var se *verify.StatusError
			switch {
			case tc.expired && (!errors.As(err, &se) || se.Reason != verify.ReasonStatusListExpired):
				t.Fatalf("Set.Status: %+v %v, want status_list_expired", st, err)
			case !tc.expired && (err != nil || st.Value != verify.Revoked):
				t.Fatalf("Set.Status: %+v %v, want revoked", st, err)
			}
		})
	}
}
