// Package qr turns the QR text of a certificate (cert.QRText) into a QR
// code: a module matrix for vector drawing and a PNG image.
//
// The text is encoded at error-correction level M (15 % of the code may be
// damaged) in at most two segments: the longest run of digits at the end
// of the text in the numeric mode (3.33 bits per digit), and what comes
// before it in the alphanumeric mode when it allows (5.5 bits per
// character), in the byte mode otherwise; the split is made only when it
// gives fewer bits. QR text made by cert.QRText is a URL prefix with a
// lower-case scheme and host (byte mode) followed by digits; the legacy
// form (cert.QRFormUpper) has an upper-case prefix (alphanumeric mode).
// Either way the largest realistic certificate, about 1,500 characters,
// fits a version 20 code (docs/FORMAT.md §5.2). The data
// masking pattern is the one of the eight with the lowest penalty score of
// ISO/IEC 18004 §7.8.3 (ties go to the lower mask number), as the standard
// asks, so no mask produces large blocks or false finder patterns.
//
// Encoding uses rsc.io/qr/coding (Reed-Solomon and module placement) with
// one immutable plan per version and mask, built on first use and shared:
// encoding a typical certificate costs about a tenth of a millisecond of
// CPU.
//
// The package keeps heavy dependencies (image encoding, the QR encoder) out
// of the cert and verification packages. Everything it produces is a pure
// function of its input: the same text always gives the same matrix and
// byte-identical PNG files. It does not decode QR codes.
package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/bits"
	"strings"
	"sync"

	"rsc.io/qr/coding"
)

// MaxTextLen is the most characters a version-40 code at level M can hold
// (in the numeric mode). Longer text is refused without trying to encode it.
const MaxTextLen = 5596

// QuietZone is the width, in modules, of the white border PNG adds around
// the code, as ISO/IEC 18004 requires.
const QuietZone = 4

// MaxScale bounds the pixels per module PNG accepts, so that a caller
// cannot ask for an image of gigabytes.
const MaxScale = 32

// ErrTooLong is wrapped by the error Encode returns when the text does not
// fit a version-40 QR code at level M.
var ErrTooLong = errors.New("qr: text too long for a QR code (version 40, level M)")

// Code is an encoded QR code. It is immutable and safe for concurrent use.
type Code struct {
	text    string
	version int
	size    int
	mask    int
	dark    []bool // size*size modules, row by row, without quiet zone
}

const level = coding.M

// split is how text may be segmented: a trailing run of digits from
// index digits on, and for the text before it and for the whole text the
// cheapest single mode.
type split struct {
	text        string
	digits      int
	head, whole modeFunc
}

type modeFunc func(string) coding.Encoding

func num(s string) coding.Encoding   { return coding.Num(s) }
func alpha(s string) coding.Encoding { return coding.Alpha(s) }
func byt(s string) coding.Encoding   { return coding.String(s) }

const alphaSet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// mode returns the smallest of the three modes that can hold all of s.
func mode(s string) modeFunc {
	isNum, isAlpha := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			isNum = false
			if !strings.ContainsRune(alphaSet, rune(c)) {
				isAlpha = false
				break
			}
		}
	}
	switch {
	case isNum:
		return num
	case isAlpha:
		return alpha
	}
	return byt
}

func newSplit(text string) split {
	i := len(text)
	for i > 0 && text[i-1] >= '0' && text[i-1] <= '9' {
		i--
	}
	sp := split{text: text, digits: i, whole: mode(text)}
	if i > 0 && i < len(text) {
		sp.head = mode(text[:i])
	}
	return sp
}

// segments returns the encodings that need the fewest bits at version v.
func (sp split) segments(v coding.Version) []coding.Encoding {
	one := []coding.Encoding{sp.whole(sp.text)}
	if sp.head == nil {
		return one
	}
	two := []coding.Encoding{sp.head(sp.text[:sp.digits]), coding.Num(sp.text[sp.digits:])}
	if segBits(two, v) < segBits(one, v) {
		return two
	}
	return one
}

func segBits(segs []coding.Encoding, v coding.Version) int {
	n := 0
	for _, s := range segs {
		n += s.Bits(v)
	}
	return n
}

// layout is what encoding needs of a version, for each of the eight
// masks: built once from rsc.io/qr/coding plans and shared (immutable).
type layout struct {
	plan  *coding.Plan // for mask 0
	n     int          // modules per side
	data  []line       // per row: the data, check and remainder modules
	inv   [8][]line    // per row: the data modules mask m inverts
	fixed [8][]line    // per row: the dark function modules (format bits depend on the mask)
}

var layouts struct {
	sync.Mutex
	v [coding.MaxVersion + 1]*layout
}

