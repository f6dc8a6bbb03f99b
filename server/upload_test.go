package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/server/internal/budget"
)

// qrPhoto is a PNG of certificate i's QR code, scale pixels a module.
func (f *fixture) qrPhoto(i, scale int) []byte {
	f.t.Helper()
	code, err := qr.Encode(cert.QRText(f.srv.cfg.Issuer.BaseURL, f.issued[i].JWS))
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := code.PNG(scale)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func pngPixels(t *testing.T, b []byte) int64 {
	c, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return int64(c.Width) * int64(c.Height)
}

func TestDecodeCost(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	photo := f.qrPhoto(0, 4)
	pdfData, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	// A header claiming more than the limits: refused before decoding.
	huge := append([]byte(nil), photo...)
	copy(huge[16:24], []byte{0, 0, 0x40, 0, 0, 0, 0x40, 0}) // IHDR 16384 x 16384
	for _, tc := range []struct {
		name string
		data []byte
		want int64
	}{
		{"photo", photo, decodeBase + decodeBytesPerPixel*pngPixels(t, photo)},
		{"PDF", pdfData, decodeBase + decodeBytesPerPixel*40_000_000},
		{"over the pixel limit", huge, decodeBase},
		{"broken header", photo[:20], decodeBase},
		{"not an image", []byte("hello"), decodeBase},
	} {
		if got := DecodeCost(tc.data); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// 40 megapixels: about 800 MB, the order of what was measured.
	if c := decodeBase + decodeBytesPerPixel*int64(40_000_000); c < 750<<20 || c > 1<<30 {
		t.Errorf("a 40-megapixel photo is estimated at %d MiB", c>>20)
	}
}

// The photos decoded at once never hold more than DecodeMemory: a photo
// that does not fit waits (and so does a small one behind it: first come,
// first served), and goes on when memory is given back; one larger than the
// whole budget is refused.
func TestDecodeMemoryBudget(t *testing.T) {
	var f *fixture
	var (
		entered  atomic.Int32
		peak     atomic.Int64
		holdOn   = make(chan struct{})
		overflow atomic.Bool
	)
	f = newFixture(t, 1, "", func(c *Config) {
		c.MaxConcurrentUploads = 8 // the memory binds, not the slots
		c.DecodeWait = time.Minute
	})
	big, small := f.qrPhoto(0, 12), f.qrPhoto(0, 3)
	bigCost, smallCost := DecodeCost(big), DecodeCost(small)
	capacity := bigCost + bigCost/2 // one big photo, not two
	if bigCost+smallCost > capacity {
		t.Fatalf("test photos: %d + %d > %d", bigCost, smallCost, capacity)
	}
	// A server with this budget (New takes it from the config).
	cfg := f.cfg
	cfg.DecodeMemory = capacity
	srv, err := New(cfg, f.st, renderer())
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Close()
	f.srv = srv // closed by the fixture
	srv.decodeHook = func() {
		w, _ := srv.decoding.InUse()
		if w > capacity {
			overflow.Store(true)
		}
		for p := peak.Load(); w > p && !peak.CompareAndSwap(p, w); p = peak.Load() {
		}
		if entered.Add(1) == 1 {
			<-holdOn // the first photo stays in decoding until told
		}
	}
	upload := func(data []byte, addr string) chan int {
		ch := make(chan int, 1)
		go func() {
			body, ctype := multipartBody(t, "file", "photo.png", data)
			r := httptest.NewRequest("POST", "/v/upload", body)
			r.Header.Set("Content-Type", ctype)
			r.RemoteAddr = addr
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, r)
			if w.Code == 200 && verdictClassOf(w.Body.String()) != "verdict-valid" {
				ch <- -1
				return
			}
			ch <- w.Code
		}()
		return ch
	}
	first := upload(big, "192.0.2.1:1")
	for entered.Load() != 1 {
		runtime.Gosched()
	}
	second := upload(big, "192.0.2.2:1")
	for srv.decoding.Waiting() != 1 {
		runtime.Gosched()
	}
	third := upload(small, "192.0.2.3:1") // would fit beside the first, but queues behind the second
	for srv.decoding.Waiting() != 2 {
		runtime.Gosched()
	}
	if n := entered.Load(); n != 1 {
		t.Fatalf("%d photos decoding at once", n)
	}
	if w, h := srv.decoding.InUse(); w != bigCost || h != 1 {
		t.Fatalf("in use %d by %d, want %d by 1", w, h, bigCost)
	}
	// One photo larger than the whole budget: refused at once.
	huge := f.qrPhoto(0, 32)
	if DecodeCost(huge) <= capacity {
		t.Fatalf("test photo too small: %d", DecodeCost(huge))
	}
	body, ctype := multipartBody(t, "file", "photo.png", huge)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), from("192.0.2.4:1")); w.Code != 413 || !strings.Contains(w.Body.String(), "too many pixels for this server") {
		t.Fatalf("a photo over the budget: %d", w.Code)
	}
	close(holdOn)
	for name, ch := range map[string]chan int{"first": first, "second": second, "third": third} {
		if code := <-ch; code != 200 {
			t.Errorf("%s upload: %d", name, code)
		}
	}
	if overflow.Load() || peak.Load() > capacity {
		t.Fatalf("peak %d over the budget %d", peak.Load(), capacity)
	}
	if w, h := srv.decoding.InUse(); w != 0 || h != 0 {
		t.Fatalf("left in use: %d by %d", w, h)
	}
	// A PDF is estimated at the largest image it may hold, more than this
	// budget: it is not refused for that, it runs alone.
	pdfData, _ := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	body, ctype = multipartBody(t, "file", "c.pdf", pdfData)
	if w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), from("192.0.2.5:1")); w.Code != 200 || verdictClassOf(w.Body.String()) != "verdict-valid" {
		t.Fatalf("PDF under a small budget: %d", w.Code)
	}
}

