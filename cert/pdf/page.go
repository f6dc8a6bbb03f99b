package pdf

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/titlecert/titlecert/cert/qr"
)

// The drawing back end: page turns the layout's drawing calls, in
// millimetres from the top-left corner, into a PDF content stream, in
// points from the bottom-left corner.

// mmToPt is the number of points in a millimetre.
const mmToPt = 72 / 25.4

// A4 in points, as the MediaBox gives it.
const (
	pageWPt = 595.28
	pageHPt = 841.89
)

// page draws one page. Every string goes through text, which checks it
// against the font first; the first error stops drawing.
//
// The graphics go into gfx and the text into txt, which the content
// stream draws after all the graphics, in one text object: no text
// overlaps a graphic but the shading drawn under it. Each part sets the
// graphics state it needs only where it changes.
type page struct {
	r   *Renderer
	doc []rune // the characters of the document's font; CID i+1 draws doc[i]
	gfx []byte
	txt []byte
	err error

	units []string // wrap's buffer

	// The state the drawing calls set, for the operations that follow.
	fontSize  float64 // points
	textColor rgb
	drawColor rgb // lines, and the outline of bold text
	fillColor rgb
	lineWidth float64 // millimetres

	// The state gfx and txt have set; -1 when not set yet.
	g struct {
		stroke, fill rgb
		lineWidth    int64 // hundredths of a point
	}
	t struct {
		fill, stroke rgb
		lineWidth    int64
		mode         int // text rendering mode
		font         int
		size         float64
		x, y         int64 // start of the current line, in hundredths of a point
	}
}

// newPage returns a page for a document whose font has the characters doc.
func newPage(r *Renderer, doc []rune) *page {
	p := new(page)
	p.reset(r, doc)
	return p
}

// reset makes p a blank page for a document whose font has the characters
// doc, keeping its buffers.
func (p *page) reset(r *Renderer, doc []rune) {
	*p = page{r: r, doc: doc, gfx: p.gfx[:0], txt: p.txt[:0], units: p.units[:0], fontSize: 12, lineWidth: 0.2}
	unset := rgb{-1, -1, -1}
	p.g.stroke, p.g.fill, p.g.lineWidth = unset, unset, -1
	p.t.fill, p.t.stroke, p.t.lineWidth, p.t.mode = unset, unset, -1, -1
}

// color sets the colour of text, and of the outline of bold text (the
// draw colour, which lines use too).
func (p *page) color(c rgb) {
	p.textColor = c
	p.drawColor = c
}

func (p *page) size(pt float64) { p.fontSize = pt }

// width returns the width of s at the current size, in millimetres.
func (p *page) width(s string) float64 {
	w := 0
	for _, c := range s {
		w += p.r.width(c)
	}
	return float64(w) * (p.fontSize / mmToPt) / 1000
}

// runeWidth returns the width of c at the current size, in millimetres.
func (p *page) runeWidth(c rune) float64 {
	return float64(p.r.width(c)) * (p.fontSize / mmToPt) / 1000
}

// centi returns v in hundredths, rounded.
func centi(v float64) int64 { return int64(math.Round(v * 100)) }

// appendColor appends the operator setting c as the fill colour (op "rg")
// or the stroke colour ("RG"), in grey ("g", "G") when it is one.
func appendColor(b []byte, c rgb, op string) []byte {
	if c.r == c.g && c.g == c.b {
		b = appendNum(b, float64(c.r)/255, 3)
		b = append(b, ' ', op[0]+'g'-'r') // rg → g, RG → G
		return append(b, '\n')
	}
	for _, v := range []int{c.r, c.g, c.b} {
		b = appendNum(b, float64(v)/255, 3)
		b = append(b, ' ')
	}
	b = append(b, op...)
	return append(b, '\n')
}

// text draws s with its baseline at y. With bold, the glyphs are also
// stroked, as the font has no bold face.
func (p *page) text(x, y float64, s string, bold bool) {
	if p.err != nil || s == "" {
		return
	}
	if err := p.r.CheckText(s); err != nil {
		p.err = err
		return
	}
	t := &p.t
	b := p.txt
	if p.textColor != t.fill {
		b = appendColor(b, p.textColor, "rg")
		t.fill = p.textColor
	}
	mode := 0
	if bold {
		mode = 2
		if lw := centi(0.022 * p.fontSize); lw != t.lineWidth {
			b = appendScaled(b, lw, 2)
			b = append(b, " w\n"...)
			t.lineWidth = lw
		}
		if p.drawColor != t.stroke {
			b = appendColor(b, p.drawColor, "RG")
			t.stroke = p.drawColor
		}
	}
	if mode != t.mode {
		b = append(b, byte('0'+mode))
		b = append(b, " Tr\n"...)
		t.mode = mode
	}
	cx, cy := centi(x*mmToPt), centi(pageHPt-y*mmToPt)
	b = appendScaled(b, cx-t.x, 2)
	b = append(b, ' ')
	b = appendScaled(b, cy-t.y, 2)
	b = append(b, " Td\n"...)
	t.x, t.y = cx, cy
	font := 0
	for _, c := range s {
		f, cid := p.glyph(c)
		if cid == 0 {
			p.err = fmt.Errorf("pdf: internal error: %q (%U) is not in the font subsets", c, c)
			return
		}
		if f != font {
			if font != 0 {
				b = append(b, "> Tj\n"...)
			}
			if f != t.font || p.fontSize != t.size {
				b = append(b, "/F"...)
				b = append(b, byte('0'+f), ' ')
				b = appendNum(b, p.fontSize, 2)
				b = append(b, " Tf\n"...)
				t.font, t.size = f, p.fontSize
			}
			b = append(b, '<')
			font = f
		}
		b = appendHex16(b, uint16(cid))
	}
	p.txt = append(b, "> Tj\n"...)
}

