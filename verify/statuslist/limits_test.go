package statuslist_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/verify/statuslist"
)

// A token of MaxTokenLen bytes is read (and refused for what it holds);
// one byte more is too large, before any parsing. A list that inflates to
// MaxEntries entries decodes; one byte more is too large.
func TestSizeLimitsAtTheLimit(t *testing.T) {
	trust := testTrust(t)
	for _, n := range []int{statuslist.MaxTokenLen, statuslist.MaxTokenLen + 1} {
		_, err := statuslist.Parse(strings.Repeat("A", n), trust, time.Now())
		if tooLarge := n > statuslist.MaxTokenLen; tooLarge != errors.Is(err, statuslist.ErrTooLarge) || !tooLarge && !errors.Is(err, statuslist.ErrMalformed) {
			t.Errorf("token of %d bytes: %v, want too large %v", n, err, tooLarge)
		}
	}
	for _, n := range []int{statuslist.MaxEntries / 4, statuslist.MaxEntries/4 + 1} {
		var buf bytes.Buffer
		w := zlib.NewWriter(&buf)
		w.Write(make([]byte, n))
		w.Close()
		l, err := statuslist.Decode(base64.RawURLEncoding.EncodeToString(buf.Bytes()))
		if tooLarge := n > statuslist.MaxEntries/4; tooLarge != errors.Is(err, statuslist.ErrTooLarge) || !tooLarge && (err != nil || l.Len() != statuslist.MaxEntries) {
			t.Errorf("list of %d bytes: %v, want too large %v", n, err, tooLarge)
		}
	}
}
