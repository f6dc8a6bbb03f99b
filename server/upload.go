package server

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"time"

	"github.com/titlecert/titlecert/server/internal/budget"
	"github.com/titlecert/titlecert/verify/scan"
)

// Estimates of the memory an upload takes while it is decoded, measured
// with scan.CheckImage and scan.CheckPDF (total allocation with the
// garbage collector off, Go 1.26): 8 MB for a certificate PDF or a small
// photo, 9.6 to 23 bytes a pixel for photos of 6 to 40 megapixels (the
// decoded image, its grey copy and the fallbacks' work images); a 16-bit
// PNG decodes to 8 bytes a pixel before anything else.
const (
	decodeBase          = 8 << 20 // any upload
	decodeBytesPerPixel = 20
)

// DecodeCost is the memory, in bytes, that decoding data is estimated to
// take: for a JPEG or PNG photo, from the size in its header; for a PDF,
// as much as the largest image it may hold (scan.MaxImagePixels), since
// pages may carry images that are decoded too. Data whose header cannot be
// read, or that exceeds the image limits (refused before decoding), costs
// the base only.
func DecodeCost(data []byte) int64 {
	pixels := func(w, h int) int64 {
		if w <= 0 || h <= 0 || w > scan.MaxImageSide || h > scan.MaxImageSide || int64(w)*int64(h) > scan.MaxImagePixels {
			return 0
		}
		return int64(w) * int64(h)
	}
	var px int64
	switch scan.Sniff(data) {
	case scan.KindJPEG:
		if c, err := jpeg.DecodeConfig(bytes.NewReader(data)); err == nil {
			px = pixels(c.Width, c.Height)
		}
	case scan.KindPNG:
		if c, err := png.DecodeConfig(bytes.NewReader(data)); err == nil {
			px = pixels(c.Width, c.Height)
		}
	case scan.KindPDF:
		px = scan.MaxImagePixels
	}
	return decodeBase + decodeBytesPerPixel*px
}

// readUploadBody reads an upload's file field in full, at most MaxUpload
// bytes, within UploadReadTimeout.
func (s *Server) readUploadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	const overhead = 64 << 10 // multipart headers and other fields
	if r.ContentLength > s.cfg.MaxUpload+overhead {
		return nil, errTooLarge
	}
	s.reading.Add(1)
	defer s.reading.Add(-1)
	// The deadline stays after the handler: net/http then drains what is
	// left of a refused body within it too. (Not every ResponseWriter can
	// set it, httptest's cannot; the http.Server's ReadTimeout then bounds
	// the read.)
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.UploadReadTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+overhead)
	data, err := s.readUpload(r)
	if errors.Is(err, errUploadTimeout) {
		w.Header().Set("Connection", "close")
	}
	return data, err
}

// uploadReadError is the answer to an error reading an upload's body.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errUploadTimeout
	}
	return errBadRequest("上传内容无法读取", "the upload cannot be read")
}

// startDecoding waits, at most DecodeWait, for a decoding slot and the
// memory data is estimated to need, and returns the function that gives
// them back.
func (s *Server) startDecoding(ctx context.Context, data []byte) (release func(), err error) {
	cost := DecodeCost(data)
	if scan.Sniff(data) == scan.KindPDF {
		// An estimate, not a size: a PDF is never refused for it.
		cost = min(cost, s.decoding.Capacity())
	}
	wait := s.cfg.DecodeWait
	if wait < 0 {
		wait = 0
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	switch err := s.decoding.Acquire(ctx, cost); {
	case errors.Is(err, budget.ErrTooLarge):
		return nil, errDecodeTooLarge
	case err != nil:
		return nil, errBusy
	}
	if s.decodeHook != nil {
		s.decodeHook()
	}
	return func() { s.decoding.Release(cost) }, nil
}
