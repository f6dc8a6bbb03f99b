package cert_test

import (
	"compress/flate"
	"io"
)

func newFlate(w io.Writer) *flate.Writer {
	fw, _ := flate.NewWriter(w, flate.BestCompression)
	return fw
}
