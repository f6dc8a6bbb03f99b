package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf16"

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

// ExtractJWS returns the compact JWS attached to a certificate PDF. The
// result is untrusted: verify its signature before believing anything in
// it.
//
// Every embedded file counts, whatever its name (see Doc.Certificates):
// tools that replace an attachment rename it. It refuses a size above
// MaxPDFSize (ErrTooLarge) before reading, input without a PDF header
// (ErrNotPDF), a PDF whose compressed data expands beyond the limits of
// read.go (ErrTooMuchData), a PDF without a certificate attachment
// (ErrNoCertificate) and one whose attachments carry different
// certificates (ErrNoCertificate too, as ambiguous). An attachment named
// AttachmentName that is not a plausible compact JWS (at most
// cert.MaxJWSLen base64url characters and dots, whitespace around it
// aside) is an error. Other errors mean the PDF could not be parsed.
func ExtractJWS(r io.ReaderAt, size int64) (jws string, err error) {
	if size < 0 {
		return "", fmt.Errorf("pdf: negative size %d", size)
	}
	if size > MaxPDFSize {
		return "", fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, size, MaxPDFSize)
	}
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
		return "", fmt.Errorf("pdf: reading: %w", err)
	}
	d, err := Open(data)
	if err != nil {
		return "", err
	}
	certs, err := d.Certificates()
	if err != nil {
		return "", err
	}
	switch len(certs) {
	case 0:
		return "", ErrNoCertificate
	case 1:
		return certs[0].JWS, nil
	}
	if slices.ContainsFunc(certs, func(c Certificate) bool { return c.JWS != certs[0].JWS }) {
		return "", fmt.Errorf("%w: the PDF has %d attachments with different certificates", ErrNoCertificate, len(certs))
	}
	return certs[0].JWS, nil
}

// Certificate is an embedded file of a PDF that holds a certificate.
type Certificate struct {
	Name string // the file's names: its name-tree key, and /UF or /F when they differ
	JWS  string // the compact JWS, without the whitespace around it
}

// Certificates returns every embedded file of the PDF that holds a
// certificate (see Doc.Attachments: name tree, FileAttachment
// annotations, associated files): whose content, without leading and
// trailing whitespace (ASCII space, tab, CR, LF) and a leading byte order
// mark (UTF-8, or UTF-16 text decoded), looks like a compact JWS (three
// parts of base64url characters, at most cert.MaxJWSLen) or is the QR
// text of one (cert.ParseQRText), whatever its name. An
// attachment named AttachmentName (as key, /F or /UF) that does not is an
// error, as is one so named whose content cannot be decoded. Files whose
// content is not a JWS under other names (a photo, a letter) are ignored.
// The same JWS attached twice appears twice.
func (d *Doc) Certificates() ([]Certificate, error) {
	aa, err := d.Attachments()
	if err != nil {
		return nil, err
	}
	var out []Certificate
	for _, a := range aa {
		name := strings.Join(a.Names(), " / ")
		named := slices.Contains(a.Names(), AttachmentName)
		if a.Err != nil {
			if named {
				if errors.Is(a.Err, ErrTooMuchData) {
					// as a bomb refused before parsing: too large, however compressed
					return nil, fmt.Errorf("%w: %s is longer than %d bytes", ErrTooMuchData, name, cert.MaxJWSLen)
				}
				return nil, fmt.Errorf("pdf: reading %s: %w", name, a.Err)
			}
			continue
		}
		jws, err := attachedJWS(a.Data)
		if err != nil {
			if named {
				return nil, fmt.Errorf("pdf: %s %w", name, err)
			}
			continue
		}
		out = append(out, Certificate{Name: name, JWS: jws})
	}
	return out, nil
}

// attachedJWS returns the compact JWS an attachment holds: as a JWS, or
// as QR text, after a byte order mark (UTF-8, or UTF-16 text, decoded).
// The error completes "FILE ...".
func attachedJWS(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")):
		b = b[3:]
	case len(b)%2 == 0 && (bytes.HasPrefix(b, []byte("\xFF\xFE")) || bytes.HasPrefix(b, []byte("\xFE\xFF"))):
		u := make([]uint16, 0, len(b)/2-1)
		for i := 2; i+1 < len(b); i += 2 {
			if b[0] == 0xFF {
				u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
			} else {
				u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
			}
		}
		b = []byte(string(utf16.Decode(u)))
	}
	if t := strings.TrimSpace(string(b)); cert.LooksLikeQRText(t) {
		jws, err := cert.ParseQRText(t)
		if err != nil {
			msg := err.Error()
			if ce := (*cert.Error)(nil); errors.As(err, &ce) {
				msg = ce.Message()
			}
			return "", fmt.Errorf("is not a certificate's QR text: %v", msg)
		}
		return jws, nil
	}
	return compactJWS(b)
}

// compactJWS returns b without the whitespace around it when it is a
// plausible compact JWS; else an error that completes "FILE ...".
func compactJWS(b []byte) (string, error) {
	b = bytes.Trim(b, " \t\r\n")
	if len(b) > cert.MaxJWSLen {
		return "", fmt.Errorf("is longer than %d bytes", cert.MaxJWSLen)
	}
	if len(b) == 0 {
		return "", errors.New("is empty")
	}
	for i, c := range b {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "", fmt.Errorf("is not a compact JWS (byte %d is %q)", i, c)
		}
	}
	if bytes.Count(b, []byte(".")) != 2 {
		return "", errors.New("is not a compact JWS (it has not three parts)")
	}
	return string(b), nil
}

// ReadConfig is a pdfcpu configuration for reading untrusted input for the
// command cmd, with resource limits sized for certificate PDFs. It is
// built here rather than with model.NewDefaultConfiguration, which creates
// a configuration directory (with fonts and certificates) under the user's
// home directory. The limits bound what pdfcpu decodes while parsing
// (object streams); Open checks the rest before, and Doc decodes the
// streams a verifier needs itself (see read.go).
func ReadConfig(cmd model.CommandMode, maxImagePixels int64) *model.Configuration {
	limits := model.DefaultResourceLimits()
	limits.MaxStreamBytes = MaxPDFSize
	limits.MaxDecodeBytes = 16 << 20
	limits.MaxImagePixels = maxImagePixels
	limits.MaxImageBytes = MaxImageDataSize
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

// Detail returns the message of an error this package returned, without
// the "pdf: " that starts it, for callers that put it in a sentence of
// their own (verify/scan's Result.Detail). The prefix is this package's
// convention, so this package alone removes it.
func Detail(err error) string { return strings.TrimPrefix(err.Error(), "pdf: ") }
