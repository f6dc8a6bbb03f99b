package statuslist

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/titlecert/titlecert/verify"
)

// Fetcher downloads status lists over HTTP(S) and caches them on disk, so
// that a verifier fetches a list at most once per its "ttl" and revalidates
// it with If-None-Match afterwards. The zero value fetches without a cache.
type Fetcher struct {
	Client   *http.Client // http.DefaultClient with a 15 s timeout when nil
	CacheDir string       // "" disables the cache
	Now      func() time.Time
}

type cacheMeta struct {
	ETag      string    `json:"etag"`
	FetchedAt time.Time `json:"fetched_at"`
	TTL       int64     `json:"ttl"`
}

// Fetch returns the status list token at rawURL, from the cache while it is
// fresh (younger than the list's ttl), else from the network (304 keeps the
// cached copy). The body is capped at MaxTokenLen. Fetch does not verify the
// token: add it to a Set.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("statuslist: %q is not an http(s) URL", rawURL)
	}
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	var cached string
	var meta cacheMeta
	base := ""
	if f.CacheDir != "" {
		sum := sha256.Sum256([]byte(rawURL))
		base = filepath.Join(f.CacheDir, hex.EncodeToString(sum[:16]))
		if b, err := os.ReadFile(base + ".jwt"); err == nil && len(b) <= MaxTokenLen {
			if m, err := os.ReadFile(base + ".json"); err == nil && json.Unmarshal(m, &meta) == nil {
				cached = string(b)
				if now().Before(meta.FetchedAt.Add(time.Duration(meta.TTL) * time.Second)) {
					return cached, nil
				}
			}
		}
	}
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", fmt.Errorf("statuslist: %w", err)
	}
	req.Header.Set("Accept", "application/statuslist+jwt")
	if cached != "" && meta.ETag != "" {
		req.Header.Set("If-None-Match", meta.ETag)
	}
	resp, err := client.Do(req)
	if err != nil {
		if cached != "" {
			return cached, nil // offline: the cached list, checked for expiry by Parse
		}
		return "", fmt.Errorf("statuslist: fetching %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != "":
		meta.FetchedAt = now()
		f.save(base, cached, meta)
		return cached, nil
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("statuslist: fetching %s: %s", rawURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxTokenLen+1))
	if err != nil {
		return "", fmt.Errorf("statuslist: fetching %s: %w", rawURL, err)
	}
	if len(body) > MaxTokenLen {
		return "", fmt.Errorf("%w: %s sent more than %d bytes", ErrTooLarge, rawURL, MaxTokenLen)
	}
	tok := strings.TrimSpace(string(body))
	meta = cacheMeta{ETag: resp.Header.Get("ETag"), FetchedAt: now(), TTL: ttlOf(tok)}
	f.save(base, tok, meta)
	return tok, nil
}

func (f *Fetcher) save(base, tok string, meta cacheMeta) {
	if base == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(base), 0o700); err != nil {
		return
	}
	m, _ := json.Marshal(meta)
	os.WriteFile(base+".jwt", []byte(tok), 0o600)
	os.WriteFile(base+".json", m, 0o600)
}

// ttlOf reads the "ttl" claim of an unverified token, for caching only
// (capped at one day).
func ttlOf(tok string) int64 {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return 0
	}
	var c struct {
		TTL int64 `json:"ttl"`
	}
	if raw, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
		json.Unmarshal(raw, &c)
	}
	return min(max(c.TTL, 0), 86400)
}

// Online is a verify.StatusSource that fetches the list of each
// certificate it is asked about from the URI the certificate carries, once,
// and then answers from a Set. Certificates reach it only after their
// signature verified, so it fetches only URIs that a trusted issuer signed.
//
// The context of each Status call bounds its fetch, and its wait for a
// fetch of the same list that another call started; a fetch that was
// cancelled or timed out is tried again by the next call. It is safe for
// concurrent use; Set must not be used by others meanwhile.
type Online struct {
	Set     *Set
	Fetcher *Fetcher

	mu       sync.Mutex
	fetched  map[string]error         // uri → outcome of its fetch
	inflight map[string]chan struct{} // uri → closed when its fetch ends
}

var _ verify.StatusSource = (*Online)(nil)

// Status implements verify.StatusSource. A list that cannot be fetched is
// status_list_missing with StatusError.Err set: the status could not be
// checked.
func (o *Online) Status(ctx context.Context, iss, uri string, idx int64) (verify.EntryStatus, error) {
	err := o.load(ctx, uri)
	if err != nil && !errors.Is(err, ErrExpired) && !errors.Is(err, ErrUntrusted) && !errors.Is(err, ErrMalformed) {
		return verify.EntryStatus{}, &verify.StatusError{Reason: verify.ReasonStatusListMissing, Detail: err.Error(), Err: err}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.Set.Status(ctx, iss, uri, idx)
}

// load fetches the list at uri into the Set unless it is there or was
// fetched before, and returns the outcome of that fetch. Of concurrent
// calls for one uri, one fetches and the others wait for it, each as long
// as its own ctx lets it.
func (o *Online) load(ctx context.Context, uri string) error {
	for {
		o.mu.Lock()
		if o.fetched == nil {
			o.fetched, o.inflight = map[string]error{}, map[string]chan struct{}{}
		}
		if err, done := o.fetched[uri]; done {
			o.mu.Unlock()
			return err
		}
		if o.Set.Has(uri) {
			o.mu.Unlock()
			return nil
		}
		if wait, busy := o.inflight[uri]; busy {
			o.mu.Unlock()
			select {
			case <-wait:
				continue // fetched, or cancelled: look again
			case <-ctx.Done():
				return fmt.Errorf("statuslist: waiting for %s: %w", uri, ctx.Err())
			}
		}
		done := make(chan struct{})
		o.inflight[uri] = done
		o.mu.Unlock()

		tok, err := o.Fetcher.Fetch(ctx, uri)
		o.mu.Lock()
		if err == nil {
			err = o.Set.Add(tok)
		}
		if ctx.Err() == nil { // a cancelled fetch says nothing about the list
			o.fetched[uri] = err
		}
		delete(o.inflight, uri)
		close(done)
		o.mu.Unlock()
		return err
	}
}
