package scan

import (
	"context"
	"errors"
	"fmt"
)

// MaxPDFImagePixels bounds the pixels of the images searched for a QR
// code in one PDF (its pages' image XObjects, each object once): two
// full-size images (MaxImagePixels). A scanned certificate has one image
// a page; a file that names a 40-megapixel image 64 times, or holds many
// large images, is searched no further than this.
const MaxPDFImagePixels = 2 * MaxImagePixels

// Errors of bounded work, wrapped by DecodeImageContext and readPrintedQR.
var (
	// ErrGaveUp: the context was done (the client went away, or the
	// deadline passed) before a QR code was found.
	ErrGaveUp = errors.New("scan: the image search was stopped before a QR code was found")
	// errPixelBudget: the images of one input exceed MaxPDFImagePixels.
	errPixelBudget = fmt.Errorf("scan: the PDF's images exceed the %d megapixels searched for a QR code in one file", MaxPDFImagePixels/1_000_000)
)

// work bounds and counts the image work done for one input: the context
// that stops it, the pixels it may still scan, and what it did (for the
// tests, which assert work rather than time).
type work struct {
	ctx       context.Context
	pixelsMax int64 // pixels that may be scanned in all; 0 for no bound
	pixels    int64 // pixels charged (images scanned, or about to be)
	decodes   int   // images decoded (JPEG/PNG files, or PDF samples scanned)
}

func newWork(ctx context.Context, pixelsMax int64) *work {
	if ctx == nil {
		ctx = context.Background()
	}
	return &work{ctx: ctx, pixelsMax: pixelsMax}
}

// stopped returns an error wrapping ErrGaveUp when the context is done.
// A nil work never stops.
func (w *work) stopped() error {
	if w == nil {
		return nil
	}
	if err := w.ctx.Err(); err != nil {
		return fmt.Errorf("%w (%v)", ErrGaveUp, err)
	}
	return nil
}

// charge counts an image of px pixels about to be scanned, or refuses it
// (errPixelBudget, ErrGaveUp) before any work is done on it.
func (w *work) charge(px int64) error {
	if w == nil {
		return nil
	}
	if err := w.stopped(); err != nil {
		return err
	}
	if w.pixelsMax > 0 && w.pixels+px > w.pixelsMax {
		return errPixelBudget
	}
	w.pixels += px
	w.decodes++
	return nil
}
