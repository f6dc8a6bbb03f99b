package statuslist_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

var iat = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

const uri = "https://verify.example/s/1"

func signedList(t testing.TB, k jose.JSONWebKey, issuer, uri string, issued time.Time, set map[int]uint8, details []statuslist.Detail) string {
	t.Helper()
	l, err := statuslist.New(statuslist.MinSize)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range set {
		l.Set(i, v)
	}
	c, err := statuslist.Build(l, statuslist.BuildOptions{Issuer: issuer, URI: uri, IssuedAt: issued, Validity: 7 * 24 * time.Hour, TTL: 12 * time.Hour, Details: details})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cert.NewJWTSigner(k, statuslist.MediaType)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := statuslist.Sign(s, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestParseAndLookup(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	trust := &verify.PinnedKeys{Keys: keys.PublicSet(k)}
	tok := signedList(t, k, "fjhrss", uri, iat, map[int]uint8{5: statuslist.Revoked, 9: statuslist.Suspended},
		[]statuslist.Detail{{Index: 9, Reason: "investigation", At: iat.Unix() - 60}, {Index: 5, Reason: "fraud", At: iat.Unix() - 3600}})
	p, err := statuslist.Parse(tok, trust, iat.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != uri || p.Issuer != "fjhrss" || p.TTL != 43200 || p.Expiry != iat.Add(7*24*time.Hour).Unix() {
		t.Fatalf("claims %+v", p.Claims)
	}
	if v, d, ok := p.Lookup(5); !ok || v != statuslist.Revoked || d.Reason != "fraud" {
		t.Fatalf("entry 5: %d %+v", v, d)
	}
	if v, _, _ := p.Lookup(6); v != statuslist.Valid {
		t.Fatal("entry 6 not valid")
	}
	// The list carries no personal data: only indexes, codes and times.
	if strings.Contains(tok, "2026000") {
		t.Fatal("certificate numbers in the list")
	}

	other, _ := keys.Generate(keys.ES256, nil)
	forged := signedList(t, other, "fjhrss", uri, iat, nil, nil)
	wrongTyp := func() string {
		s, _ := cert.NewJWTSigner(k, "JWT")
		l, _ := statuslist.New(statuslist.MinSize)
		c, _ := statuslist.Build(l, statuslist.BuildOptions{Issuer: "fjhrss", URI: uri, IssuedAt: iat, Validity: time.Hour, TTL: time.Hour})
		tok, _ := statuslist.Sign(s, c)
		return tok
	}()
	parts := strings.Split(tok, ".")
	tampered := parts[0] + "." + parts[1][:40] + "A" + parts[1][41:] + "." + parts[2]
	for name, tc := range map[string]struct {
		tok  string
		now  time.Time
		want error
	}{
		"expired":   {tok, iat.Add(8 * 24 * time.Hour), statuslist.ErrExpired},
		"forged":    {forged, iat, statuslist.ErrUntrusted},
		"tampered":  {tampered, iat, statuslist.ErrUntrusted},
		"wrong typ": {wrongTyp, iat, statuslist.ErrMalformed},
		"garbage":   {"a.b.c", iat, statuslist.ErrMalformed},
		"huge":      {strings.Repeat("a", statuslist.MaxTokenLen+1), iat, statuslist.ErrTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := statuslist.Parse(tc.tok, trust, tc.now); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSet(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	other, _ := keys.Generate(keys.EdDSA, nil)
	trust := &verify.PinnedKeys{Keys: keys.PublicSet(k)}
	now := iat.Add(time.Hour)
	good := signedList(t, k, "fjhrss", uri, iat, map[int]uint8{3: statuslist.Revoked}, []statuslist.Detail{{Index: 3, Reason: "misconduct", At: iat.Unix()}})
	older := signedList(t, k, "fjhrss", uri, iat.Add(-time.Hour), nil, nil)
	expired := signedList(t, k, "fjhrss", "https://verify.example/s/2", iat.Add(-30*24*time.Hour), nil, nil)
	forged := signedList(t, other, "fjhrss", "https://verify.example/s/3", iat, nil, nil)
	foreign := signedList(t, k, "someone-else", "https://verify.example/s/4", iat, nil, nil)

	s := statuslist.NewSet(trust, now)
	err := s.AddBundle([]byte(older + "\n" + good + "\n\n" + expired + "\n" + forged + "\n" + foreign + "\n" + forged))
	if err == nil || !errors.Is(err, statuslist.ErrExpired) || !errors.Is(err, statuslist.ErrUntrusted) {
		t.Fatalf("AddBundle: %v", err)
	}
	// A forged list for a URI that has a genuine list changes nothing.
	forgedOne := signedList(t, other, "fjhrss", uri, iat.Add(time.Minute), nil, nil)
	s.Add(forgedOne)

	st, err := s.Status(t.Context(), "fjhrss", uri, 3)
	if err != nil || st.Value != verify.Revoked || st.Reason != "misconduct" || !st.Since.Equal(iat) {
		t.Fatalf("entry 3: %+v %v", st, err)
	}
	if st, err := s.Status(t.Context(), "fjhrss", uri, 4); err != nil || st.Value != verify.Valid {
		t.Fatalf("entry 4: %+v %v", st, err)
	}
	for _, tc := range []struct {
		iss, uri string
		idx      int64
		want     verify.StatusReason
	}{
		{"fjhrss", "https://verify.example/s/2", 0, verify.ReasonStatusListExpired},
		{"fjhrss", "https://verify.example/s/3", 0, verify.ReasonStatusListUntrusted},
		{"fjhrss", "https://verify.example/s/4", 0, verify.ReasonStatusListUntrusted},
		{"fjhrss", "https://verify.example/s/9", 0, verify.ReasonStatusListMissing},
		{"fjhrss", uri, statuslist.MinSize, verify.ReasonStatusListInvalid},
	} {
		_, err := s.Status(t.Context(), tc.iss, tc.uri, tc.idx)
		var se *verify.StatusError
		if !errors.As(err, &se) || se.Reason != tc.want {
			t.Errorf("%s #%d: %v, want %s", tc.uri, tc.idx, err, tc.want)
		}
	}
	if err := statuslist.NewSet(trust, now).AddBundle([]byte("\n\n")); err == nil {
		t.Fatal("empty bundle accepted")
	}
}

// BenchmarkBuild10M builds, compresses and signs the status of 10 million
// certificates with 0.1 % revoked, as one list and as the 153 lists of
// 131,072 entries (half used) the store opens; it reports the bytes of the
// signed tokens.
func BenchmarkBuild10M(b *testing.B) {
	const n = 10_000_000
	k, _ := keys.Generate(keys.EdDSA, nil)
	s, _ := cert.NewJWTSigner(k, statuslist.MediaType)
	rng := rand.New(rand.NewPCG(1, 2))
	revoked := make([]int, n/1000)
	for i := range revoked {
		revoked[i] = rng.IntN(n)
	}
	b.Run("one-list", func(b *testing.B) {
		var size int
		for b.Loop() {
			l, _ := statuslist.New(n)
			details := make([]statuslist.Detail, 0, len(revoked))
			for _, i := range revoked {
				l.Set(i, statuslist.Revoked)
				details = append(details, statuslist.Detail{Index: int64(i), Reason: "fraud", At: iat.Unix()})
			}
			c, _ := statuslist.Build(l, statuslist.BuildOptions{Issuer: "fjhrss", URI: uri, IssuedAt: iat, Validity: 7 * 24 * time.Hour, TTL: time.Hour, Details: details})
			tok, err := statuslist.Sign(s, c)
			if err != nil {
				b.Fatal(err)
			}
			size = len(tok)
		}
		b.ReportMetric(float64(size), "token-bytes")
	})
	b.Run("lists-of-131072", func(b *testing.B) {
		const perList = statuslist.MinSize / 2
		var size int
		for b.Loop() {
			size = 0
			for first := 0; first < n; first += perList {
				l, _ := statuslist.New(statuslist.MinSize)
				var details []statuslist.Detail
				for j := 0; j < perList; j++ {
					if (first+j)%1000 == 0 { // 0.1 %, spread
						idx := rng.IntN(statuslist.MinSize)
						l.Set(idx, statuslist.Revoked)
						details = append(details, statuslist.Detail{Index: int64(idx), Reason: "fraud", At: iat.Unix()})
					}
				}
				c, _ := statuslist.Build(l, statuslist.BuildOptions{Issuer: "fjhrss", URI: uri, IssuedAt: iat, Validity: 7 * 24 * time.Hour, TTL: time.Hour, Details: details})
				tok, err := statuslist.Sign(s, c)
				if err != nil {
					b.Fatal(err)
				}
				size += len(tok)
			}
		}
		b.ReportMetric(float64(size), "total-token-bytes")
	})
}

// BenchmarkLookup measures a status lookup in a verified list.
func BenchmarkLookup(b *testing.B) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	tok := signedList(b, k, "fjhrss", uri, iat, map[int]uint8{5: 1}, nil)
	p, err := statuslist.Parse(tok, &verify.PinnedKeys{Keys: keys.PublicSet(k)}, iat)
	if err != nil {
		b.Fatal(err)
	}
	i := int64(0)
	for b.Loop() {
		p.Lookup(i % statuslist.MinSize)
		i += 7919
	}
}

// Two lists for one URI signed in the same second (export, revoke, export):
// whichever order they arrive in, the one with the revocation wins.
func TestSetSameSecond(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	before := signedList(t, k, "fjhrss", uri, iat, nil, nil)
	after := signedList(t, k, "fjhrss", uri, iat, map[int]uint8{7: statuslist.Revoked}, []statuslist.Detail{{Index: 7, Reason: "fraud", At: iat.Unix()}})
	for _, order := range [][]string{{before, after}, {after, before}} {
		s := statuslist.NewSet(&verify.PinnedKeys{Keys: keys.PublicSet(k)}, iat.Add(time.Minute))
		for _, tok := range order {
			if err := s.Add(tok); err != nil {
				t.Fatal(err)
			}
		}
		if st, err := s.Status(t.Context(), "fjhrss", uri, 7); err != nil || st.Value != verify.Revoked {
			t.Fatalf("got %+v %v", st, err)
		}
	}
}
