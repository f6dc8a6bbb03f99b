package statuslist_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/internal/testkey"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/statuslist"
)

// TestVerifyWithStatus checks the verdicts of package verify for the
// FORMAT.md vector (status list https://verify.hrss.fj.example/s/1, index
// 73514) against each kind of status list.
func TestVerifyWithStatus(t *testing.T) {
	raw, err := os.ReadFile("../../cert/testdata/vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		JWS string `json:"jws"`
	}
	json.Unmarshal(raw, &v)
	k, _ := keys.FromPrivate(testkey.Ed25519())
	trust := &verify.PinnedKeys{Keys: keys.PublicSet(k)}
	const vuri, idx = "https://verify.hrss.fj.example/s/1", 73514
	revokedAt := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	now := iat.Add(time.Hour)

	for _, tc := range []struct {
		name   string
		lists  []string
		want   verify.Verdict
		reason string
		json   []string
	}{
		{"valid", []string{signedList(t, k, "fjhrss", vuri, iat, nil, nil)}, verify.Valid, "",
			[]string{`"status":"valid"`, `"status_checked":true`, `"list_expires_at":"2026-09-08T00:00:00Z"`}},
		{"revoked", []string{signedList(t, k, "fjhrss", vuri, iat, map[int]uint8{idx: statuslist.Revoked},
			[]statuslist.Detail{{Index: idx, Reason: "misconduct", At: revokedAt.Unix()}})}, verify.Revoked, "misconduct",
			[]string{`"status":"revoked","reason":"misconduct"`, `"revoked_at":"2026-08-01T00:00:00Z"`}},
		{"revoked without detail", []string{signedList(t, k, "fjhrss", vuri, iat, map[int]uint8{idx: statuslist.Revoked}, nil)}, verify.Revoked, "unspecified", nil},
		{"suspended", []string{signedList(t, k, "fjhrss", vuri, iat, map[int]uint8{idx: statuslist.Suspended},
			[]statuslist.Detail{{Index: idx, Reason: "investigation", At: revokedAt.Unix()}})}, verify.Suspended, "investigation",
			[]string{`"suspended_at"`}},
		{"expired", []string{signedList(t, k, "fjhrss", vuri, iat.Add(-8*24*time.Hour), nil, nil)}, verify.Unknown, string(verify.ReasonStatusListExpired), nil},
		{"missing", []string{signedList(t, k, "fjhrss", "https://verify.hrss.fj.example/s/2", iat, nil, nil)}, verify.Unknown, string(verify.ReasonStatusListMissing), nil},
		{"value 3", []string{signedList(t, k, "fjhrss", vuri, iat, map[int]uint8{idx: 3}, nil)}, verify.Unknown, string(verify.ReasonStatusListInvalid), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := statuslist.NewSet(trust, now)
			set.AddBundle([]byte(strings.Join(tc.lists, "\n")))
			r := verify.Check(v.JWS, verify.Options{Trust: trust, Now: func() time.Time { return now }, Status: set})
			if r.Status != tc.want || r.ReasonCode() != tc.reason {
				t.Fatalf("got %s/%s (%s), want %s/%s", r.Status, r.ReasonCode(), r.Detail, tc.want, tc.reason)
			}
			if r.Certificate == nil || !r.StatusChecked {
				t.Fatal("result lacks the certificate or status_checked")
			}
			js, _ := json.Marshal(r)
			for _, want := range tc.json {
				if !strings.Contains(string(js), want) {
					t.Errorf("JSON lacks %s: %s", want, js)
				}
			}
		})
	}
	// Without a status source the verdict is about the signature only.
	r := verify.Check(v.JWS, verify.Options{Trust: trust, Now: func() time.Time { return now }})
	if r.Status != verify.Valid || r.StatusChecked {
		t.Fatalf("no status source: %+v", r)
	}
}
