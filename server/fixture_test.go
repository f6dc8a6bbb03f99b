package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

var pagesDir = flag.String("pages", "", "write the rendered verdict pages (valid, revoked, targeted, invalid) to this folder")

var issuedAt = time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)

var renderer = sync.OnceValue(func() *pdf.Renderer {
	r, err := pdf.NewRenderer()
	if err != nil {
		panic(err)
	}
	return r
})

// testClock is the server's clock; tests move it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects log output from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// issuedCert is what the tests need of an issued certificate.
type issuedCert struct {
	Number, JWS, VerificationCode, File string
}

type fixture struct {
	t       testing.TB
	srv     *Server
	st      *sqlite.Store
	key     jose.JSONWebKey
	cfg     Config
	clock   *testClock
	logs    *syncBuffer
	cands   []roster.Candidate
	issued  []issuedCert
	out     string
	token   string
	baseURL string
}

const testToken = "tc_" + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"

// newFixture issues n sample certificates (the 9th is targeted) into a
// fresh store and starts a server over it. tweak may change the config.
func newFixture(t testing.TB, n int, baseURL string, tweak func(*Config)) *fixture {
	t.Helper()
	dir := t.TempDir()
	if baseURL == "" {
		baseURL = "https://verify.example"
	}
	bf, err := batchtest.New(dir, baseURL, renderer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bf.Store.Close() })
	st, k, is := bf.Store, bf.Key, bf.Issuer
	is.Now = func() time.Time { return issuedAt }
	var buf bytes.Buffer
	if err := roster.WriteSampleCSV(&buf, n, issuedAt); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	ro := roster.Options{Now: func() time.Time { return issuedAt }, CheckName: renderer().CheckText}
	cands, err := roster.Read(bytes.NewReader(data), "sample.csv", ro)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := is.Issue(context.Background(), batchtest.Source("sample.csv", data, ro), out); err != nil {
		t.Fatal(err)
	}
	// The certificates, in the order of the candidates.
	issued := make([]issuedCert, len(cands))
	for i, c := range cands {
		rec, err := st.FindTitle(context.Background(), is.HolderHash(c.IDNumber), c.TitleKey())
		if err != nil {
			t.Fatal(err)
		}
		issued[i] = issuedCert{Number: rec.Number, JWS: rec.JWS, VerificationCode: rec.VerificationCode, File: batch.FileName(rec.Number)}
	}
	if err := st.CreateToken(context.Background(), store.AdminToken{Name: "ops-alice", Hash: store.HashAdminToken(testToken), CreatedAt: issuedAt}); err != nil {
		t.Fatal(err)
	}
	jwks, err := keys.MarshalPublic(k)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: issuedAt.Add(time.Hour)}
	logs := &syncBuffer{}
	cfg := Config{
		Issuer: cert.Issuer{ID: batchtest.IssuerID, Name: batchtest.IssuerName, BaseURL: baseURL},
		Trust:  keys.PublicSet(k), JWKS: jwks, SigningKey: k, Now: clock.Now,
		Logger:     slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		HolderHash: is.HolderHash,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := New(cfg, st, renderer())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, srv: srv, st: st, key: k, cfg: cfg, clock: clock, logs: logs, cands: cands, issued: issued, out: out, token: testToken, baseURL: baseURL}
	t.Cleanup(func() {
		srv.Close()
		f.assertLogsClean()
	})
	return f
}

// assertLogsClean checks that nothing logged holds an ID number, the
// token or a certificate's QR digits.
func (f *fixture) assertLogsClean() {
	logs := f.logs.String()
	for _, c := range f.cands {
		if strings.Contains(logs, c.IDNumber) {
			f.t.Errorf("the logs contain the ID number of %s", c.Name)
		}
	}
	if strings.Contains(logs, f.token) || strings.Contains(logs, f.token[3:]) {
		f.t.Error("the logs contain the admin token")
	}
	for _, it := range f.issued {
		if strings.Contains(logs, qrDigits(it.JWS)[:40]) || strings.Contains(logs, it.JWS[:40]) {
			f.t.Errorf("the logs contain certificate %s", it.Number)
		}
	}
}

func qrDigits(jws string) string {
	q := cert.QRText("https://x", jws)
	return q[strings.LastIndex(q, "/C/")+3:]
}

// qrPath is the path a phone requests for certificate i: the path of its
// QR text.
func (f *fixture) qrPath(i int) string { return f.qrPathForm(i, cert.QRFormCurrent) }

// qrPathForm is qrPath for the QR text in form (the legacy form carries
// the base URL's path upper-cased).
func (f *fixture) qrPathForm(i int, form cert.QRForm) string {
	u, err := url.Parse(form.Text(f.baseURL, f.issued[i].JWS))
	if err != nil {
		f.t.Fatal(err)
	}
	return u.Path
}

type reqOpt func(*http.Request)

func reqArgs(body io.Reader, first reqOpt, rest []reqOpt) []any {
	out := []any{body, first}
	for _, o := range rest {
		out = append(out, o)
	}
	return out
}

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }
func from(addr string) reqOpt   { return func(r *http.Request) { r.RemoteAddr = addr } }

// do serves a request; args are an optional io.Reader body (or nil) and
// reqOpts.
func (f *fixture) do(method, path string, args ...any) *httptest.ResponseRecorder {
	f.t.Helper()
	var body io.Reader
	var opts []reqOpt
	for _, a := range args {
		switch a := a.(type) {
		case io.Reader:
			body = a
		case reqOpt:
			opts = append(opts, a)
		case func(*http.Request):
			opts = append(opts, a)
		case nil:
		default:
			f.t.Fatalf("do: argument %T", a)
		}
	}
	r := httptest.NewRequest(method, path, body)
	r.RemoteAddr = "192.0.2.1:40000"
	for _, o := range opts {
		o(r)
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	return w
}

func (f *fixture) postForm(path, form string, opts ...reqOpt) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do("POST", path, reqArgs(strings.NewReader(form), header("Content-Type", "application/x-www-form-urlencoded"), opts)...)
}

func (f *fixture) postJSON(path, body string, opts ...reqOpt) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do("POST", path, reqArgs(strings.NewReader(body), header("Content-Type", "application/json"), opts)...)
}

func (f *fixture) admin(action, body string) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.postJSON("/api/v1/admin/"+action, body, header("Authorization", "Bearer "+f.token))
}

// verdictClass returns the class of the verdict element of a page.
func verdictClass(t *testing.T, body string) string {
	t.Helper()
	const open = `<section id="verdict" class="verdict `
	i := strings.Index(body, open)
	if i < 0 {
		t.Fatalf("no verdict element in the page:\n%s", body)
	}
	rest := body[i+len(open):]
	return rest[:strings.IndexByte(rest, '"')]
}

func savePage(t *testing.T, name, body string) {
	if *pagesDir == "" {
		return
	}
	if err := os.MkdirAll(*pagesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The page links /static/style.css: write it beside the pages.
	css, _ := staticFS.ReadFile("static/style.css")
	os.MkdirAll(filepath.Join(*pagesDir, "static"), 0o755)
	os.WriteFile(filepath.Join(*pagesDir, "static", "style.css"), css, 0o644)
	body = strings.ReplaceAll(body, `href="/static/`, `href="static/`)
	if err := os.WriteFile(filepath.Join(*pagesDir, name+".html"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
