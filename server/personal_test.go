package server

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/server/internal/redact"
	"github.com/titlecert/titlecert/store"
)

// idShapes are ways a holder types their ID number into the wrong field,
// each a different string.
func idShapes(id string) map[string]string {
	return map[string]string{
		"as is":       id,
		"tab inside":  id[:6] + "\t" + id[6:],
		"spaces":      id[:6] + " " + id[6:14] + " " + id[14:],
		"dashes":      id[:6] + "-" + id[6:10] + "-" + id[10:14] + "-" + id[14:],
		"ideographic": id[:6] + "\u3000" + id[6:],
		"15 digits":   id[:6] + id[8:17],
		"in text":     "no." + id,
	}
}

// digitsOf folds full-width digits and drops everything but digits, so
// that a test finds an ID number however it was written down.
func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune(r - '０' + '0')
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// A full ID number typed into the certificate-number field of a download
// (or any other field) never reaches the append-only audit log.
func TestAuditNeverHoldsIDNumbers(t *testing.T) {
	// The shapes that differ only by spaces are one number to the lock-out
	// (numbers are normalized before it), so it must not lock here.
	f := newFixture(t, 1, "", func(c *Config) { c.HolderPerMinute, c.LockoutFailures = 10_000, 1000 })
	id := f.cands[0].IDNumber
	for name, typed := range idShapes(id) {
		if w := f.postJSON("/api/v1/download", downloadBody(typed, id)); w.Code != 403 {
			t.Fatalf("%s: %d %s", name, w.Code, w.Body)
		}
		if w := f.postForm("/download", url.Values{"number": {typed}, "id_number": {id}}.Encode()); w.Code != 403 {
			t.Fatalf("%s, form: %d", name, w.Code)
		}
		if w := f.postJSON("/api/v1/holder/verifications", downloadBody(typed, id)); w.Code != 403 {
			t.Fatalf("%s, holder log: %d %s", name, w.Code, w.Body)
		}
	}
	// And the real download is still audited with its number.
	if w := f.postJSON("/api/v1/download", downloadBody(f.issued[0].Number, id)); w.Code != 200 {
		t.Fatalf("download: %d", w.Code)
	}
	denied, marked, downloads := 0, 0, 0
	err := f.st.AuditLog(context.Background(), func(e store.AuditEntry) error {
		for _, field := range []string{e.Actor, e.Action, e.Number, e.Detail} {
			if d := digitsOf(field); strings.Contains(d, id[:6]+id[8:17]) || strings.Contains(d, id[:17]) {
				t.Errorf("the audit log holds an ID number: %+v", e)
			}
		}
		switch e.Action {
		case "download.denied", "verifications.denied":
			denied++
			if strings.Contains(e.Number, redact.IDMark) {
				marked++
			}
		case "download":
			downloads++
			if e.Number != f.issued[0].Number {
				t.Errorf("download audited as %q", e.Number)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := 3 * len(idShapes(id)); denied != n || marked != n || downloads != 1 {
		t.Fatalf("%d denied, %d with the mark, %d downloads; want %d, %d, 1", denied, marked, downloads, n, n)
	}
}

// On a store error, what the holder typed reaches the error log inside the
// store's message ("certificate \"...\": ..."): never an ID number.
func TestErrorLogNeverHoldsIDNumbers(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.HolderPerMinute, c.LookupPerMinute, c.LookupBurst = 10_000, 10_000, 10_000 })
	id := f.cands[0].IDNumber
	f.st.Close() // every store call fails from now on
	for name, typed := range idShapes(id) {
		if w := f.postJSON("/api/v1/download", downloadBody(typed, id)); w.Code != 500 {
			t.Fatalf("%s: %d %s", name, w.Code, w.Body)
		}
		if w := f.postForm("/v/lookup", url.Values{"number": {typed}, "name": {f.cands[0].Name}}.Encode()); w.Code != 500 {
			t.Fatalf("%s, look-up: %d", name, w.Code)
		}
		if w := f.postForm("/v/lookup", url.Values{"code": {typed}}.Encode()); w.Code != 500 && w.Code != 404 {
			t.Fatalf("%s, look-up by code: %d", name, w.Code)
		}
	}
	logs := f.logs.String()
	for _, line := range strings.Split(logs, "\n") {
		if d := digitsOf(line); strings.Contains(d, id[:6]+id[8:17]) || strings.Contains(d, id[:17]) {
			t.Errorf("an ID number in the error log: %s", line)
		}
	}
	if !strings.Contains(logs, `certificate \"`+redact.IDMark+`\"`) {
		t.Fatalf("the store errors were not logged as expected:\n%s", logs)
	}
}

// net/http logs TLS handshake errors with the client's address and port;
// the server's error log removes them.
func TestTLSHandshakeErrorLogHoldsNoAddress(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	ts := httptest.NewUnstartedServer(f.srv)
	ts.Config = f.srv.HTTPServer("")
	ts.StartTLS()
	// A client that does not trust the server's certificate aborts the
	// handshake; another sends plain HTTP to the TLS port.
	var clientAddrs []string
	res, err := http.Get(ts.URL)
	if err == nil {
		res.Body.Close()
		t.Fatal("an untrusted certificate was accepted")
	}
	c, err := tls.Dial("tcp", ts.Listener.Addr().String(), &tls.Config{ServerName: "wrong.example"})
	if err == nil {
		c.Close()
		t.Fatal("handshake succeeded")
	}
	raw, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	clientAddrs = append(clientAddrs, raw.LocalAddr().String())
	raw.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	buf := make([]byte, 512)
	raw.Read(buf) // the server's answer to plain HTTP, then it closes
	raw.Close()
	ts.Close() // waits for every connection, and so for its log line
	logs := f.logs.String()
	if strings.Count(logs, "TLS handshake error from "+redact.AddressMark) < 2 {
		t.Fatalf("the handshake errors were not logged as expected:\n%s", logs)
	}
	host, port, _ := net.SplitHostPort(ts.Listener.Addr().String())
	for _, a := range append(clientAddrs, host, ":"+port) {
		if strings.Contains(logs, a) {
			t.Errorf("the log holds the address %s:\n%s", a, logs)
		}
	}
	if strings.Contains(logs, "127.0.0.1") {
		t.Errorf("the log holds a client address:\n%s", logs)
	}
}
