// Package scan reads certificates back from the physical world: the QR
// code in a phone photo or a scan (JPEG, PNG), and the PDF file, whose
// attachment and printed QR code must agree.
//
// DecodeImage returns the text of the QR code in an image; the caller
// verifies it (cert.ParseQRText, verify.Check), or calls CheckImage, which
// does both. CheckPDF verifies a PDF's attachment and printed code and
// tells whether the file is the one the certificate renders to.
//
// Decoding uses github.com/makiuchi-d/gozxing with TRY_HARDER, then falls
// back through another binarizer, a perspective-correcting detector,
// lighting correction, 2× and 3× upscaling, sharpening and rotation until
// one attempt reads the code. docs/SCANNING.md reports how often that
// succeeds on a generated corpus of degraded photos and where it breaks.
//
// Security notes: nothing read here is trusted; only the signature that
// package verify checks is. The size of a file and the pixel dimensions
// from its header are checked before anything is decoded (MaxImageSize,
// MaxImagePixels, MaxImageSide), so that a small file claiming a huge
// image cannot exhaust memory; the images the fallbacks make are bounded
// too. PDFs are read through package cert/pdf (pdf.Open), which refuses
// decompression bombs before parsing and decodes each stream with a cap,
// at most once, without touching the file system. An input from which no
// certificate can be read is verify.Unreadable, never verify.Invalid. The package keeps image decoding and PDF parsing out of
// package verify, which imports only the standard library and the JWS
// code.
package scan

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/titlecert/titlecert/verify"
)

// CheckImage reads the QR code of a photo or scan (see DecodeImage) and
// verifies the certificate it carries; Result.Source is
// verify.SourceQRImage. An image without a readable code is a
// verify.Unreadable result with reason verify.ReasonNoCertificateFound
// (never Invalid: it says nothing about any certificate); an error means
// the input could not be read at all (I/O) or was refused: it wraps
// ErrTooLarge or ErrNotImage.
func CheckImage(r io.Reader, size int64, o verify.Options) (verify.Result, error) {
	return CheckImageContext(context.Background(), r, size, o)
}

// CheckImageContext is CheckImage stopped when ctx is done (the server
// passes the request's context: the search ends when the client is gone
// or the deadline passes): the result is then verify.Unreadable with
// reason verify.ReasonTooLarge. ctx also bounds the status look-up
// (o.Status).
func CheckImageContext(ctx context.Context, r io.Reader, size int64, o verify.Options) (verify.Result, error) {
	text, err := DecodeImageContext(ctx, r, size)
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if errors.Is(err, ErrGaveUp) {
		return verify.Result{Status: verify.Unreadable, Reason: verify.ReasonTooLarge, Source: verify.SourceQRImage,
			Detail:    "the search for a QR code in the image was stopped (time limit, or the request was cancelled): try again with a smaller photo",
			CheckedAt: now().UTC().Truncate(time.Second)}, nil
	}
	if errors.Is(err, ErrNoQRCode) {
		return verify.Result{Status: verify.Unreadable, Reason: verify.ReasonNoCertificateFound, Source: verify.SourceQRImage,
			Detail:    "no readable QR code found in the image: photograph the code straight on, in focus and evenly lit, filling a good part of the picture",
			CheckedAt: now().UTC().Truncate(time.Second)}, nil
	}
	if err != nil {
		return verify.Result{}, err
	}
	res := verify.CheckContext(ctx, text, o)
	res.Source = verify.SourceQRImage
	return res, nil
}
