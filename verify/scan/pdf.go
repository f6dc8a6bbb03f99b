package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/verify"
)

// PDFOptions configure CheckPDF.
type PDFOptions struct {
	// Renderer renders certificates for the comparison with the issued
	// file (the original-file check, Result.Original). When nil there is
	// no such check and Result.Original stays nil: a program that only
	// verifies signatures does not link the certificate font (about
	// 15 MB). Share one renderer (pdf.NewRenderer): it parses the font.
	Renderer *pdf.Renderer
	// Issuers are the configurations of the issuers whose certificates
	// are compared (what a PDF shows that its signed data does not hold:
	// the issuer's name and addresses), matched on cert.Issuer.ID, the
	// certificate's iss. A certificate of an issuer not listed is
	// compared with the file its signed data renders to under the issuer
	// name and addresses the PDF itself shows, which Result.Warnings then
	// names.
	Issuers []cert.Issuer
}

// maxPages bounds the pages searched for a QR code (a scanned PDF may
// have several).
const maxPages = 4

// CheckPDF verifies a certificate PDF of at most pdf.MaxPDFSize bytes: the
// certificates its embedded files hold (certificate.jws, or any other
// name: see pdf.Doc.Certificates) and the QR code printed on its page,
// drawn as vector rectangles by titlecert or, in a scanned or re-saved
// PDF, as an image. It never fails: a file from which no certificate can
// be read (it cannot be parsed, it exceeds a limit, or it has neither a
// certificate attachment nor a readable code) is a verify.Unreadable
// result, with reason verify.ReasonMalformed, verify.ReasonTooLarge or
// verify.ReasonNoCertificateFound.
//
// Result.Source is verify.SourcePDFAttachment when an attachment was
// verified, verify.SourcePDFQR when only the printed code was (a PDF
// without attachment: a scan, a print to PDF). When an attachment
// carries another certificate than the printed code, or two attachments
// carry different certificates, the verdict is Invalid with reason
// verify.ReasonPDFMismatch, whatever the signatures say. An attachment
// named pdf.AttachmentName that is not a certificate (damaged, junk, too
// long) carries none: the printed code is verified as without attachment,
// with a warning naming the damage, and without a readable code the file
// is Unreadable (never Invalid for the damage alone).
//
// When the attachment's signature verifies and po.Renderer is set, the
// file is compared with the one the certificate renders to
// (pdf.Renderer.RenderIssued, as issued: rendering is deterministic) in
// either QR text form (cert.QRForm: a certificate renders in the form it
// was issued with): Result.Original is true when the file is
// byte-identical to one of them. Otherwise a warning says that the visible
// content may have been altered and that only the signed data counts.
// Neither changes the verdict, which rests on the signature alone. With no
// renderer there is no comparison and Result.Original is nil.
//
// Memory: every stream decoded is capped, and the file as a whole (see
// package cert/pdf, read.go); a decompression bomb is refused before it
// is parsed. Time: each image object is decoded and searched at most
// once, however many pages and names refer to it, and at most
// MaxPDFImagePixels pixels of images are searched in all; a file whose
// code is not found within that is Unreadable with verify.ReasonTooLarge
// (or, with an attachment, verified from the attachment alone).
func CheckPDF(data []byte, vo verify.Options, po PDFOptions) verify.Result {
	return CheckPDFContext(context.Background(), data, vo, po)
}

// CheckPDFContext is CheckPDF with the image search stopped when ctx is
// done (the server passes the request's context): the printed code then
// counts as unreadable. ctx also bounds the status look-up (vo.Status).
func CheckPDFContext(ctx context.Context, data []byte, vo verify.Options, po PDFOptions) verify.Result {
	return checkPDF(newWork(ctx, MaxPDFImagePixels), data, vo, po)
}