func verdictClassOf(body string) string {
	const open = `<section id="verdict" class="verdict `
	i := strings.Index(body, open)
	if i < 0 {
		return ""
	}
	rest := body[i+len(open):]
	return rest[:strings.IndexByte(rest, '"')]
}

// slowUpload starts an upload on a connection of its own and sends its
// body a byte every 50 ms until stop is closed or the server cuts it off.
// The status line of the server's answer arrives on the returned channel.
func slowUpload(t *testing.T, addr string, stop chan struct{}, wg *sync.WaitGroup, headers ...string) chan string {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	extra := ""
	for _, h := range headers {
		extra += h + "\r\n"
	}
	fmt.Fprintf(conn, "POST /v/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n%s\r\n"+
		"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.pdf\"\r\n\r\n%%PDF-1.7\n", extra)
	answer := make(chan string, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		line, _ := bufio.NewReader(conn).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	return answer
}

// Clients that send their upload a byte at a time no longer hold the
// decoding slots: a genuine upload goes through while more of them than
// there are slots trickle.
func TestSlowUploadsDoNotBlock(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) {
		c.DecodeWait = -1 // a busy slot would answer 503 at once
	})
	ts := httptest.NewUnstartedServer(f.srv)
	ts.Config = f.srv.HTTPServer("")
	ts.Start()
	defer ts.Close()

	const slow = DefaultMaxConcurrentUploads + 1 // more than the slots
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range slow {
		slowUpload(t, ts.Listener.Addr().String(), stop, &wg)
	}
	for f.srv.reading.Load() != slow {
		runtime.Gosched()
	}
	// Each holds the memory of what it has sent: one 64 KiB chunk.
	for _, h := f.srv.bodies.InUse(); h != slow; _, h = f.srv.bodies.InUse() {
		runtime.Gosched()
	}
	if w, _ := f.srv.bodies.InUse(); w != slow*uploadChunk {
		t.Fatalf("slow clients hold %d bytes, want %d", w, slow*uploadChunk)
	}
	// A genuine upload, while every slow client is still sending.
	pdfData, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, "file", "c.pdf", pdfData)
	res, err := http.Post(ts.URL+"/v/upload", ctype, body)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || verdictClassOf(string(page)) != "verdict-valid" {
		t.Fatalf("genuine upload while %d clients trickle: %d", slow, res.StatusCode)
	}
	// (UploadReadTimeout is a minute: they are all still sending.)
	if n := f.srv.reading.Load(); n != slow {
		t.Fatalf("%d slow clients still reading, want %d", n, slow)
	}
	close(stop)
	ts.CloseClientConnections()
	wg.Wait()
}

// A client too slow to send its upload within UploadReadTimeout gets 408
// and its connection is closed.
func TestSlowUploadCutOff(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.UploadReadTimeout = 300 * time.Millisecond })
	ts := httptest.NewUnstartedServer(f.srv)
	ts.Config = f.srv.HTTPServer("")
	ts.Start()
	defer ts.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	answer := slowUpload(t, ts.Listener.Addr().String(), stop, &wg)
	// 100,000 bytes at 20 a second never arrive within the deadline.
	if a := <-answer; a != "HTTP/1.1 408 Request Timeout" {
		t.Errorf("slow client: %q", a)
	}
	close(stop)
	wg.Wait()
	if n := f.srv.reading.Load(); n != 0 {
		t.Fatalf("%d uploads still reading", n)
	}
}

