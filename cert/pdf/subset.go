package pdf

import (
	"encoding/binary"
	"errors"
	"math"
)

// Font subsetting.
//
// The Renderer parses the certificate font once. A PDF embeds two subsets
// of it, each a small TrueType font whose glyphs are renumbered: glyph 0 is
// .notdef, glyph i (1 ≤ i ≤ n) draws the i-th of the subset's n characters,
// and the components of composite glyphs follow. Two characters that share
// a glyph in the full font get a glyph each, so that every glyph of the
// subset stands for exactly one character in the ToUnicode map. The PDF
// uses the glyph numbers as CIDs (CIDToGIDMap /Identity).
//
// A subset has the tables a PDF reader needs to draw a CIDFontType2 font
// (ISO 32000-1, 9.9): head, hhea, maxp, hmtx, loca and glyf, and cvt,
// fpgm and prep when the font has them (the certificate font has none).
// It has no cmap: the PDF maps codes to glyphs.

// fontFile is a TrueType font parsed for subsetting. It is immutable.
type fontFile struct {
	tables      map[string][]byte // table data by tag
	hmtx, glyf  []byte
	numGlyphs   int
	numHMetrics int
	unitsPerEm  int
	loca        []uint32 // glyph g is glyf[loca[g]:loca[g+1]]
	gid         []uint16 // glyph of each BMP character, 0 for none
	psName      string   // PostScript name, for /BaseFont
}

// hintingTables are copied into a subset when the font has them.
var hintingTables = []string{"cvt ", "fpgm", "prep"}

// parseFontFile reads the tables of a TrueType font for subsetting. It
// leaves the character map to readCmap.
func parseFontFile(ttf []byte) (*fontFile, error) {
	bad := errors.New("pdf: font: malformed tables")
	u16 := func(b []byte, off int) (int, bool) {
		if off < 0 || off+2 > len(b) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(b[off:])), true
	}
	f := &fontFile{tables: map[string][]byte{}}
	n, _ := u16(ttf, 4)
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, bad
		}
		off := int(binary.BigEndian.Uint32(ttf[rec+8:]))
		size := int(binary.BigEndian.Uint32(ttf[rec+12:]))
		if off < 0 || size < 0 || off+size > len(ttf) {
			return nil, bad
		}
		f.tables[string(ttf[rec:rec+4])] = ttf[off : off+size]
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	locaFormat, ok1 := u16(head, 50)
	numHMetrics, ok2 := u16(hhea, 34)
	numGlyphs, ok3 := u16(maxp, 4)
	upem, ok4 := u16(head, 18)
	if !ok1 || !ok2 || !ok3 || !ok4 || len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 ||
		numHMetrics == 0 || numHMetrics > numGlyphs || upem < 16 {
		return nil, bad
	}
	f.numGlyphs, f.numHMetrics, f.unitsPerEm = numGlyphs, numHMetrics, upem
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	f.loca = make([]uint32, numGlyphs+1)
	for g := range f.loca {
		switch {
		case locaFormat == 0 && 2*g+2 <= len(loca):
			f.loca[g] = 2 * uint32(binary.BigEndian.Uint16(loca[2*g:]))
		case locaFormat == 1 && 4*g+4 <= len(loca):
			f.loca[g] = binary.BigEndian.Uint32(loca[4*g:])
		default:
			return nil, bad
		}
		if int(f.loca[g]) > len(glyf) || g > 0 && f.loca[g] < f.loca[g-1] {
			return nil, bad
		}
	}
	if len(f.tables["hmtx"]) < 4*numHMetrics+2*(numGlyphs-numHMetrics) {
		return nil, bad
	}
	f.hmtx, f.glyf = f.tables["hmtx"], glyf
	f.psName = postScriptName(f.tables["name"])
	return f, nil
}

// readCmap sets the glyph of each character in cov, from the first
// Unicode format-4 subtable of the character map, which parseCoverage has
// checked.
func (f *fontFile) readCmap(cov *coverage) error {
	f.gid = make([]uint16, 0x10000)
	cmap := f.tables["cmap"]
	be := binary.BigEndian
	nsub := int(be.Uint16(cmap[2:]))
	for i := 0; i < nsub; i++ {
		platform, encoding := be.Uint16(cmap[4+8*i:]), be.Uint16(cmap[6+8*i:])
		sub := cmap[be.Uint32(cmap[8+8*i:]):]
		if !(platform == 0 || platform == 3 && encoding == 1) || be.Uint16(sub) != 4 {
			continue
		}
		segX2 := int(be.Uint16(sub[6:]))
		ends, starts := sub[14:], sub[16+segX2:]
		deltas, ranges := sub[16+2*segX2:], sub[16+3*segX2:]
		for s := 0; s < segX2; s += 2 {
			end, start := int(be.Uint16(ends[s:])), int(be.Uint16(starts[s:]))
			delta, ro := int(be.Uint16(deltas[s:])), int(be.Uint16(ranges[s:]))
			for c := start; c <= end && c < 0xFFFF; c++ {
				if !cov.has(rune(c)) {
					continue
				}
				if ro == 0 {
					f.gid[c] = uint16(c + delta)
				} else {
					v := int(be.Uint16(ranges[s+ro+2*(c-start):]))
					f.gid[c] = uint16(v + delta)
				}
			}
		}
		return nil
	}
	return errors.New("pdf: font: no Unicode format-4 cmap")
}