func checkPDF(w *work, data []byte, vo verify.Options, po PDFOptions) verify.Result {
	ctx := w.ctx
	now := time.Now
	if vo.Now != nil {
		now = vo.Now
	}
	unreadable := func(reason verify.Reason, source, detail string) verify.Result {
		return verify.Result{Status: verify.Unreadable, Reason: reason, Detail: detail, Source: source, CheckedAt: now().UTC().Truncate(time.Second)}
	}
	if len(data) > pdf.MaxPDFSize {
		return unreadable(verify.ReasonTooLarge, verify.SourcePDFAttachment, fmt.Sprintf("a certificate PDF has at most %d bytes (%d MiB)", pdf.MaxPDFSize, pdf.MaxPDFSize>>20))
	}
	doc, err := pdf.Open(data)
	if err != nil {
		reason := verify.ReasonMalformed
		if errors.Is(err, pdf.ErrTooMuchData) || errors.Is(err, pdf.ErrTooLarge) {
			reason = verify.ReasonTooLarge
		}
		return unreadable(reason, verify.SourcePDFAttachment, "the PDF cannot be read: "+pdf.Detail(err))
	}
	certs, errA := doc.Certificates()
	page := &printed{doc: doc, w: w}
	if errA != nil {
		// An attachment named certificate.jws that is not one (damaged by
		// a mail gateway or a cut copy, replaced by junk, or longer than
		// any certificate): it carries no certificate, so nothing in the
		// file contradicts the printed code, which is verified as for a
		// PDF without attachment. Without a readable code the file is
		// unreadable, never invalid: no certificate could be read.
		return damagedAttachment(page, errA, vo, unreadable)
	}
	if len(certs) == 0 { // no attachment: the printed code is all there is
		text, err := page.qrText()
		if err != nil {
			detail := "the PDF has no attachment " + pdf.AttachmentName + " and no readable QR code on its page: verify the original PDF the issuer made, or scan the QR code printed on the paper certificate"
			if errors.Is(err, pdf.ErrTooMuchData) || errors.Is(err, errPixelBudget) || errors.Is(err, ErrGaveUp) {
				msg := Detail(err) // this package's limits
				if errors.Is(err, pdf.ErrTooMuchData) {
					msg = pdf.Detail(err)
				}
				return unreadable(verify.ReasonTooLarge, verify.SourcePDFQR, detail+" ("+msg+")")
			}
			return unreadable(verify.ReasonNoCertificateFound, verify.SourcePDFQR, detail)
		}
		r := verify.CheckContext(ctx, text, vo)
		r.Source = verify.SourcePDFQR
		f := false
		r.Original = &f
		r.Warnings = append(r.Warnings, "the PDF has no attachment "+pdf.AttachmentName+", so it is not the file the issuer made (perhaps a scan or a print to PDF): the QR code printed on its page was verified")
		return r
	}

	jws := certs[0].JWS
	r := verify.CheckJWSContext(ctx, jws, verify.SourcePDFAttachment, vo)
	mismatch := func(detail string, other string) verify.Result {
		r.Status, r.Reason = verify.Invalid, verify.ReasonPDFMismatch
		r.StatusReason, r.RevocationReason, r.Err = "", "", nil
		r.Detail = detail
		if other != "" {
			o := verify.CheckJWSContext(ctx, other, verify.SourcePDFQR, vo)
			if o.Certificate != nil && r.Certificate != nil {
				r.Detail += fmt.Sprintf(" (the code: certificate %s of %s; the attachment: certificate %s of %s)",
					o.Certificate.Number, o.Certificate.HolderName, r.Certificate.Number, r.Certificate.HolderName)
			}
		}
		r.StatusChecked, r.StatusList, r.RevokedAt, r.SuspendedAt = false, nil, nil, nil
		return r
	}
	text, errQ := page.qrText()
	if errQ == nil {
		got, err := cert.ParseQRText(text)
		for _, c := range certs {
			if err != nil || got != c.JWS {
				r = verify.CheckJWSContext(ctx, c.JWS, verify.SourcePDFAttachment, vo)
				other := got
				if err != nil {
					other = ""
				}
				return mismatch("the QR code printed on the page carries another certificate than the PDF's attachment "+c.Name+": the file was altered", other)
			}
		}
	} else {
		for _, c := range certs[1:] {
			if c.JWS != jws {
				return mismatch("the PDF's attachments "+certs[0].Name+" and "+c.Name+" carry different certificates: the file was altered", "")
			}
		}
	}
	if r.Certificate == nil {
		return r // not signed by a trusted key: nothing to compare with
	}
	if po.Renderer == nil {
		// No original-file check asked for: Original stays nil.
		if errQ != nil {
			r.Warnings = append(r.Warnings, "the QR code printed on the page could not be read: only the attachment "+pdf.AttachmentName+" was verified")
		}
		return r
	}
	orig, warning := original(data, jws, r.Certificate, docInfo{Author: doc.Author()}, text, po)
	r.Original = &orig
	if warning != "" {
		r.Warnings = append(r.Warnings, warning)
	}
	if errQ != nil && !orig {
		r.Warnings = append(r.Warnings, "the QR code printed on the page could not be read: only the attachment "+pdf.AttachmentName+" was verified")
	}
	return r
}

