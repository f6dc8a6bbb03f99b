// Package qr turns the QR text of a certificate (cert.QRText) into a QR
// code: a module matrix for vector drawing and a PNG image.
//
// The text is encoded at error-correction level M (15 % of the code may be
// damaged) with github.com/skip2/go-qrcode, which splits the text into
// numeric, alphanumeric and byte segments. QR text made by cert.QRText is an
// upper-case alphanumeric URL prefix followed by digits, so a typical
// certificate of about 1,250 characters fits a version 20 code or smaller.
//
// The package keeps heavy dependencies (image encoding, the QR encoder) out
// of the cert and verification packages. Everything it produces is a pure
// function of its input: the same text always gives the same matrix and
// byte-identical PNG files. It does not decode QR codes.
package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	qrcode "github.com/skip2/go-qrcode"
)

// MaxTextLen is the most characters a version-40 code at level M can hold
// (in the numeric mode). Longer text is refused without trying to encode it.
const MaxTextLen = 5596

// QuietZone is the width, in modules, of the white border PNG adds around
// the code, as ISO/IEC 18004 requires.
const QuietZone = 4

// MaxScale bounds the pixels per module PNG accepts, so that a caller
// cannot ask for an image of gigabytes.
const MaxScale = 32

// ErrTooLong is wrapped by the error Encode returns when the text does not
// fit a version-40 QR code at level M.
var ErrTooLong = errors.New("qr: text too long for a QR code (version 40, level M)")

// Code is an encoded QR code. It is immutable and safe for concurrent use.
type Code struct {
	version int
	size    int
	dark    []bool // size*size modules, row by row, without quiet zone
}

// Encode encodes text at error-correction level M in the smallest version
// that holds it. The error wraps ErrTooLong when the text does not fit a
// version-40 code; an empty text is an error too.
func Encode(text string) (c *Code, err error) {
	if text == "" {
		return nil, errors.New("qr: empty text")
	}
	if len(text) > MaxTextLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLong, len(text), MaxTextLen)
	}
	// go-qrcode reports internal inconsistencies with log.Panic.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("qr: encoder failed: %v", r)
		}
	}()
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		// go-qrcode fails for a non-empty text only when it is too long.
		return nil, fmt.Errorf("%w: %d bytes (%v)", ErrTooLong, len(text), err)
	}
	q.DisableBorder = true
	bm := q.Bitmap() // Bitmap runs the encoder; call it once.
	n := len(bm)
	if want := 17 + 4*q.VersionNumber; n != want {
		return nil, fmt.Errorf("qr: encoder returned %d modules per side for version %d, want %d", n, q.VersionNumber, want)
	}
	c = &Code{version: q.VersionNumber, size: n, dark: make([]bool, n*n)}
	for y, row := range bm {
		if len(row) != n {
			return nil, fmt.Errorf("qr: encoder returned a ragged bitmap")
		}
		copy(c.dark[y*n:], row)
	}
	return c, nil
}

// Version returns the QR version, 1 to 40.
func (c *Code) Version() int { return c.version }

// Size returns the number of modules per side, without the quiet zone
// (17 + 4 × version).
func (c *Code) Size() int { return c.size }

// Dark reports whether the module in column x, row y (from the top left,
// without the quiet zone) is dark. Coordinates outside the code are light.
func (c *Code) Dark(x, y int) bool {
	if x < 0 || y < 0 || x >= c.size || y >= c.size {
		return false
	}
	return c.dark[y*c.size+x]
}

// Bitmap returns a fresh copy of the modules, bitmap[y][x] true for dark,
// without the quiet zone.
func (c *Code) Bitmap() [][]bool {
	out := make([][]bool, c.size)
	for y := range out {
		out[y] = append([]bool(nil), c.dark[y*c.size:(y+1)*c.size]...)
	}
	return out
}

// PNG returns the code as a black-on-white PNG image with a quiet zone of
// QuietZone modules on every side and scale pixels per module (1 to
// MaxScale). The image is 1-bit paletted and the bytes are deterministic.
func (c *Code) PNG(scale int) ([]byte, error) {
	if scale < 1 || scale > MaxScale {
		return nil, fmt.Errorf("qr: scale %d outside 1..%d", scale, MaxScale)
	}
	side := (c.size + 2*QuietZone) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}})
	for y := 0; y < c.size; y++ {
		for x := 0; x < c.size; x++ {
			if !c.dark[y*c.size+x] {
				continue
			}
			x0, y0 := (x+QuietZone)*scale, (y+QuietZone)*scale
			for dy := 0; dy < scale; dy++ {
				row := img.Pix[(y0+dy)*img.Stride+x0:]
				for dx := 0; dx < scale; dx++ {
					row[dx] = 1
				}
			}
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("qr: encoding PNG: %w", err)
	}
	return b.Bytes(), nil
}
