// Package pdf renders a title certificate as a one-page A4 PDF, in Chinese
// with English labels, and reads the signed certificate back out of such a
// PDF.
//
// The PDF shows the claims, the verification code, the verification URL and
// the certificate's QR code (drawn as vector rectangles), and carries the
// compact JWS as the file attachment "certificate.jws", so that the PDF
// alone is enough to verify the certificate offline.
//
// Rendering is deterministic: the same Document always gives byte-identical
// output (dates come from the claims, never from the clock), so a
// certificate can be re-rendered and compared. Text is drawn with the
// embedded LXGW WenKai font (SIL OFL 1.1, see font/README.md), subset into
// each document (embed.go); Renderer.CheckText tells in advance whether a
// string can be drawn. The package writes the PDF itself (PDF 1.7, see
// writer.go and page.go): a page needs a few kinds of objects only, and a
// general-purpose PDF library cost more than ten times as much per page.
//
// The files, by concern: pdf.go (Renderer, Render and its checks),
// issued.go (Issued: the one way an issued certificate becomes its PDF),
// layout.go (page geometry, rows and their fitting), linebreak.go (where
// lines may break), draw.go (what the page shows), page.go (drawing calls
// to a content stream), file.go (the objects of the file), writer.go (PDF
// syntax), embed.go, font.go and subset.go (the font), read.go and
// extract.go (reading a PDF back).
//
// Security notes: nothing printed on the page is trusted by a verifier.
// Only the signature of the attached or scanned JWS is; ExtractJWS and Doc
// return what a PDF holds as untrusted input for the verifier. Reading
// (Open, read.go) refuses inputs over MaxPDFSize and decompression bombs
// before parsing, decodes every stream itself with an output cap, at most
// once, within a budget per file (pdfcpu's own decoding ignores its
// configured limits), and never touches the file system. Render shows the
// masked ID number only: a Claims value never holds the full one.
package pdf

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
)

// AttachmentName is the file name of the JWS attached to a certificate PDF.
const AttachmentName = "certificate.jws"

// Document is what Render draws.
type Document struct {
	Claims           *cert.Claims
	JWS              string // compact JWS, embedded as the attachment "certificate.jws"
	QRText           string // what the QR code encodes (cert.QRText)
	VerificationCode string // cert.VerificationCode(JWS)
	VerifyURL        string // human-readable URL printed under the QR, e.g. https://verify.example.gov.cn/v
	IssuerName       string // e.g. 福建省人力资源和社会保障厅
	// QR is the QR code of QRText when the caller has encoded it already
	// (qr.Encode); Render encodes QRText when it is nil.
	QR *qr.Code
}

// Renderer draws certificates. It holds the font, parsed once, and the
// part of every PDF that does not depend on the Document; it is safe for
// concurrent use.
type Renderer struct {
	font     *fontFile
	cov      *coverage // what the font can draw
	fixed    []rune    // the characters of the fixed font; CID i+1 draws fixed[i]
	fixedCID []uint16  // the CID of each BMP character in the fixed font, 0 for none
	metrics  string    // the font descriptor's entries after /FontName

	// head is the start of every PDF: the header and the objects of the
	// fixed font, at offsets fixedOffs; headSum is its SHA-256.
	head      []byte
	fixedOffs [5]int
	headSum   [sha256.Size]byte
}

// header starts every PDF; the comment marks the file as binary.
const header = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"

// NewRenderer returns a Renderer using the embedded certificate font.
func NewRenderer() (*Renderer, error) {
	cov, err := parseCoverage(fontTTF)
	if err != nil {
		return nil, err
	}
	ff, err := parseFontFile(fontTTF)
	if err != nil {
		return nil, err
	}
	if err := ff.readCmap(cov); err != nil {
		return nil, err
	}
	r := &Renderer{font: ff, cov: cov, metrics: fontMetrics(ff), fixedCID: make([]uint16, 0x10000)}
	r.fixed = fixedRunes(cov)
	for i, c := range r.fixed {
		r.fixedCID[c] = uint16(i + 1)
	}
	pf := &pdfFile{b: []byte(header)}
	r.writeFont(pf, objFixedFont, r.fixed, fixedLevel, &fontScratch{})
	r.head = pf.b
	copy(r.fixedOffs[:], pf.offs[objFixedFont:])
	r.headSum = sha256.Sum256(r.head)
	return r, nil
}