// layoutFor returns the layout of version v at level M, building it on
// first use (about as costly as encoding a hundred codes).
func layoutFor(v coding.Version) (*layout, error) {
	layouts.Lock()
	defer layouts.Unlock()
	if l := layouts.v[v]; l != nil {
		return l, nil
	}
	l := &layout{}
	for m := 0; m < 8; m++ {
		p, err := coding.NewPlan(v, level, coding.Mask(m))
		if err != nil {
			return nil, err
		}
		if m == 0 {
			l.plan, l.n = p, len(p.Pixel)
			l.data = make([]line, l.n)
		}
		l.inv[m], l.fixed[m] = make([]line, l.n), make([]line, l.n)
		for y, row := range p.Pixel {
			for x, pix := range row {
				bit := uint64(1) << (x & 63)
				switch pix.Role() {
				case coding.Data, coding.Check, coding.Extra:
					l.data[y][x>>6] |= bit
					if pix&coding.Invert != 0 {
						l.inv[m][y][x>>6] |= bit
					}
				default:
					if pix&coding.Black != 0 {
						l.fixed[m][y][x>>6] |= bit
					}
				}
			}
		}
	}
	layouts.v[v] = l
	return l, nil
}

// Encode encodes text at error-correction level M in the smallest version
// that holds it. The error wraps ErrTooLong when the text does not fit a
// version-40 code; an empty text is an error too.
func Encode(text string) (c *Code, err error) {
	if text == "" {
		return nil, errors.New("qr: empty text")
	}
	if len(text) > MaxTextLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(text), MaxTextLen)
	}
	// rsc.io/qr/coding reports internal inconsistencies with panics.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("qr: encoder failed: %v", r)
		}
	}()
	var segs []coding.Encoding
	sp := newSplit(text)
	v := coding.Version(coding.MinVersion)
	for ; ; v++ {
		if v > coding.MaxVersion {
			return nil, fmt.Errorf("%w: %d bytes", ErrTooLong, len(text))
		}
		segs = sp.segments(v)
		if segBits(segs, v) <= v.DataBytes(level)*8 {
			break
		}
	}
	l, err := layoutFor(v)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	code0, err := l.plan.Encode(segs...)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	n := l.n
	// raw: the data modules before masking (code0 has mask 0 applied).
	raw := make([]line, n)
	for y := range raw {
		row := code0.Bitmap[y*code0.Stride:]
		for i := 0; i < (n+7)/8; i++ {
			raw[y][i>>3] |= uint64(bits.Reverse8(row[i])) << (8 * (i & 7))
		}
		raw[y] = raw[y].xor(l.inv[0][y])
	}
	var best []line
	bestScore, bestMask := 0, 0
	try := make([]line, n)
	for m := 0; m < 8; m++ {
		for y := range try {
			try[y] = raw[y].xor(l.inv[m][y]).and(l.data[y]).or(l.fixed[m][y])
		}
		if s := penalty(try, n); best == nil || s < bestScore {
			bestScore, bestMask = s, m
			best, try = try, best
			if try == nil {
				try = make([]line, n)
			}
		}
	}
	c = &Code{text: text, version: int(v), size: n, mask: bestMask, dark: make([]bool, n*n)}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			c.dark[y*n+x] = best[y][x>>6]>>(x&63)&1 != 0
		}
	}
	return c, nil
}

// penalty scores a masked symbol by the four rules of ISO/IEC 18004:2015
// §7.8.3.1 (N1 = 3, N2 = 3, N3 = 40, N4 = 10): runs of five or more modules
// of one colour in a row or column, 2×2 blocks of one colour, the
// finder-like pattern 1:1:3:1:1 with four light modules on one side, and
// the departure of the proportion of dark modules from one half. It works
// on rows and columns packed 64 modules to a word.
func penalty(rows []line, n int) int {
	var cols [177]line
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			cols[x][y>>6] |= (rows[y][x>>6] >> (x & 63) & 1) << (y & 63)
		}
	}
	var all line // the n valid bits
	for i := 0; i < n; i++ {
		all[i>>6] |= 1 << (i & 63)
	}
	pair := all.shr1().and(all) // bits i with i+1 < n
	score, dark := 0, 0
	for i := 0; i < n; i++ {
		score += rows[i].lineScore(n) + cols[i].lineScore(n)
		dark += rows[i].count()
		if i+1 < n {
			a, b := rows[i], rows[i+1]
			same := a.xor(b).not().and(a.xor(a.shr1()).not()).and(b.xor(b.shr1()).not()).and(pair)
			score += 3 * same.count()
		}
	}
	k := dark*100/(n*n) - 50
	if k < 0 {
		k = -k
	}
	return score + k/5*10
}

// line is a row or column of modules, bit i for module i.
type line [3]uint64

// The finder-like patterns of rule 3, first module in the highest bit.
const (
	finder1 = 0b10111010000
	finder2 = 0b00001011101
)

