package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/verify"
)

// Issuer is what a certificate's PDF shows that its signed data does not
// hold, as the issuer configured it (titlecert init: config.json).
type Issuer struct {
	Name      string // printed as 发证机关 and in the PDF's metadata, e.g. 福建省人力资源和社会保障厅
	BaseURL   string // the issuer's base URL as configured (the QR text writes it in its form, cert.QRForm)
	VerifyURL string // the address printed under the QR code; BaseURL + "/v" when empty
}

// PDFOptions configure CheckPDF.
type PDFOptions struct {
	// Renderer renders certificates for the comparison with the issued
	// file; pdf.NewRenderer() when nil (share one: it parses the font).
	Renderer *pdf.Renderer
	// Issuers maps issuer ids (the certificate's iss) to their
	// configuration. A certificate of an issuer not listed is compared
	// with the file its signed data renders to under the issuer name and
	// addresses the PDF itself shows, which Result.Warnings then names.
	Issuers map[string]Issuer
}

// maxPages bounds the pages searched for a QR code (a scanned PDF may
// have several).
const maxPages = 4

// CheckPDF verifies a certificate PDF of at most pdf.MaxPDFSize bytes: its
// attachment certificate.jws and the QR code printed on its page, drawn
// as vector rectangles by titlecert or, in a scanned or re-saved PDF, as
// an image. It never fails: a file that cannot be read is an Invalid
// result.
//
// Result.Source is verify.SourcePDFAttachment when the attachment was
// verified, verify.SourcePDFQR when only the printed code was (a PDF
// without attachment: a scan, a print to PDF). When both are present and
// carry different certificates, the verdict is Invalid with reason
// verify.ReasonPDFMismatch, whatever the signatures say.
//
// When the attachment's signature verifies, the file is compared with
// the one the certificate renders to (rendering is deterministic, see
// package cert/pdf) in either QR text form (cert.QRForm: a certificate
// renders in the form it was issued with): Result.Original is true when
// the file is byte-identical to one of them.
// Otherwise a warning says that the visible content may have been
// altered and that only the signed data counts. Neither changes the
// verdict, which rests on the signature alone.
func CheckPDF(data []byte, vo verify.Options, po PDFOptions) verify.Result {
	now := time.Now
	if vo.Now != nil {
		now = vo.Now
	}
	fail := func(reason verify.Reason, source, detail string) verify.Result {
		return verify.Result{Status: verify.Invalid, Reason: reason, Detail: detail, Source: source, CheckedAt: now().UTC().Truncate(time.Second)}
	}
	if len(data) > pdf.MaxPDFSize {
		return fail(verify.ReasonTooLarge, verify.SourcePDFAttachment, fmt.Sprintf("a certificate PDF has at most %d bytes (%d MiB)", pdf.MaxPDFSize, pdf.MaxPDFSize>>20))
	}
	jws, errA := pdf.ExtractJWS(bytes.NewReader(data), int64(len(data)))
	if errA != nil && !errors.Is(errA, pdf.ErrNoCertificate) {
		return fail(verify.ReasonMalformed, verify.SourcePDFAttachment, errA.Error())
	}
	ctx, err := readPDF(data)
	if err != nil {
		return fail(verify.ReasonMalformed, verify.SourcePDFAttachment, err.Error())
	}
	page := &printed{ctx: ctx}

	if errA != nil { // no attachment: the printed code is all there is
		text, err := page.qrText()
		if err != nil {
			return fail(verify.ReasonMalformed, verify.SourcePDFQR, "the PDF has no attachment "+pdf.AttachmentName+" and no readable QR code on its page")
		}
		r := verify.Check(text, vo)
		r.Source = verify.SourcePDFQR
		f := false
		r.Original = &f
		r.Warnings = append(r.Warnings, "the PDF has no attachment "+pdf.AttachmentName+", so it is not the file the issuer made (perhaps a scan or a print to PDF): the QR code printed on its page was verified")
		return r
	}

	r := verify.CheckJWS(jws, verify.SourcePDFAttachment, vo)
	text, errQ := page.qrText()
	if errQ == nil {
		if got, err := cert.ParseQRText(text); err != nil || got != strings.TrimSpace(jws) {
			r.Status, r.Reason = verify.Invalid, verify.ReasonPDFMismatch
			r.Detail = "the QR code printed on the page carries another certificate than the PDF's attachment " + pdf.AttachmentName + ": the file was altered"
			if err == nil {
				other := verify.CheckJWS(got, verify.SourcePDFQR, vo)
				if other.Certificate != nil && r.Certificate != nil {
					r.Detail += fmt.Sprintf(" (the code: certificate %s of %s; the attachment: certificate %s of %s)",
						other.Certificate.Number, other.Certificate.HolderName, r.Certificate.Number, r.Certificate.HolderName)
				}
			}
			r.StatusChecked, r.StatusList, r.RevokedAt, r.SuspendedAt = false, nil, nil, nil
			return r
		}
	}
	if r.Certificate == nil {
		return r // not signed by a trusted key: nothing to compare with
	}
	orig, warning := original(data, jws, r.Certificate, ctx, text, po)
	r.Original = &orig
	if warning != "" {
		r.Warnings = append(r.Warnings, warning)
	}
	if errQ != nil && !orig {
		r.Warnings = append(r.Warnings, "the QR code printed on the page could not be read: only the attachment "+pdf.AttachmentName+" was verified")
	}
	return r
}

