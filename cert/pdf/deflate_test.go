package pdf

import (
	"compress/zlib"
	"fmt"
	"testing"

	"github.com/titlecert/titlecert/cert"
)

// BenchmarkDeflate compresses the streams of a sample certificate at each
// zlib level, reporting the compressed size: the measurement behind
// contentLevel and fontLevel.
func BenchmarkDeflate(b *testing.B) {
	r, err := NewRenderer()
	if err != nil {
		b.Fatal(err)
	}
	d := subsetTestDocument("欧阳娜娜", cert.RouteTargeted)
	s := new(scratch)
	if _, err := r.render(d, s); err != nil {
		b.Fatal(err)
	}
	glyphs := r.font.subsetGlyphs(nil, s.runes)
	streams := []struct {
		name string
		data []byte
	}{
		{"content", s.content},
		{"font", r.font.appendSubset(nil, glyphs)},
	}
	for _, st := range streams {
		for _, level := range []int{zlib.HuffmanOnly, zlib.NoCompression, zlib.BestSpeed, 2, 3, 4, zlib.DefaultCompression, zlib.BestCompression} {
			b.Run(fmt.Sprintf("%s/%d", st.name, level), func(b *testing.B) {
				var out []byte
				for b.Loop() {
					out = deflate(out[:0], st.data, level)
				}
				b.ReportMetric(float64(len(st.data)), "in")
				b.ReportMetric(float64(len(out)), "out")
			})
		}
	}
}