// glyph returns the font and the CID that draw c, or a zero CID if
// neither font has c.
func (p *page) glyph(c rune) (font, cid int) {
	if c < 0x10000 {
		if cid := p.r.fixedCID[c]; cid != 0 {
			return fixedFont, int(cid)
		}
	}
	if i, ok := slices.BinarySearch(p.doc, c); ok {
		return docFont, i + 1
	}
	return 0, 0
}

func (p *page) setDrawColor(c rgb)      { p.drawColor = c }
func (p *page) setFillColor(c rgb)      { p.fillColor = c }
func (p *page) setLineWidth(mm float64) { p.lineWidth = mm }

// stroke prepares gfx for stroking a path.
func (p *page) stroke() {
	if p.drawColor != p.g.stroke {
		p.gfx = appendColor(p.gfx, p.drawColor, "RG")
		p.g.stroke = p.drawColor
	}
	if lw := centi(p.lineWidth * mmToPt); lw != p.g.lineWidth {
		p.gfx = appendScaled(p.gfx, lw, 2)
		p.gfx = append(p.gfx, " w\n"...)
		p.g.lineWidth = lw
	}
}

// appendPoint appends the point at (x, y) mm from the top-left corner.
func appendPoint(b []byte, x, y float64) []byte {
	b = appendNum(b, x*mmToPt, 2)
	b = append(b, ' ')
	return appendNum(b, pageHPt-y*mmToPt, 2)
}

// rect fills (with the fill colour) or strokes (with the draw colour and
// the line width) the rectangle whose top-left corner is (x, y).
func (p *page) rect(x, y, w, h float64, fill bool) {
	if fill {
		if p.fillColor != p.g.fill {
			p.gfx = appendColor(p.gfx, p.fillColor, "rg")
			p.g.fill = p.fillColor
		}
	} else {
		p.stroke()
	}
	p.gfx = appendPoint(p.gfx, x, y+h)
	p.gfx = append(p.gfx, ' ')
	p.gfx = appendNum(p.gfx, w*mmToPt, 2)
	p.gfx = append(p.gfx, ' ')
	p.gfx = appendNum(p.gfx, h*mmToPt, 2)
	if fill {
		p.gfx = append(p.gfx, " re f\n"...)
	} else {
		p.gfx = append(p.gfx, " re S\n"...)
	}
}

// line strokes a line with the draw colour and the line width.
func (p *page) line(x1, y1, x2, y2 float64) {
	p.stroke()
	p.gfx = appendPoint(p.gfx, x1, y1)
	p.gfx = append(p.gfx, " m "...)
	p.gfx = appendPoint(p.gfx, x2, y2)
	p.gfx = append(p.gfx, " l S\n"...)
}

// qrCode fills black one rectangle per horizontal run of dark modules of
// code, whose top-left corner is (x, y) mm, with modules of pt points.
// The rectangles are in module units, scaled by a transformation: x and y
// must be whole points and pt a multiple of 0.01, so that every edge falls
// on exactly the point it would if the rectangles were given in points.
func (p *page) qrCode(x, y, pt float64, code *qr.Code) {
	b := append(p.gfx, "q\n0 g\n"...)
	b = appendNum(b, pt, 2)
	b = append(b, " 0 0 "...)
	b = appendNum(b, pt, 2)
	b = append(b, ' ')
	b = appendPoint(b, x, y)
	b = append(b, " cm\n"...)
	// (x, y) is the origin: module row r spans -r-1 to -r.
	n := code.Size()
	for r := 0; r < n; r++ {
		for c := 0; c < n; {
			if !code.Dark(c, r) {
				c++
				continue
			}
			run := 1
			for c+run < n && code.Dark(c+run, r) {
				run++
			}
			b = appendSmall(b, c)
			b = append(b, " -"...)
			b = appendSmall(b, r+1)
			b = append(b, ' ')
			b = appendSmall(b, run)
			b = append(b, " 1 re f\n"...)
			c += run
		}
	}
	p.gfx = append(b, "Q\n"...)
}

// appendSmall appends the non-negative n.
func appendSmall(b []byte, n int) []byte {
	if n < 10 {
		return append(b, byte('0'+n))
	}
	if n < 100 {
		return append(b, byte('0'+n/10), byte('0'+n%10))
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// content appends the page's content stream to b.
func (p *page) content(b []byte) []byte {
	b = append(b, p.gfx...)
	b = append(b, "BT\n"...)
	b = append(b, p.txt...)
	return append(b, "ET"...)
}
