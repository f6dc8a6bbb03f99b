package verify_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/verify"
)

func readFile(name string) ([]byte, error) { return os.ReadFile(name) }

// pinnedOptions trusts the JWKS in file path (keys bound to no issuer) at
// 2026-12-01T00:00:00Z, after every field case was issued.
func pinnedOptions(t *testing.T, path string) verify.Options {
	t.Helper()
	data, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var trust jose.JSONWebKeySet
	if err := json.Unmarshal(data, &trust); err != nil {
		t.Fatal(err)
	}
	return verify.Options{Trust: &verify.PinnedKeys{Keys: trust}, Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}
}
