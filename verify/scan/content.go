package scan

import (
	"bytes"
	"math"
	"strconv"
)

// Reading the QR code a PDF page draws with vector graphics, as
// cert/pdf does (one filled rectangle per horizontal run of dark
// modules): the page's content stream is interpreted just enough to
// collect the dark filled rectangles, which are then rasterised for
// decodeQR. Text, curves and stroked paths are ignored.

// maxRects bounds the rectangles collected from one page.
const maxRects = 200_000

// quad is a filled rectangle in page space (points), after the current
// transformation: four corners.
type quad [4][2]float64

type gstate struct {
	ctm  [6]float64
	fill float64 // luminance of the fill colour, 0 black .. 1 white
}

func mul(m, n [6]float64) [6]float64 { // m then n
	return [6]float64{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func cmykLum(c, m, y, k float64) float64 {
	r, g, b := (1-c)*(1-k), (1-m)*(1-k), (1-y)*(1-k)
	return 0.299*r + 0.587*g + 0.114*b
}

// darkRects returns the rectangles filled with a dark colour (luminance
// below one half) by the content stream.
func darkRects(content []byte) []quad {
	st := gstate{ctm: [6]float64{1, 0, 0, 1, 0, 0}, fill: 0}
	var stack []gstate
	var ops []float64 // numeric operands
	var path [][4]float64
	var out []quad
	lex := lexer{data: content}
	for len(out) < maxRects {
		tok, kind := lex.next()
		if kind == tokEOF {
			break
		}
		switch kind {
		case tokNumber:
			v, err := strconv.ParseFloat(string(tok), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				v = 0
			}
			ops = append(ops, v)
			continue
		case tokName, tokOther:
			ops = ops[:0]
			continue
		}
		// an operator
		switch string(tok) {
		case "q":
			if len(stack) < 64 {
				stack = append(stack, st)
			}
		case "Q":
			if len(stack) > 0 {
				st, stack = stack[len(stack)-1], stack[:len(stack)-1]
			}
		case "cm":
			if len(ops) == 6 {
				st.ctm = mul([6]float64(ops), st.ctm)
			}
		case "g":
			if len(ops) == 1 {
				st.fill = ops[0]
			}
		case "rg":
			if len(ops) == 3 {
				st.fill = 0.299*ops[0] + 0.587*ops[1] + 0.114*ops[2]
			}
		case "k":
			if len(ops) == 4 {
				st.fill = cmykLum(ops[0], ops[1], ops[2], ops[3])
			}
		case "sc", "scn":
			switch len(ops) {
			case 1:
				st.fill = ops[0]
			case 3:
				st.fill = 0.299*ops[0] + 0.587*ops[1] + 0.114*ops[2]
			case 4:
				st.fill = cmykLum(ops[0], ops[1], ops[2], ops[3])
			default:
				st.fill = 1 // a pattern or a colour space we do not know: not ours
			}
		case "re":
			if len(ops) == 4 && len(path) < maxRects {
				path = append(path, [4]float64(ops))
			}
		case "f", "F", "f*", "B", "B*", "b", "b*":
			if st.fill < 0.5 {
				for _, r := range path {
					var q quad
					for i, c := range [4][2]float64{{r[0], r[1]}, {r[0] + r[2], r[1]}, {r[0] + r[2], r[1] + r[3]}, {r[0], r[1] + r[3]}} {
						m := st.ctm
						q[i] = [2]float64{m[0]*c[0] + m[2]*c[1] + m[4], m[1]*c[0] + m[3]*c[1] + m[5]}
					}
					out = append(out, q)
				}
			}
			path = path[:0]
		case "n", "S", "s":
			path = path[:0]
		case "BI":
			lex.skipInlineImage()
		}
		ops = ops[:0]
	}
	return out
}

// rasterize draws quads black on white, scaled so that the thinnest is
// about 4 pixels thick, within maxWorkPixels. It returns nil when there
// is nothing to draw.
func rasterize(qs []quad) *gray {
	if len(qs) == 0 {
		return nil
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	thin := math.Inf(1)
	for _, q := range qs {
		for _, p := range q {
			minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
			minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
		}
		w := math.Hypot(q[1][0]-q[0][0], q[1][1]-q[0][1])
		h := math.Hypot(q[3][0]-q[0][0], q[3][1]-q[0][1])
		if m := math.Min(w, h); m > 0.05 {
			thin = math.Min(thin, m)
		}
	}
	if math.IsInf(thin, 1) || maxX-minX <= 0 || maxY-minY <= 0 {
		return nil
	}
	scale := 4 / thin
	margin := 10 * thin
	area := (maxX - minX + 2*margin) * (maxY - minY + 2*margin)
	if area*scale*scale > maxWorkPixels/2 {
		scale = math.Sqrt(maxWorkPixels / 2 / area)
	}
	w := int(math.Ceil((maxX - minX + 2*margin) * scale))
	h := int(math.Ceil((maxY - minY + 2*margin) * scale))
	g := newGray(w, h)
	for i := range g.pix {
		g.pix[i] = 255
	}
	for _, q := range qs {
		// to pixels, with y downwards
		var p [4][2]float64
		qx0, qy0, qx1, qy1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
		for i, c := range q {
			p[i] = [2]float64{(c[0] - minX + margin) * scale, (maxY + margin - c[1]) * scale}
			qx0, qx1 = math.Min(qx0, p[i][0]), math.Max(qx1, p[i][0])
			qy0, qy1 = math.Min(qy0, p[i][1]), math.Max(qy1, p[i][1])
		}
		for y := max(0, int(math.Round(qy0))); y < min(h, int(math.Round(qy1))); y++ {
			for x := max(0, int(math.Round(qx0))); x < min(w, int(math.Round(qx1))); x++ {
				if inConvex(p, float64(x)+0.5, float64(y)+0.5) {
					g.pix[y*w+x] = 0
				}
			}
		}
	}
	return g
}

// inConvex reports whether (x, y) lies inside the convex quadrilateral p.
func inConvex(p [4][2]float64, x, y float64) bool {
	pos, neg := false, false
	for i := range p {
		a, b := p[i], p[(i+1)%4]
		c := (b[0]-a[0])*(y-a[1]) - (b[1]-a[1])*(x-a[0])
		if c > 1e-9 {
			pos = true
		} else if c < -1e-9 {
			neg = true
		}
	}
	return !(pos && neg)
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokNumber
	tokName
	tokOperator
	tokOther // strings, arrays, dictionaries: operands we do not use
)

// lexer splits a content stream into tokens (ISO 32000-1 §7.2).
type lexer struct {
	data []byte
	pos  int
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0
}

func isDelim(c byte) bool { return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0 }

func (l *lexer) next() ([]byte, tokKind) {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case isSpace(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
				l.pos++
			}
		case c == '(':
			l.skipString()
			return nil, tokOther
		case c == '<' && l.pos+1 < len(l.data) && l.data[l.pos+1] == '<', c == '>' && l.pos+1 < len(l.data) && l.data[l.pos+1] == '>':
			l.pos += 2
			return nil, tokOther
		case c == '<':
			for l.pos < len(l.data) && l.data[l.pos] != '>' {
				l.pos++
			}
			l.pos++
			return nil, tokOther
		case c == '[' || c == ']' || c == '{' || c == '}' || c == ')' || c == '>':
			l.pos++
			return nil, tokOther
		case c == '/':
			start := l.pos
			l.pos++
			for l.pos < len(l.data) && !isSpace(l.data[l.pos]) && !isDelim(l.data[l.pos]) {
				l.pos++
			}
			return l.data[start:l.pos], tokName
		default:
			start := l.pos
			for l.pos < len(l.data) && !isSpace(l.data[l.pos]) && !isDelim(l.data[l.pos]) {
				l.pos++
			}
			tok := l.data[start:l.pos]
			if c == '+' || c == '-' || c == '.' || c >= '0' && c <= '9' {
				return tok, tokNumber
			}
			return tok, tokOperator
		}
	}
	return nil, tokEOF
}

// skipString skips a literal string, with nested parentheses and escapes.
func (l *lexer) skipString() {
	depth := 0
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		switch c {
		case '\\':
			l.pos++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return
			}
		}
	}
}

// skipInlineImage skips from after BI to after EI: the dictionary, ID, the
// data and EI, which must stand alone.
func (l *lexer) skipInlineImage() {
	i := bytes.Index(l.data[l.pos:], []byte("ID"))
	if i < 0 {
		l.pos = len(l.data)
		return
	}
	l.pos += i + 2
	for {
		j := bytes.Index(l.data[l.pos:], []byte("EI"))
		if j < 0 {
			l.pos = len(l.data)
			return
		}
		at := l.pos + j
		l.pos = at + 2
		if at > 0 && isSpace(l.data[at-1]) && (l.pos >= len(l.data) || isSpace(l.data[l.pos]) || isDelim(l.data[l.pos])) {
			return
		}
	}
}
