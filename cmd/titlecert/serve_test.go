package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestServe runs `titlecert serve` on a data directory made by the CLI,
// fetches a certificate page, the key set and a status list over real TCP,
// and stops it as SIGINT would (context cancelled): it must shut down
// cleanly and return nil.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("correct-horse-battery\n"), 0o600)
	data := filepath.Join(dir, "data")
	csv := filepath.Join(dir, "c.csv")
	os.WriteFile(csv, []byte("姓名,身份证号,系列,专业,级别,评审委员会,评审日期,文号\n"+
		"张伟,11010519491231002X,工程技术,建筑工程,中级,福建省工程技术人才职称评审委员会,2025-06-30,闽人社文〔2025〕12号\n"), 0o644)
	for _, args := range [][]string{
		{"init", "--data", data, "--issuer-id", "fjhrss", "--issuer-name", "福建省人力资源和社会保障厅", "--base-url", "https://verify.example", "--passphrase-file", pass, "--id-hash-cost", "10"},
		{"issue", "--data", data, "--in", csv, "--out", filepath.Join(dir, "out"), "--passphrase-file", pass},
	} {
		var stderr bytes.Buffer
		if code := run(args, nil, io.Discard, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args[0], code, stderr.String())
		}
	}
	var qr bytes.Buffer
	if code := run([]string{"show", "--data", data, "--first", "--qr"}, nil, &qr, io.Discard); code != 0 {
		t.Fatal("show --qr failed")
	}
	path := strings.TrimSpace(qr.String())
	path = path[strings.Index(path, "/C/"):]

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := &cobra.Command{}
	cmd.SetContext(ctx)
	var out, logs bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&logs)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServe(cmd, &serveOptions{unlockOptions: unlockOptions{dataOptions{data}, pass}, addr: "127.0.0.1:0", ready: func(u string) { ready <- u }})
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	for _, tc := range []struct{ path, want string }{
		{path, "张伟"},
		{"/.well-known/jwks.json", `"kid"`},
		{"/s/1", "eyJ"},
		{"/healthz", "ok"},
		{"/readyz", "ready"},
	} {
		resp, err := http.Get(base + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %.40s: %d %.200s", tc.path, resp.StatusCode, body)
		}
	}
	// verify --status-url fetches the server's list (and caches it).
	var jws bytes.Buffer
	run([]string{"show", "--data", data, "--first", "--jws"}, nil, &jws, io.Discard)
	jwsFile := filepath.Join(dir, "c.jws")
	os.WriteFile(jwsFile, jws.Bytes(), 0o644)
	jwks := filepath.Join(dir, "jwks.json")
	run([]string{"keys", "export", "--data", data, "--out", jwks}, nil, io.Discard, io.Discard)
	var vout, verr bytes.Buffer
	if code := run([]string{"verify", "--trust", jwks, "--status-url", base + "/s/1", "--cache", filepath.Join(dir, "cache"), "--json", jwsFile}, nil, &vout, &verr); code != 0 ||
		!strings.Contains(vout.String(), `"status_checked":true`) {
		t.Fatalf("verify --status-url: exit %d: %s %s", code, vout.String(), verr.String())
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "cache")); len(entries) == 0 {
		t.Fatal("the fetched list was not cached")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if strings.Contains(logs.String(), "11010519491231002X") || strings.Contains(logs.String(), path[3:60]) {
		t.Fatal("logs contain an ID number or a certificate URL")
	}
}

// TestServeTLS runs the server with --tls-cert/--tls-key (a self-signed
// certificate made here) and checks that it answers over HTTPS with HSTS.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("correct-horse-battery\n"), 0o600)
	data := filepath.Join(dir, "data")
	if code := run([]string{"init", "--data", data, "--issuer-id", "fjhrss", "--issuer-name", "福建", "--base-url", "https://verify.example", "--passphrase-file", pass, "--id-hash-cost", "10"}, nil, io.Discard, io.Discard); code != 0 {
		t.Fatal("init failed")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := &cobra.Command{}
	cmd.SetContext(ctx)
	cmd.SetOut(io.Discard)
	logs := &lockedBuffer{}
	cmd.SetErr(logs)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runServe(cmd, &serveOptions{unlockOptions: unlockOptions{dataOptions{data}, pass}, addr: "127.0.0.1:0", tlsCert: certFile, tlsKey: keyFile,
			ready: func(u string) { ready <- u }})
	}()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("base %s", base)
	}
	pool := x509.NewCertPool()
	pool.AddCert(must(x509.ParseCertificate(der)))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("%d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	// Failed handshakes (a client that does not trust the certificate,
	// plain HTTP to the TLS port) are logged without the client's address.
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
	raw, err := net.Dial("tcp", strings.TrimPrefix(base, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	clientAddr := raw.LocalAddr().String()
	io.WriteString(raw, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	io.ReadAll(raw)
	raw.Close()
	cancel()
	if err := <-done; err != nil { // Shutdown waits for every connection, and so for its log
		t.Fatal(err)
	}
	if out := logs.String(); strings.Count(out, `TLS handshake error from [address removed]`) != 2 || strings.Contains(out, clientAddr) {
		t.Fatalf("handshake errors logged with a client address, or not logged:\n%s", out)
	}
	if code := run([]string{"serve", "--data", data, "--tls-cert", certFile}, nil, io.Discard, io.Discard); code != exitUsage {
		t.Fatalf("--tls-cert without --tls-key: exit %d", code)
	}
}

// lockedBuffer collects what concurrent goroutines log.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
