package statuslist_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

// A fetch that hangs ends when the context of the Status call is
// cancelled; the status is then unknown and could not be checked, and the
// next call, with a live context, fetches again.
func TestOnlineFetchCancelled(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	var tok string
	arrived := make(chan struct{}, 1)
	var hang atomic.Bool
	hang.Store(true)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() {
			arrived <- struct{}{}
			select { // hang until the client gives up or the test ends
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Write([]byte(tok))
	}))
	defer srv.Close()
	defer close(release)
	listURI := srv.URL + "/s/1"
	tok = signedList(t, k, "fjhrss", listURI, iat, map[int]uint8{42: statuslist.Revoked}, nil)
	on := &statuslist.Online{Set: statuslist.NewSet(&verify.PinnedKeys{Keys: keys.PublicSet(k)}, iat.Add(time.Hour)),
		Fetcher: &statuslist.Fetcher{Client: &http.Client{}}} // no timeout: only the context ends the fetch

	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() {
		_, err := on.Status(ctx, "fjhrss", listURI, 42)
		first <- err
	}()
	<-arrived // the request reached the server, which hangs

	// Another call for the same list waits for that fetch only as long as
	// its own context lets it.
	gone, cancelGone := context.WithCancel(t.Context())
	cancelGone()
	_, err := on.Status(gone, "fjhrss", listURI, 42)
	var se *verify.StatusError
	if !errors.As(err, &se) || se.Reason != verify.ReasonStatusListMissing || !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting call with a cancelled context: %v", err)
	}

	cancel()
	err = <-first
	if !errors.As(err, &se) || se.Reason != verify.ReasonStatusListMissing || !errors.Is(err, context.Canceled) || se.Err == nil {
		t.Fatalf("cancelled fetch: %v", err)
	}

	// The cancelled fetch is not remembered: the next call fetches.
	hang.Store(false)
	st, err := on.Status(t.Context(), "fjhrss", listURI, 42)
	if err != nil || st.Value != verify.Revoked {
		t.Fatalf("after the cancelled fetch: %+v %v", st, err)
	}
}

// A cancelled context reaches Online through verify.CheckContext.
func TestCheckContextCancelsFetch(t *testing.T) {
	v := loadJWS(t)
	k, _ := keys.FromPrivate(testkey.Ed25519())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("fetched with a cancelled context")
	}))
	defer srv.Close()
	// The vector names https://verify.hrss.fj.example/s/1; a client whose
	// transport sends every request to srv stands in for the network.
	client := &http.Client{Transport: rewrite(srv.URL)}
	on := &statuslist.Online{Set: statuslist.NewSet(&verify.PinnedKeys{Keys: keys.PublicSet(k)}, iat.Add(time.Hour)), Fetcher: &statuslist.Fetcher{Client: client}}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := verify.CheckContext(ctx, v, verify.Options{Trust: &verify.PinnedKeys{Keys: keys.PublicSet(k)}, Now: func() time.Time { return iat.Add(time.Hour) }, Status: on})
	if r.Status != verify.Unknown || r.StatusReason != verify.ReasonStatusListMissing || !r.CouldNotCheck() || !errors.Is(r.Err, context.Canceled) || r.Reason != "" {
		t.Fatalf("got %s/%s err %v", r.Status, r.ReasonCode(), r.Err)
	}
}

type rewrite string

func (u rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host = "http", strings.TrimPrefix(string(u), "http://")
	return http.DefaultTransport.RoundTrip(r2)
}

// windowTrust vouches for one key within a validity window.
type windowTrust struct {
	key                 jose.JSONWebKey
	notBefore, notAfter time.Time
	err                 error // returned for every lookup when set
}

func (w windowTrust) Key(iss, kid string) (*verify.TrustedKey, error) {
	if w.err != nil {
		return nil, w.err
	}
	if kid != w.key.KeyID {
		return nil, verify.ErrUnknownKey
	}
	return &verify.TrustedKey{Key: w.key, Issuer: "fjhrss", NotBefore: w.notBefore, NotAfter: w.notAfter}, nil
}

// A list is trusted only when issued inside its key's validity window,
// bounds included.
func TestParseKeyWindow(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	tok := signedList(t, k, "fjhrss", uri, iat, nil, nil)
	now := iat.Add(time.Hour)
	for _, tc := range []struct {
		name      string
		nbf, naft time.Time
		ok        bool
	}{
		{"unbounded", time.Time{}, time.Time{}, true},
		{"from iat", iat, time.Time{}, true},
		{"from a second after iat", iat.Add(time.Second), time.Time{}, false},
		{"until iat", time.Time{}, iat, true},
		{"until a second before iat", time.Time{}, iat.Add(-time.Second), false},
	} {
		_, err := statuslist.Parse(tok, windowTrust{key: keys.Public(k), notBefore: tc.nbf, notAfter: tc.naft}, now)
		if tc.ok != (err == nil) || !tc.ok && (!errors.Is(err, statuslist.ErrUntrusted) || !strings.Contains(err.Error(), "not trusted for lists issued at")) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// A trust that cannot be consulted makes the list neither untrusted nor
// invalid: the status could not be checked.
func TestParseTrustUnavailable(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	tok := signedList(t, k, "fjhrss", uri, iat, nil, nil)
	down := errors.New("trust list unreachable")
	tr := windowTrust{key: keys.Public(k), err: down}
	_, err := statuslist.Parse(tok, tr, iat)
	if !errors.Is(err, down) || errors.Is(err, statuslist.ErrUntrusted) || errors.Is(err, statuslist.ErrMalformed) {
		t.Fatalf("parse: %v", err)
	}
	s := statuslist.NewSet(tr, iat)
	s.Add(tok)
	_, err = s.Status(t.Context(), "fjhrss", uri, 0)
	var se *verify.StatusError
	if !errors.As(err, &se) || se.Reason != verify.ReasonStatusListInvalid || !errors.Is(se.Err, down) {
		t.Fatalf("status: %v", err)
	}
	// An untrusted list is a fact about the list, not a failure to check.
	s = statuslist.NewSet(windowTrust{key: keys.Public(k), notBefore: iat.Add(time.Second)}, iat)
	s.Add(tok)
	if _, err = s.Status(t.Context(), "fjhrss", uri, 0); !errors.As(err, &se) || se.Reason != verify.ReasonStatusListUntrusted || se.Err != nil {
		t.Fatalf("untrusted: %v", err)
	}
}

// loadJWS returns the FORMAT.md vector's certificate (key testkey, status
// list https://verify.hrss.fj.example/s/1).
func loadJWS(t testing.TB) string {
	t.Helper()
	raw, err := os.ReadFile("../../cert/testdata/vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		JWS string `json:"jws"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.JWS == "" {
		t.Fatalf("vector: %v", err)
	}
	return v.JWS
}
