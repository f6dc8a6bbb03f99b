package scan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/pdf/pdftest"
	"github.com/titlecert/titlecert/internal/testtool"
	"github.com/titlecert/titlecert/verify"
)

// qpdfPath returns the qpdf command. Without it the test is skipped,
// except in CI (CI=true), where a missing qpdf fails: the replacement
// below is what that standard tool does.
func qpdfPath(t *testing.T) string {
	t.Helper()
	return testtool.Need(t, "qpdf")
}

// qpdfAttach runs qpdf --add-attachment on doc: the file name (its /F
// and /UF), its content, and the extra options (--key=K, --replace).
func qpdfAttach(t *testing.T, doc []byte, name, content string, opts ...string) []byte {
	t.Helper()
	qpdf := qpdfPath(t)
	dir := t.TempDir()
	in, out, file := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf"), filepath.Join(dir, name)
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{in, out, "--add-attachment", file}, opts...)
	args = append(args, "--")
	cmd := exec.Command(qpdf, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		// qpdf exits 3 when it wrote the file with warnings.
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("qpdf %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// qpdfRemove removes the attachment with key from doc.
func qpdfRemove(t *testing.T, doc []byte, key string) []byte {
	t.Helper()
	return qpdfRun(t, doc, "--remove-attachment="+key)
}

// qpdfRun rewrites doc with qpdf and the options given.
func qpdfRun(t *testing.T, doc []byte, opts ...string) []byte {
	t.Helper()
	qpdf := qpdfPath(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(qpdf, append([]string{in, out}, opts...)...).CombinedOutput(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("qpdf %s: %v\n%s", strings.Join(opts, " "), err, b)
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every embedded file that holds a certificate counts, whatever its name:
// one that carries another certificate than the printed code gives
// pdf_mismatch. Edited with qpdf, a standard tool: --replace keeps the
// name-tree key (certificate.jws) and names the file after the new one.
func TestAttachmentsEditedWithQPDF(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	genuine := f.v.JWS
	tests := []struct {
		name   string
		doc    func() []byte
		status verify.Verdict
		reason verify.Reason
		source string
	}{
		{"replaced by another certificate, key kept", func() []byte {
			return qpdfAttach(t, f.pdf1, "2026000002.jws", f.jws2, "--key=certificate.jws", "--replace")
		}, verify.Invalid, verify.ReasonPDFMismatch, verify.SourcePDFAttachment},
		{"replaced by another certificate, renamed with --filename", func() []byte {
			return qpdfAttach(t, f.pdf1, "x.jws", f.jws2, "--key=certificate.jws", "--filename=证书.txt", "--replace")
		}, verify.Invalid, verify.ReasonPDFMismatch, verify.SourcePDFAttachment},
		{"a second attachment with another certificate", func() []byte {
			return qpdfAttach(t, f.pdf1, "copy.jws", f.jws2)
		}, verify.Invalid, verify.ReasonPDFMismatch, verify.SourcePDFAttachment},
		{"a second attachment with another certificate, CRLF", func() []byte {
			return qpdfAttach(t, f.pdf1, "copy.txt", f.jws2+"\r\n")
		}, verify.Invalid, verify.ReasonPDFMismatch, verify.SourcePDFAttachment},
		{"a second attachment with the same certificate", func() []byte {
			return qpdfAttach(t, f.pdf1, "copy.jws", genuine+"\n")
		}, verify.Valid, "", verify.SourcePDFAttachment},
		{"replaced by the same certificate with CRLF", func() []byte {
			return qpdfAttach(t, f.pdf1, "certificate.jws", genuine+"\r\n", "--replace")
		}, verify.Valid, "", verify.SourcePDFAttachment},
		{"the certificate under another name only", func() []byte {
			return qpdfAttach(t, qpdfRemove(t, f.pdf1, pdf.AttachmentName), "zhengshu.jws", genuine)
		}, verify.Valid, "", verify.SourcePDFAttachment},
		// Re-saved by a standard tool: object and cross-reference
		// streams, every stream compressed (the attachment too).
		{"re-saved with object streams, compressed", func() []byte {
			return qpdfRun(t, f.pdf1, "--object-streams=generate", "--compress-streams=y", "--recompress-flate")
		}, verify.Valid, "", verify.SourcePDFAttachment},
		{"re-saved with object streams, replaced", func() []byte {
			return qpdfRun(t, qpdfAttach(t, f.pdf1, "2026000002.jws", f.jws2, "--key=certificate.jws", "--replace"), "--object-streams=generate")
		}, verify.Invalid, verify.ReasonPDFMismatch, verify.SourcePDFAttachment},
		{"a letter attached beside it", func() []byte {
			return qpdfAttach(t, f.pdf1, "letter.txt", "请查收。Please find the certificate attached.")
		}, verify.Valid, "", verify.SourcePDFAttachment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := CheckPDF(tt.doc(), vo, po)
			if r.Status != tt.status || r.Reason != tt.reason || r.Source != tt.source {
				t.Fatalf("%s (%s, %s), want %s (%s, %s): %s", r.Status, r.Reason, r.Source, tt.status, tt.reason, tt.source, r.Detail)
			}
			if tt.status == verify.Valid && r.JWS != genuine {
				t.Errorf("verified %q", r.JWS)
			}
			for _, w := range r.Warnings {
				if strings.Contains(w, "could not be read") {
					t.Errorf("the printed code was not read: %s", w)
				}
			}
			if tt.reason == verify.ReasonPDFMismatch && (!strings.Contains(r.Detail, "2026000002") || r.StatusChecked) {
				t.Errorf("detail: %s", r.Detail)
			}
		})
	}
}

// Without a printed code, attachments that carry different certificates
// disagree with each other: pdf_mismatch; one certificate alone, with
// whitespace after it, verifies.
func TestAttachmentsWithoutCode(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	plain := func(files ...[2]string) []byte {
		p := pdftest.New()
		p.Obj("<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>")
		p.Obj("<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>")
		p.Obj("<< /Type /Page /Parent 2 0 R /Resources << >> >>")
		var names strings.Builder
		for i, fl := range files {
			names.WriteString("(" + fl[0] + ") " + strconv.Itoa(5+2*i) + " 0 R ")
		}
		p.Obj("<< /Names [%s] >>", names.String())
		for i, fl := range files {
			p.Obj("<< /Type /Filespec /F (%s) /EF << /F %d 0 R >> >>", fl[0], 6+2*i)
			p.Stream("/Type /EmbeddedFile", []byte(fl[1]))
		}
		return p.Bytes()
	}
	for _, ws := range []string{"\n", "\r\n", "  ", " \t\r\n\r\n"} {
		r := CheckPDF(plain([2]string{"certificate.jws", f.v.JWS + ws}), vo, po)
		if r.Status != verify.Valid || r.JWS != f.v.JWS || r.Source != verify.SourcePDFAttachment {
			t.Errorf("JWS followed by %q: %s (%s) %s", ws, r.Status, r.Reason, r.Detail)
		}
	}
	r := CheckPDF(plain([2]string{"certificate.jws", f.v.JWS}, [2]string{"b.jws", f.jws2}), vo, po)
	if r.Status != verify.Invalid || r.Reason != verify.ReasonPDFMismatch || !strings.Contains(r.Detail, "b.jws") {
		t.Errorf("two certificates: %s (%s) %s", r.Status, r.Reason, r.Detail)
	}
	r = CheckPDF(plain([2]string{"a.txt", f.jws2}, [2]string{"b.txt", f.jws2 + "\n"}), vo, po)
	if r.Status != verify.Valid || r.JWS != f.jws2 {
		t.Errorf("one certificate twice: %s (%s) %s", r.Status, r.Reason, r.Detail)
	}
	// An attachment named certificate.jws that is not one, and no code
	// on the page: no certificate can be read, unreadable (never
	// invalid, breakit F14).
	for _, junk := range []string{"<html>", f.v.JWS[:300], strings.Repeat("A", 9000), ""} {
		r = CheckPDF(plain([2]string{"certificate.jws", junk}), vo, po)
		if r.Status != verify.Unreadable || r.Reason != verify.ReasonMalformed || !strings.Contains(r.Detail, "the PDF's attachment cannot be read (certificate.jws ") {
			t.Errorf("%.20q: %s (%s) %s", junk, r.Status, r.Reason, r.Detail)
		}
	}
}

// A genuine certificate PDF whose attachment certificate.jws was damaged
// (cut by a mail gateway or an interrupted copy, replaced by junk, made
// too long): the attachment carries no certificate, so the printed code's
// verdict counts, from the code (pdf_qr, not original) with a warning
// that names the damage; never invalid (breakit F14).
func TestDamagedAttachment(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	for name, content := range map[string]string{
		"truncated":            f.v.JWS[:300],
		"truncated QR text":    "https://verify.example/C/" + f.v.JWS[:40],
		"junk":                 "hello",
		"too long":             strings.Repeat("A", 9000),
		"three parts, garbled": "a.b.c d",
		"binary":               "\x00\x01\xff",
	} {
		t.Run(name, func(t *testing.T) {
			doc := qpdfAttach(t, f.pdf1, "certificate.jws", content, "--key=certificate.jws", "--replace")
			r := CheckPDF(doc, vo, po)
			if r.Status != verify.Valid || r.Source != verify.SourcePDFQR || r.JWS != f.v.JWS {
				t.Fatalf("%s (%s, %s): %s", r.Status, r.Reason, r.Source, r.Detail)
			}
			if r.Original == nil || *r.Original {
				t.Errorf("original: %v", r.Original)
			}
			if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "the PDF's attachment certificate.jws is damaged (certificate.jws ") {
				t.Errorf("warnings: %q", r.Warnings)
			}
		})
	}
	// The printed code of another certificate than the holder's: its own
	// verdict, still from the code.
	doc := qpdfAttach(t, f.pdf2, "certificate.jws", "hello", "--key=certificate.jws", "--replace")
	if r := CheckPDF(doc, vo, po); r.Status != verify.Valid || r.JWS != f.jws2 || r.Source != verify.SourcePDFQR {
		t.Errorf("certificate 2: %s (%s, %s) %s", r.Status, r.Reason, r.Source, r.Detail)
	}
	// An untrusting verifier: the code's verdict (untrusted issuer), not
	// the attachment's damage.
	r := CheckPDF(doc, verify.Options{Now: checkTime}, po)
	if r.Status != verify.Invalid || r.Reason != verify.ReasonUntrustedIssuer || r.Source != verify.SourcePDFQR {
		t.Errorf("untrusted: %s (%s, %s) %s", r.Status, r.Reason, r.Source, r.Detail)
	}
}
