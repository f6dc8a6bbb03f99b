package pdf

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
)

// TestQRContent reads the QR code back from the content stream: the
// transformation and one rectangle per run of dark modules.
func TestQRContent(t *testing.T) {
	r := newTestRenderer(t)
	d := subsetTestDocument("欧阳娜娜", cert.RouteTargeted)
	code, err := qr.Encode(d.QRText)
	if err != nil {
		t.Fatal(err)
	}
	s := new(scratch)
	if _, err := r.render(d, s); err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(s.content, []byte("q\n0 g\n"))
	end := bytes.Index(s.content[start:], []byte("Q\n"))
	if start < 0 || end < 0 {
		t.Fatal("no QR code in the content stream")
	}
	lines := strings.Split(string(s.content[start:start+end]), "\n")
	cm := strings.Fields(lines[2])
	if len(cm) != 7 || cm[6] != "cm" || cm[0] != cm[3] || cm[1] != "0" || cm[2] != "0" {
		t.Fatalf("transformation %q", lines[2])
	}
	for _, v := range cm[:6] {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f*100 != float64(int(f*100+0.5)) {
			t.Errorf("transformation %q: %s is not a multiple of 0.01", lines[2], v)
		}
	}
	n := code.Size()
	got := make([]bool, n*n)
	rects := 0
	for _, l := range lines[3:] {
		if l == "" {
			continue
		}
		x, y, w, ok := parseRun(l)
		if !ok {
			t.Fatalf("not a run: %q", l)
		}
		row := -y - 1
		for c := x; c < x+w; c++ {
			if row < 0 || row >= n || c < 0 || c >= n || got[row*n+c] {
				t.Fatalf("run %q outside the code or over another", l)
			}
			got[row*n+c] = true
		}
		if x > 0 && code.Dark(x-1, row) || code.Dark(x+w, row) {
			t.Errorf("run %q is not a whole run", l)
		}
		rects++
	}
	for y := range n {
		for x := range n {
			if got[y*n+x] != code.Dark(x, y) {
				t.Fatalf("module (%d, %d) differs", x, y)
			}
		}
	}
	t.Logf("%d rectangles for %d×%d modules", rects, n, n)
}

var runRE = regexp.MustCompile(`^(\d+) -(\d+) ([1-9]\d*) 1 re f$`)

// parseRun parses "x y w 1 re f", a run of modules in module units.
func parseRun(l string) (x, y, w int, ok bool) {
	m := runRE.FindStringSubmatch(l)
	if m == nil {
		return 0, 0, 0, false
	}
	x, _ = strconv.Atoi(m[1])
	y, _ = strconv.Atoi(m[2])
	w, _ = strconv.Atoi(m[3])
	return x, -y, w, true
}

// TestWidths checks that the widths in a font's /W array are those layout
// measures with, and those of the embedded subset.
func TestWidths(t *testing.T) {
	r := newTestRenderer(t)
	runes := []rune(" !AIW^_iw~·一二欧阳娜〈")
	var pf pdfFile
	r.writeFont(&pf, objDocFont, runes, fontLevel, &fontScratch{})
	m := regexp.MustCompile(`/DW (\d+) /W \[(.*?)\] >>`).FindSubmatch(pf.b)
	if m == nil {
		t.Fatal("no /DW and /W in the font")
	}
	dw, _ := strconv.Atoi(string(m[1]))
	widths := map[int]int{}
	for _, run := range regexp.MustCompile(`(\d+) \[([\d ]+)\]`).FindAllSubmatch(m[2], -1) {
		first, _ := strconv.Atoi(string(run[1]))
		for i, w := range strings.Fields(string(run[2])) {
			widths[first+i], _ = strconv.Atoi(w)
		}
	}
	glyphs := r.font.subsetGlyphs(nil, runes)
	sub, err := parseFontFile(r.font.appendSubset(nil, glyphs))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range runes {
		w, ok := widths[i+1]
		if !ok {
			w = dw
		}
		if w != r.width(c) || w != sub.width(i+1) {
			t.Errorf("%q: /W %d, layout %d, subset %d", c, w, r.width(c), sub.width(i+1))
		}
	}
	p := newPage(r, nil)
	p.size(10)
	if got, want := p.width("AW一"), float64(r.width('A')+r.width('W')+1000)*10/1000*25.4/72; got-want > 1e-9 || want-got > 1e-9 {
		t.Errorf("width = %v mm, want %v", got, want)
	}
}
