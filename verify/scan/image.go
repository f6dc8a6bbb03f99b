package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"github.com/makiuchi-d/gozxing"
	gozxingmulti "github.com/makiuchi-d/gozxing/multi/qrcode"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Limits on the images DecodeImage accepts. A phone photo is 3-12
// megapixels and 2-8 MiB; an A4 page scanned at 600 dpi is 35 megapixels.
const (
	MaxImageSize   = 20 << 20   // bytes of the file
	MaxImagePixels = 40_000_000 // width × height, from the header
	MaxImageSide   = 16_384     // width or height, from the header
)

// Errors DecodeImage returns, for errors.Is. Their messages are meant for
// the person who gave the file.
var (
	ErrTooLarge = errors.New("scan: the file is too large")
	ErrNotImage = errors.New("scan: not a JPEG or PNG image")
	ErrNoQRCode = errors.New("scan: no readable QR code found in the image")
)

// Kind is what a file's first bytes say it is.
type Kind int

// Kinds of input Sniff recognises.
const (
	KindUnknown Kind = iota
	KindJPEG
	KindPNG
	KindPDF
)

// Sniff tells a JPEG (FF D8 FF), a PNG (89 50 4E 47 0D 0A 1A 0A) and a PDF
// (%PDF- in the first 1,024 bytes, as ISO 32000-1 annex H allows) apart by
// their first bytes.
func Sniff(head []byte) Kind {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return KindJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return KindPNG
	case bytes.Contains(head[:min(len(head), 1024)], []byte("%PDF-")):
		return KindPDF
	}
	return KindUnknown
}

// DecodeImage reads a JPEG or PNG image of at most MaxImageSize bytes from
// r and returns the text of the QR code it shows. size is the file's size
// when known, or -1.
//
// The size and then the pixel dimensions (from the image header, before
// anything is decoded) are checked first: a larger file, or an image of
// more than MaxImagePixels pixels or MaxImageSide pixels on a side, gives
// an error wrapping ErrTooLarge, so that a small file claiming a huge image
// cannot exhaust memory. Another format gives ErrNotImage; an image that
// cannot be decoded, an error wrapping ErrNotImage; an image in which no QR
// code could be read, ErrNoQRCode.
//
// The text is untrusted: give it to cert.ParseQRText and verify.Check.
func DecodeImage(r io.Reader, size int64) (text string, err error) {
	return DecodeImageContext(context.Background(), r, size)
}

// DecodeImageContext is DecodeImage stopped when ctx is done: the search
// then ends between two decoding attempts (each well under a second on
// the largest image) with an error wrapping ErrGaveUp.
func DecodeImageContext(ctx context.Context, r io.Reader, size int64) (text string, err error) {
	return decodeImage(newWork(ctx, 0), r, size)
}

// decodeImage reads an image within w's bounds and searches it.
func decodeImage(w *work, r io.Reader, size int64) (string, error) {
	img, err := readImage(r, size, w)
	if err != nil {
		return "", err
	}
	return decodeQR(w, toGray(img))
}

// readImage applies the caps, charges the pixels to w (nil: none), then
// decodes.
func readImage(r io.Reader, size int64, w *work) (image.Image, error) {
	if size > MaxImageSize {
		return nil, fmt.Errorf("%w: %d bytes, an image may have at most %d (%d MiB)", ErrTooLarge, size, MaxImageSize, MaxImageSize>>20)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImageSize+1))
	if err != nil {
		return nil, fmt.Errorf("scan: reading the image: %w", err)
	}
	if len(data) > MaxImageSize {
		return nil, fmt.Errorf("%w: an image may have at most %d bytes (%d MiB)", ErrTooLarge, MaxImageSize, MaxImageSize>>20)
	}
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch Sniff(data) {
	case KindJPEG:
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	case KindPNG:
		decodeConfig, decode = png.DecodeConfig, png.Decode
	default:
		return nil, ErrNotImage
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: damaged image header: %v", ErrNotImage, err)
	}
	if err := checkDimensions(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	if err := w.charge(int64(cfg.Width) * int64(cfg.Height)); err != nil {
		return nil, err
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: damaged image: %v", ErrNotImage, err)
	}
	return img, nil
}

func checkDimensions(w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w: the image has no pixels (%d×%d)", ErrNotImage, w, h)
	}
	if w > MaxImageSide || h > MaxImageSide || int64(w)*int64(h) > MaxImagePixels {
		return fmt.Errorf("%w: the image is %d×%d pixels, at most %d megapixels and %d pixels on a side are read; take the photo again at a lower resolution",
			ErrTooLarge, w, h, MaxImagePixels/1_000_000, MaxImageSide)
	}
	return nil
}

// gray is an 8-bit luminance image, row by row.
type gray struct {
	w, h int
	pix  []byte
}

func newGray(w, h int) *gray { return &gray{w: w, h: h, pix: make([]byte, w*h)} }

