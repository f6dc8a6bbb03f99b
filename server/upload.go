package server

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"image/png"
	"io"
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

// maxReadsPerClient bounds the uploads one client address may be sending
// at once: a phone or a desk sends one; more are turned away (429), so one
// address cannot take the whole UploadMemory with slow bodies.
const maxReadsPerClient = 4

// readUploadBody reads an upload's file field in full, at most MaxUpload
// bytes, within UploadReadTimeout, holding the memory it takes in the
// server's UploadMemory until held.release (always to be called, also
// after an error).
func (s *Server) readUploadBody(w http.ResponseWriter, r *http.Request) (data []byte, held *heldMemory, err error) {
	held = &heldMemory{b: s.bodies}
	defer func() {
		if err != nil {
			// What is left of the body is not read: close the
			// connection rather than let net/http drain it.
			w.Header().Set("Connection", "close")
		}
	}()
	const overhead = 64 << 10 // multipart headers and other fields
	if r.ContentLength > s.cfg.MaxUpload+overhead {
		return nil, held, errTooLarge
	}
	client := s.clientAddr(r)
	if !s.startReading(client) {
		return nil, held, errRateLimited(5 * time.Second)
	}
	defer s.stopReading(client)
	// The deadline stays after the handler: net/http then drains what is
	// left of a refused body within it too. (Not every ResponseWriter can
	// set it, httptest's cannot; the http.Server's ReadTimeout then bounds
	// the read.) Once a body is large, each further largeUploadStep must
	// come within largeUploadStepTime: a client that sends a lot quickly
	// and then stalls holds its memory seconds, not UploadReadTimeout.
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(s.cfg.UploadReadTimeout)
	rc.SetReadDeadline(deadline)
	held.progress = func() {
		if next := time.Now().Add(largeUploadStepTime); next.Before(deadline) {
			rc.SetReadDeadline(next)
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+overhead)
	data, err = s.readUpload(r, held)
	return data, held, err
}

func (s *Server) startReading(client string) bool {
	s.readersMu.Lock()
	defer s.readersMu.Unlock()
	if s.readers[client] >= maxReadsPerClient {
		return false
	}
	s.readers[client]++
	s.reading.Add(1)
	return true
}

func (s *Server) stopReading(client string) {
	s.readersMu.Lock()
	defer s.readersMu.Unlock()
	if s.readers[client]--; s.readers[client] <= 0 {
		delete(s.readers, client)
	}
	s.reading.Add(-1)
}

// heldMemory is the memory one upload's body takes, held in a budget
// while the request lasts: the buffer that keeps it, never more than a
// quarter above what the client has sent (a slow client holds only what
// it sent). Beyond its first smallUpload bytes a body takes only what
// leaves largeUploadReserve of the budget free, so that large bodies,
// stalled or not, never deny the small ones (a certificate PDF is about
// 100 KB) their memory.
type heldMemory struct {
	b        *budget.Budget
	held     int64   // the weight taken from b, the buffer's capacity
	holds    []int64 // each weight taken (each is one Release)
	progress func()  // called when the body is large, at each largeUploadStep; may be nil
}

const (
	// uploadChunk is how much memory an upload's body takes at first,
	// and the least it grows by.
	uploadChunk = 64 << 10
	// smallUpload is the size up to which a body may use the reserve.
	smallUpload = 1 << 20
	// largeUploadStep is the data a large body must send within
	// largeUploadStepTime, again and again: at least 200 KiB/s (1.6
	// Mbit/s, a slow mobile uplink) once a body passes smallUpload.
	largeUploadStep = 1 << 20
)

// largeUploadStepTime: see largeUploadStep (a variable for tests).
var largeUploadStepTime = 5 * time.Second

// largeUploadReserve is the part of the budget kept for bodies of at most
// smallUpload bytes: a quarter.
func largeUploadReserve(b *budget.Budget) int64 { return b.Capacity() / 4 }

// readAll reads r to its end like io.ReadAll, taking from the budget the
// memory of each larger buffer before it is made (only its growth: the
// buffer it replaces is garbage once copied); the buffer grows by a
// quarter, at least uploadChunk. When the budget is spent it returns
// errBusy at once.
func (h *heldMemory) readAll(r io.Reader) ([]byte, error) {
	var buf []byte
	nextStep := int64(smallUpload)
	for {
		if len(buf) == cap(buf) {
			size := int64(cap(buf)) + max(uploadChunk, int64(cap(buf))/4)
			limit := h.b.Capacity()
			if size > smallUpload {
				limit -= largeUploadReserve(h.b)
			}
			// Hold the larger buffer: the growth only, as the one it
			// replaces is garbage once copied.
			if !h.b.TryAcquireWithin(size-h.held, limit) {
				return nil, errBusy
			}
			h.holds = append(h.holds, size-h.held)
			h.held = size
			next := make([]byte, len(buf), size)
			copy(next, buf)
			buf = next
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) >= nextStep {
			nextStep += largeUploadStep
			if h.progress != nil {
				h.progress()
			}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// release gives back everything held.
func (h *heldMemory) release() {
	for _, n := range h.holds {
		h.b.Release(n)
	}
	h.holds, h.held = nil, 0
}

// uploadReadError is the answer to an error reading an upload's body.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	var he *httpError
	switch {
	case errors.As(err, &he): // errBusy: the memory for bodies is spent
		return he
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
