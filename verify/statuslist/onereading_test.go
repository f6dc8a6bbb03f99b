package statuslist_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

// A status list token is read as strictly as a certificate: no duplicate
// or case-variant member names (header and claims, at every level), no
// "crit", no white space inside, valid UTF-8.
func TestParseOneReading(t *testing.T) {
	k, _ := keys.FromPrivate(testkey.Ed25519())
	trust := &verify.PinnedKeys{Keys: keys.PublicSet(k)}
	good := signedList(t, k, "fjhrss", uri, iat, map[int]uint8{7: statuslist.Revoked}, []statuslist.Detail{{Index: 7, Reason: "fraud", At: iat.Unix()}})
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding
	header, _ := b64.DecodeString(parts[0])
	claims, _ := b64.DecodeString(parts[1])
	resign := func(h, c string) string {
		in := b64.EncodeToString([]byte(h)) + "." + b64.EncodeToString([]byte(c))
		return in + "." + b64.EncodeToString(ed25519.Sign(testkey.Ed25519(), []byte(in)))
	}
	now := iat.Add(time.Hour)
	if _, err := statuslist.Parse(resign(string(header), string(claims)), trust, now); err != nil {
		t.Fatalf("control: %v", err)
	}
	rep := func(s, old, new string) string {
		if !strings.Contains(s, old) {
			t.Fatalf("%q not in %s", old, s[:min(len(s), 200)])
		}
		return strings.Replace(s, old, new, 1)
	}
	h, c := string(header), string(claims)
	for name, tok := range map[string]string{
		"duplicate iss":             resign(h, rep(c, `"iss":"fjhrss"`, `"iss":"zjhrss","iss":"fjhrss"`)),
		"ISS":                       resign(h, rep(c, `"iss":`, `"ISS":`)),
		"duplicate bits (nested)":   resign(h, rep(c, `"bits":2`, `"bits":2,"bits":1`)),
		"LST (nested)":              resign(h, rep(c, `"lst":`, `"LST":`)),
		"duplicate idx in a detail": resign(h, rep(c, `"idx":7`, `"idx":9,"idx":7`)),
		"Reason in a detail":        resign(h, rep(c, `"reason":`, `"Reason":`)),
		"invalid UTF-8":             resign(h, rep(c, `"fraud"`, "\"fr\xffud\"")),
		"null details":              resign(h, rep(c, `"titlecert_details":[`, `"titlecert_details":null,"x":[`)),
		"crit header":               resign(rep(h, `"typ"`, `"crit":["exp"],"exp":1,"typ"`), c),
		"duplicate typ header":      resign(rep(h, `"typ"`, `"typ":"JWT","typ"`), c),
		"KID header":                resign(rep(h, `"kid"`, `"KID"`), c),
		"line break inside":         good[:50] + "\r\n" + good[50:],
		"space inside":              good[:len(parts[0])+10] + " " + good[len(parts[0])+10:],
		"non-canonical last base64": good[:len(good)-1] + string(good[len(good)-1]+1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := statuslist.Parse(tok, trust, now)
			if !errors.Is(err, statuslist.ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
		})
	}
	// Leading and trailing white space stay accepted.
	if _, err := statuslist.Parse("\r\n "+good+"\n", trust, now); err != nil {
		t.Fatal(err)
	}
}

// Issuer B's key never vouches for a list that claims to be issuer A's:
// it could otherwise un-revoke A's certificates.
func TestBoundSetRefusesOtherIssuersList(t *testing.T) {
	a, _ := keys.FromPrivate(testkey.Ed25519())
	b, _ := keys.Generate(keys.ES256, nil)
	set2 := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{keys.Public(a), keys.Public(b)}}
	trust := &verify.PinnedKeys{Keys: set2, Issuers: map[string]string{a.KeyID: "fjhrss", b.KeyID: "zjhrss"}}
	now := iat.Add(time.Hour)
	// A's real list revokes entry 7; B signs a later list for A's URI
	// that says nothing is revoked.
	real := signedList(t, a, "fjhrss", uri, iat, map[int]uint8{7: statuslist.Revoked}, nil)
	forged := signedList(t, b, "fjhrss", uri, iat.Add(time.Minute), nil, nil)

	set := statuslist.NewSet(trust, now)
	if err := set.Add(real); err != nil {
		t.Fatal(err)
	}
	err := set.Add(forged)
	if !errors.Is(err, statuslist.ErrUntrusted) || !strings.Contains(err.Error(), `signs for issuer "zjhrss"`) {
		t.Fatalf("forged list: %v", err)
	}
	st, err := set.Status(t.Context(), "fjhrss", uri, 7)
	if err != nil || st.Value != verify.Revoked {
		t.Fatalf("entry 7: %+v %v", st, err)
	}
	// B's own list is fine.
	if err := set.Add(signedList(t, b, "zjhrss", "https://zj.example/s/1", iat, nil, nil)); err != nil {
		t.Fatal(err)
	}
	// Unbound (a one-issuer trust set), the forged list would win.
	open := statuslist.NewSet(&verify.PinnedKeys{Keys: set2}, now)
	open.Add(real)
	if err := open.Add(forged); err != nil {
		t.Fatal(err)
	}
	if st, _ := open.Status(t.Context(), "fjhrss", uri, 7); st.Value != verify.Valid {
		t.Fatalf("the premise of the test is wrong: %+v", st)
	}
}