// toGray converts img to luminance, compositing transparency on white.
func toGray(img image.Image) *gray {
	b := img.Bounds()
	g := newGray(b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < g.h; y++ {
			copy(g.pix[y*g.w:(y+1)*g.w], m.Pix[y*m.Stride:])
		}
	case *image.YCbCr:
		for y := 0; y < g.h; y++ {
			copy(g.pix[y*g.w:(y+1)*g.w], m.Y[(y+b.Min.Y-m.Rect.Min.Y)*m.YStride+(b.Min.X-m.Rect.Min.X):])
		}
	default:
		i := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, gg, bb, a := img.At(x, y).RGBA()
				l := (299*r + 587*gg + 114*bb) / 1000 // 0..0xffff, premultiplied
				g.pix[i] = byte((l + 0xffff - a) >> 8)
				i++
			}
		}
	}
	return g
}

// attempt is one way of reading the code: a transformation of the image
// and a detector.
type attempt struct {
	name   string
	prep   string // key of preps: how the image is transformed first; "" for not at all
	global bool   // GlobalHistogramBinarizer instead of HybridBinarizer
	multi  bool   // the multi-code detector, which tries more finder pattern triples
	refine bool   // readRefined, for codes in perspective
}

// maxWorkPixels bounds the images the fallbacks make (upscaling), so
// that a large photo does not become a gigantic one.
const maxWorkPixels = 24_000_000

// preps are the transformations attempts use.
var preps = map[string]func(*gray) *gray{
	"flatten":  flatten,
	"upscale2": upscaler(2),
	"upscale3": upscaler(3),
	"sharpen":  sharpen,
	"rotate45": rotator(45),
	"rotate22": rotator(22.5),
}

// attempts are tried in order until one reads a code. The first ones
// succeed on almost every usable image; each of the others rescues some
// of what the corpus test (see docs/SCANNING.md) showed to fail
// otherwise.
var attempts = []attempt{
	{name: "hybrid"},
	{name: "global", global: true},
	{name: "refine", refine: true},
	{name: "flatten", prep: "flatten"},
	{name: "flatten-global", prep: "flatten", global: true},
	{name: "upscale2", prep: "upscale2"},
	{name: "upscale2-refine", prep: "upscale2", refine: true},
	{name: "sharpen", prep: "sharpen"},
	{name: "upscale3", prep: "upscale3"},
	{name: "rotate45", prep: "rotate45"},
	{name: "rotate22", prep: "rotate22"},
	{name: "multi", multi: true},
}

// decodeQR tries each attempt in turn, until w's context is done (nil:
// never).
func decodeQR(w *work, g *gray) (string, error) {
	text, _, err := decodeQRAttempts(w, g)
	return text, err
}

// decodeQRAttempts also says which attempt succeeded, for the corpus test.
func decodeQRAttempts(w *work, g *gray) (string, string, error) {
	if g.w < 21 || g.h < 21 {
		return "", "", ErrNoQRCode
	}
	prepared := map[string]*gray{"": g}
	for _, a := range attempts {
		if err := w.stopped(); err != nil {
			return "", "", err
		}
		img, ok := prepared[a.prep]
		if !ok {
			img = preps[a.prep](g)
			prepared[a.prep] = img
		}
		if img == nil {
			continue // too large to make
		}
		if text, ok := read(img, a); ok {
			return text, a.name, nil
		}
	}
	return "", "", ErrNoQRCode
}

var hints = map[gozxing.DecodeHintType]any{
	gozxing.DecodeHintType_TRY_HARDER:       true,
	gozxing.DecodeHintType_POSSIBLE_FORMATS: []gozxing.BarcodeFormat{gozxing.BarcodeFormat_QR_CODE},
}

// read runs gozxing once. gozxing may panic on unusual input; that counts
// as a failed attempt.
func read(g *gray, a attempt) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			text, ok = "", false
		}
	}()
	src, err := gozxing.NewPlanarYUVLuminanceSource(g.pix, g.w, g.h, 0, 0, g.w, g.h, false)
	if err != nil {
		return "", false
	}
	var bin gozxing.Binarizer
	if a.global {
		bin = gozxing.NewGlobalHistgramBinarizer(src)
	} else {
		bin = gozxing.NewHybridBinarizer(src)
	}
	bmp, err := gozxing.NewBinaryBitmap(bin)
	if err != nil {
		return "", false
	}
	if a.refine {
		m, err := bmp.GetBlackMatrix()
		if err != nil {
			return "", false
		}
		return readRefined(m)
	}
	if a.multi {
		rs, err := gozxingmulti.NewQRCodeMultiReader().DecodeMultiple(bmp, hints)
		if err != nil {
			return "", false
		}
		for _, r := range rs {
			if t := r.GetText(); t != "" {
				return t, true
			}
		}
		return "", false
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil || res.GetText() == "" {
		return "", false
	}
	return res.GetText(), true
}

// Detail returns the message of an error this package returned, without
// the "scan: " that starts it, for callers that name the file first
// ("photo.jpg: no readable QR code found in the image"). The prefix is this
// package's convention, so this package alone removes it.
func Detail(err error) string { return strings.TrimPrefix(err.Error(), "scan: ") }
