package pdf

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"slices"
	"strconv"

	"github.com/titlecert/titlecert/cert"
)

// Fonts in the PDF.
//
// Each PDF has two subsets of the certificate font (subset.go), as
// Type0 fonts with a CIDFontType2 descendant and the Identity-H encoding,
// so that a string is a sequence of two-byte glyph numbers:
//
//   - /F1, the fixed font, holds the characters every page may draw: the
//     labels and notes, the names of the routes, printable ASCII and the
//     middle dot of transliterated names (阿卜杜·买买提). The Renderer
//     builds and compresses it once; each PDF copies its objects verbatim.
//   - /F2, the document's font, holds the characters of the document's
//     own texts (names, title, committee, ...) that /F1 lacks. It is left
//     out when there are none.
//
// The rest of Latin-1 is not in /F1: its 96 glyphs would add 6 KB (10 %)
// to every PDF, for characters few certificates draw.
//
// Text is drawn in runs, switching fonts where a string needs both.

// fixedText is every text the page draws whatever the Document: labels,
// notes and the names of the routes. Printable ASCII is always in the
// fixed font, so only the other characters matter here.
var fixedText = []string{
	"专业技术职务任职资格证书",
	"本证书为电子证书，由发证机关数字签名，PDF 内附签名文件；请扫描二维码或凭验证码核验，以核验结果为准。",
	"证书编号", "签发日期", "发证机关", "验证码", "核验网址", "年月日（）",
	"姓名", "身份证号", "资格名称", "系列", "专业", "级别", "评审委员会", "评审日期", "文号", "评价方式",
	"适用地区", "限定在基层岗位使用", "工作单位", "扫码验证",
	cert.RouteRegular.Chinese(), cert.RouteGreenChannel.Chinese(), cert.RouteTargeted.Chinese(),
}

// fixedRunes returns the characters of the fixed font, in order.
func fixedRunes(cov *coverage) []rune {
	var c coverage
	for r := 0x20; r < 0x7f; r++ {
		c.add(r)
	}
	c.add('·')
	for _, s := range fixedText {
		for _, r := range s {
			c.add(int(r))
		}
	}
	for i := range c {
		c[i] &= cov[i] // what the font has
	}
	var runes []rune
	for r := rune(0); r < 0x10000; r++ {
		if c.has(r) {
			runes = append(runes, r)
		}
	}
	return runes
}

// Font resource names.
const (
	fixedFont = 1 // /F1
	docFont   = 2 // /F2
)

// fontMetrics is the constant part of a font descriptor: the entries
// after /FontName.
func fontMetrics(f *fontFile) string {
	be := binary.BigEndian
	i16 := func(b []byte, off int) int {
		if off+2 > len(b) {
			return 0
		}
		return int(int16(be.Uint16(b[off:])))
	}
	head, hhea, os2, post := f.tables["head"], f.tables["hhea"], f.tables["OS/2"], f.tables["post"]
	ascent, descent := i16(hhea, 4), i16(hhea, 6)
	capHeight := ascent
	weight := 400
	if len(os2) >= 90 && be.Uint16(os2) >= 2 {
		capHeight = i16(os2, 88)
	}
	if len(os2) >= 6 {
		weight = int(be.Uint16(os2[4:]))
	}
	italic := 0.0
	flags := 4 // symbolic: the glyphs are not the standard Latin set
	if len(post) >= 16 {
		italic = float64(int32(be.Uint32(post[4:]))) / 65536
		if be.Uint32(post[12:]) != 0 {
			flags |= 1 // fixed pitch
		}
	}
	if italic != 0 {
		flags |= 64
	}
	var b []byte
	b = append(b, " /Flags "...)
	b = strconv.AppendInt(b, int64(flags), 10)
	b = append(b, " /FontBBox ["...)
	for i, off := range []int{36, 38, 40, 42} {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(f.scale(i16(head, off))), 10)
	}
	b = append(b, "] /ItalicAngle "...)
	b = appendNum(b, italic, 2)
	b = append(b, " /Ascent "...)
	b = strconv.AppendInt(b, int64(f.scale(ascent)), 10)
	b = append(b, " /Descent "...)
	b = strconv.AppendInt(b, int64(f.scale(descent)), 10)
	b = append(b, " /CapHeight "...)
	b = strconv.AppendInt(b, int64(f.scale(capHeight)), 10)
	b = append(b, " /StemV "...)
	stemV := 50 + int(math.Pow(float64(weight)/65, 2)) // the usual estimate from the weight
	b = strconv.AppendInt(b, int64(stemV), 10)
	return string(b)
}

