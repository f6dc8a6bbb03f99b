package verify

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// resultJSON, the JSON form, has every member of Result but the split
// reasons and Err, under the same name and type, in the same order; its
// one "reason" stands for the three reason fields.
func TestResultJSONMirrorsResult(t *testing.T) {
	rt, jt := reflect.TypeOf(Result{}), reflect.TypeOf(resultJSON{})
	split := map[string]bool{"Reason": true, "StatusReason": true, "RevocationReason": true, "Err": true}
	var want []string
	for i := range rt.NumField() {
		f := rt.Field(i)
		if split[f.Name] {
			if f.Name == "Reason" {
				want = append(want, "Reason")
			}
			continue
		}
		want = append(want, f.Name)
		jf, ok := jt.FieldByName(f.Name)
		if !ok || jf.Type != f.Type {
			t.Errorf("resultJSON lacks %s %s", f.Name, f.Type)
		}
	}
	var got []string
	for i := range jt.NumField() {
		got = append(got, jt.Field(i).Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("resultJSON fields %v, want %v", got, want)
	}
	if f, _ := jt.FieldByName("Reason"); f.Tag.Get("json") != "reason,omitempty" || f.Type.Kind() != reflect.String {
		t.Errorf("resultJSON.Reason is %s %q", f.Type, f.Tag)
	}
}

// Each kind of reason is printed as "reason", at the place FORMAT.md §10
// shows it, and read back into its own field; Err is never printed.
func TestResultJSONReason(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r    Result
		json string
	}{
		{Result{Status: Valid, Source: SourceJWS, CheckedAt: at},
			`{"status":"valid","source":"jws","checked_at":"2026-11-01T00:00:00Z","status_checked":false}`},
		{Result{Status: Invalid, Reason: ReasonBadSignature, Detail: "d", Source: SourceJWS, CheckedAt: at},
			`{"status":"invalid","reason":"bad_signature","detail":"d","source":"jws","checked_at":"2026-11-01T00:00:00Z","status_checked":false}`},
		{Result{Status: Unreadable, Reason: ReasonNoCertificateFound, Source: SourceQRImage, CheckedAt: at},
			`{"status":"unreadable","reason":"no_certificate_found","source":"qr_image","checked_at":"2026-11-01T00:00:00Z","status_checked":false}`},
		{Result{Status: Unknown, StatusReason: ReasonStatusListExpired, Source: SourceURL, CheckedAt: at, StatusChecked: true},
			`{"status":"unknown","reason":"status_list_expired","source":"url","checked_at":"2026-11-01T00:00:00Z","status_checked":true}`},
		{Result{Status: Unknown, StatusReason: ReasonStatusListMissing, Err: errors.New("network down"), Detail: "d", CheckedAt: at, StatusChecked: true},
			`{"status":"unknown","reason":"status_list_missing","detail":"d","checked_at":"2026-11-01T00:00:00Z","status_checked":true}`},
		{Result{Status: Revoked, RevocationReason: "fraud", Source: SourcePDFAttachment, CheckedAt: at, StatusChecked: true, RevokedAt: &at},
			`{"status":"revoked","reason":"fraud","source":"pdf_attachment","checked_at":"2026-11-01T00:00:00Z","status_checked":true,"revoked_at":"2026-11-01T00:00:00Z"}`},
		{Result{Status: Suspended, RevocationReason: ReasonUnspecified, CheckedAt: at, StatusChecked: true},
			`{"status":"suspended","reason":"unspecified","checked_at":"2026-11-01T00:00:00Z","status_checked":true}`},
	} {
		b, err := json.Marshal(tc.r)
		if err != nil || string(b) != tc.json {
			t.Errorf("marshal %s: %v\ngot  %s\nwant %s", tc.r.Status, err, b, tc.json)
			continue
		}
		var back Result
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		want := tc.r
		want.Err = nil
		if !reflect.DeepEqual(back, want) {
			t.Errorf("round trip %s:\ngot  %+v\nwant %+v", tc.r.Status, back, want)
		}
		if p, _ := json.Marshal(&tc.r); string(p) != tc.json {
			t.Errorf("marshal through a pointer: %s", p)
		}
	}
}
