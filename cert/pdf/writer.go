package pdf

import (
	"compress/zlib"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"
)

// PDF syntax (ISO 32000-1, 7.3 and 7.5): the few kinds of objects a
// certificate needs, appended to byte slices. Numbers are written with a
// fixed number of decimals and no trailing zeros, so that the output is a
// function of the values alone.

// pdfFile is a PDF being built in memory: its bytes and the offset of each
// object, for the cross-reference table.
type pdfFile struct {
	b    []byte
	offs [lastObj + 1]int // offs[n] is the offset of object n, 0 if not written
}

// begin starts object n.
func (f *pdfFile) begin(n int) {
	f.offs[n] = len(f.b)
	f.b = strconv.AppendInt(f.b, int64(n), 10)
	f.b = append(f.b, " 0 obj\n"...)
}

func (f *pdfFile) end() { f.b = append(f.b, "\nendobj\n"...) }

// stream starts object n, a stream of length bytes: it writes the start
// of the stream's dictionary, with /Length. The caller appends the other
// entries, each with a leading space, then calls endStream.
func (f *pdfFile) stream(n, length int) {
	f.begin(n)
	f.b = append(f.b, "<< /Length "...)
	f.b = strconv.AppendInt(f.b, int64(length), 10)
}

// endStream ends the dictionary and the object that f.stream started,
// with the stream's data.
func endStream[T string | []byte](f *pdfFile, data T) {
	f.b = append(f.b, " >>\nstream\n"...)
	f.b = append(f.b, data...)
	f.b = append(f.b, "\nendstream"...)
	f.end()
}

// finish writes the cross-reference table and the trailer for objects 1
// to last, which must all have been written.
func (f *pdfFile) finish(last int, id []byte) {
	xref := len(f.b)
	f.b = append(f.b, "xref\n0 "...)
	f.b = strconv.AppendInt(f.b, int64(last+1), 10)
	f.b = append(f.b, "\n0000000000 65535 f \n"...)
	for n := 1; n <= last; n++ {
		f.b = appendPadded(f.b, f.offs[n], 10)
		f.b = append(f.b, " 00000 n \n"...)
	}
	f.b = append(f.b, "trailer\n<< /Size "...)
	f.b = strconv.AppendInt(f.b, int64(last+1), 10)
	f.b = append(f.b, " /Root "...)
	f.b = appendRef(f.b, objCatalog)
	f.b = append(f.b, " /Info "...)
	f.b = appendRef(f.b, objInfo)
	f.b = append(f.b, " /ID [<"...)
	f.b = appendHex(f.b, id)
	f.b = append(f.b, "> <"...)
	f.b = appendHex(f.b, id)
	f.b = append(f.b, ">] >>\nstartxref\n"...)
	f.b = strconv.AppendInt(f.b, int64(xref), 10)
	f.b = append(f.b, "\n%%EOF\n"...)
}

// appendDate appends t as a PDF date string (ISO 32000-1, 7.9.4), in
// t's time zone, to the second.
func appendDate(b []byte, t time.Time) []byte {
	b = append(b, "(D:"...)
	b = t.AppendFormat(b, "20060102150405")
	_, off := t.Zone()
	switch {
	case off == 0:
		return append(b, "Z)"...)
	case off < 0:
		b = append(b, '-')
		off = -off
	default:
		b = append(b, '+')
	}
	b = appendPadded(b, off/3600, 2)
	b = append(b, '\'')
	b = appendPadded(b, off/60%60, 2)
	return append(b, "')"...)
}

// appendRef appends a reference to object n.
func appendRef(b []byte, n int) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, " 0 R"...)
}

// appendPadded appends the non-negative n in width digits, zero-padded.
func appendPadded(b []byte, n, width int) []byte {
	var d [20]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:width]...)
}

var pow10 = [...]float64{1, 10, 100, 1000}

// appendNum appends v rounded to prec decimals (at most 3), without
// trailing zeros.
func appendNum(b []byte, v float64, prec int) []byte {
	return appendScaled(b, int64(math.Round(v*pow10[prec])), prec)
}

// appendScaled appends n/10^prec, without trailing zeros.
func appendScaled(b []byte, n int64, prec int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	p := int64(pow10[prec])
	b = strconv.AppendInt(b, n/p, 10)
	frac := n % p
	if frac == 0 {
		return b
	}
	b = append(b, '.')
	for d := p / 10; frac != 0; d /= 10 {
		b = append(b, byte('0'+frac/d))
		frac %= d
	}
	return b
}

const hexDigits = "0123456789ABCDEF"

func appendHex(b, data []byte) []byte {
	for _, c := range data {
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	return b
}

// appendHex16 appends v as four hexadecimal digits.
func appendHex16(b []byte, v uint16) []byte {
	return append(b, hexDigits[v>>12], hexDigits[v>>8&15], hexDigits[v>>4&15], hexDigits[v&15])
}

// appendTextString appends s as a PDF text string: UTF-16BE with a byte
// order mark, as a hexadecimal string, which needs no escapes.
func appendTextString(b []byte, s string) []byte {
	b = append(b, "<FEFF"...)
	var pair [2]uint16
	for _, c := range s {
		for _, u := range utf16.AppendRune(pair[:0], c) {
			b = appendHex16(b, u)
		}
	}
	return append(b, '>')
}

// Compression levels, chosen by measurement (BenchmarkDeflate, on the
// sample certificate). The content stream (37 KB, mostly the QR code's
// rectangles) deflates to 8.9 KB at BestSpeed in 0.10 ms, 8.5 KB at level
// 2 in 0.22 ms, 7.0 KB at the default level in 1 ms. Glyph outlines hardly
// compress: the document's font (13 KB) gives 10.2 KB with Huffman coding
// alone in 0.05 ms, 10.0 KB at BestSpeed in 0.08 ms, 9.2 KB at the default
// level in 0.13 ms. The fixed font is compressed once, as well as zlib can.
const (
	contentLevel = zlib.BestSpeed
	fontLevel    = zlib.HuffmanOnly
	fixedLevel   = zlib.BestCompression
)

// compressors holds zlib writers for reuse, by level + 2: a new writer
// allocates about a megabyte of tables.
var compressors [zlib.BestCompression + 3]sync.Pool

type compressor struct {
	zw  *zlib.Writer
	out sliceWriter
}

type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// deflate appends data compressed with zlib at level to dst.
func deflate(dst, data []byte, level int) []byte {
	pool := &compressors[level+2]
	c, _ := pool.Get().(*compressor)
	if c == nil {
		c = new(compressor)
		var err error
		if c.zw, err = zlib.NewWriterLevel(&c.out, level); err != nil {
			panic(err) // a constant level
		}
	}
	c.out.b = dst
	c.zw.Reset(&c.out)
	c.zw.Write(data) // writes to a slice cannot fail
	c.zw.Close()
	dst = c.out.b
	c.out.b = nil
	pool.Put(c)
	return dst
}
