package pdf_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/pdf/pdftest"
)

func certsOf(t *testing.T, data []byte) []pdf.Certificate {
	t.Helper()
	d, err := pdf.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := d.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	return certs
}

// Every embedded file a reader can open counts (breakit F7, F8), in the
// qpdf-made field files: base.pdf is a genuine certificate (2026000002);
// the others add certificate 2026000003 in a FileAttachment annotation,
// in the catalog's /AF, as QR text, after a UTF-8 BOM, in UTF-16.
func TestCertificatesEveryAttachmentBreakit(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c3 := strings.TrimSpace(string(read("breakit-c3.jws")))
	base := certsOf(t, read("breakit-base.pdf"))
	if len(base) != 1 || base[0].JWS == c3 {
		t.Fatalf("base.pdf: %d certificates", len(base))
	}
	for _, name := range []string{"a-annot", "a-af", "a-qrtext", "a-bom", "a-u16"} {
		t.Run(name, func(t *testing.T) {
			certs := certsOf(t, read("breakit-"+name+".pdf"))
			if len(certs) != 2 || !(certs[0].JWS == base[0].JWS && certs[1].JWS == c3 || certs[1].JWS == base[0].JWS && certs[0].JWS == c3) {
				t.Fatalf("%d certificates: %+v", len(certs), certs)
			}
		})
	}
}

// Hand-built variants: a page's /AF, a direct file specification in an
// annotation, an annotation that is not a FileAttachment (ignored), the
// same specification reached twice (counted once), UTF-16 big-endian.
func TestCertificatesAnnotationsAndAssociatedFiles(t *testing.T) {
	jws := "eyJhbGciOiJFZERTQSJ9.eyJuIjoiMSJ9.c2lnbmF0dXJl"
	be := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(jws + "\r\n")) {
		be = append(be, byte(u>>8), byte(u))
	}
	build := func(page, catalog string, embedded []byte) []byte {
		f := pdftest.New()
		f.Obj("<< /Type /Catalog /Pages 2 0 R %s >>", catalog)
		f.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
		f.Obj("<< /Type /Page /Parent 2 0 R %s >>", page)
		f.Stream("/Type /EmbeddedFile", embedded)                                // 4
		f.Obj("<< /Type /Filespec /F (x.jws) /UF (x.jws) /EF << /F 4 0 R >> >>") // 5
		return f.Bytes()
	}
	tests := []struct {
		name, page, catalog string
		data                []byte
		want                int
	}{
		{"page /AF", "/AF [5 0 R]", "", []byte(jws), 1},
		{"annotation, direct file specification", "/Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS << /Type /Filespec /F (y) /EF << /F 4 0 R >> >> >>]", "", []byte(jws), 1},
		{"link annotation: not an attachment", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /FS 5 0 R >>]", "", []byte(jws), 0},
		{"name tree, /AF and annotation: once", "/AF [5 0 R] /Annots [<< /Subtype /FileAttachment /Rect [0 0 1 1] /FS 5 0 R >>]", "/AF [5 0 R] /Names << /EmbeddedFiles << /Names [(x.jws) 5 0 R] >> >>", []byte(jws), 1},
		{"UTF-16BE in an annotation", "/Annots [<< /Subtype /FileAttachment /Rect [0 0 1 1] /FS 5 0 R >>]", "", be, 1},
		{"BOM and QR text in /AF", "", "/AF [5 0 R]", []byte("\xEF\xBB\xBF" + cert.QRFormCurrent.Text("https://verify.example.cn", jws) + "\n"), 1},
		{"QR text that is not a certificate's: ignored", "", "/AF [5 0 R]", []byte("https://verify.example.cn/C/0\n"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs := certsOf(t, build(tt.page, tt.catalog, tt.data))
			if len(certs) != tt.want {
				t.Fatalf("%d certificates, want %d: %+v", len(certs), tt.want, certs)
			}
			if tt.want == 1 && certs[0].JWS != jws {
				t.Errorf("JWS %q", certs[0].JWS)
			}
		})
	}
}

// An over-long certificate.jws is too much data however it is compressed
// (LZW as Flate), not a malformed certificate.
func TestCertificatesOverLongIsTooMuchData(t *testing.T) {
	f := pdftest.New()
	f.Obj("<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(certificate.jws) 5 0 R] >> >> >>")
	f.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
	f.Obj("<< /Type /Page /Parent 2 0 R >>")
	f.Stream("/Type /EmbeddedFile /Filter /ASCIIHexDecode", []byte(strings.Repeat("41", 20000)+">"))
	f.Obj("<< /Type /Filespec /F (certificate.jws) /EF << /F 4 0 R >> >>")
	d, err := pdf.Open(f.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Certificates(); !errors.Is(err, pdf.ErrTooMuchData) {
		t.Errorf("Certificates: %v, want ErrTooMuchData", err)
	}
}