// The upload bodies held in memory, all clients together, never pass
// UploadMemory: an upload that finds it spent gets 503 at once, and each
// upload gives its memory back when answered.
func TestUploadMemory(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.LookupPerMinute, c.LookupBurst = 1000, 1000 })
	pdfData, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	upload := func() *httptest.ResponseRecorder {
		body, ctype := multipartBody(t, "file", "c.pdf", pdfData)
		return f.do("POST", "/v/upload", body, header("Content-Type", ctype))
	}
	if w := upload(); w.Code != 200 {
		t.Fatalf("upload: %d", w.Code)
	}
	if w, h := f.srv.bodies.InUse(); w != 0 || h != 0 {
		t.Fatalf("after the upload, %d bytes held by %d", w, h)
	}
	// Others' bodies take all but 32 KiB: this 50 KB PDF needs 64 KiB.
	others := f.srv.bodies.Capacity() - 32<<10
	if err := f.srv.bodies.Acquire(context.Background(), others); err != nil {
		t.Fatal(err)
	}
	w := upload()
	if w.Code != 503 || w.Header().Get("Retry-After") != "5" || !strings.Contains(w.Body.String(), "too many files are being checked") {
		t.Fatalf("memory spent: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	if used, _ := f.srv.bodies.InUse(); used != others {
		t.Fatalf("the refused upload kept %d bytes", used-others)
	}
	f.srv.bodies.Release(others)
	if w := upload(); w.Code != 200 {
		t.Fatalf("memory given back: %d", w.Code)
	}
	// A configuration that cannot hold one largest upload is refused.
	cfg := f.cfg
	cfg.MaxUpload, cfg.UploadMemory = 10<<20, 15<<20
	if _, err := New(cfg, f.st, renderer()); err == nil || !strings.Contains(err.Error(), "server: UploadMemory (15728640 bytes) must hold at least one largest upload") {
		t.Fatalf("New: %v", err)
	}
}

// One client address may send at most maxReadsPerClient uploads at once,
// so it cannot take the whole UploadMemory with slow bodies; others are
// not affected.
func TestUploadsPerClient(t *testing.T) {
	f := newFixture(t, 1, "", func(c *Config) { c.TrustProxyHeaders = true })
	ts := httptest.NewUnstartedServer(f.srv)
	ts.Config = f.srv.HTTPServer("")
	ts.Start()
	defer ts.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range maxReadsPerClient {
		slowUpload(t, ts.Listener.Addr().String(), stop, &wg, "X-Forwarded-For: 198.51.100.7")
	}
	for f.srv.reading.Load() != maxReadsPerClient {
		runtime.Gosched()
	}
	one := slowUpload(t, ts.Listener.Addr().String(), stop, &wg, "X-Forwarded-For: 198.51.100.7")
	if a := <-one; a != "HTTP/1.1 429 Too Many Requests" {
		t.Fatalf("one upload too many: %q", a)
	}
	other := slowUpload(t, ts.Listener.Addr().String(), stop, &wg, "X-Forwarded-For: 203.0.113.8")
	for f.srv.reading.Load() != maxReadsPerClient+1 {
		runtime.Gosched()
	}
	close(stop)
	ts.CloseClientConnections()
	wg.Wait()
	<-other
	ts.Close() // waits for the handlers, which count down as they return
	if n := f.srv.reading.Load(); n != 0 {
		t.Fatalf("%d uploads still counted", n)
	}
}

