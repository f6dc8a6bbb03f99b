package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/titlecert/titlecert/cert"
)

// MaxPDFSize is the largest PDF ExtractJWS reads. A rendered certificate is
// a few hundred kilobytes.
const MaxPDFSize = 10 << 20

// Errors ExtractJWS returns, for errors.Is.
var (
	ErrTooLarge      = errors.New("pdf: file too large")
	ErrNotPDF        = errors.New("pdf: not a PDF file")
	ErrNoCertificate = errors.New("pdf: no certificate attachment (" + AttachmentName + ") in the PDF")
)

// ExtractJWS returns the compact JWS attached to a certificate PDF as
// AttachmentName. The result is untrusted: verify its signature before
// believing anything in it.
//
// It refuses a size above MaxPDFSize (ErrTooLarge) before reading, input
// without a PDF header (ErrNotPDF), and a PDF without exactly one
// attachment named AttachmentName (ErrNoCertificate; two are refused too,
// as ambiguous). An attachment that is not a plausible compact JWS (at most
// cert.MaxJWSLen base64url characters and dots) is an error. Other errors
// mean the PDF could not be parsed.
func ExtractJWS(r io.ReaderAt, size int64) (jws string, err error) {
	if size < 0 {
		return "", fmt.Errorf("pdf: negative size %d", size)
	}
	if size > MaxPDFSize {
		return "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, size, MaxPDFSize)
	}
	// The header must appear in the first 1,024 bytes (ISO 32000-1, annex H).
	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", fmt.Errorf("pdf: reading: %w", err)
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		return "", ErrNotPDF
	}

	defer func() {
		if p := recover(); p != nil {
			jws, err = "", fmt.Errorf("pdf: malformed PDF: %v", p)
		}
	}()
	ctx, err := api.ReadAndValidate(io.NewSectionReader(r, 0, size), ReadConfig(model.EXTRACTATTACHMENTS, 64<<20))
	if err != nil {
		return "", fmt.Errorf("pdf: malformed PDF: %w", err)
	}
	if err := ctx.LocateNameTree("EmbeddedFiles", false); err != nil {
		return "", fmt.Errorf("pdf: malformed PDF: %w", err)
	}
	if ctx.Names["EmbeddedFiles"] == nil {
		return "", ErrNoCertificate
	}
	aa, err := ctx.ExtractAttachments(nil)
	if err != nil {
		return "", fmt.Errorf("pdf: malformed PDF: attachments: %w", err)
	}
	var found []model.Attachment
	for _, a := range aa {
		if a.FileName == AttachmentName {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return "", ErrNoCertificate
	case 1:
	default:
		return "", fmt.Errorf("%w: the PDF has %d attachments named %s", ErrNoCertificate, len(found), AttachmentName)
	}
	b, err := io.ReadAll(io.LimitReader(found[0].Reader, cert.MaxJWSLen+1))
	if err != nil {
		return "", fmt.Errorf("pdf: reading %s: %w", AttachmentName, err)
	}
	if len(b) > cert.MaxJWSLen {
		return "", fmt.Errorf("pdf: %s is longer than %d bytes", AttachmentName, cert.MaxJWSLen)
	}
	if len(b) == 0 {
		return "", fmt.Errorf("pdf: %s is empty", AttachmentName)
	}
	for i, c := range b {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "", fmt.Errorf("pdf: %s is not a compact JWS (byte %d is %q)", AttachmentName, i, c)
		}
	}
	return string(b), nil
}

// ReadConfig is a pdfcpu configuration for reading untrusted input for the
// command cmd, with resource limits sized for certificate PDFs. It is
// built here rather than with model.NewDefaultConfiguration, which creates
// a configuration directory (with fonts and certificates) under the user's
// home directory.
func ReadConfig(cmd model.CommandMode, maxImagePixels int64) *model.Configuration {
	limits := model.DefaultResourceLimits()
	limits.MaxStreamBytes = MaxPDFSize
	limits.MaxDecodeBytes = 4 * MaxPDFSize
	limits.MaxImagePixels = maxImagePixels
	limits.MaxImageBytes = 4 * MaxPDFSize
	limits.MaxObjectCount = 1 << 20
	limits.MaxObjectStreamCount = 1 << 16
	limits.MaxXRefEntries = 1 << 20
	return &model.Configuration{
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       "\n",
		Offline:                   true,
		Cmd:                       cmd,
		TimestampFormat:           "2006-01-02 15:04",
		DateFormat:                "2006-01-02",
		Limits:                    limits,
	}
}