// postScriptName returns the font's PostScript name (name ID 6), keeping
// only the characters a PDF name may hold unescaped, or "Font".
func postScriptName(name []byte) string {
	be := binary.BigEndian
	if len(name) < 6 {
		return "Font"
	}
	count, strings := int(be.Uint16(name[2:])), int(be.Uint16(name[4:]))
	for i := 0; i < count && 6+12*i+12 <= len(name); i++ {
		rec := name[6+12*i:]
		platform, id := be.Uint16(rec), be.Uint16(rec[6:])
		n, off := int(be.Uint16(rec[8:])), strings+int(be.Uint16(rec[10:]))
		if id != 6 || off+n > len(name) {
			continue
		}
		raw := name[off : off+n]
		var s []byte
		switch platform {
		case 1: // Macintosh, single bytes
			s = raw
		case 3: // Windows, UTF-16BE
			for j := 0; j+1 < len(raw); j += 2 {
				if raw[j] != 0 {
					s = nil
					break
				}
				s = append(s, raw[j+1])
			}
		default:
			continue
		}
		ok := len(s) > 0 && len(s) <= 63
		for _, c := range s {
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				ok = false
			}
		}
		if ok {
			return string(s)
		}
	}
	return "Font"
}

// advance returns the advance width of glyph g, in font units.
func (f *fontFile) advance(g int) int {
	g = min(g, f.numHMetrics-1)
	return int(binary.BigEndian.Uint16(f.hmtx[4*g:]))
}

// width returns the advance width of glyph g in thousandths of the font
// size: the unit of a PDF /W array, and the width layout measures with.
func (f *fontFile) width(g int) int {
	if f.unitsPerEm == 1000 {
		return f.advance(g)
	}
	return (f.advance(g)*1000 + f.unitsPerEm/2) / f.unitsPerEm
}

// lsb returns the hmtx left side bearing of glyph g.
func (f *fontFile) lsb(g int) []byte {
	if g < f.numHMetrics {
		return f.hmtx[4*g+2 : 4*g+4]
	}
	off := 4*f.numHMetrics + 2*(g-f.numHMetrics)
	return f.hmtx[off : off+2]
}

// scale returns v font units in thousandths of the font size.
func (f *fontFile) scale(v int) int {
	return int(math.Round(float64(v) * 1000 / float64(f.unitsPerEm)))
}

// Composite glyph flags.
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// glyph returns the outline data of glyph g.
func (f *fontFile) glyph(g int) []byte {
	return f.glyf[f.loca[g]:f.loca[g+1]]
}

// components calls fn with the offset and glyph of each component of a
// composite glyph; it does nothing for a simple glyph.
func components(data []byte, fn func(off, g int)) {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return
	}
	for off := 10; off+4 <= len(data); {
		flags := binary.BigEndian.Uint16(data[off:])
		fn(off+2, int(binary.BigEndian.Uint16(data[off+2:])))
		off += 4
		if flags&argsAreWords != 0 {
			off += 4
		} else {
			off += 2
		}
		switch {
		case flags&haveScale != 0:
			off += 2
		case flags&haveXYScale != 0:
			off += 4
		case flags&haveTwoByTwo != 0:
			off += 8
		}
		if flags&moreComponents == 0 {
			break
		}
	}
}

// subsetGlyphs returns the glyphs of a subset for runes, in the order of
// the subset: .notdef, the glyph of each rune, then the components of
// composite glyphs that are not there yet. runes must be characters the
// font has.
func (f *fontFile) subsetGlyphs(dst []int, runes []rune) []int {
	glyphs := append(dst[:0], 0)
	for _, c := range runes {
		glyphs = append(glyphs, int(f.gid[c]))
	}
	for i := 0; i < len(glyphs); i++ {
		components(f.glyph(glyphs[i]), func(_, c int) {
			if c < f.numGlyphs && index(glyphs, c) < 0 {
				glyphs = append(glyphs, c)
			}
		})
	}
	return glyphs
}