// width returns the advance width of c in thousandths of the font size.
func (r *Renderer) width(c rune) int {
	if c >= 0x10000 {
		return 0
	}
	return r.font.width(int(r.font.gid[c]))
}

// inFixed reports whether the fixed font has c.
func (r *Renderer) inFixed(c rune) bool { return c < 0x10000 && r.fixedCID[c] != 0 }

// Limits on the Document fields that are not claims.
const (
	maxIssuerNameLen = cert.MaxIssuerNameLen
	maxVerifyURLLen  = 256
)

// scratch holds the buffers of one rendering, reused through scratchPool.
type scratch struct {
	pdf     pdfFile
	page    page
	content []byte
	packed  []byte
	runes   []rune
	font    fontScratch
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Render writes d as a one-page A4 PDF to w. It writes nothing if it fails.
//
// It refuses a Document whose claims do not validate (cert.Claims.Validate),
// whose VerificationCode is not cert.VerificationCode(JWS), whose QRText
// does not carry JWS, or that has a string the font cannot draw (the error
// wraps a *CharError and names the field). It also fails, rather than
// shrink the text below legibility, if the texts do not fit on the page.
func (r *Renderer) Render(w io.Writer, d Document) (err error) {
	if err := r.check(d); err != nil {
		return err
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	out, err := r.renderSafe(d, s)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// renderSafe is render, turning a panic (a bug) into an error.
func (r *Renderer) renderSafe(d Document, s *scratch) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("pdf: rendering failed: %v", p)
		}
	}()
	return r.render(d, s)
}

// check validates d before anything is drawn.
func (r *Renderer) check(d Document) error {
	c := d.Claims
	if c == nil {
		return errors.New("pdf: document has no claims")
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	if d.JWS == "" || len(d.JWS) > cert.MaxJWSLen {
		return fmt.Errorf("pdf: JWS is empty or longer than %d bytes", cert.MaxJWSLen)
	}
	if d.VerificationCode != cert.VerificationCode(d.JWS) {
		return errors.New("pdf: verification code does not match the JWS")
	}
	if got, err := cert.ParseQRText(d.QRText); err != nil || got != d.JWS {
		return errors.New("pdf: QR text does not carry the JWS")
	}
	if d.QR != nil && d.QR.Text() != d.QRText {
		return errors.New("pdf: the QR code does not encode the QR text")
	}
	if strings.TrimSpace(d.IssuerName) == "" {
		return errors.New("pdf: issuer name is missing")
	}
	if err := cert.CheckText(d.IssuerName, maxIssuerNameLen); err != nil {
		return fmt.Errorf("pdf: issuer name %w", err)
	}
	if err := cert.CheckText(d.VerifyURL, maxVerifyURLLen); err != nil {
		return fmt.Errorf("pdf: verify URL %w", err)
	}
	fields := []struct{ name, value string }{
		{"issuer name", d.IssuerName},
		{"verify URL", d.VerifyURL},
		{"verification code", d.VerificationCode},
		{"holder name", c.HolderName},
		{"ID number", c.HolderIDMask},
		{"series", c.Series},
		{"specialty", c.Specialty},
		{"level", c.Level},
		{"title", c.Title},
		{"committee", c.Committee},
		{"review date", c.ReviewDate},
		{"approval document", c.ApprovalDoc},
		{"scope", c.Scope},
		{"employer", c.Employer},
		{"number", c.Number},
	}
	for _, f := range fields {
		if err := r.CheckText(f.value); err != nil {
			var ce *CharError
			if errors.As(err, &ce) {
				return &fieldError{field: f.name, err: ce}
			}
			return fmt.Errorf("pdf: %s: %w", f.name, err)
		}
	}
	return nil
}
