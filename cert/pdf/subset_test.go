package pdf

import (
	"bytes"
	"compress/zlib"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
)

func subsetTestDocument(name string, route cert.Route) Document {
	jws := "eyJhbGciOiJFZERTQSJ9." + strings.Repeat("Ab0_-", 90) + "." + strings.Repeat("Zz9", 28)
	c := &cert.Claims{
		Version: 1, Issuer: "fjhrss", Number: "2026000001",
		IssuedAt: time.Date(2026, 7, 1, 1, 30, 0, 0, time.UTC).Unix(), ID: "01J0000000000000000000000A",
		HolderName: name, HolderIDMask: "1101**********002X",
		HolderIDHash: &cert.IDHash{LogN: 15, Salt: "c2FsdHNhbHRzYWx0c2FsdA", Hash: "aGFzaGhhc2hoYXNoaGFzaA"},
		Series:       "工程技术", Specialty: "建筑工程", Level: "副高级", Title: "高级工程师",
		Committee:  "福建省工程技术人才职称评审委员会建筑工程专业高级评审委员会",
		ReviewDate: "2026-06-30", ApprovalDoc: "闽人社文〔2026〕12号", Route: route,
		Employer: "寿宁县住房和城乡建设局（Shouning County Housing Bureau）",
	}
	if route == cert.RouteTargeted {
		c.Scope = "福建省宁德市寿宁县"
	}
	return Document{Claims: c, JWS: jws, QRText: cert.QRText("https://verify.example.gov.cn", jws),
		VerificationCode: cert.VerificationCode(jws), VerifyURL: "https://verify.example.gov.cn/v",
		IssuerName: "福建省人力资源和社会保障厅"}
}

// TestSubsetMatchesFullFont checks the promise of subset.go: the PDF made
// with the document's font subset is byte for byte the PDF fpdf makes from
// the whole font, but for the name fpdf gives the font (a SHA-1 of its
// metrics, which for the subset cover fewer characters). In particular the
// embedded font program, the widths and every drawing operation are the
// same.
func TestSubsetMatchesFullFont(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	full := *r
	full.fullFont = true
	for _, tt := range []struct {
		name  string
		route cert.Route
	}{
		{"欧阳娜娜", cert.RouteTargeted},
		{"张三丰", cert.RouteRegular},
		{"阿卜杜热合曼·买买提", cert.RouteGreenChannel},
		{"Zoë Ñúñez-Øster", cert.RouteRegular},
	} {
		d := subsetTestDocument(tt.name, tt.route)
		var a, b bytes.Buffer
		if err := r.Render(&a, d); err != nil {
			t.Fatalf("%s: subset: %v", tt.name, err)
		}
		if err := full.Render(&b, d); err != nil {
			t.Fatalf("%s: full font: %v", tt.name, err)
		}
		na, nb := normalizeFontID(t, a.Bytes()), normalizeFontID(t, b.Bytes())
		if !bytes.Equal(na, nb) {
			t.Errorf("%s: the PDF made with the subset differs from the one made with the full font beyond the font's name", tt.name)
			if *dumpDir != "" {
				os.WriteFile(filepath.Join(*dumpDir, "subset.txt"), na, 0o644)
				os.WriteFile(filepath.Join(*dumpDir, "full.txt"), nb, 0o644)
			}
		}
	}
}

var dumpDir = flag.String("dump", "", "write the normalized PDFs that differ to this `folder`")

var (
	streamRE = regexp.MustCompile(`(?s)stream\n(.*?)endstream`)
	fontIDRE = regexp.MustCompile(`/F[0-9a-f]{40}`)
	lengthRE = regexp.MustCompile(`/Length [0-9]+`)
)

// normalizeFontID inflates the PDF's compressed streams and replaces the
// font names fpdf derives from the font's metrics by one placeholder, and
// drops what depends on the compressed size of the streams that hold them.
func normalizeFontID(t *testing.T, pdf []byte) []byte {
	t.Helper()
	out := streamRE.ReplaceAllFunc(pdf, func(m []byte) []byte {
		data := streamRE.FindSubmatch(m)[1]
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return m
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("inflating a stream: %v", err)
		}
		return append(append([]byte("stream\n"), plain...), "endstream"...)
	})
	out = fontIDRE.ReplaceAll(out, []byte("/FONT"))
	// The compressed length of the streams that name the font, and so the
	// offsets of the cross-reference table, depend on the name.
	out = lengthRE.ReplaceAll(out, []byte("/Length N"))
	if i := bytes.LastIndex(out, []byte("\nxref\n")); i >= 0 {
		out = out[:i]
	}
	return out
}
