package verify_test

import (
	"context"
	"errors"
	"testing"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/verify"
)

// statusFunc is a StatusSource made of a function: here, sources that fail
// in ways the real ones (package verify/statuslist) do not today.
type statusFunc func(ctx context.Context, iss, uri string, idx int64) (verify.EntryStatus, error)

func (f statusFunc) Status(ctx context.Context, iss, uri string, idx int64) (verify.EntryStatus, error) {
	return f(ctx, iss, uri, idx)
}

// Whatever goes wrong with the status, a genuine certificate is unknown
// with a reason, never valid: a source failing with an error that is not a
// *StatusError, a value outside Valid/Revoked/Suspended, and a
// certificate that names no status list at all.
func TestStatusFailSafe(t *testing.T) {
	v := loadVector(t)
	_, trust := trustTestKey(t)
	valid := statusFunc(func(context.Context, string, string, int64) (verify.EntryStatus, error) {
		return verify.EntryStatus{Value: verify.Valid}, nil
	})
	for _, tc := range []struct {
		name   string
		jws    string
		src    verify.StatusSource
		reason verify.StatusReason
	}{
		{"source fails", v.JWS, statusFunc(func(context.Context, string, string, int64) (verify.EntryStatus, error) {
			return verify.EntryStatus{}, errors.New("disk on fire")
		}), verify.ReasonStatusListInvalid},
		{"undefined value", v.JWS, statusFunc(func(context.Context, string, string, int64) (verify.EntryStatus, error) {
			return verify.EntryStatus{Value: verify.Verdict("3")}, nil
		}), verify.ReasonStatusListInvalid},
		{"no status reference", signVectorWithout(t), valid, verify.ReasonNoStatusReference},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verify.Check(tc.jws, verify.Options{Trust: trust, Now: checkTime, Status: tc.src})
			if r.Status != verify.Unknown || r.StatusReason != tc.reason || r.Reason != "" || !r.StatusChecked || r.Certificate == nil {
				t.Fatalf("%s/%s (checked %v), want unknown/%s with the certificate", r.Status, r.ReasonCode(), r.StatusChecked, tc.reason)
			}
		})
	}
	// The same source answering valid: valid.
	if r := verify.Check(v.JWS, verify.Options{Trust: trust, Now: checkTime, Status: valid}); r.Status != verify.Valid {
		t.Fatalf("with a source that says valid: %s/%s", r.Status, r.Reason)
	}
}

// signVectorWithout signs the vector's claims again without their status
// list reference.
func signVectorWithout(t *testing.T) string {
	t.Helper()
	v := loadVector(t)
	if v.Claims.Status == nil {
		t.Fatal("the vector names no status list")
	}
	priv, _ := trustTestKey(t)
	c := *v.Claims
	c.Status = nil
	s, err := cert.NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := cert.Sign(s, &c)
	if err != nil {
		t.Fatal(err)
	}
	return jws
}
