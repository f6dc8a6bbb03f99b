package scan

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
)

// The corpus: photos and scans of a certificate's QR code, made here from
// the code's module matrix. A "paper" (the code, its quiet zone and
// text-like marks around it, as on the printed page) is projected onto a
// camera image through a homography (scale, rotation, perspective), then
// blurred, lit unevenly, given noise and JPEG-compressed. Each degradation
// is measured alone at several sizes, and all of them together as a phone
// would produce them. docs/SCANNING.md reports the table that
//
//	go test ./verify/scan -run TestCorpus -v -corpus.seeds 20
//
// prints.

var (
	corpusSeeds = flag.Int("corpus.seeds", 0, "images per corpus cell (default 4, 2 with -short or -race)")
	corpusOut   = flag.String("corpus.out", "", "also write the corpus images to this `folder`")
)

// degradation describes one cell of the corpus table.
type degradation struct {
	name        string
	ppm         float64 // pixels per module
	rotate      float64 // degrees; with jitter, a random angle up to this
	jitter      bool
	perspective float64 // corner displacement, as a fraction of the paper's size
	blur        float64 // Gaussian sigma, in pixels
	light       float64 // darkest corner of a lighting gradient, as a fraction of full light (0 = none)
	noise       float64 // Gaussian noise sigma, in grey levels
	jpeg        int     // JPEG quality, 0 for PNG
	floor       float64 // asserted success rate; 0 = report only
}

func (d degradation) String() string { return d.name }

// corpusTable is the list the test measures. The floors are asserted on
// the default run (the corpus is deterministic: fixed seeds, Go's JPEG
// encoder), where every measured run met them; the rest is reported.
// With -corpus.seeds, nothing is asserted.
func corpusTable() []degradation {
	var t []degradation
	for _, ppm := range []float64{3, 4, 6} {
		p := func(d degradation) degradation { d.ppm = ppm; d.name = fmt.Sprintf("%s @%gpx", d.name, ppm); return d }
		t = append(t,
			p(degradation{name: "clean", floor: 1}),
			p(degradation{name: "rotate 5°", rotate: 5, floor: 1}),
			p(degradation{name: "rotate 15°", rotate: 15, floor: 1}),
			p(degradation{name: "rotate 30°", rotate: 30, floor: 1}),
			p(degradation{name: "rotate 45°", rotate: 45, floor: 1}),
			p(degradation{name: "rotate 90°", rotate: 90, floor: 1}),
			p(degradation{name: "rotate 180°", rotate: 180, floor: 1}),
			p(degradation{name: "blur σ0.7", blur: 0.7, floor: 1}),
			p(degradation{name: "blur σ1.0", blur: 1.0, floor: 1}),
			p(degradation{name: "blur σ1.5", blur: 1.5}),
			p(degradation{name: "jpeg q90", jpeg: 90, floor: 1}),
			p(degradation{name: "jpeg q70", jpeg: 70, floor: 1}),
			p(degradation{name: "jpeg q50", jpeg: 50, floor: 1}),
			p(degradation{name: "noise σ8", noise: 8, floor: 1}),
			p(degradation{name: "noise σ16", noise: 16, floor: 1}),
			p(degradation{name: "noise σ24", noise: 24, floor: 1}),
			p(degradation{name: "perspective 5%", perspective: 0.05, floor: 1}),
			p(degradation{name: "perspective 10%", perspective: 0.10}),
			p(degradation{name: "light gradient to 40%", light: 0.4, floor: 1}),
			p(degradation{name: "light gradient to 20%", light: 0.2, floor: 1}),
			p(degradation{name: "phone (all mild)", rotate: 45, jitter: true, perspective: 0.04, blur: 0.6, light: 0.5, noise: 6, jpeg: 70, floor: 0.75}),
			p(degradation{name: "phone (all harsh)", rotate: 45, jitter: true, perspective: 0.06, blur: 1.0, light: 0.3, noise: 10, jpeg: 50}),
		)
	}
	for _, ppm := range []float64{2, 2.5} {
		t = append(t,
			degradation{name: fmt.Sprintf("clean @%gpx", ppm), ppm: ppm},
			degradation{name: fmt.Sprintf("phone (all mild) @%gpx", ppm), ppm: ppm, rotate: 45, jitter: true, perspective: 0.04, blur: 0.6, light: 0.5, noise: 6, jpeg: 70},
		)
	}
	return t
}

