package scan

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/titlecert/titlecert/cert/pdf/pdftest"
	"github.com/titlecert/titlecert/cert/qr"
	"github.com/titlecert/titlecert/verify"
)

// The printed code as a picture, in each form a scanner or an editor
// stores it, is read without pdfcpu's image extraction: titlecert decodes
// the samples itself, within their declared size.
func TestScannedPDFImageForms(t *testing.T) {
	f := newFixture(t)
	vo, po := f.opts()
	code, err := qr.Encode(f.v.QRText)
	if err != nil {
		t.Fatal(err)
	}
	pngData, err := code.PNG(4)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	lum := func(x, y int) byte {
		r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return byte((299*(r>>8) + 587*(g>>8) + 114*(bl>>8)) / 1000)
	}
	samples := func(comps, bpc int, invert bool) []byte {
		var out []byte
		for y := 0; y < h; y++ {
			var bits, n byte
			for x := 0; x < w; x++ {
				v := lum(x, y)
				if invert {
					v = 255 - v
				}
				switch {
				case bpc == 1:
					bits <<= 1
					if v >= 128 {
						bits |= 1
					}
					if n++; n == 8 {
						out, bits, n = append(out, bits), 0, 0
					}
				case comps == 4:
					out = append(out, 0, 0, 0, 255-v)
				default:
					for range comps {
						out = append(out, v)
					}
				}
			}
			if bpc == 1 && n > 0 {
				out = append(out, bits<<(8-n))
			}
		}
		return out
	}
	flate := func(data []byte) []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(data)
		zw.Close()
		return z.Bytes()
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dict string
		data       []byte
		icc        bool
	}{
		{"8-bit grey", "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", flate(samples(1, 8, false)), false},
		{"8-bit grey, inverted by Decode", "/ColorSpace /DeviceGray /BitsPerComponent 8 /Decode [1 0] /Filter /FlateDecode", flate(samples(1, 8, true)), false},
		{"1-bit grey", "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /FlateDecode", flate(samples(1, 1, false)), false},
		{"image mask", "/ImageMask true /Filter /FlateDecode", flate(samples(1, 1, false)), false},
		{"CMYK", "/ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /FlateDecode", flate(samples(4, 8, false)), false},
		{"ICC-based RGB", "/ColorSpace [/ICCBased 6 0 R] /BitsPerComponent 8 /Filter /FlateDecode", flate(samples(3, 8, false)), true},
		{"JPEG", "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", jpg.Bytes(), false},
		{"JPEG in ASCIIHex", "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter [/ASCIIHexDecode /DCTDecode]", []byte(fmt.Sprintf("%x>", jpg.Bytes())), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := onePage("4 0 R", "/XObject << /Im1 5 0 R >>", func(p *pdftest.File) {
				p.Stream("", []byte("q 170 0 0 170 340 300 cm /Im1 Do Q"))
				p.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d %s", w, h, tt.dict), tt.data)
				if tt.icc {
					p.Stream("/N 3", []byte("not a real profile"))
				}
			})
			r := CheckPDF(doc, vo, po)
			if r.Status != verify.Valid || r.Source != verify.SourcePDFQR || r.JWS != f.v.JWS {
				t.Fatalf("%s (%s): %s", r.Status, r.Reason, r.Detail)
			}
		})
	}
}
