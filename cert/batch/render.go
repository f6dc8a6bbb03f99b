package batch

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/store"
)

// renderOne hashes the ID number when the issuer adds ID hashes (then the
// costliest step by far), then signs, renders the PDF into dir and fills
// rec.
func (is *Issuer) renderOne(c *roster.Candidate, cl *cert.Claims, salt []byte, signer jose.Signer, dir string, rec *store.Certificate) error {
	if is.IDHashCost != 0 {
		stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Hash })
		h, err := cert.NewIDHash(c.IDNumber, is.IDHashCost, bytes.NewReader(salt))
		stop()
		if err != nil {
			return err
		}
		cl.HolderIDHash = &h
	}
	return is.signAndRender(c, cl, signer, dir, rec)
}

// signAndRender signs cl (which holds its ID hash, if any), renders the PDF into
// dir and fills rec.
func (is *Issuer) signAndRender(c *roster.Candidate, cl *cert.Claims, signer jose.Signer, dir string, rec *store.Certificate) error {
	stop := is.timer(func(s *Stats) *atomic.Int64 { return &s.Sign })
	jws, err := cert.Sign(signer, cl)
	stop()
	if err != nil {
		return err
	}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.QR })
	form := cert.QRFormCurrent // recorded: the certificate renders in it for good
	code, err := qr.Encode(is.Issuer.QRText(form, jws))
	stop()
	if err != nil {
		return fmt.Errorf("batch: QR code: %w", err)
	}
	// The PDF goes straight from the renderer to its file and its hash:
	// no copy, no buffer per certificate.
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.Write })
	// (O_TRUNC: a re-signed certificate, see uniqueCode, replaces its file.)
	f, err := os.OpenFile(filepath.Join(dir, FileName(cl.Number)), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	stop()
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	stop = is.timer(func(s *Stats) *atomic.Int64 { return &s.PDF })
	pdfHash := sha256.New()
	err = is.Renderer.RenderIssued(io.MultiWriter(f, pdfHash), pdf.Issued{Issuer: is.Issuer, Form: form, JWS: jws, Claims: cl, QR: code})
	stop()
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("batch: writing %s: %w", filepath.Base(f.Name()), cerr)
	}
	if err != nil {
		return err // the staging folder, and the file with it, is removed
	}
	jh := sha256.Sum256([]byte(jws))
	ph := pdfHash.Sum(nil)
	*rec = store.Certificate{
		Number: cl.Number, TitleKey: c.TitleKey(), HolderName: cl.HolderName, HolderIDMask: cl.HolderIDMask,
		Series: cl.Series, Specialty: cl.Specialty, Level: cl.Level, Title: cl.Title, Committee: cl.Committee,
		ReviewDate: cl.ReviewDate, JWS: jws, JWSHash: jh[:], PDFHash: ph, VerificationCode: cert.VerificationCode(jws), Status: store.StatusValid,
		QRForm: uint8(form),
	}
	return nil
}

// Render renders the PDF of an issued certificate again from its JWS, in
// the QR text form it was issued with (store.Certificate.QRForm); the
// bytes are those issued. verifyURL must be the one the issuer derives
// from baseURL (cert.Issuer.VerifyURL): it is what every certificate
// printed. An unknown form is an error.
//
// Deprecated: use pdf.Renderer.RenderIssued, which this calls, and which
// does not link the candidates-file readers (roster, excelize).
func Render(r *pdf.Renderer, form cert.QRForm, baseURL, verifyURL, issuerName string, jws string, cl *cert.Claims, w io.Writer) error {
	is := cert.Issuer{Name: issuerName, BaseURL: baseURL}
	if verifyURL != is.VerifyURL() {
		return fmt.Errorf("batch: the verification address %q is not the one %q derives (%s)", verifyURL, baseURL, is.VerifyURL())
	}
	return r.RenderIssued(w, pdf.Issued{Issuer: is, Form: form, JWS: jws, Claims: cl})
}
