package pdf

import (
	"math"
)

// Page geometry, in millimetres.
const (
	pageW   = 210.0
	pageH   = 297.0
	left    = 24.0  // left edge of the text
	right   = 186.0 // right edge of the text
	labelW  = 45.0  // label column
	ptToMM  = 25.4 / 72
	minSize = 8.0 // smallest font size, in points, for any claim
	lineGap = 1.3 // line height as a multiple of the font size
	rowGap  = 2.6 // between two rows of the table, in mm
)

type rgb struct{ r, g, b int }

var (
	red   = rgb{158, 27, 32}
	ink   = rgb{30, 30, 30}
	grey  = rgb{105, 105, 105}
	paleR = rgb{253, 238, 236}
)

// centered draws s centred on the page.
func (p *page) centered(y float64, s string, bold bool) {
	p.text((pageW-p.width(s))/2, y, s, bold)
}

// row is one line of the certificate's table: a Chinese label, its English
// translation and the value.
type row struct {
	zh, en string
	value  string
	sub    string  // optional English gloss of the value, drawn small below it
	size   float64 // preferred size of the value, in points
	bold   bool
	color  rgb
	shade  bool // emphasise with a pale red background
}

// placed is a row laid out at a given size.
type placed struct {
	row
	size   float64
	lines  []string
	sub    []string // lines of row.sub at subSize
	gap    float64  // space below the row, included in height
	height float64
}

// labelZH and labelEN are the label font sizes, in points.
const (
	labelZH = 11.0
	labelEN = 7.5
)

// layout wraps the value of each row into width w, at its preferred size
// times scale or smaller, down to minSize, on at most two lines if it can.
// The space between rows shrinks with scale too, down to half.
func (p *page) layout(rows []row, w, scale float64) ([]placed, float64) {
	out := make([]placed, 0, len(rows))
	total := 0.0
	gap := rowGap * math.Max(0.5, math.Min(1, scale))
	for _, r := range rows {
		pref := math.Max(minSize, math.Round(r.size*scale*2)/2)
		size, lines := p.fit(r.value, w, pref, 2)
		pl := placed{row: r, size: size, lines: lines, gap: gap}
		if r.sub != "" {
			p.size(subSize)
			pl.sub = p.wrap(r.sub, w)
		}
		pl.height = rowHeight(size, len(lines), len(pl.sub)) + gap
		out = append(out, pl)
		total += pl.height
	}
	return out, total
}

// firstBaseline is the distance from a row's top to its first baseline.
func firstBaseline(size float64) float64 {
	return 0.88 * math.Max(size, labelZH) * ptToMM
}

// subSize is the size of the English gloss under a value, in points.
const subSize = 8.5

func rowHeight(size float64, n, sub int) float64 {
	value := firstBaseline(size) + float64(n-1)*size*lineGap*ptToMM + 0.25*size*ptToMM
	if sub > 0 {
		value += float64(sub) * subSize * lineGap * ptToMM
	}
	label := firstBaseline(size) + labelEN*lineGap*ptToMM + 0.25*labelEN*ptToMM
	return math.Max(value, label)
}

// fit returns the largest size from pref down to minSize, in half points,
// at which s wraps into at most maxLines lines of width w, and those lines.
// If none does, it returns minSize and as many lines as needed.
func (p *page) fit(s string, w, pref float64, maxLines int) (float64, []string) {
	for size := pref; ; size -= 0.5 {
		if size < minSize {
			size = minSize
		}
		p.size(size)
		lines := p.wrap(s, w)
		if len(lines) <= maxLines || size == minSize {
			return size, lines
		}
	}
}

// drawRows draws laid-out rows from y and returns the y below them.
func (p *page) drawRows(rows []placed, x, y, labelW, valueW float64) float64 {
	for _, r := range rows {
		b := y + firstBaseline(r.size)
		if r.shade {
			p.setFillColor(paleR)
			p.rect(x-2, y-1.2, labelW+valueW+4, r.height-r.gap+2.4, true)
		}
		p.size(labelZH)
		p.color(ink)
		p.text(x, b, r.zh, false)
		p.size(labelEN)
		p.color(grey)
		p.text(x, b+labelEN*lineGap*ptToMM, r.en, false)
		p.size(r.size)
		p.color(r.color)
		for i, l := range r.lines {
			p.text(x+labelW, b+float64(i)*r.size*lineGap*ptToMM, l, r.bold)
		}
		sb := b + float64(len(r.lines)-1)*r.size*lineGap*ptToMM + 0.25*r.size*ptToMM
		p.size(subSize)
		if r.color == ink {
			p.color(grey)
		}
		for i, l := range r.sub {
			p.text(x+labelW, sb+float64(i+1)*subSize*lineGap*ptToMM, l, false)
		}
		y += r.height
	}
	return y
}
