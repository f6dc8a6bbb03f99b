package pdf

import (
	"encoding/binary"
	"errors"
	"github.com/titlecert/titlecert/cert"
	"math/bits"
	"slices"
	"sort"
)

// Font subsetting.
//
// fpdf parses the whole TrueType font it is given in every document (about
// 20 ms for the 15 MB certificate font) before it cuts out the glyphs the
// page uses. The Renderer therefore parses the font once and hands fpdf,
// for each document, a small font that holds only the glyphs of the
// characters the document can draw: the page's fixed labels, every
// character below U+0100 the font has, and the characters of the
// document's own texts. The subset is a function of the Document alone, so
// rendering stays deterministic, and it keeps the glyph order, metrics and
// global tables of the full font, so the font fpdf embeds in the PDF, and
// with it the whole PDF, is byte for byte what fpdf makes from the full
// font (TestSubsetMatchesFullFont checks this).

// fontFile is a TrueType font parsed for subsetting. It is immutable.
type fontFile struct {
	ttf         []byte
	tables      map[string][]byte // table data by tag
	numGlyphs   int
	numHMetrics int
	loca        []uint32 // glyph g is glyf[loca[g]:loca[g+1]]
	gid         []uint16 // glyph of each BMP character, 0 for none
}

// copiedTables are kept as they are in the subset (when the font has them).
var copiedTables = []string{"OS/2", "cvt ", "fpgm", "gasp", "name", "post", "prep"}

