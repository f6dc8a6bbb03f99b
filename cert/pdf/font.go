package pdf

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// fontTTF is LXGW WenKai Regular 1.250 (SIL OFL 1.1); see font/README.md.
//
//go:embed font/LXGWWenKai-Regular.ttf
var fontTTF []byte

// CharError reports a character the certificate font cannot draw: one
// above U+FFFF (the font's character map covers only the Basic
// Multilingual Plane) or one the font has no glyph for. Render returns it
// wrapped, naming the field.
type CharError struct {
	Rune rune
}

func (e *CharError) Error() string { return "pdf: " + e.text() }

func (e *CharError) text() string {
	q := strconv.Quote(string(e.Rune))
	return fmt.Sprintf("字符 %s (%U) 不在证书字体中 / the certificate font cannot draw %s (%U)", q, e.Rune, q, e.Rune)
}

// fieldError is a CharError in a named field of a Document.
type fieldError struct {
	field string
	err   *CharError
}

func (e *fieldError) Error() string { return "pdf: " + e.field + ": " + e.err.text() }
func (e *fieldError) Unwrap() error { return e.err }

// coverage is the set of BMP characters a font maps to a glyph through
// the first format-4 subtable of its cmap for Unicode (platform 0, or
// platform 3 encoding 1).
type coverage [0x10000 / 64]uint64

func (c *coverage) has(r rune) bool {
	return r >= 0 && r < 0x10000 && c[r/64]&(1<<(uint(r)%64)) != 0
}

func (c *coverage) add(r int) { c[r/64] |= 1 << (uint(r) % 64) }

// parseCoverage reads the character coverage of a TrueType font. It refuses
// fonts the subsetter cannot embed (no glyf table, e.g. CFF-flavoured
// OpenType, or a collection) and fonts without a Unicode format-4 cmap.
func parseCoverage(ttf []byte) (*coverage, error) {
	bad := func(format string, args ...any) (*coverage, error) {
		return nil, fmt.Errorf("pdf: font: "+format, args...)
	}
	u16 := func(off int) (int, bool) {
		if off < 0 || off+2 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(ttf[off:])), true
	}
	u32 := func(off int) (int, bool) {
		if off < 0 || off+4 > len(ttf) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(ttf[off:])), true
	}
	if len(ttf) < 12 {
		return bad("too short")
	}
	if tag := string(ttf[:4]); tag != "\x00\x01\x00\x00" && tag != "true" {
		return bad("not a TrueType font (sfnt version %q); the subsetter needs glyf outlines in a .ttf", tag)
	}
	numTables, _ := u16(4)
	tables := map[string][2]int{}
	for i := 0; i < numTables; i++ {
		rec := 12 + 16*i
		off, ok1 := u32(rec + 8)
		n, ok2 := u32(rec + 12)
		if !ok1 || !ok2 || off+n > len(ttf) || off+n < off {
			return bad("table directory out of bounds")
		}
		tables[string(ttf[rec:rec+4])] = [2]int{off, n}
	}
	for _, t := range []string{"glyf", "loca", "head", "hhea", "hmtx", "maxp", "cmap"} {
		if _, ok := tables[t]; !ok {
			return bad("no %q table", t)
		}
	}
	numGlyphs, _ := u16(tables["maxp"][0] + 4)

	cmap := tables["cmap"][0]
	nsub, ok := u16(cmap + 2)
	if !ok {
		return bad("cmap out of bounds")
	}
	sub := -1
	for i := 0; i < nsub; i++ {
		platform, ok1 := u16(cmap + 4 + 8*i)
		encoding, ok2 := u16(cmap + 6 + 8*i)
		off, ok3 := u32(cmap + 8 + 8*i)
		if !ok1 || !ok2 || !ok3 {
			return bad("cmap out of bounds")
		}
		if platform == 0 || platform == 3 && encoding == 1 {
			if f, ok := u16(cmap + off); ok && f == 4 {
				sub = cmap + off
				break
			}
		}
	}
	if sub < 0 {
		return bad("no Unicode format-4 cmap")
	}
	segX2, ok := u16(sub + 6)
	if !ok || segX2 == 0 || segX2%2 != 0 {
		return bad("bad format-4 cmap")
	}
	ends := sub + 14
	starts := ends + segX2 + 2
	deltas := starts + segX2
	ranges := deltas + segX2
	if ranges+segX2 > len(ttf) {
		return bad("format-4 cmap out of bounds")
	}
	var cov coverage
	for s := 0; s < segX2; s += 2 {
		end, _ := u16(ends + s)
		start, _ := u16(starts + s)
		delta, _ := u16(deltas + s)
		ro, _ := u16(ranges + s)
		for c := start; c <= end && c < 0xFFFF; c++ {
			g := 0
			if ro == 0 {
				g = (c + delta) & 0xFFFF
			} else {
				v, ok := u16(ranges + s + ro + 2*(c-start))
				if !ok {
					return bad("format-4 cmap glyph index out of bounds")
				}
				if v != 0 {
					g = (v + delta) & 0xFFFF
				}
			}
			if g != 0 && g < numGlyphs {
				cov.add(c)
			}
		}
	}
	return &cov, nil
}

// CheckText returns nil if every character of s can be drawn with the
// certificate font, and otherwise a *CharError naming the first one that
// cannot: a character above U+FFFF, one without a glyph in the font, or a
// control character. s must be valid UTF-8.
func (r *Renderer) CheckText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("pdf: text is not valid UTF-8")
	}
	for _, c := range s {
		if c < 0x20 || c >= 0x7f && c < 0xa0 || !r.cov.has(c) {
			return &CharError{Rune: c}
		}
	}
	return nil
}
