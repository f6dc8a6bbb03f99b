package cert_test

import (
	"bytes"
	"compress/flate"
	"errors"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/cert"
)

// Each size limit of what a stranger's certificate or QR text carries
// holds at the limit and refuses one byte past it.
func TestSizeLimitsAtTheLimit(t *testing.T) {
	t.Run("QR text", func(t *testing.T) {
		for _, n := range []int{cert.MaxQRTextLen, cert.MaxQRTextLen + 1} {
			// A caption of spaces before a well-formed QR text, n bytes in all.
			qr := "https://x/C/" + strings.Repeat("00", 10)
			text := strings.Repeat(" ", n-len(qr)) + qr
			_, err := cert.ParseQRText(text)
			if tooLarge := n > cert.MaxQRTextLen; tooLarge != errors.Is(err, cert.ErrTooLarge) || !tooLarge && err != nil {
				t.Errorf("%d bytes: %v, want too large %v", n, err, tooLarge)
			}
		}
	})
	t.Run("inflated payload", func(t *testing.T) {
		for _, n := range []int{cert.MaxPayloadLen, cert.MaxPayloadLen + 1} {
			// Claims padded with white space after the object to n bytes:
			// at the limit the claims are read; past it, too large.
			js := `{"v":1}`
			js += strings.Repeat(" ", n-len(js))
			var buf bytes.Buffer
			w, err := flate.NewWriterDict(&buf, flate.BestCompression, []byte(cert.Dictionary))
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(js))
			w.Close()
			c, err := cert.DecodePayload(buf.Bytes())
			if tooLarge := n > cert.MaxPayloadLen; tooLarge != errors.Is(err, cert.ErrTooLarge) || !tooLarge && (err != nil || c.Version != 1) {
				t.Errorf("%d bytes: %v, want too large %v", n, err, tooLarge)
			}
		}
	})
	t.Run("status list URI", func(t *testing.T) {
		for _, n := range []int{cert.MaxStatusURILen, cert.MaxStatusURILen + 1} {
			c := vectorClaims(t)
			if c.Status == nil {
				t.Fatal("the vector names no status list")
			}
			c.Status.StatusList.URI = "https://" + strings.Repeat("a", n-len("https://"))
			err := c.Validate()
			if tooLong := n > cert.MaxStatusURILen; tooLong != (err != nil) || tooLong && !strings.Contains(err.Error(), "status") {
				t.Errorf("%d bytes: %v, want refused %v", n, err, tooLong)
			}
		}
	})
}
