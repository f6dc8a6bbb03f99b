package pdf_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/pdf/pdftest"
)

func TestExtractJWS(t *testing.T) {
	d := testDocument(testClaims())
	out := render(t, newRenderer(t), d)
	got, err := pdf.ExtractJWS(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	if got != d.JWS {
		t.Errorf("ExtractJWS = %q\nwant        %q", got, d.JWS)
	}
}

// attachment is a file plainPDF attaches.
type attachment struct {
	name    string
	content []byte
}

// plainPDF returns a one-page PDF, not made by Render, with the given
// attachments.
func plainPDF(t testing.TB, aa ...attachment) []byte {
	t.Helper()
	f := pdftest.New()
	var names strings.Builder
	for i := range aa {
		fmt.Fprintf(&names, "(%03d) %d 0 R ", i, 6+2*i)
	}
	f.Obj("<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [%s] >> >> >>", names.String())
	f.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595.28 841.89] >>")
	f.Obj("<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>")
	f.Stream("", []byte("BT /F1 12 Tf 56 785 Td (not a certificate) Tj ET"))
	f.Obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	for i, a := range aa {
		f.Obj("<< /Type /Filespec /F (%s) /UF (%s) /EF << /F %d 0 R >> >>", a.name, a.name, 7+2*i)
		f.Stream("/Type /EmbeddedFile", a.content)
	}
	return f.Bytes()
}

func TestExtractJWSErrors(t *testing.T) {
	jws := fakeJWS(1)
	tests := []struct {
		name  string
		input []byte
		size  int64 // when not len(input)
		is    error
		want  string
	}{
		{name: "empty", input: nil, is: pdf.ErrNotPDF},
		{name: "not a PDF", input: []byte("PK\x03\x04 a zip file, or a JWS eyJhbGciOi..."), is: pdf.ErrNotPDF},
		{name: "PNG", input: []byte("\x89PNG\r\n\x1a\n0000000000"), is: pdf.ErrNotPDF},
		{name: "too large", input: []byte("%PDF-1.4"), size: pdf.MaxPDFSize + 1, is: pdf.ErrTooLarge},
		{name: "negative size", input: []byte("%PDF-1.4"), size: -1, want: "negative size"},
		{name: "header only", input: []byte("%PDF-1.4\n"), want: "malformed PDF"},
		{name: "no attachment", input: plainPDF(t), is: pdf.ErrNoCertificate},
		{name: "other attachment", input: plainPDF(t, attachment{"other.txt", []byte("a letter")}), is: pdf.ErrNoCertificate},
		{name: "two different certificates, other names", input: plainPDF(t,
			attachment{"a.jws", []byte(jws)},
			attachment{"b.txt", []byte(fakeJWS(2) + "\r\n")}), is: pdf.ErrNoCertificate, want: "different certificates"},
		{name: "two certificates", input: plainPDF(t,
			attachment{pdf.AttachmentName, []byte(jws)},
			attachment{pdf.AttachmentName, []byte(fakeJWS(2))}), is: pdf.ErrNoCertificate, want: "2 attachments"},
		{name: "not a JWS", input: plainPDF(t, attachment{pdf.AttachmentName, []byte("<html>")}), want: "not a compact JWS"},
		{name: "empty JWS", input: plainPDF(t, attachment{pdf.AttachmentName, []byte{}}), want: "empty"},
		{name: "JWS too long", input: plainPDF(t, attachment{pdf.AttachmentName, bytes.Repeat([]byte("A"), 9000)}), want: "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			size := int64(len(tt.input))
			if tt.size != 0 {
				size = tt.size
			}
			got, err := pdf.ExtractJWS(bytes.NewReader(tt.input), size)
			if err == nil {
				t.Fatalf("ExtractJWS = %q, want an error", got)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %q", err, tt.is)
			}
			if !strings.HasPrefix(err.Error(), "pdf: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
	// A plain PDF with a certificate attachment is accepted: the signature,
	// not the page, is what a verifier trusts. Whitespace around the JWS
	// (an editor's final newline) is not part of it; any name counts.
	for _, a := range []attachment{
		{pdf.AttachmentName, []byte(jws)},
		{pdf.AttachmentName, []byte(jws + "\r\n")},
		{pdf.AttachmentName, []byte("\n" + jws + " \t\n")},
		{"zhengshu.txt", []byte(jws + "\n")},
	} {
		in := plainPDF(t, a)
		if got, err := pdf.ExtractJWS(bytes.NewReader(in), int64(len(in))); err != nil || got != jws {
			t.Errorf("plain PDF with %s %q: %q, %v", a.name, a.content[len(a.content)-2:], got, err)
		}
	}
}

// TestExtractJWSTruncated feeds every truncation of a certificate PDF (at a
// coarse step) to ExtractJWS: it must never panic, and whatever it returns
// without an error must be the JWS.
func TestExtractJWSTruncated(t *testing.T) {
	d := testDocument(testClaims())
	out := render(t, newRenderer(t), d)
	step := len(out) / 60
	if testing.Short() {
		step = len(out) / 10
	}
	for n := 0; n < len(out); n += step {
		got, err := pdf.ExtractJWS(bytes.NewReader(out[:n]), int64(n))
		if err == nil && got != d.JWS {
			t.Fatalf("truncated to %d bytes: got %q without an error", n, got)
		}
	}
}

func FuzzExtractJWS(f *testing.F) {
	f.Add([]byte("%PDF-1.4\n%%EOF\n"))
	f.Add(render(f, newRenderer(f), testDocument(testClaims())))
	f.Add([]byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := pdf.ExtractJWS(bytes.NewReader(in), int64(len(in)))
		if err == nil && (got == "" || strings.ContainsAny(got, " \n=+/")) {
			t.Fatalf("ExtractJWS accepted %q", got)
		}
	})
}

// FuzzDoc reads whatever a Doc offers from arbitrary input: it must never
// panic, and what it decodes stays within its caps.
func FuzzDoc(f *testing.F) {
	f.Add(render(f, newRenderer(f), testDocument(testClaims())))
	f.Add(plainPDF(f, attachment{pdf.AttachmentName, []byte(fakeJWS(1) + "\r\n")}))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := pdf.Open(in)
		if err != nil {
			return
		}
		if aa, err := d.Attachments(); err == nil {
			for _, a := range aa {
				if len(a.Data) > cert.MaxJWSLen+1024 {
					t.Fatalf("attachment of %d bytes", len(a.Data))
				}
			}
		}
		d.Certificates()
		for n := 1; n <= min(d.PageCount(), 2); n++ {
			if c, err := d.PageContent(n); err == nil && len(c) > pdf.MaxContentSize+64 {
				t.Fatalf("content of %d bytes", len(c))
			}
			d.PageImages(n, 1<<20)
		}
	})
}