// corpusTexts are the codes the corpus shows: the test vector (version 17)
// and a certificate of the largest realistic size (version 19).
func corpusTexts(t testing.TB) []string {
	v := loadVector(t)
	big := cert.QRText("https://verify.rsj.some-long-city-name.gov.cn/x", fakeJWS(686))
	return []string{v.QRText, big}
}

func fakeJWS(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	r := rand.New(rand.NewPCG(3, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	b[80], b[n-87] = '.', '.'
	return string(b)
}

// paper is the printed area around a QR code, sampled at sub samples per
// module: true is ink.
type paper struct {
	w, h int // in samples
	sub  int
	ink  []bool
}

func (p *paper) at(u, v float64) (ink, inside bool) {
	x, y := int(math.Floor(u*float64(p.sub))), int(math.Floor(v*float64(p.sub)))
	if x < 0 || y < 0 || x >= p.w || y >= p.h {
		return false, false
	}
	return p.ink[y*p.w+x], true
}

// makePaper lays out the code as on the certificate: text to its left
// (the bottom block's rows, glyphs about 8 modules high, 13 modules
// away), a caption below, the footer further down.
func makePaper(code *qr.Code, rnd *rand.Rand) *paper {
	const sub = 4
	n := code.Size()
	left, top, bottom := 70, 12, 30 // modules of paper around the code
	mw, mh := left+n+8, top+n+bottom
	p := &paper{w: mw * sub, h: mh * sub, sub: sub, ink: make([]bool, mw*sub*mh*sub)}
	set := func(x0, y0, x1, y1 float64) { // in modules
		for y := int(y0 * sub); y < int(y1*sub); y++ {
			for x := int(x0 * sub); x < int(x1*sub); x++ {
				if x >= 0 && y >= 0 && x < p.w && y < p.h {
					p.ink[y*p.w+x] = true
				}
			}
		}
	}
	qx, qy := float64(left), float64(top)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if code.Dark(x, y) {
				set(qx+float64(x), qy+float64(y), qx+float64(x+1), qy+float64(y+1))
			}
		}
	}
	glyph := func(x, y, size float64) { // a Chinese-like character: strokes in a box
		th := size / 10
		for i := 0; i < 4+rnd.IntN(6); i++ {
			a, b := rnd.Float64()*size, rnd.Float64()*size
			c := rnd.Float64() * (size - th)
			if rnd.IntN(2) == 0 {
				set(x+math.Min(a, b), y+c, x+math.Max(a, b)+th, y+c+th)
			} else {
				set(x+c, y+math.Min(a, b), x+c+th, y+math.Max(a, b)+th)
			}
		}
	}
	line := func(x, y, size, width float64) {
		for cx := x; cx+size <= x+width; cx += size * 1.08 {
			glyph(cx, y, size)
		}
	}
	for i := 0; i < 5; i++ { // the rows left of the code
		line(2, qy+float64(i)*15, 8, float64(30+rnd.IntN(27)))
	}
	line(qx+float64(n)/2-16, qy+float64(n)+5, 7, 32) // caption
	line(2, qy+float64(n)+18, 5, float64(mw-4))
	line(2, qy+float64(n)+24, 5, float64(mw-4))
	for i := 0; i < 4; i++ { // the claims above
		line(2, float64(i)*3, 2.5, float64(mw-4))
	}
	return p
}

// fromCorners returns the homography that maps the unit square's corners
// (0,0) (1,0) (1,1) (0,1) to q.
func fromCorners(q [4][2]float64) homography {
	// Heckbert's closed form for square to quadrilateral.
	x0, y0, x1, y1, x2, y2, x3, y3 := q[0][0], q[0][1], q[1][0], q[1][1], q[2][0], q[2][1], q[3][0], q[3][1]
	dx1, dx2, dx3 := x1-x2, x3-x2, x0-x1+x2-x3
	dy1, dy2, dy3 := y1-y2, y3-y2, y0-y1+y2-y3
	den := dx1*dy2 - dx2*dy1
	g := (dx3*dy2 - dx2*dy3) / den
	h := (dx1*dy3 - dx3*dy1) / den
	return homography{x1 - x0 + g*x1, x3 - x0 + h*x3, x0, y1 - y0 + g*y1, y3 - y0 + h*y3, y0, g, h, 1}
}