// damagedAttachment is the verdict on a PDF whose attachment named
// pdf.AttachmentName cannot be read as a certificate (errA, from
// pdf.Doc.Certificates): the printed code's verdict (source pdf_qr,
// original false) with a warning that names the damage, or unreadable
// when no code can be read either.
func damagedAttachment(page *printed, errA error, vo verify.Options, unreadable func(verify.Reason, string, string) verify.Result) verify.Result {
	damage := pdf.Detail(errA)
	text, err := page.qrText()
	if err != nil {
		reason := verify.ReasonMalformed
		if errors.Is(errA, pdf.ErrTooMuchData) || errors.Is(err, pdf.ErrTooMuchData) || errors.Is(err, errPixelBudget) || errors.Is(err, ErrGaveUp) {
			reason = verify.ReasonTooLarge
		}
		return unreadable(reason, verify.SourcePDFAttachment, "the PDF's attachment cannot be read ("+damage+") and no QR code on its page can be read: verify the original PDF the issuer made, or scan the QR code printed on the paper certificate")
	}
	r := verify.Check(text, vo)
	r.Source = verify.SourcePDFQR
	f := false
	r.Original = &f
	r.Warnings = append(r.Warnings, "the PDF's attachment "+pdf.AttachmentName+" is damaged ("+damage+"), so this is not the file the issuer made: the QR code printed on its page was verified; ask the holder for the original file")
	return r
}

// docInfo is what original needs of a PDF's document information.
type docInfo struct{ Author string }

// original compares data with the file the certificate renders to and
// returns a warning for people when that says something they should know.
func original(data []byte, jws string, c *cert.Claims, ctx docInfo, qrText string, po PDFOptions) (bool, string) {
	const altered = "this PDF is not the file the certificate renders to: its visible content may have been altered (or it was re-saved, or made by another version of titlecert); only the signed data shown by the verifier counts"
	rnd := po.Renderer
	// A certificate renders in the QR text form it was issued with
	// (cert.QRForm): the file is the original if it is the rendering in
	// either form. The form of the printed code, when it could be read,
	// is tried first; each rendering costs about 0.3 ms.
	forms := []cert.QRForm{cert.QRFormCurrent, cert.QRFormUpper}
	_, printedBase, errQ := cert.SplitQRText(qrText)
	if errQ == nil && qrFormOf(printedBase) == cert.QRFormUpper {
		forms[0], forms[1] = forms[1], forms[0]
	}
	render := func(is cert.Issuer, form cert.QRForm) bool {
		var buf bytes.Buffer
		err := rnd.RenderIssued(&buf, pdf.Issued{Issuer: is, Form: form, JWS: jws, Claims: c})
		return err == nil && bytes.Equal(buf.Bytes(), data)
	}
	for _, is := range po.Issuers {
		if is.ID != c.Issuer {
			continue
		}
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
	is := cert.Issuer{ID: c.Issuer, Name: ctx.Author, BaseURL: base}
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
	doc  *pdf.Doc
	w    *work
	done bool
	text string
	err  error
}

func (p *printed) qrText() (string, error) {
	if !p.done {
		p.text, p.err = readPrintedQR(p.w, p.doc)
		p.done = true
	}
	return p.text, p.err
}

// readPrintedQR finds the QR code on the first pages: drawn as rectangles,
// else in an image, each image object searched once and all within w's
// bounds. It returns ErrNoQRCode, or an error wrapping pdf.ErrTooMuchData
// when the pages' data exceeded the limits before a code was found,
// errPixelBudget when the images did, ErrGaveUp when w's context ended.
func readPrintedQR(w *work, doc *pdf.Doc) (text string, err error) {
	defer func() {
		if p := recover(); p != nil {
			text, err = "", fmt.Errorf("scan: malformed PDF: %v", p)
		}
	}()
	var limitErr error
	pages := min(doc.PageCount(), maxPages)
	for n := 1; n <= pages; n++ {
		content, err := doc.PageContent(n)
		if err != nil {
			if errors.Is(err, pdf.ErrTooMuchData) {
				limitErr = err
			}
			continue
		}
		if g := rasterize(darkRects(content)); g != nil {
			text, err := decodeQR(w, g)
			if err == nil {
				return text, nil
			}
			if errors.Is(err, ErrGaveUp) {
				return "", err
			}
		}
	}
	// Images: a scan, or a page whose code was replaced by a picture.
	// Each image object once, however many names and pages refer to it.
	searched := map[int]bool{}
	for n := 1; n <= pages; n++ {
		imgs, err := doc.PageImages(n, MaxImagePixels)
		if err != nil {
			continue
		}
		for _, im := range imgs {
			if im.Object != 0 {
				if searched[im.Object] {
					continue
				}
				searched[im.Object] = true
			}
			var text string
			if im.JPEG != nil {
				text, err = decodeImage(w, bytes.NewReader(im.JPEG), int64(len(im.JPEG)))
			} else if err = w.charge(int64(im.Width) * int64(im.Height)); err == nil {
				text, err = decodeQR(w, &gray{w: im.Width, h: im.Height, pix: im.Gray})
			}
			switch {
			case err == nil:
				return text, nil
			case errors.Is(err, ErrGaveUp), errors.Is(err, errPixelBudget):
				return "", err
			}
		}
	}
	if limitErr != nil {
		return "", limitErr
	}
	return "", ErrNoQRCode
}
