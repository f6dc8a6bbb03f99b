package statuslist_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

func TestFetcherCacheAndOnline(t *testing.T) {
	k, _ := keys.Generate(keys.EdDSA, nil)
	var hits, notModified atomic.Int32
	var tok string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		sum := sha256.Sum256([]byte(tok))
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		if r.Header.Get("If-None-Match") == etag {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write([]byte(tok))
	}))
	defer srv.Close()
	listURI := srv.URL + "/s/1"
	tok = signedList(t, k, "fjhrss", listURI, iat, map[int]uint8{42: statuslist.Revoked}, []statuslist.Detail{{Index: 42, Reason: "fraud", At: iat.Unix()}})

	now := iat.Add(time.Minute)
	f := &statuslist.Fetcher{CacheDir: t.TempDir(), Now: func() time.Time { return now }}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		got, err := f.Fetch(ctx, listURI)
		if err != nil || got != tok {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	if hits.Load() != 1 {
		t.Fatalf("%d requests within the ttl, want 1", hits.Load())
	}
	now = now.Add(13 * time.Hour) // past the 12 h ttl: revalidate
	if got, err := f.Fetch(ctx, listURI); err != nil || got != tok || notModified.Load() != 1 {
		t.Fatalf("revalidation: %v, 304s %d", err, notModified.Load())
	}
	// Offline after the ttl: the cached copy (Parse still checks its expiry).
	srv.Close()
	now = now.Add(13 * time.Hour)
	if got, err := f.Fetch(ctx, listURI); err != nil || got != tok {
		t.Fatalf("offline: %v", err)
	}
	if _, err := (&statuslist.Fetcher{}).Fetch(ctx, "file:///etc/passwd"); err == nil {
		t.Fatal("file URL fetched")
	}

	// Online: fetches the certificate's own URI once, then answers.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write([]byte(tok)) }))
	defer srv2.Close()
	uri2 := srv2.URL + "/s/1"
	tok = signedList(t, k, "fjhrss", uri2, iat, map[int]uint8{42: statuslist.Revoked}, nil)
	before := hits.Load()
	on := &statuslist.Online{Set: statuslist.NewSet(&verify.PinnedKeys{Keys: keys.PublicSet(k)}, iat.Add(time.Hour)), Fetcher: &statuslist.Fetcher{}}
	for i := 0; i < 2; i++ {
		st, err := on.Status(t.Context(), "fjhrss", uri2, 42)
		if err != nil || st.Value != verify.Revoked {
			t.Fatalf("online: %+v %v", st, err)
		}
	}
	if hits.Load()-before != 1 {
		t.Fatalf("online fetched %d times", hits.Load()-before)
	}
	if _, err := on.Status(t.Context(), "fjhrss", "http://127.0.0.1:1/s/9", 0); err == nil {
		t.Fatal("unreachable list gave a status")
	}
}