func (h homography) inverse() homography {
	a, b, c, d, e, f, g, hh, i := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	det := a*(e*i-f*hh) - b*(d*i-f*g) + c*(d*hh-e*g)
	return homography{
		(e*i - f*hh) / det, (c*hh - b*i) / det, (b*f - c*e) / det,
		(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det,
		(d*hh - e*g) / det, (b*g - a*hh) / det, (a*e - b*d) / det,
	}
}

// photograph makes one corpus image of code under d; it returns the
// encoded file.
func photograph(code *qr.Code, d degradation, seed uint64) []byte {
	rnd := rand.New(rand.NewPCG(seed, 99))
	p := makePaper(code, rnd)
	pw, ph := float64(p.w/p.sub), float64(p.h/p.sub) // modules
	angle := d.rotate
	if d.jitter {
		angle = (rnd.Float64()*2 - 1) * d.rotate
	} else if angle != 0 && angle != 90 && angle != 180 {
		angle += rnd.Float64()*2 - 1 // about the nominal angle
	}
	s, c := math.Sincos(angle * math.Pi / 180)
	// corners of the paper in pixels, rotated about the origin, then
	// displaced for perspective
	var q [4][2]float64
	for i, uv := range [4][2]float64{{0, 0}, {pw, 0}, {pw, ph}, {0, ph}} {
		x, y := uv[0]*d.ppm, uv[1]*d.ppm
		q[i] = [2]float64{c*x - s*y, s*x + c*y}
	}
	if d.perspective > 0 {
		size := math.Max(pw, ph) * d.ppm
		for i := range q {
			q[i][0] += (rnd.Float64()*2 - 1) * d.perspective * size
			q[i][1] += (rnd.Float64()*2 - 1) * d.perspective * size
		}
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pt := range q {
		minX, maxX = math.Min(minX, pt[0]), math.Max(maxX, pt[0])
		minY, maxY = math.Min(minY, pt[1]), math.Max(maxY, pt[1])
	}
	margin := 6 * d.ppm // desk around the paper
	for i := range q {
		q[i][0] += margin - minX
		q[i][1] += margin - minY
	}
	w, h := int(maxX-minX+2*margin), int(maxY-minY+2*margin)
	toImage := fromCorners(q)
	toPaper := toImage.inverse()
	const ss = 3 // supersampling
	const paperWhite, inkBlack, desk = 238.0, 35.0, 120.0
	img := make([]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0.0
			for j := 0; j < ss; j++ {
				for i := 0; i < ss; i++ {
					u, v := toPaper.apply(float64(x)+(float64(i)+0.5)/ss, float64(y)+(float64(j)+0.5)/ss)
					ink, inside := p.at(u*pw, v*ph)
					switch {
					case !inside:
						sum += desk
					case ink:
						sum += inkBlack
					default:
						sum += paperWhite
					}
				}
			}
			img[y*w+x] = sum / (ss * ss)
		}
	}
	if d.blur > 0 {
		img = gaussian(img, w, h, d.blur)
	}
	if d.light > 0 { // a gradient from one random corner to the opposite one
		fx, fy := rnd.Float64()*2-1, rnd.Float64()*2-1
		norm := math.Abs(fx)*float64(w) + math.Abs(fy)*float64(h)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				t := (fx*(float64(x)-float64(w)/2) + fy*(float64(y)-float64(h)/2)) / norm // -0.5..0.5
				img[y*w+x] *= 1 - (1-d.light)*(t+0.5)
			}
		}
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range img {
		if d.noise > 0 {
			v += rnd.NormFloat64() * d.noise
		}
		out.Pix[i] = byte(math.Max(0, math.Min(255, math.Round(v))))
	}
	var buf bytes.Buffer
	if d.jpeg > 0 {
		// a colour JPEG, as a phone makes
		rgba := image.NewRGBA(out.Rect)
		for i, v := range out.Pix {
			rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] = v, v, byte(max(0, int(v)-8)), 255
		}
		jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: d.jpeg})
	} else {
		png.Encode(&buf, out)
	}
	return buf.Bytes()
}

