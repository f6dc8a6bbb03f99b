package pdf

import (
	"fmt"
	"io"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
)

// Issued is an issued certificate, as its PDF shows it: everything the
// page holds is derived from these fields, so the same Issued always
// renders to the same bytes. This is the one way a certificate's PDF is
// made: at issuance (cert/batch), again from the store (titlecert show
// --pdf, the verification server's download) and for the comparison with
// a file someone presents (verify/scan's original-file check).
type Issued struct {
	// Issuer is the issuer as configured: its Name is printed as 发证机关
	// and in the metadata, its base URL starts the QR text
	// (cert.Issuer.QRText) and the verification address
	// (cert.Issuer.VerifyURL) is printed under the code.
	Issuer cert.Issuer
	// Form is the QR text form the certificate was issued with
	// (store.Certificate.QRForm): it writes the base URL in the QR text
	// and the verification address on the page. An unknown form is an
	// error.
	Form cert.QRForm
	// JWS is the certificate's compact JWS, attached as
	// "certificate.jws"; Claims are its claims.
	JWS    string
	Claims *cert.Claims
	// QR is the QR code of Issuer.QRText(Form, JWS) when the caller has
	// encoded it already (qr.Encode); it is encoded when nil.
	QR *qr.Code
}

// Document returns the Document that c renders as. The error names the
// certificate when c.Form is unknown.
func (c Issued) Document() (Document, error) {
	if err := c.Form.Check(); err != nil {
		number := ""
		if c.Claims != nil {
			number = c.Claims.Number
		}
		return Document{}, fmt.Errorf("pdf: certificate %s: %w", number, err)
	}
	return Document{Claims: c.Claims, JWS: c.JWS, QRText: c.Issuer.QRText(c.Form, c.JWS), QR: c.QR,
		VerificationCode: cert.VerificationCode(c.JWS), VerifyURL: c.Form.URL(c.Issuer.VerifyURL()), IssuerName: c.Issuer.Name}, nil
}

// RenderIssued writes the PDF of the issued certificate c to w: the bytes
// issued, since rendering is deterministic. It writes nothing if it
// fails: an unknown c.Form, or any error of Render.
func (r *Renderer) RenderIssued(w io.Writer, c Issued) error {
	d, err := c.Document()
	if err != nil {
		return err
	}
	return r.Render(w, d)
}