func parseFontFile(ttf []byte, cov *coverage) (*fontFile, error) {
	bad := errors.New("pdf: font: malformed tables")
	u16 := func(b []byte, off int) (int, bool) {
		if off < 0 || off+2 > len(b) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(b[off:])), true
	}
	f := &fontFile{ttf: ttf, tables: map[string][]byte{}}
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
	if !ok1 || !ok2 || !ok3 || numHMetrics == 0 || numHMetrics > numGlyphs {
		return nil, bad
	}
	f.numGlyphs, f.numHMetrics = numGlyphs, numHMetrics
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
	// The character map, read the way fpdf reads it (coverage already did
	// the bounds checks): the first Unicode format-4 subtable.
	f.gid = make([]uint16, 0x10000)
	if err := f.readCmap(cov); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *fontFile) readCmap(cov *coverage) error {
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

// Composite glyph flags.
const (
	argsAreWords    = 0x0001
	haveScale       = 0x0008
	moreComponents  = 0x0020
	haveXYScale     = 0x0040
	haveTwoByTwo    = 0x0080
	maxGlyphNesting = 8
)

// glyph returns the outline data of glyph g.
func (f *fontFile) glyph(g int) []byte {
	return f.tables["glyf"][f.loca[g]:f.loca[g+1]]
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

// subset returns a TrueType font with the glyphs of the characters in
// chars (a set of BMP characters), glyph 0 and the components of composite
// glyphs, in the order of the full font, with the full font's metrics and
// global tables.
func (f *fontFile) subset(chars *coverage) []byte {
	keep := map[int]bool{0: true}
	var add func(g, depth int)
	add = func(g, depth int) {
		if g >= f.numGlyphs || depth > maxGlyphNesting {
			return
		}
		keep[g] = true
		components(f.glyph(g), func(_, c int) {
			if !keep[c] {
				add(c, depth+1)
			}
		})
	}
	var runes []int
	for w, bitsWord := range chars {
		for bitsWord != 0 {
			b := bits.TrailingZeros64(bitsWord)
			bitsWord &= bitsWord - 1
			c := w*64 + b
			if g := int(f.gid[c]); g != 0 {
				runes = append(runes, c)
				add(g, 0)
			}
		}
	}
	glyphs := make([]int, 0, len(keep))
	for g := range keep {
		glyphs = append(glyphs, g)
	}
	slices.Sort(glyphs)
	newID := make(map[int]int, len(glyphs))
	for i, g := range glyphs {
		newID[g] = i
	}
	be := binary.BigEndian
	// glyf, loca (long), hmtx (one long metric per glyph).
	var glyf []byte
	loca := make([]byte, 0, 4*(len(glyphs)+1))
	hmtx := make([]byte, 0, 4*len(glyphs))
	full := f.tables["hmtx"]
	for _, g := range glyphs {
		loca = be.AppendUint32(loca, uint32(len(glyf)))
		start := len(glyf)
		glyf = append(glyf, f.glyph(g)...)
		components(glyf[start:], func(off, c int) {
			be.PutUint16(glyf[start+off:], uint16(newID[c]))
		})
		if g < f.numHMetrics {
			hmtx = append(hmtx, full[4*g:4*g+4]...)
		} else {
			hmtx = append(hmtx, full[4*(f.numHMetrics-1):4*(f.numHMetrics-1)+2]...)
			lsb := 4*f.numHMetrics + 2*(g-f.numHMetrics)
			hmtx = append(hmtx, full[lsb:lsb+2]...)
		}
	}
	loca = be.AppendUint32(loca, uint32(len(glyf)))
	// cmap: one format-4 subtable (3, 1), one segment per character.
	segs := len(runes) + 1
	sub := make([]byte, 16+8*segs)
	be.PutUint16(sub[0:], 4)
	be.PutUint16(sub[2:], uint16(len(sub)))
	be.PutUint16(sub[6:], uint16(2*segs))
	sr := 1
	es := 0
	for sr*2 <= segs {
		sr *= 2
		es++
	}
	be.PutUint16(sub[8:], uint16(2*sr))
	be.PutUint16(sub[10:], uint16(es))
	be.PutUint16(sub[12:], uint16(2*segs-2*sr))
	ends, starts, deltas := sub[14:], sub[16+2*segs:], sub[16+4*segs:]
	for i, c := range runes {
		be.PutUint16(ends[2*i:], uint16(c))
		be.PutUint16(starts[2*i:], uint16(c))
		be.PutUint16(deltas[2*i:], uint16(newID[int(f.gid[c])]-c))
	}
	be.PutUint16(ends[2*len(runes):], 0xFFFF)
	be.PutUint16(starts[2*len(runes):], 0xFFFF)
	be.PutUint16(deltas[2*len(runes):], 1)
	cmap := append([]byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}, sub...)

	out := map[string][]byte{
		"glyf": glyf, "loca": loca, "hmtx": hmtx, "cmap": cmap,
		"head": slices.Clone(f.tables["head"]),
		"hhea": slices.Clone(f.tables["hhea"]),
		"maxp": slices.Clone(f.tables["maxp"]),
	}
	be.PutUint16(out["head"][50:], 1)
	be.PutUint16(out["hhea"][34:], uint16(len(glyphs)))
	be.PutUint16(out["maxp"][4:], uint16(len(glyphs)))
	for _, t := range copiedTables {
		if d, ok := f.tables[t]; ok {
			out[t] = d
		}
	}
	return assemble(out)
}

// assemble writes an sfnt file with the given tables, in tag order.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 12 + 16*len(tables)
	for t, d := range tables {
		tags = append(tags, t)
		size += (len(d) + 3) &^ 3
	}
	sort.Strings(tags)
	be := binary.BigEndian
	b := make([]byte, 12, size)
	be.PutUint32(b[0:], 0x00010000)
	be.PutUint16(b[4:], uint16(len(tags)))
	sr, es := 1, 0
	for sr*2 <= len(tags) {
		sr *= 2
		es++
	}
	be.PutUint16(b[6:], uint16(16*sr))
	be.PutUint16(b[8:], uint16(es))
	be.PutUint16(b[10:], uint16(16*len(tags)-16*sr))
	off := 12 + 16*len(tags)
	for _, t := range tags {
		d := tables[t]
		b = append(b, t...)
		b = be.AppendUint32(b, checksum(d))
		b = be.AppendUint32(b, uint32(off))
		b = be.AppendUint32(b, uint32(len(d)))
		off += (len(d) + 3) &^ 3
	}
	for _, t := range tags {
		b = append(b, tables[t]...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	return b
}

func checksum(d []byte) uint32 {
	var sum uint32
	for i := 0; i < len(d); i += 4 {
		var w [4]byte
		copy(w[:], d[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// fixedText is every text the page draws whatever the Document: labels,
// notes and the names of the routes. Printable ASCII is always in the
// subset, so only the other characters matter here.
var fixedText = []string{
	"专业技术职务任职资格证书",
	"本证书为电子证书，由发证机关数字签名，PDF 内附签名文件；请扫描二维码或凭验证码核验，以核验结果为准。",
	"证书编号", "签发日期", "发证机关", "验证码", "核验网址", "年月日（）",
	"姓名", "身份证号", "资格名称", "系列", "专业", "级别", "评审委员会", "评审日期", "文号", "评价方式",
	"适用地区", "限定在基层岗位使用", "工作单位", "扫码验证",
	cert.RouteRegular.Chinese(), cert.RouteGreenChannel.Chinese(), cert.RouteTargeted.Chinese(),
}

// baseChars returns the characters every subset has: those of fixedText,
// printable ASCII and every character below U+0100 the font has (fpdf
// writes the widths of all of those, used or not).
func baseChars(cov *coverage) *coverage {
	var c coverage
	for r := 1; r < 0x100; r++ {
		if cov.has(rune(r)) {
			c.add(r)
		}
	}
	for r := 0x20; r < 0x7f; r++ {
		c.add(r)
	}
	for _, s := range fixedText {
		for _, r := range s {
			if cov.has(r) {
				c.add(int(r))
			}
		}
	}
	return &c
}

// chars returns the characters a subset for d needs.
func (r *Renderer) chars(d Document) *coverage {
	c := *r.base
	cl := d.Claims
	for _, s := range []string{d.IssuerName, d.VerifyURL, d.VerificationCode, cl.Number, cl.HolderName,
		cl.HolderIDMask, cl.Series, cl.Specialty, cl.Level, cl.Title, cl.Committee, cl.ReviewDate,
		cl.ApprovalDoc, cl.Scope, cl.Employer} {
		for _, ch := range s {
			if r.cov.has(ch) {
				c.add(int(ch))
			}
		}
	}
	return &c
}