// gaussian blurs img (w×h) with a separable Gaussian kernel.
func gaussian(img []float64, w, h int, sigma float64) []float64 {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, len(img))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0.0
			for i, kv := range k {
				xx := min(w-1, max(0, x+i-r))
				v += img[y*w+xx] * kv
			}
			tmp[y*w+x] = v
		}
	}
	out := make([]float64, len(img))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0.0
			for i, kv := range k {
				yy := min(h-1, max(0, y+i-r))
				v += tmp[yy*w+x] * kv
			}
			out[y*w+x] = v
		}
	}
	return out
}

type cellResult struct {
	ok, total int
	by        map[string]int // successful attempt name → count
	worst     time.Duration
}

func TestCorpus(t *testing.T) {
	seeds, assert := *corpusSeeds, *corpusSeeds == 0
	if seeds == 0 {
		seeds = 2
		if testing.Short() || raceEnabled {
			seeds = 1
		}
	}
	texts := corpusTexts(t)
	codes := make([]*qr.Code, len(texts))
	for i, s := range texts {
		c, err := qr.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		codes[i] = c
	}
	table := corpusTable()
	if raceEnabled && *corpusSeeds == 0 {
		// The race detector makes decoding ten times slower: one size only.
		var some []degradation
		for _, d := range table {
			if d.ppm == 4 {
				some = append(some, d)
			}
		}
		table = some
	}
	results := make([]cellResult, len(table))
	type job struct{ cell, code, seed int }
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				d := table[j.cell]
				file := photograph(codes[j.code], d, uint64(j.seed*1000+j.cell*10+j.code))
				if *corpusOut != "" {
					ext := ".png"
					if d.jpeg > 0 {
						ext = ".jpg"
					}
					name := strings.NewReplacer(" ", "_", "%", "pc", "°", "deg", "(", "", ")", "", "σ", "s").Replace(d.name)
					os.WriteFile(filepath.Join(*corpusOut, fmt.Sprintf("%s-v%d-%d%s", name, codes[j.code].Version(), j.seed, ext)), file, 0o644)
				}
				start := time.Now()
				img, err := readImage(bytes.NewReader(file), int64(len(file)), nil)
				var text, how string
				if err == nil {
					text, how, err = decodeQRAttempts(nil, toGray(img))
				}
				el := time.Since(start)
				mu.Lock()
				r := &results[j.cell]
				r.total++
				if err == nil && text == texts[j.code] {
					r.ok++
					if r.by == nil {
						r.by = map[string]int{}
					}
					r.by[how]++
				}
				r.worst = max(r.worst, el)
				mu.Unlock()
			}
		}()
	}
	for seed := range seeds {
		for cell := range table {
			for code := range codes {
				jobs <- job{cell, code, seed}
			}
		}
	}
	close(jobs)
	wg.Wait()

	var b strings.Builder
	fmt.Fprintf(&b, "\n| degradation | decoded | rate | slowest | read by |\n|---|---|---|---|---|\n")
	ok3, total3 := 0, 0
	for i, d := range table {
		r := results[i]
		var by []string
		for k, v := range r.by {
			by = append(by, fmt.Sprintf("%s %d", k, v))
		}
		sort.Strings(by)
		fmt.Fprintf(&b, "| %s | %d/%d | %.0f %% | %d ms | %s |\n", d.name, r.ok, r.total, 100*float64(r.ok)/float64(r.total), r.worst.Milliseconds(), strings.Join(by, ", "))
		if d.ppm >= 3 {
			ok3 += r.ok
			total3 += r.total
		}
		if assert && d.floor > 0 && float64(r.ok) < d.floor*float64(r.total) {
			t.Errorf("%s: %d of %d decoded, want at least %.0f %%", d.name, r.ok, r.total, 100*d.floor)
		}
	}
	fmt.Fprintf(&b, "\nat ≥ 3 px per module: %d/%d decoded (%.1f %%)\n", ok3, total3, 100*float64(ok3)/float64(total3))
	t.Log(b.String())
}