// original compares data with the file the certificate renders to and
// returns a warning for people when that says something they should know.
func original(data []byte, jws string, c *cert.Claims, ctx *model.Context, qrText string, po PDFOptions) (bool, string) {
	const altered = "this PDF is not the file the certificate renders to: its visible content may have been altered (or it was re-saved, or made by another version of titlecert); only the signed data shown by the verifier counts"
	rnd := po.Renderer
	if rnd == nil {
		var err error
		if rnd, err = pdf.NewRenderer(); err != nil {
			return false, altered
		}
	}
	// A certificate renders in the QR text form it was issued with
	// (cert.QRForm): the file is the original if it is the rendering in
	// either form. The form of the printed code, when it could be read,
	// is tried first; each rendering costs about 0.3 ms.
	forms := []cert.QRForm{cert.QRFormCurrent, cert.QRFormUpper}
	_, printedBase, errQ := cert.SplitQRText(qrText)
	if errQ == nil && qrFormOf(printedBase) == cert.QRFormUpper {
		forms[0], forms[1] = forms[1], forms[0]
	}
	render := func(is Issuer, form cert.QRForm) bool {
		if is.VerifyURL == "" {
			is.VerifyURL = strings.TrimRight(is.BaseURL, "/") + "/v"
		}
		var buf bytes.Buffer
		// as cert/batch.Render, which the tests check
		err := rnd.Render(&buf, pdf.Document{Claims: c, JWS: jws, QRText: form.Text(is.BaseURL, jws),
			VerificationCode: cert.VerificationCode(jws), VerifyURL: form.URL(is.VerifyURL), IssuerName: is.Name})
		return err == nil && bytes.Equal(buf.Bytes(), data)
	}
	if is, ok := po.Issuers[c.Issuer]; ok {
		for _, form := range forms {
			if render(is, form) {
				return true, ""
			}
		}
		return false, altered
	}
	// From the file itself: the issuer name from its metadata (Author),
	// the base URL from its QR code (in the form the code is written
	// in), the verification address from that.
	if errQ != nil || printedBase == "" || ctx.Author == "" {
		return false, altered
	}
	form := qrFormOf(printedBase)
	base := printedBase
	if form == cert.QRFormUpper {
		base = strings.ToLower(base) // as configured, most likely; the legacy form printed it so under the code
	}
	is := Issuer{Name: ctx.Author, BaseURL: base}
	if !render(is, form) {
		return false, altered
	}
	return true, fmt.Sprintf("the issuer name (%s) and the addresses (%s, %s/v) printed on this PDF are not part of the signed data: check that they are the issuer's %s; the rest of the page is exactly what the signed data renders to",
		is.Name, base, base, c.Issuer)
}

// qrFormOf tells the QR text form from the base URL a QR code carries:
// the legacy form has no lower-case ASCII letter.
func qrFormOf(printedBase string) cert.QRForm {
	for i := 0; i < len(printedBase); i++ {
		if c := printedBase[i]; 'a' <= c && c <= 'z' {
			return cert.QRFormLower
		}
	}
	return cert.QRFormUpper
}

// printed reads the QR code printed on a PDF's pages.
type printed struct {
	ctx  *model.Context
	done bool
	text string
	err  error
}

func (p *printed) qrText() (string, error) {
	if !p.done {
		p.text, p.err = readPrintedQR(p.ctx)
		p.done = true
	}
	return p.text, p.err
}

// readPDF parses a PDF with resource limits, without touching the file
// system.
func readPDF(data []byte) (ctx *model.Context, err error) {
	defer func() {
		if p := recover(); p != nil {
			ctx, err = nil, fmt.Errorf("scan: malformed PDF: %v", p)
		}
	}()
	ctx, err = api.ReadAndValidate(bytes.NewReader(data), pdf.ReadConfig(model.EXTRACTIMAGES, MaxImagePixels))
	if err != nil {
		return nil, fmt.Errorf("scan: malformed PDF: %w", err)
	}
	return ctx, nil
}

// readPrintedQR finds the QR code on the first pages: drawn as rectangles,
// else in an image.
func readPrintedQR(ctx *model.Context) (text string, err error) {
	defer func() {
		if p := recover(); p != nil {
			text, err = "", fmt.Errorf("scan: malformed PDF: %v", p)
		}
	}()
	pages := min(ctx.PageCount, maxPages)
	for n := 1; n <= pages; n++ {
		rd, err := pdfcpu.ExtractPageContent(ctx, n)
		if err != nil {
			continue
		}
		content, err := io.ReadAll(io.LimitReader(rd, pdf.MaxPDFSize*4))
		if err != nil {
			continue
		}
		if g := rasterize(darkRects(content)); g != nil {
			if text, err := decodeQR(g); err == nil {
				return text, nil
			}
		}
	}
	// Images: a scan, or a page whose code was replaced by a picture.
	if err := api.OptimizeContext(ctx); err != nil {
		return "", ErrNoQRCode
	}
	for n := 1; n <= pages; n++ {
		imgs, _ := pdfcpu.ExtractPageImages(ctx, n, false)
		for _, im := range imgs {
			if im.Reader == nil || (im.FileType != "png" && im.FileType != "jpg") {
				continue
			}
			if text, err := DecodeImage(im.Reader, -1); err == nil {
				return text, nil
			}
		}
	}
	return "", ErrNoQRCode
}
