package statuslist_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

// FuzzParse feeds Parse what a status list URL can serve: the fuzzer
// writes the claims, signed with the trusted test key so that every check
// after the signature is reached (signed true), or the whole token
// (signed false). Parse never panics; each error wraps ErrMalformed,
// ErrTooLarge, ErrUntrusted or ErrExpired; a list it accepts has passed
// every shape check (bits 2, sub, iat, exp after iat and after now, iat at
// most five minutes ahead, at least MinSize entries), answers within its
// length, and reports no entry past it.
// Seed corpus: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	k, err := keys.FromPrivate(testkey.Ed25519())
	if err != nil {
		f.Fatal(err)
	}
	signer, err := cert.NewJWTSigner(k, statuslist.MediaType)
	if err != nil {
		f.Fatal(err)
	}
	trust := &verify.PinnedKeys{Keys: keys.PublicSet(k)}
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	good, err := json.Marshal(listClaims(f, now.Add(-time.Hour).Unix(), now.Add(time.Hour).Unix()))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, true)
	f.Add([]byte(`{"iss":"fjhrss","sub":"x","iat":1,"exp":2,"status_list":{"bits":2,"lst":"eNo"}}`), true)
	f.Add([]byte(`{"status_list":{"bits":2,"lst":"","lst":""}}`), true)
	f.Add([]byte(signClaims(f, listClaims(f, now.Add(-time.Hour).Unix(), now.Add(time.Hour).Unix()))), false)
	f.Add([]byte("eyJhbGciOiJFZERTQSJ9.e30.AA"), false)
	f.Fuzz(func(t *testing.T, in []byte, signed bool) {
		tok := string(in)
		if signed {
			obj, err := signer.Sign(in)
			if err != nil {
				t.Fatal(err)
			}
			if tok, err = obj.CompactSerialize(); err != nil {
				t.Fatal(err)
			}
		}
		l, err := statuslist.Parse(tok, trust, now)
		if err != nil {
			if !errors.Is(err, statuslist.ErrMalformed) && !errors.Is(err, statuslist.ErrTooLarge) &&
				!errors.Is(err, statuslist.ErrUntrusted) && !errors.Is(err, statuslist.ErrExpired) {
				t.Fatalf("error %v wraps none of the package's errors", err)
			}
			return
		}
		c := l.Claims
		if c.StatusList.Bits != statuslist.Bits || c.Subject == "" || c.IssuedAt <= 0 || c.Expiry <= c.IssuedAt ||
			c.Expiry <= now.Unix() || c.IssuedAt > now.Add(5*time.Minute).Unix() {
			t.Fatalf("accepted a list that fails a shape check: %+v", c)
		}
		n := l.Len()
		if n < statuslist.MinSize || n > statuslist.MaxEntries || n%4 != 0 {
			t.Fatalf("accepted a list of %d entries", n)
		}
		for _, i := range []int64{0, int64(n - 1)} {
			if v, _, ok := l.Lookup(i); !ok || v > 3 {
				t.Fatalf("entry %d of %d: %d, %v", i, n, v, ok)
			}
		}
		for _, i := range []int64{-1, int64(n), 1 << 40} {
			if _, _, ok := l.Lookup(i); ok {
				t.Fatalf("entry %d of a list of %d reported", i, n)
			}
		}
	})
}
