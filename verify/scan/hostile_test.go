package scan

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert/pdf/pdftest"
	"github.com/titlecert/titlecert/verify"
)

// maxPDFAlloc is the most that checking one hostile PDF may allocate in
// all (runtime.MemStats.TotalAlloc, not only what stays live): the
// field case inflated to 500 MiB and made a server grow by 1.6 GB.
const maxPDFAlloc = 64 << 20

// allocated runs fn and returns the bytes it allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// onePage is a PDF with one page whose content is the streams contents
// (references such as "4 0 R"), whose resources are res, and whose
// objects from 4 on are added by more.
func onePage(contents, res string, more func(f *pdftest.File)) []byte {
	f := pdftest.New()
	f.Obj("<< /Type /Catalog /Pages 2 0 R >>")
	f.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
	f.Obj("<< /Type /Page /Parent 2 0 R /Resources << %s >> /Contents %s >>", res, contents)
	more(f)
	return f.Bytes()
}

// Decompression bombs in every stream a verifier decodes are refused as
// unreadable (too_large), in bounded memory, however often they are
// referred to and however their filters are chained.
func TestPDFBombs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts under the race detector are not the program's")
	}
	f := newFixture(t)
	vo, po := f.opts()
	field, err := os.ReadFile("testdata/pdf-page-content-bomb.pdf")
	if err != nil {
		t.Fatal(err)
	}
	const huge = 160 << 20 // above every limit
	bomb := pdftest.Bomb(t, huge, 1)
	nested := pdftest.Bomb(t, huge, 3)
	// Below the limit of the check before parsing (48 MiB a stream), above
	// that of one page's content (8 MiB) and of one file (64 MiB) when
	// decoded eight times.
	mid := pdftest.Bomb(t, 40<<20, 1)
	refs := func(ref string, n int) string { return "[" + strings.Repeat(ref+" ", n) + "]" }
	image := func(data []byte, w, h int, filters string) func(f *pdftest.File) {
		return func(f *pdftest.File) {
			f.Stream("", []byte("q 100 0 0 100 100 600 cm /Im1 Do Q"))
			f.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter %s", w, h, filters), data)
		}
	}
	attached := func(data []byte, filters string) []byte {
		p := pdftest.New()
		p.Obj("<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>")
		p.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
		p.Obj("<< /Type /Page /Parent 2 0 R /Resources << >> >>")
		p.Obj("<< /Names [(certificate.jws) 5 0 R (other.jws) 7 0 R] >>")
		p.Obj("<< /Type /Filespec /F (certificate.jws) /UF (certificate.jws) /EF << /F 6 0 R >> >>")
		p.Stream("/Type /EmbeddedFile /Filter "+filters, data)
		p.Obj("<< /Type /Filespec /F (other.jws) /EF << /F 6 0 R >> >>")
		return p.Bytes()
	}
	// A cross-reference stream, which pdfcpu decodes itself while
	// parsing with its 512 MiB default, appended as an update.
	xrefStream := func(data []byte, filters string) []byte {
		doc := onePage("4 0 R", "", func(f *pdftest.File) { f.Stream("", []byte("0 g")) })
		off := len(doc)
		doc = fmt.Appendf(doc, "5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Filter %s /Length %d >>\nstream\n", filters, len(data))
		doc = append(doc, data...)
		return fmt.Appendf(doc, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", off)
	}
	tests := []struct {
		name   string
		doc    []byte
		reason verify.Reason
	}{
		{"cross-reference stream", xrefStream(bomb, "/FlateDecode"), verify.ReasonTooLarge},
		{"cross-reference stream, LZW", xrefStream([]byte("\x80\x0b\x60\x50"), "/LZWDecode"), verify.ReasonMalformed},
		{"the field case", field, verify.ReasonTooLarge},
		{"page content referred to eight times", onePage(refs("4 0 R", 8), "", func(f *pdftest.File) {
			f.Stream("/Filter /FlateDecode", bomb)
		}), verify.ReasonTooLarge},
		{"nested filter chain", onePage("4 0 R", "", func(f *pdftest.File) {
			f.Stream("/Filter [/FlateDecode /FlateDecode /FlateDecode]", nested)
		}), verify.ReasonTooLarge},
		{"nested chain with escaped names", onePage("4 0 R", "", func(f *pdftest.File) {
			f.Stream("/Filter [/Fl#61teDecode /FlateDecode /FlateDecode]", nested)
		}), verify.ReasonTooLarge},
		{"40 MiB content referred to eight times", onePage(refs("4 0 R", 8), "", func(f *pdftest.File) {
			f.Stream("/Filter /FlateDecode", mid)
		}), verify.ReasonTooLarge},
		{"two 40 MiB streams and a third", onePage("[4 0 R 5 0 R 6 0 R]", "", func(f *pdftest.File) {
			f.Stream("/Filter /FlateDecode", mid)
			f.Stream("/Filter /FlateDecode", mid)
			f.Stream("/Filter /FlateDecode", mid)
		}), verify.ReasonTooLarge},
		{"image XObject", onePage("4 0 R", "/XObject << /Im1 5 0 R >>", image(bomb, 20000, 20000, "/FlateDecode")), verify.ReasonTooLarge},
		{"image XObject in a nested chain", onePage("4 0 R", "/XObject << /Im1 5 0 R >>", image(nested, 20000, 20000, "[/FlateDecode /FlateDecode /FlateDecode]")), verify.ReasonTooLarge},
		// Within the limits before parsing, more data than its 100×100
		// pixels: the image is not decoded past its size; no code.
		{"image with more data than pixels", onePage("4 0 R", "/XObject << /Im1 5 0 R >>", image(mid, 100, 100, "/FlateDecode")), verify.ReasonNoCertificateFound},
		{"attachment", attached(bomb, "/FlateDecode"), verify.ReasonTooLarge},
		{"attachment in a nested chain", attached(nested, "[/FlateDecode /FlateDecode /FlateDecode]"), verify.ReasonTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r verify.Result
			n := allocated(func() { r = CheckPDF(tt.doc, vo, po) })
			if r.Status != verify.Unreadable || r.Reason != tt.reason || r.Certificate != nil {
				t.Errorf("%+v, want unreadable (%s)", r, tt.reason)
			}
			if tt.reason == verify.ReasonMalformed && !strings.Contains(r.Detail, "cross-reference or object stream with filters LZWDecode") {
				t.Errorf("detail %q does not say why", r.Detail)
			}
			if tt.reason == verify.ReasonTooLarge && !strings.Contains(r.Detail, "expands beyond the limits") {
				t.Errorf("detail %q does not say why", r.Detail)
			}
			if n > maxPDFAlloc {
				t.Errorf("allocated %d MiB, at most %d allowed", n>>20, maxPDFAlloc>>20)
			}
			t.Logf("%s: %d KiB allocated; %s", tt.name, n>>10, r.Detail)
		})
	}
}
