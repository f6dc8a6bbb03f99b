// Command loadtest measures the verification server on loopback: it
// issues a few certificates into a throw-away store, starts the server on
// 127.0.0.1 (a real TCP listener), measures the in-process verification
// rate of this machine, then drives POST /api/v1/verify and the QR page
// with a fixed number of connections for a fixed time, and reports requests
// per second and latency percentiles. It only ever talks to 127.0.0.1 and
// stops by itself.
//
//	go run ./server/loadtest -duration 10s -conns 8
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch/batchtest"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/server"
	"github.com/titlecert/titlecert/verify"
)

const baseURL = "https://verify.hrss.fj.example"

// holdFor is -hold.
var holdFor time.Duration

func main() {
	duration := flag.Duration("duration", 10*time.Second, "how long each load phase runs (at most 2m)")
	conns := flag.Int("conns", 8, "concurrent connections (at most 256)")
	hold := flag.Duration("hold", 0, "instead of loading it, keep the server up this long (at most 10m) for an external load generator such as wrk; prints its URL and writes the JWS to loadtest.jws")
	flag.Parse()
	if *hold < 0 || *hold > 10*time.Minute {
		fmt.Fprintln(os.Stderr, "loadtest: -hold must be at most 10m")
		os.Exit(2)
	}
	holdFor = *hold
	if *duration <= 0 || *duration > 2*time.Minute || *conns < 1 || *conns > 256 {
		fmt.Fprintln(os.Stderr, "loadtest: -duration must be in (0, 2m] and -conns in [1, 256]")
		os.Exit(2)
	}
	if err := run(*duration, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, conns int) error {
	dir, err := os.MkdirTemp("", "titlecert-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	renderer, err := pdf.NewRenderer()
	if err != nil {
		return err
	}
	bf, err := batchtest.New(dir, baseURL, renderer)
	if err != nil {
		return err
	}
	defer bf.Store.Close()
	st, k, is := bf.Store, bf.Key, bf.Issuer
	var csv bytes.Buffer
	if err := roster.WriteSampleCSV(&csv, 20, time.Now()); err != nil {
		return err
	}
	res, err := is.Issue(context.Background(), batchtest.Source("sample.csv", csv.Bytes(), roster.Options{CheckName: renderer.CheckText}), filepath.Join(dir, "out"))
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{Issuer: cert.Issuer{ID: batchtest.IssuerID, Name: batchtest.IssuerName, BaseURL: baseURL},
		Trust: keys.PublicSet(k), SigningKey: k, HolderHash: is.HolderHash}, st, renderer)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := srv.HTTPServer(ln.Addr().String())
	go hs.Serve(ln)
	defer hs.Close()
	url := "http://" + ln.Addr().String()

	jws := res.First.JWS
	if holdFor > 0 {
		q := bf.Issuer.Issuer.QRText(cert.QRFormCurrent, jws)
		if err := os.WriteFile("loadtest.jws", []byte(jws), 0o644); err != nil {
			return err
		}
		fmt.Printf("server at %s for %s\nQR page: %s%s\nJWS in loadtest.jws\n", url, holdFor, url, q[strings.Index(q, cert.QRPath):])
		time.Sleep(holdFor)
		return nil
	}
	fmt.Printf("machine: %d CPUs (GOMAXPROCS %d), %s; %d connections, %s per phase\n\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), conns, duration)

	// In-process: verify.Check on all cores, no HTTP.
	trust := &verify.PinnedKeys{Keys: keys.PublicSet(k)}
	var n atomic.Int64
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if r := verify.Check(jws, verify.Options{Trust: trust}); r.Status != verify.Valid {
					panic(r.ReasonCode())
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	inproc := float64(n.Load()) / duration.Seconds()
	fmt.Printf("%-34s %9.0f verifications/s\n", "in-process verify.Check", inproc)

	q := bf.Issuer.Issuer.QRText(cert.QRFormCurrent, jws)
	pagePath := q[strings.Index(q, cert.QRPath):]
	phases := []struct {
		name   string
		method string
		path   string
		body   string
	}{
		{"POST /api/v1/verify", http.MethodPost, "/api/v1/verify", jws},
		{"GET QR page (/C/…)", http.MethodGet, pagePath, ""},
	}
	for _, ph := range phases {
		rps, p50, p99, errs := load(url, ph.method, ph.path, ph.body, duration, conns)
		fmt.Printf("%-34s %9.0f requests/s  p50 %6.2f ms  p99 %6.2f ms  errors %d", ph.name, rps, ms(p50), ms(p99), errs)
		if ph.method == http.MethodPost {
			fmt.Printf("  (%.0f %% of in-process)", 100*rps/inproc)
		}
		fmt.Println()
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// load runs conns workers, each with its own keep-alive connection, for d.
func load(base, method, path, body string, d time.Duration, conns int) (rps float64, p50, p99 time.Duration, errs int64) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	var (
		mu   sync.Mutex
		lats []time.Duration
		bad  atomic.Int64
		wg   sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for c := 0; c < conns; c++ {
		wg.Go(func() {
			local := make([]time.Duration, 0, 1<<14)
			for time.Now().Before(deadline) {
				var rd io.Reader
				if body != "" {
					rd = strings.NewReader(body)
				}
				req, _ := http.NewRequest(method, base+path, rd)
				if body != "" {
					req.Header.Set("Content-Type", "text/plain")
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					bad.Add(1)
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	el := time.Since(start)
	slices.Sort(lats)
	if len(lats) == 0 {
		return 0, 0, 0, bad.Load()
	}
	return float64(len(lats)) / el.Seconds(), lats[len(lats)/2], lats[len(lats)*99/100], bad.Load()
}
