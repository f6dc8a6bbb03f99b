package keys_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/titlecert/titlecert/keys"
)

// A trust file written by an older keys export (field case
// issuer-jwks.json) still reads, as a legacy file whose key names no
// issuer; Bind names it.
func TestReadTrustLegacy(t *testing.T) {
	data, err := os.ReadFile("testdata/issuer-jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := keys.ReadTrust(data)
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Legacy() || len(tr.Keys.Keys) != 1 {
		t.Fatalf("legacy %v, %d keys", tr.Legacy(), len(tr.Keys.Keys))
	}
	tr.Bind("fjhrss")
	if tr.Issuers["POkHvJvU0IQdOIQ2EhZg2U7ApbOGt-e-atB3kLIBQFs"] != "fjhrss" {
		t.Fatalf("%v", tr.Issuers)
	}
	bound, err := keys.BindTrust(data, "fjhrss")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(bound), `"iss": "fjhrss"`) {
		t.Fatalf("%s", bound)
	}
	tr2, err := keys.ReadTrust(bound)
	if err != nil || tr2.Legacy() || tr2.Issuers["POkHvJvU0IQdOIQ2EhZg2U7ApbOGt-e-atB3kLIBQFs"] != "fjhrss" {
		t.Fatalf("%v %+v", err, tr2)
	}
	if _, err := keys.BindTrust(bound, "zjhrss"); !errors.Is(err, keys.ErrBadKey) {
		t.Fatalf("re-binding to another issuer: %v", err)
	}
}

// Two issuers' keys in one file, each naming its issuer.
func TestMarshalTrustTwoIssuers(t *testing.T) {
	a, _ := keys.Generate(keys.EdDSA, nil)
	b, _ := keys.Generate(keys.ES256, nil)
	fa, err := keys.MarshalTrust("fjhrss", a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(fa), `"d"`) {
		t.Fatal("private member exported")
	}
	fb, _ := keys.MarshalTrust("zjhrss", b)
	merged := strings.Replace(string(fa), "]\n}", ","+strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(fb)), "{\n  \"keys\": ["), "]\n}")+"]\n}", 1)
	tr, err := keys.ReadTrust([]byte(merged))
	if err != nil {
		t.Fatalf("%v\n%s", err, merged)
	}
	if len(tr.Keys.Keys) != 2 || tr.Issuers[a.KeyID] != "fjhrss" || tr.Issuers[b.KeyID] != "zjhrss" {
		t.Fatalf("%+v", tr.Issuers)
	}
	if _, err := keys.MarshalTrust("bad issuer!", a); !errors.Is(err, keys.ErrBadKey) {
		t.Fatalf("bad issuer accepted: %v", err)
	}
}

// One reading for trust files too: duplicate and case-variant members at
// every level, invalid UTF-8, and ambiguous issuer bindings are refused.
func TestReadTrustStrict(t *testing.T) {
	legacy, _ := os.ReadFile("testdata/issuer-jwks.json")
	legacy2, _ := os.ReadFile("testdata/issuer2-jwks.json")
	a, _ := keys.Generate(keys.EdDSA, nil)
	bound, _ := keys.MarshalTrust("fjhrss", a)
	key1 := strings.TrimSpace(string(legacy))[len("{\n  \"keys\": [") : len(strings.TrimSpace(string(legacy)))-len("]\n}")]
	key2 := strings.TrimSpace(string(legacy2))[len("{\n  \"keys\": [") : len(strings.TrimSpace(string(legacy2)))-len("]\n}")]
	boundKey := strings.TrimSpace(string(bound))[len("{\n  \"keys\": [") : len(strings.TrimSpace(string(bound)))-len("]\n}")]
	rep := func(s, old, new string) string {
		if !strings.Contains(s, old) {
			t.Fatalf("%q not in %s", old, s)
		}
		return strings.Replace(s, old, new, 1)
	}
	for name, tc := range map[string]struct{ in, want string }{
		"duplicate x":           {rep(string(legacy), `"x":`, `"x": "AAAA", "x":`), `member "x" appears twice`},
		"x in upper case":       {rep(string(legacy), `"x":`, `"X":`), `member "X" must be written "x"`},
		"KID":                   {rep(string(legacy), `"kid":`, `"KID":`), `member "KID" must be written "kid"`},
		"kty and KTY":           {rep(string(legacy), `"kty": "OKP",`, `"kty": "OKP", "KTY": "EC",`), `differ only in case`},
		"duplicate keys member": {`{"keys":[` + key1 + `],"keys":[` + key2 + `]}`, `member "keys" appears twice`},
		"Keys":                  {rep(string(legacy), `"keys"`, `"Keys"`), `must be written "keys"`},
		"invalid UTF-8":         {rep(string(legacy), `"use": "sig"`, "\"use\": \"sig\xff\""), "not valid UTF-8"},
		"trailing data":         {string(legacy) + "{}", "data after"},
		"ISS":                   {rep(string(bound), `"iss":`, `"ISS":`), `must be written "iss"`},
		"iss not an issuer":     {rep(string(bound), `"iss": "fjhrss"`, `"iss": "福建"`), "must be an issuer identifier"},
		"some keys name none":   {`{"keys":[` + boundKey + `,` + key1 + `]}`, "every key must, or none"},
		"one kid, two issuers":  {`{"keys":[` + boundKey + `,` + rep(boundKey, `"fjhrss"`, `"zjhrss"`) + `]}`, "signs for issuer"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := keys.ReadTrust([]byte(tc.in))
			if !errors.Is(err, keys.ErrBadKey) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrBadKey with %q", err, tc.want)
			}
		})
	}
}
