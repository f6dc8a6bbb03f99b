package statuslist_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify/statuslist"
)

// A fetched list is served from the cache up to the second before its
// "ttl" (12 h here) has passed, and fetched again from that second on.
func TestFetcherTTLAtTheLimit(t *testing.T) {
	k, err := keys.Generate(keys.EdDSA, nil)
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	var tok string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(tok))
	}))
	defer srv.Close()
	listURI := srv.URL + "/s/1"
	tok = signedList(t, k, "fjhrss", listURI, iat, nil, nil)
	const ttl = 12 * time.Hour

	fetched := iat.Add(time.Minute)
	now := fetched
	f := &statuslist.Fetcher{CacheDir: t.TempDir(), Now: func() time.Time { return now }}
	ctx := context.Background()
	fetch := func(what string, wantHits int32) {
		t.Helper()
		if got, err := f.Fetch(ctx, listURI); err != nil || got != tok {
			t.Fatalf("%s: %v", what, err)
		}
		if hits.Load() != wantHits {
			t.Fatalf("%s: %d requests, want %d", what, hits.Load(), wantHits)
		}
	}
	fetch("first fetch", 1)
	now = fetched.Add(ttl - time.Second)
	fetch("one second before the ttl", 1)
	now = fetched.Add(ttl)
	fetch("at the ttl", 2)
	now = fetched.Add(2*ttl - time.Second)
	fetch("one second before the ttl of the second fetch", 2)
	now = fetched.Add(2*ttl + time.Second)
	fetch("one second past the ttl of the second fetch", 3)
}