// subsetTag returns the tag of a subset of the characters runes (ISO
// 32000-1, 9.6.4): six capital letters derived from them.
func subsetTag(runes []rune) [6]byte {
	h := sha256.New()
	var b [4]byte
	for _, r := range runes {
		binary.BigEndian.PutUint32(b[:], uint32(r))
		h.Write(b[:])
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	var tag [6]byte
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return tag
}

// fontScratch holds the buffers writeFont uses.
type fontScratch struct {
	glyphs []int
	ttf    []byte
	cmap   []byte
	packed []byte
}

// writeFont writes the five objects of a subset of the characters runes
// (sorted, each drawn by glyph i+1), numbered from first: the Type0 font,
// its CIDFontType2 descendant, the font descriptor, the font program and
// the ToUnicode map. The streams are compressed at level.
func (r *Renderer) writeFont(pf *pdfFile, first int, runes []rune, level int, s *fontScratch) {
	f := r.font
	tag := subsetTag(runes)
	name := func(b []byte) []byte {
		b = append(b, '/')
		b = append(b, tag[:]...)
		b = append(b, '+')
		return append(b, f.psName...)
	}

	pf.begin(first)
	pf.b = append(pf.b, "<< /Type /Font /Subtype /Type0 /BaseFont "...)
	pf.b = name(pf.b)
	pf.b = append(pf.b, " /Encoding /Identity-H /DescendantFonts ["...)
	pf.b = appendRef(pf.b, first+1)
	pf.b = append(pf.b, "] /ToUnicode "...)
	pf.b = appendRef(pf.b, first+4)
	pf.b = append(pf.b, " >>"...)
	pf.end()

	pf.begin(first + 1)
	pf.b = append(pf.b, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont "...)
	pf.b = name(pf.b)
	pf.b = append(pf.b, " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor "...)
	pf.b = appendRef(pf.b, first+2)
	pf.b = append(pf.b, " /CIDToGIDMap /Identity /DW 1000 /W ["...)
	pf.b = r.appendWidths(pf.b, runes)
	pf.b = append(pf.b, "] >>"...)
	pf.end()

	pf.begin(first + 2)
	pf.b = append(pf.b, "<< /Type /FontDescriptor /FontName "...)
	pf.b = name(pf.b)
	pf.b = append(pf.b, r.metrics...)
	pf.b = append(pf.b, " /FontFile2 "...)
	pf.b = appendRef(pf.b, first+3)
	pf.b = append(pf.b, " >>"...)
	pf.end()

	s.glyphs = f.subsetGlyphs(s.glyphs, runes)
	s.ttf = f.appendSubset(s.ttf[:0], s.glyphs)
	s.packed = deflate(s.packed[:0], s.ttf, level)
	pf.stream(first+3, len(s.packed))
	pf.b = append(pf.b, " /Length1 "...)
	pf.b = strconv.AppendInt(pf.b, int64(len(s.ttf)), 10)
	pf.b = append(pf.b, " /Filter /FlateDecode"...)
	endStream(pf, s.packed)

	s.cmap = appendToUnicode(s.cmap[:0], runes)
	s.packed = deflate(s.packed[:0], s.cmap, level)
	pf.stream(first+4, len(s.packed))
	pf.b = append(pf.b, " /Filter /FlateDecode"...)
	endStream(pf, s.packed)
}

// appendWidths appends the entries of a /W array for runes, drawn by CIDs
// from 1: those whose width is not the default 1000, in runs of
// consecutive CIDs.
func (r *Renderer) appendWidths(b []byte, runes []rune) []byte {
	open := false
	for i, c := range runes {
		w := r.width(c)
		if w == 1000 {
			if open {
				b = append(b, ']')
				open = false
			}
			continue
		}
		if !open {
			if b[len(b)-1] != '[' {
				b = append(b, ' ')
			}
			b = strconv.AppendInt(b, int64(i+1), 10)
			b = append(b, " ["...)
			open = true
		} else {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(w), 10)
	}
	if open {
		b = append(b, ']')
	}
	return b
}

// appendToUnicode appends a ToUnicode CMap (ISO 32000-1, 9.10.3) mapping
// CID i+1 to runes[i].
func appendToUnicode(b []byte, runes []rune) []byte {
	b = append(b, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"+
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"+
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"...)
	// Ranges of consecutive CIDs for consecutive characters, within one
	// block of 256 on both sides, as bfrange requires.
	type span struct{ cid, n int }
	var ranges, chars []span
	for i := 0; i < len(runes); {
		n := 1
		for i+n < len(runes) && runes[i+n] == runes[i]+rune(n) && (i+n+1)&0xFF != 0 && runes[i+n]&0xFF != 0 {
			n++
		}
		if n > 1 {
			ranges = append(ranges, span{i + 1, n})
		} else {
			chars = append(chars, span{i + 1, 1})
		}
		i += n
	}
	for len(ranges) > 0 {
		block := ranges[:min(100, len(ranges))]
		ranges = ranges[len(block):]
		b = strconv.AppendInt(b, int64(len(block)), 10)
		b = append(b, " beginbfrange\n"...)
		for _, s := range block {
			b = append(b, '<')
			b = appendHex16(b, uint16(s.cid))
			b = append(b, "> <"...)
			b = appendHex16(b, uint16(s.cid+s.n-1))
			b = append(b, "> <"...)
			b = appendHex16(b, uint16(runes[s.cid-1]))
			b = append(b, ">\n"...)
		}
		b = append(b, "endbfrange\n"...)
	}
	for len(chars) > 0 {
		block := chars[:min(100, len(chars))]
		chars = chars[len(block):]
		b = strconv.AppendInt(b, int64(len(block)), 10)
		b = append(b, " beginbfchar\n"...)
		for _, s := range block {
			b = append(b, '<')
			b = appendHex16(b, uint16(s.cid))
			b = append(b, "> <"...)
			b = appendHex16(b, uint16(runes[s.cid-1]))
			b = append(b, ">\n"...)
		}
		b = append(b, "endbfchar\n"...)
	}
	return append(b, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"...)
}

// docRunes returns the characters of d's texts that the fixed font lacks,
// sorted, appended to dst[:0]. d has passed check, so the font has them
// all.
func (r *Renderer) docRunes(dst []rune, d Document) []rune {
	dst = dst[:0]
	c := d.Claims
	for _, s := range [...]string{d.IssuerName, d.VerifyURL, d.VerificationCode, c.Number, c.HolderName,
		c.HolderIDMask, c.Series, c.Specialty, c.Level, c.Title, c.Committee, c.ReviewDate,
		c.ApprovalDoc, c.Scope, c.Employer} {
		for _, ch := range s {
			if !r.inFixed(ch) {
				dst = append(dst, ch)
			}
		}
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}