// index returns the first position of g in glyphs, or -1.
func index(glyphs []int, g int) int {
	for i, h := range glyphs {
		if h == g {
			return i
		}
	}
	return -1
}

// subsetTables lists the tables of a subset in tag order, as the table
// directory must list them.
var subsetTables = [...]string{"cvt ", "fpgm", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "prep"}

// appendSubset appends to dst a TrueType font holding glyphs (from
// subsetGlyphs), renumbered from 0 in that order, with composite glyphs'
// component numbers rewritten.
func (f *fontFile) appendSubset(dst []byte, glyphs []int) []byte {
	be := binary.BigEndian
	n := len(glyphs)
	glyfLen := 0
	for _, g := range glyphs {
		glyfLen += (int(f.loca[g+1]-f.loca[g]) + 1) &^ 1
	}
	short := glyfLen < 0x20000 // loca in words, each glyph padded to an even length
	locaLen := 4 * (n + 1)
	if short {
		locaLen = 2 * (n + 1)
	}
	size := func(tag string) int {
		switch tag {
		case "glyf":
			return glyfLen
		case "hmtx":
			return 4 * n
		case "loca":
			return locaLen
		}
		return len(f.tables[tag]) // 0 for a hinting table the font lacks
	}
	numTables := 0
	for _, t := range subsetTables {
		if size(t) > 0 {
			numTables++
		}
	}
	start := len(dst)
	dst = be.AppendUint32(dst, 0x00010000)
	dst = be.AppendUint16(dst, uint16(numTables))
	sr, es := 1, 0
	for sr*2 <= numTables {
		sr *= 2
		es++
	}
	dst = be.AppendUint16(dst, uint16(16*sr))
	dst = be.AppendUint16(dst, uint16(es))
	dst = be.AppendUint16(dst, uint16(16*numTables-16*sr))
	dir := len(dst)
	dst = append(dst, make([]byte, 16*numTables)...)
	head := 0
	for _, t := range subsetTables {
		sz := size(t)
		if sz == 0 {
			continue
		}
		off := len(dst)
		switch t {
		case "glyf":
			for _, g := range glyphs {
				gs := len(dst)
				dst = append(dst, f.glyph(g)...)
				components(dst[gs:], func(o, c int) {
					be.PutUint16(dst[gs+o:], uint16(max(0, index(glyphs, c))))
				})
				if (len(dst)-gs)%2 != 0 {
					dst = append(dst, 0)
				}
			}
		case "head":
			head = off
			dst = append(dst, f.tables[t]...)
			be.PutUint32(dst[off+8:], 0) // checkSumAdjustment, set below
			if short {
				be.PutUint16(dst[off+50:], 0)
			} else {
				be.PutUint16(dst[off+50:], 1)
			}
		case "hhea":
			dst = append(dst, f.tables[t]...)
			be.PutUint16(dst[off+34:], uint16(n))
		case "maxp":
			dst = append(dst, f.tables[t]...)
			be.PutUint16(dst[off+4:], uint16(n))
		case "hmtx":
			for _, g := range glyphs {
				dst = be.AppendUint16(dst, uint16(f.advance(g)))
				dst = append(dst, f.lsb(g)...)
			}
		case "loca":
			pos := 0
			for i := 0; i <= n; i++ {
				if short {
					dst = be.AppendUint16(dst, uint16(pos/2))
				} else {
					dst = be.AppendUint32(dst, uint32(pos))
				}
				if i < n {
					g := glyphs[i]
					pos += (int(f.loca[g+1]-f.loca[g]) + 1) &^ 1
				}
			}
		default:
			dst = append(dst, f.tables[t]...)
		}
		rec := dst[dir:]
		dir += 16
		copy(rec, t)
		be.PutUint32(rec[4:], checksum(dst[off:]))
		be.PutUint32(rec[8:], uint32(off-start))
		be.PutUint32(rec[12:], uint32(sz))
		for len(dst)%4 != 0 {
			dst = append(dst, 0)
		}
	}
	be.PutUint32(dst[head+8:], 0xB1B0AFBA-checksum(dst[start:]))
	return dst
}

// checksum is the TrueType table checksum of d: the sum of its big-endian
// 32-bit words, the last one padded with zeros.
func checksum(d []byte) uint32 {
	var sum uint32
	i := 0
	for ; i+4 <= len(d); i += 4 {
		sum += binary.BigEndian.Uint32(d[i:])
	}
	if i < len(d) {
		var w [4]byte
		copy(w[:], d[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
