package server

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

func TestPublication(t *testing.T) {
	f := newFixture(t, 2, "", nil)
	t.Run("jwks", func(t *testing.T) {
		w := f.do("GET", "/.well-known/jwks.json")
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/jwk-set+json" || !bytes.Equal(w.Body.Bytes(), f.cfg.JWKS) {
			t.Fatalf("%d %s", w.Code, w.Header())
		}
		if _, err := keys.ParseTrust(w.Body.Bytes()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("status list", func(t *testing.T) {
		w := f.do("GET", "/s/1")
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/statuslist+jwt" || w.Header().Get("Cache-Control") != "public, max-age=43200" {
			t.Fatalf("%d %v", w.Code, w.Header())
		}
		etag := w.Header().Get("ETag")
		if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
			t.Fatalf("ETag %q", etag)
		}
		tok, err := statuslist.Parse(w.Body.String(), &verify.PinnedKeys{Keys: f.cfg.Trust}, f.clock.Now())
		if err != nil || tok.Subject != "https://verify.example/s/1" || tok.Issuer != "fjhrss" {
			t.Fatalf("%v %+v", err, tok)
		}
		for _, inm := range []string{etag, `"x", ` + etag, "W/" + etag, "*"} {
			w := f.do("GET", "/s/1", nil, header("If-None-Match", inm))
			if w.Code != 304 || w.Body.Len() != 0 || w.Header().Get("ETag") != etag {
				t.Fatalf("If-None-Match %s: %d", inm, w.Code)
			}
		}
		if w := f.do("GET", "/s/1", nil, header("If-None-Match", `"other"`)); w.Code != 200 {
			t.Fatalf("other ETag: %d", w.Code)
		}
		// Same lists, same token, same ETag, until something changes.
		if w := f.do("GET", "/s/1"); w.Header().Get("ETag") != etag {
			t.Fatal("the ETag changed without a change")
		}
		for _, p := range []string{"/s/2", "/s/0", "/s/x", "/s/-1"} {
			if w := f.do("GET", p); w.Code != 404 {
				t.Fatalf("%s: %d", p, w.Code)
			}
		}
	})
	t.Run("directory", func(t *testing.T) {
		w := f.do("GET", "/directory")
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, "工程技术") || !strings.Contains(body, "高级工程师") || !strings.Contains(body, "区块链工程") {
			t.Fatalf("%d", w.Code)
		}
		w = f.do("GET", "/directory?format=json")
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%d", w.Code)
		}
	})
}

func TestJWKSDefault(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) {
		c.JWKS = nil
		c.Trust.Keys = append(c.Trust.Keys, c.SigningKey) // a private key in the trust set by mistake
	})
	w := f.do("GET", "/.well-known/jwks.json")
	set, err := keys.ParseTrust(w.Body.Bytes())
	if err != nil || len(set.Keys) != 2 || strings.Contains(w.Body.String(), `"d":`) {
		t.Fatalf("%v %s", err, w.Body)
	}
}