func (l line) shr1() line {
	return line{l[0]>>1 | l[1]<<63, l[1]>>1 | l[2]<<63, l[2] >> 1}
}
func (l line) and(o line) line { return line{l[0] & o[0], l[1] & o[1], l[2] & o[2]} }
func (l line) xor(o line) line { return line{l[0] ^ o[0], l[1] ^ o[1], l[2] ^ o[2]} }
func (l line) or(o line) line  { return line{l[0] | o[0], l[1] | o[1], l[2] | o[2]} }
func (l line) not() line       { return line{^l[0], ^l[1], ^l[2]} }
func (l line) count() int {
	return bits.OnesCount64(l[0]) + bits.OnesCount64(l[1]) + bits.OnesCount64(l[2])
}

// lineScore is the score of rules 1 and 3 for one line of n modules.
func (l line) lineScore(n int) int {
	score := 0
	// Rule 1: a run of L ≥ 5 modules of one colour scores L - 2, which is
	// its L - 4 windows of five equal modules plus 2 for the run's first
	// window. Bit j of e5 is set when modules s+j .. s+j+4 are equal.
	const span5 = 64 - 4
	prev := uint64(0) // whether the last window of the previous span was equal
	for s := 0; s+5 <= n; s += span5 {
		w := l.window(s)
		eq := ^(w ^ w>>1) // bit j: module s+j equals module s+j+1
		e5 := eq & (eq >> 1) & (eq >> 2) & (eq >> 3)
		keep := uint64(1)<<min(span5, n-4-s) - 1
		e5 &= keep
		first := e5 &^ (e5<<1 | prev)
		score += bits.OnesCount64(e5) + 2*bits.OnesCount64(first)
		prev = e5 >> (span5 - 1) & 1
	}
	// Rule 3: dark-light-dark-dark-dark-light-dark with four light modules
	// after or before it, found 54 starting positions at a time in a
	// 64-module window: bit j of m is set when the 11 modules from s+j on
	// form the pattern.
	const span = 64 - 10
	for s := 0; s+11 <= n; s += span {
		w := l.window(s)
		m1, m2 := ^uint64(0), ^uint64(0)
		for k := 0; k < 11; k++ {
			bit := 10 - k // pattern bit of module s+j+k, first module in the highest bit
			sh := w >> k
			if finder1>>bit&1 == 1 {
				m1 &= sh
			} else {
				m1 &= ^sh
			}
			if finder2>>bit&1 == 1 {
				m2 &= sh
			} else {
				m2 &= ^sh
			}
		}
		valid := min(span, n-10-s) // starts s .. s+valid-1 fit in the line
		keep := uint64(1)<<valid - 1
		score += 40 * (bits.OnesCount64(m1&keep) + bits.OnesCount64(m2&keep))
	}
	return score
}

// window returns modules s to s+63 of l, module s in bit 0 (0 beyond the
// end).
func (l line) window(s int) uint64 {
	i, o := s>>6, uint(s&63)
	w := l[i] >> o
	if o != 0 && i+1 < len(l) {
		w |= l[i+1] << (64 - o)
	}
	return w
}

// Text returns the text the code encodes.
func (c *Code) Text() string { return c.text }

// Version returns the QR version, 1 to 40.
func (c *Code) Version() int { return c.version }

// Mask returns the data masking pattern, 0 to 7.
func (c *Code) Mask() int { return c.mask }

// Size returns the number of modules per side, without the quiet zone
// (17 + 4 × version).
func (c *Code) Size() int { return c.size }

// Dark reports whether the module in column x, row y (from the top left,
// without the quiet zone) is dark. Coordinates outside the code are light.
func (c *Code) Dark(x, y int) bool {
	if x < 0 || y < 0 || x >= c.size || y >= c.size {
		return false
	}
	return c.dark[y*c.size+x]
}

// Bitmap returns a fresh copy of the modules, bitmap[y][x] true for dark,
// without the quiet zone.
func (c *Code) Bitmap() [][]bool {
	out := make([][]bool, c.size)
	for y := range out {
		out[y] = append([]bool(nil), c.dark[y*c.size:(y+1)*c.size]...)
	}
	return out
}

// PNG returns the code as a black-on-white PNG image with a quiet zone of
// QuietZone modules on every side and scale pixels per module (1 to
// MaxScale). The image is 1-bit paletted and the bytes are deterministic.
func (c *Code) PNG(scale int) ([]byte, error) {
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("qr: scale %d outside 1..%d", scale, MaxScale)
	}
	side := (c.size + 2*QuietZone) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}})
	for y := 0; y < c.size; y++ {
		for x := 0; x < c.size; x++ {
			if !c.dark[y*c.size+x] {
				continue
			}
			x0, y0 := (x+QuietZone)*scale, (y+QuietZone)*scale
			for dy := 0; dy < scale; dy++ {
				row := img.Pix[(y0+dy)*img.Stride+x0:]
				for dx := 0; dx < scale; dx++ {
					row[dx] = 1
				}
			}
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("qr: encoding PNG: %w", err)
	}
	return b.Bytes(), nil
}