// stalledUpload opens an upload of want bytes, sends sent of them at once
// and then nothing until the test ends; it returns the answer's status
// line.
func stalledUpload(t *testing.T, addr string, sent, want int) chan string {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	head := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n%PDF-1.7\n"
	fmt.Fprintf(conn, "POST /v/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n%s", len(head)+want, head)
	answer := make(chan string, 1)
	go func() {
		conn.Write(bytes.Repeat([]byte("x"), sent))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	return answer
}

// waitFor polls cond, a bounded number of times.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; !cond(); i++ {
		if i == 2000 {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Clients that send large bodies quickly and then stall (breakit F13)
// hold the memory of what they sent, not of every buffer it grew
// through, and only up to three quarters of UploadMemory: a certificate
// PDF is still verified while they hold the rest.
func TestStalledLargeUploadsLeaveRoomForSmall(t *testing.T) {
	const maxUpload = 4 << 20
	f := newFixture(t, 1, "", func(c *Config) {
		c.MaxUpload, c.UploadMemory = maxUpload, 2*maxUpload
	})
	ts := httptest.NewUnstartedServer(f.srv)
	ts.Config = f.srv.HTTPServer("")
	ts.Start()
	defer ts.Close()
	addr := ts.Listener.Addr().String()

	// Three from one address (maxReadsPerClient is 4), 2.5 MiB sent of 4.
	var answers []chan string
	for range 3 {
		answers = append(answers, stalledUpload(t, addr, 5<<19, maxUpload-1000))
	}
	// 7.5 MiB do not fit in the part large bodies may take (6 MiB): one
	// or two find it spent and get 503 at once; the others hold what
	// they have read.
	limit := int64(2*maxUpload) - largeUploadReserve(f.srv.bodies)
	var a string
	select {
	case a = <-answers[0]:
	case a = <-answers[1]:
	case a = <-answers[2]:
	}
	if a != "HTTP/1.1 503 Service Unavailable" {
		t.Fatalf("stalled upload: %q", a)
	}
	waitFor(t, "the stalled bodies", func() bool { w, _ := f.srv.bodies.InUse(); return w >= 5<<19 })
	if w, _ := f.srv.bodies.InUse(); w > limit {
		t.Fatalf("large bodies hold %d bytes, more than %d", w, limit)
	}
	pdfData, err := os.ReadFile(filepath.Join(f.out, f.issued[0].File))
	if err != nil {
		t.Fatal(err)
	}
	body, ctype := multipartBody(t, "file", "c.pdf", pdfData)
	req, _ := http.NewRequest("POST", ts.URL+"/v/upload", body)
	req.Header.Set("Content-Type", ctype)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || verdictClassOf(string(page)) != "verdict-valid" {
		t.Fatalf("certificate PDF while large uploads stall: %d", res.StatusCode)
	}
	ts.CloseClientConnections()
}

// A large body must keep coming: once past smallUpload, each further
// largeUploadStep within largeUploadStepTime, or 408, although
// UploadReadTimeout (a minute) is far off; its memory is then given back.
func TestStalledLargeUploadCutOff(t *testing.T) {
	defer func(d time.Duration) { largeUploadStepTime = d }(largeUploadStepTime)
	largeUploadStepTime = 200 * time.Millisecond
	f := newFixture(t, 1, "", nil)
	ts := httptest.NewUnstartedServer(f.srv)
	ts.Config = f.srv.HTTPServer("")
	ts.Start()
	defer ts.Close()
	small := stalledUpload(t, ts.Listener.Addr().String(), 100<<10, 200<<10)
	large := stalledUpload(t, ts.Listener.Addr().String(), 3<<20, 8<<20)
	if a := <-large; a != "HTTP/1.1 408 Request Timeout" {
		t.Fatalf("stalled large upload: %q", a)
	}
	// The small one, stalled as long, is still within UploadReadTimeout.
	select {
	case a := <-small:
		t.Fatalf("stalled small upload answered %q", a)
	default:
	}
	if n := f.srv.reading.Load(); n != 1 {
		t.Fatalf("%d uploads reading, want the small one", n)
	}
	ts.CloseClientConnections()
	waitFor(t, "the memory given back", func() bool { w, h := f.srv.bodies.InUse(); return w == 0 && h == 0 })
}

// A body holds its buffer's capacity: at most a quarter above what was
// sent (the old doubling held the sum of every buffer, about twice), and
// gives it all back.
func TestUploadHoldsWhatItKeeps(t *testing.T) {
	b := budget.New(256<<20, math.MaxInt)
	for _, n := range []int{0, 1, uploadChunk, uploadChunk + 1, 1 << 20, 16 << 20, 16<<20 + 1, 20 << 20} {
		h := &heldMemory{b: b}
		data, err := h.readAll(bytes.NewReader(make([]byte, n)))
		if err != nil || len(data) != n {
			t.Fatalf("%d bytes: read %d, %v", n, len(data), err)
		}
		w, _ := b.InUse()
		if w != int64(cap(data)) || w > int64(n)+int64(n)/4+uploadChunk {
			t.Errorf("%d bytes: hold %d, capacity %d", n, w, cap(data))
		}
		h.release()
		if w, holders := b.InUse(); w != 0 || holders != 0 {
			t.Fatalf("%d bytes: %d held by %d after release", n, w, holders)
		}
	}
}
