package cert_test

import (
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/cert"
)

// TestIssuerAddresses: the issuer alone derives the addresses certificates
// carry, and they are those of FORMAT.md's vectors and of certificates
// already issued (a trailing slash of the base URL is ignored).
func TestIssuerAddresses(t *testing.T) {
	const jws = "eyJhbGciOiJFZERTQSJ9.e30.c2ln"
	for _, base := range []string{"https://verify.hrss.fj.example", "https://verify.hrss.fj.example/", "https://verify.hrss.fj.example//"} {
		is := cert.Issuer{ID: "fjhrss", Name: "福建省人力资源和社会保障厅", BaseURL: base}
		if got, want := is.VerifyURL(), "https://verify.hrss.fj.example/v"; got != want {
			t.Errorf("%s: VerifyURL %q, want %q", base, got, want)
		}
		if got, want := is.StatusURI(1), "https://verify.hrss.fj.example/s/1"; got != want { // FORMAT.md §7 vector
			t.Errorf("%s: StatusURI(1) %q, want %q", base, got, want)
		}
		if got, want := is.StatusURI(9007199254740993), "https://verify.hrss.fj.example/s/9007199254740993"; got != want {
			t.Errorf("%s: StatusURI %q, want %q", base, got, want)
		}
		for _, form := range []cert.QRForm{cert.QRFormLower, cert.QRFormUpper} {
			if got, want := is.QRText(form, jws), form.Text(base, jws); got != want {
				t.Errorf("%s: QRText(%v) %q, want %q", base, form, got, want)
			}
		}
	}
	// A path is kept, in its case.
	is := cert.Issuer{BaseURL: "https://Verify.HRSS.fj.example/Zc/"}
	if got, want := is.VerifyURL(), "https://Verify.HRSS.fj.example/Zc/v"; got != want {
		t.Errorf("VerifyURL %q, want %q", got, want)
	}
	if got, want := is.StatusURI(0), "https://Verify.HRSS.fj.example/Zc/s/0"; got != want {
		t.Errorf("StatusURI %q, want %q", got, want)
	}
}

// TestCheckIssuerID is the one issuer-id rule (FORMAT.md §4 "iss"), at its
// limits: the one claims validation applies.
func TestCheckIssuerID(t *testing.T) {
	for id, ok := range map[string]bool{
		"fjhrss": true, "FJ.hrss_2-x": true, "0": true, strings.Repeat("a", 64): true,
		"": false, strings.Repeat("a", 65): false, ".fjhrss": false, "-x": false, "_x": false,
		"fj hrss": false, "福建": false, "fj/hrss": false, "fjhrss\n": false,
	} {
		err := cert.CheckIssuerID(id)
		if (err == nil) != ok {
			t.Errorf("CheckIssuerID(%q) = %v, want ok %v", id, err, ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "cert: issuer id") {
			t.Errorf("CheckIssuerID(%q): error %q does not start with the package and field", id, err)
		}
		// Claims validation uses the same rule.
		c := vectorClaims(t)
		c.Issuer = id
		if verr := c.Validate(); (verr == nil) != ok {
			t.Errorf("Validate with iss %q = %v, want ok %v", id, verr, ok)
		}
	}
}

func TestIssuerCheck(t *testing.T) {
	good := cert.Issuer{ID: "fjhrss", Name: "福建省人力资源和社会保障厅", BaseURL: "https://verify.hrss.fj.example"}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit func(*cert.Issuer)
		want string
	}{
		"id":            {func(is *cert.Issuer) { is.ID = "fj hrss" }, "cert: issuer id"},
		"no name":       {func(is *cert.Issuer) { is.Name = "" }, "cert: issuer name"},
		"long name":     {func(is *cert.Issuer) { is.Name = strings.Repeat("厅", cert.MaxIssuerNameLen+1) }, "cert: issuer name"},
		"control":       {func(is *cert.Issuer) { is.Name = "福建\u202e" }, "cert: issuer name"},
		"no base":       {func(is *cert.Issuer) { is.BaseURL = "" }, "cert: base URL"},
		"base scheme":   {func(is *cert.Issuer) { is.BaseURL = "ftp://x.example" }, "cert: base URL"},
		"base alphanum": {func(is *cert.Issuer) { is.BaseURL = "https://x.example/a_b" }, "cert: base URL"},
	} {
		is := good
		tc.edit(&is)
		if err := is.Check(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error starting %q", name, err, tc.want)
		}
	}
}

// TestIssuerNameRenders: a new issuer's name is refused exactly where its
// certificates could no longer be rendered; one already configured keeps
// the longer names older versions accepted.
func TestIssuerNameRenders(t *testing.T) {
	is := cert.Issuer{ID: "fjhrss", Name: strings.Repeat("厅", cert.MaxIssuerNameLen), BaseURL: "https://verify.hrss.fj.example"}
	if err := is.Check(); err != nil {
		t.Fatalf("a name of %d characters: %v", cert.MaxIssuerNameLen, err)
	}
	is.Name += "厅"
	if err := is.Check(); err == nil || !strings.Contains(err.Error(), "1-64 printable") {
		t.Fatalf("a name of %d characters: %v", cert.MaxIssuerNameLen+1, err)
	}
	if err := is.CheckIssued(); err != nil {
		t.Fatalf("an issuer already configured with a longer name: %v", err)
	}
}

// TestChinaTime: UTC+8 without daylight saving, whatever the date.
func TestChinaTime(t *testing.T) {
	for _, u := range []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 15, 59, 59, 0, time.UTC)} {
		if _, off := u.In(cert.ChinaTime).Zone(); off != 8*3600 {
			t.Errorf("%v: offset %d s", u, off)
		}
	}
	if got := time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC).In(cert.ChinaTime).Year(); got != 2027 {
		t.Errorf("2026-12-31 16:00 UTC is in %d in China, want 2027", got)
	}
}

// TestIssuerCheckIssued: an issuer already configured keeps a base URL
// an older titlecert accepted (QRPrefixIssuedOK); a new one may not use
// it (QRPrefixOK); both apply the one id rule.
func TestIssuerCheckIssued(t *testing.T) {
	old := cert.Issuer{ID: "fjhrss", Name: "福建省人力资源和社会保障厅", BaseURL: "https://verify.hrſs.fj.gov.cn"}
	if err := old.CheckIssued(); err != nil {
		t.Errorf("CheckIssued: %v", err)
	}
	if err := old.Check(); err == nil || !strings.Contains(err.Error(), "not ASCII") {
		t.Errorf("Check: %v, want the base URL refused as not ASCII", err)
	}
	for _, is := range []cert.Issuer{
		{ID: "fj hrss", Name: old.Name, BaseURL: "https://x.cn"},
		{ID: "fjhrss", Name: "", BaseURL: "https://x.cn"},
		{ID: "fjhrss", Name: old.Name, BaseURL: "https://x/a_b"},
	} {
		if is.CheckIssued() == nil || is.Check() == nil {
			t.Errorf("%+v accepted", is)
		}
	}
}
