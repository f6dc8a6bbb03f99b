package keys_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
)

// A trust file of MaxTrustLen bytes is read; one byte more is refused
// before parsing.
func TestTrustFileLengthAtTheLimit(t *testing.T) {
	k, err := keys.FromPrivate(testkey.Ed25519())
	if err != nil {
		t.Fatal(err)
	}
	js, err := keys.MarshalTrust("fjhrss", k)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{keys.MaxTrustLen, keys.MaxTrustLen + 1} {
		data := append(bytes.Clone(js), bytes.Repeat([]byte(" "), n-len(js))...)
		_, err := keys.ReadTrust(data)
		if tooLarge := n > keys.MaxTrustLen; tooLarge != (err != nil && strings.Contains(err.Error(), "larger than")) || !tooLarge && err != nil {
			t.Errorf("%d bytes: %v, want too large %v", n, err, tooLarge)
		}
	}
}
