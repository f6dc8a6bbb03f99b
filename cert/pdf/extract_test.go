package pdf_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"

	"github.com/titlecert/titlecert/cert/pdf"
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

// plainPDF returns a PDF made by fpdf with the given attachments.
func plainPDF(t *testing.T, aa ...fpdf.Attachment) []byte {
	t.Helper()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddPage()
	f.SetFont("Helvetica", "", 12)
	f.Text(20, 20, "not a certificate")
	f.SetAttachments(aa)
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
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
		{name: "other attachment", input: plainPDF(t, fpdf.Attachment{Content: []byte(jws), Filename: "other.txt"}), is: pdf.ErrNoCertificate},
		{name: "two certificates", input: plainPDF(t,
			fpdf.Attachment{Content: []byte(jws), Filename: pdf.AttachmentName},
			fpdf.Attachment{Content: []byte(fakeJWS(2)), Filename: pdf.AttachmentName}), is: pdf.ErrNoCertificate, want: "2 attachments"},
		{name: "not a JWS", input: plainPDF(t, fpdf.Attachment{Content: []byte("<html>"), Filename: pdf.AttachmentName}), want: "not a compact JWS"},
		{name: "empty JWS", input: plainPDF(t, fpdf.Attachment{Content: []byte{}, Filename: pdf.AttachmentName}), want: "empty"},
		{name: "JWS too long", input: plainPDF(t, fpdf.Attachment{Content: bytes.Repeat([]byte("A"), 9000), Filename: pdf.AttachmentName}), want: "longer than"},
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
	// not the page, is what a verifier trusts.
	in := plainPDF(t, fpdf.Attachment{Content: []byte(jws), Filename: pdf.AttachmentName})
	if got, err := pdf.ExtractJWS(bytes.NewReader(in), int64(len(in))); err != nil || got != jws {
		t.Errorf("plain PDF with an attachment: %q, %v", got, err)
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
