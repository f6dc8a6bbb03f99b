package server

import (
	"bytes"
	"context"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
)

// highSTwin returns the other valid ES256 signature (r, n−s) of a JWS:
// what anyone can make without the key.
func highSTwin(t testing.TB, jws string) string {
	t.Helper()
	dot := strings.LastIndexByte(jws, '.')
	sig, err := base64.RawURLEncoding.DecodeString(jws[dot+1:])
	if err != nil || len(sig) != 64 {
		t.Fatalf("not an ES256 signature: %v", err)
	}
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s)
	s.FillBytes(sig[32:])
	return jws[:dot+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// Online, an ES256 twin of an issued certificate resolves to the
// certificate as issued: the API and the QR page show the issued JWS and
// its printed code, and the holder's log counts it under its number.
func TestES256TwinResolvesToIssued(t *testing.T) {
	dir := t.TempDir()
	const base = "https://verify.example"
	bf, err := batchtest.New(dir, base, renderer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bf.Store.Close() })
	k, err := keys.Generate(keys.ES256, nil)
	if err != nil {
		t.Fatal(err)
	}
	bf.Key, bf.Issuer.Key = k, k
	bf.Issuer.Now = func() time.Time { return issuedAt }
	var buf bytes.Buffer
	if err := roster.WriteSampleCSV(&buf, 1, issuedAt); err != nil {
		t.Fatal(err)
	}
	ro := roster.Options{Now: func() time.Time { return issuedAt }, CheckName: renderer().CheckText}
	if _, err := bf.Issuer.Issue(context.Background(), batchtest.Source("s.csv", buf.Bytes(), ro), filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	number := issuedAt.Format("2006") + "000001"
	rec, err := bf.Store.Certificate(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	if cert.CanonicalJWS(rec.JWS, "ES256") != rec.JWS {
		t.Fatal("issued with a high S")
	}
	twin := highSTwin(t, rec.JWS)
	if twin == rec.JWS || cert.VerificationCode(twin) == rec.VerificationCode {
		t.Fatal("the twin is the same text")
	}
	srv, err := New(Config{Issuer: cert.Issuer{ID: batchtest.IssuerID, Name: batchtest.IssuerName, BaseURL: base},
		Trust: keys.PublicSet(k), SigningKey: k, Now: func() time.Time { return issuedAt.Add(time.Hour) },
		HolderHash: bf.Issuer.HolderHash}, bf.Store, renderer())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	f := &fixture{t: t, srv: srv}

	for name, in := range map[string]string{"issued": rec.JWS, "twin": twin} {
		w := f.do("POST", "/api/v1/verify", strings.NewReader(in), header("Content-Type", "text/plain"))
		var res verify.Result
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatalf("%s: %v %s", name, err, w.Body)
		}
		if res.Status != verify.Valid || res.JWS != rec.JWS || res.Code != rec.VerificationCode {
			t.Errorf("API, %s: %s code %s, jws issued %v; rec %s twin %s canon %s", name, res.Status, res.Code, res.JWS == rec.JWS, rec.VerificationCode, cert.VerificationCode(twin), cert.CanonicalCode(twin, "ES256"))
		}
		u, _ := url.Parse(cert.QRText(base, in))
		page := f.do("GET", u.Path).Body.String()
		if !strings.Contains(page, rec.VerificationCode) || strings.Contains(page, cert.VerificationCode(twin)) {
			t.Errorf("QR page, %s: does not show the issued code %s alone", name, rec.VerificationCode)
		}
	}
	// The look-up by the printed code finds it and shows that code.
	w := f.do("POST", "/v/lookup", strings.NewReader("code="+rec.VerificationCode), header("Content-Type", "application/x-www-form-urlencoded"))
	if w.Code != 200 || !strings.Contains(w.Body.String(), rec.VerificationCode) {
		t.Fatalf("look-up by the printed code: %d", w.Code)
	}
}
