package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/scan"
	"github.com/titlecert/titlecert/verify/statuslist"
)

type verifyOptions struct {
	trust         []string
	trustIssuer   []string
	idNumber      string
	status        []string
	statusURLs    []string
	issuerConfigs []string
	online        bool
	cacheDir      string
	json          bool
	now           func() time.Time
}

func newVerifyCmd() *cobra.Command {
	o := &verifyOptions{}
	c := &cobra.Command{
		Use:   "verify --trust JWKS [--json] [--id-number N] INPUT...",
		Short: "Verify certificates offline: a compact JWS, the QR text (URL), a PDF file, a photo or scan, or - for stdin",
		Long: `Verify certificates offline against the issuer public keys in --trust.
INPUT is a compact JWS, the text of the QR code (a URL), a PDF certificate file,
a photo or scan of the QR code (JPEG or PNG, at most 20 MiB and 40 megapixels),
a file holding a JWS or QR text, or - to read any of these from standard input.

For a PDF, both the attached certificate.jws and the QR code printed on the
page are read; if they carry different certificates the verdict is invalid
(pdf_mismatch). The file is also compared with the one its certificate
renders to: "original" says whether it is byte-identical. The issuer name
and addresses printed on the page are not signed; without --issuer-config
they are taken from the file itself and the output names them.

A file in which no certificate can be read (a photo without a readable QR
code, a PDF with neither attachment nor readable code, a damaged file) is
"unreadable": that says nothing about any certificate.

Exit status: 0 when every input is valid, 1 when any is not valid (invalid,
revoked, suspended, unknown), else 2 when an input is unreadable; 2 also for
usage errors.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd, o, args)
		},
	}
	f := c.Flags()
	f.StringArrayVar(&o.trust, "trust", nil, "trusted issuer public keys (JWKS, from titlecert keys export; repeatable, one file per issuer or one file naming each key's issuer)")
	f.StringArrayVar(&o.trustIssuer, "trust-issuer", nil, "the issuer identifier (iss) of the keys of the one --trust file that names none (written by titlecert keys export before keys named their issuer)")
	f.BoolVar(&o.json, "json", false, "print one JSON object per input")
	f.StringVar(&o.idNumber, "id-number", "", "confirm that this full resident ID number is the holder's (the whole number when the certificate carries the optional ID hash, otherwise its visible characters only)")
	f.StringArrayVar(&o.statusURLs, "status-url", nil, "fetch the status list at this URL (repeatable; cached by its ttl)")
	f.BoolVar(&o.online, "online", false, "fetch each certificate's status list from the URI it carries (cached by its ttl)")
	f.StringVar(&o.cacheDir, "cache", "", "folder for fetched status lists (default: the user cache folder)")
	f.StringArrayVar(&o.status, "status", nil, "signed status list file(s) from titlecert status export (repeatable); without it revocation is not checked")
	f.StringArrayVar(&o.issuerConfigs, "issuer-config", nil, "the issuer's config.json (issuer_id, issuer_name, base_url), to check a PDF's printed issuer name and addresses (repeatable)")
	c.MarkFlagRequired("trust")
	return c
}

func runVerify(cmd *cobra.Command, o *verifyOptions, args []string) error {
	trust, err := readTrustFiles(cmd, o.trust, o.trustIssuer)
	if err != nil {
		return err
	}
	pinned := &verify.PinnedKeys{Keys: trust.Keys, Issuers: trust.Issuers}
	opts := verify.Options{Trust: pinned, Now: o.now}
	if len(o.status) > 0 || len(o.statusURLs) > 0 || o.online {
		now := time.Now()
		if o.now != nil {
			now = o.now()
		}
		set := statuslist.NewSet(pinned, now)
		cache := o.cacheDir
		if cache == "" {
			if d, err := os.UserCacheDir(); err == nil {
				cache = filepath.Join(d, "titlecert", "status")
			}
		}
		fetcher := &statuslist.Fetcher{CacheDir: cache}
		for _, u := range o.statusURLs {
			tok, err := fetcher.Fetch(cmd.Context(), u)
			if err == nil {
				err = set.Add(tok)
			}
			if err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "titlecert: warning: --status-url %s: %v\n", u, err)
			}
		}
		for _, f := range o.status {
			data, err := readCapped(f, 4*statuslist.MaxTokenLen)
			if err != nil {
				return usagef("--status: %v", err)
			}
			if err := set.AddBundle(data); err != nil {
				// Not fatal: certificates that point at a bad list are
				// reported as unknown, with the reason.
				fmt.Fprintf(cmd.ErrOrStderr(), "titlecert: warning: --status %s: %v\n", f, err)
			}
		}
		opts.Status = set
		if o.online {
			opts.Status = &statuslist.Online{Set: set, Fetcher: fetcher}
		}
	}
	if o.idNumber != "" {
		id := cert.NormalizeIDNumber(o.idNumber)
		if err := cert.CheckIDNumber(id, time.Now()); err != nil {
			return usagef("--id-number: %v", err)
		}
		opts.IDNumber = id
	}
	var po scan.PDFOptions
	for _, f := range o.issuerConfigs {
		is, err := readIssuerConfig(f)
		if err != nil {
			return usagef("--issuer-config: %v", err)
		}
		// A later file for the same issuer replaces an earlier one.
		po.Issuers = slices.DeleteFunc(po.Issuers, func(c cert.Issuer) bool { return c.ID == is.ID })
		po.Issuers = append(po.Issuers, is)
	}
	out := cmd.OutOrStdout()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	allValid, unreadable := true, false
	for i, arg := range args {
		r, err := checkInputPDF(cmd.Context(), cmd.InOrStdin(), arg, opts, &po)
		if err != nil {
			return usageError{err}
		}
		switch r.Status {
		case verify.Valid:
		case verify.Unreadable:
			unreadable = true
		default:
			allValid = false
		}
		if o.json {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			fmt.Fprintln(out)
		}
		printResult(out, r)
	}
	if !allValid {
		return silentError{exitFailed}
	}
	if unreadable {
		return silentError{exitUsage}
	}
	return nil
}

// readIssuerConfig reads an issuer's config.json (or a file with the
// same members) for --issuer-config.
func readIssuerConfig(path string) (cert.Issuer, error) {
	data, err := readCapped(path, 64<<10)
	if err != nil {
		return cert.Issuer{}, err
	}
	var c datadir.Config
	if err := json.Unmarshal(data, &c); err != nil {
		return cert.Issuer{}, fmt.Errorf("%s: %v", path, err)
	}
	if c.IssuerID == "" || c.IssuerName == "" || c.BaseURL == "" {
		return cert.Issuer{}, fmt.Errorf("%s: issuer_id, issuer_name and base_url are required", path)
	}
	return c.Issuer(), nil
}

// maxInputSize is the most checkInput reads: an image may be larger than
// a PDF.
const maxInputSize = max(pdf.MaxPDFSize, scan.MaxImageSize)

// checkInput reads one INPUT and verifies it. An error means the input
// could not be read (exit 2); an invalid certificate is a Result.
func checkInput(ctx context.Context, stdin io.Reader, arg string, o verify.Options) (verify.Result, error) {
	return checkInputPDF(ctx, stdin, arg, o, &scan.PDFOptions{})
}

// checkInputPDF is checkInput with options for PDF files. What a file is
// comes from its first bytes: a PDF (%PDF-), a JPEG (FF D8 FF) or PNG
// image, else the text of a JWS or QR code.
func checkInputPDF(ctx context.Context, stdin io.Reader, arg string, o verify.Options, po *scan.PDFOptions) (verify.Result, error) {
	var data []byte
	input := arg
	switch {
	case arg == "-":
		b, err := io.ReadAll(io.LimitReader(stdin, maxInputSize+1))
		if err != nil {
			return verify.Result{}, fmt.Errorf("reading standard input: %v", err)
		}
		if len(b) > maxInputSize {
			return verify.Result{}, fmt.Errorf("standard input is larger than %d bytes", maxInputSize)
		}
		data, input = b, "-"
	case looksLikeToken(arg):
		r := verify.Check(arg, o)
		return r, nil
	default:
		b, err := readCapped(arg, maxInputSize)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return verify.Result{}, fmt.Errorf("%s: no such file, and not a certificate JWS or QR text", arg)
			}
			return verify.Result{}, err
		}
		data = b
	}
	var r verify.Result
	switch scan.Sniff(data) {
	case scan.KindPDF:
		if len(data) > pdf.MaxPDFSize {
			return verify.Result{}, fmt.Errorf("%s is a PDF of %d bytes, at most %d accepted", input, len(data), pdf.MaxPDFSize)
		}
		if po.Renderer == nil {
			rnd, err := pdf.NewRenderer()
			if err != nil {
				return verify.Result{}, err
			}
			po.Renderer = rnd
		}
		r = scan.CheckPDFContext(ctx, data, o, *po)
	case scan.KindJPEG, scan.KindPNG:
		var err error
		if r, err = scan.CheckImageContext(ctx, bytes.NewReader(data), int64(len(data)), o); err != nil {
			return verify.Result{}, fmt.Errorf("%s: %v", input, scan.Detail(err))
		}
	default:
		if len(data) > cert.MaxQRTextLen {
			r = verify.Result{Status: verify.Invalid, Reason: verify.ReasonTooLarge, Detail: fmt.Sprintf("a JWS or QR text has at most %d characters", cert.MaxQRTextLen), CheckedAt: time.Now().UTC().Truncate(time.Second)}
		} else {
			r = verify.CheckContext(ctx, string(data), o)
		}
	}
	if input != "" && !looksLikeToken(input) {
		r.Input = input
	}
	return r, nil
}

// looksLikeToken tells a JWS or QR text on the command line from a path.
func looksLikeToken(s string) bool {
	if cert.LooksLikeQRText(s) && (strings.HasPrefix(strings.ToUpper(s), "HTTP://") || strings.HasPrefix(strings.ToUpper(s), "HTTPS://")) {
		return true
	}
	if strings.Count(s, ".") == 2 && len(s) > 40 {
		for _, c := range s {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return false
			}
		}
		if _, err := os.Stat(s); err == nil {
			return false
		}
		return true
	}
	return false
}

func printResult(w io.Writer, r verify.Result) {
	if r.Input != "" {
		fmt.Fprintf(w, "%s\n", r.Input)
	}
	switch r.Status {
	case verify.Valid:
		fmt.Fprintf(w, "VALID 有效")
	case verify.Revoked, verify.Suspended:
		zh := map[verify.Verdict]string{verify.Revoked: "已撤销", verify.Suspended: "已暂停"}[r.Status]
		fmt.Fprintf(w, "%s %s: %s", strings.ToUpper(string(r.Status)), zh, r.RevocationReason)
		if r.RevocationReason == store.ReasonUnrecorded {
			// Its issuance never completed: there is no date it was revoked.
			fmt.Fprintf(w, " — this certificate was never recorded by the issuer (签发机构从未登记此证书)")
			break
		}
		for _, t := range []*time.Time{r.RevokedAt, r.SuspendedAt} {
			if t != nil {
				fmt.Fprintf(w, ", since %s", t.In(cert.ChinaTime).Format("2006-01-02"))
			}
		}
	case verify.Unreadable:
		fmt.Fprintf(w, "UNREADABLE 无法读取: %s — no certificate could be read from this input; this says nothing about any certificate", r.Reason)
		if r.Detail != "" {
			fmt.Fprintf(w, "\n  %s", r.Detail)
		}
	case verify.Unknown:
		fmt.Fprintf(w, "UNKNOWN 状态未知: %s", r.StatusReason)
		if r.Detail != "" {
			fmt.Fprintf(w, " — %s", r.Detail)
		}
	default:
		fmt.Fprintf(w, "%s 无效: %s", strings.ToUpper(string(r.Status)), r.Reason)
		if r.Detail != "" {
			fmt.Fprintf(w, " — %s", r.Detail)
		}
	}
	fmt.Fprintln(w)
	if r.Original != nil {
		if *r.Original {
			fmt.Fprintln(w, "  原件 Original file: yes — byte-identical to the file the signed certificate renders to")
		} else {
			fmt.Fprintln(w, "  原件 Original file: NO 否")
		}
	}
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "  注意 warning: %s\n", warning)
	}
	c := r.Certificate
	if c == nil {
		return
	}
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %s%s %s\n", label, strings.Repeat(" ", max(0, 24-displayWidth(label))), value)
		}
	}
	if r.Status != verify.Valid {
		fmt.Fprintln(w, "  (the claims below are signed by a trusted key but the certificate is not valid)")
	}
	if !r.StatusChecked {
		fmt.Fprintln(w, "  (revocation not checked: give --status FILE from the issuer)")
	} else if r.StatusList != nil && !r.StatusList.IssuedAt.IsZero() {
		fmt.Fprintf(w, "  (status list of %s, valid until %s)\n", r.StatusList.IssuedAt.In(cert.ChinaTime).Format("2006-01-02 15:04 UTC+8"), r.StatusList.ExpiresAt.In(cert.ChinaTime).Format("2006-01-02 15:04 UTC+8"))
	}
	line("证书编号 Number:", c.Number)
	line("持证人 Holder:", fmt.Sprintf("%s (%s)", c.HolderName, c.HolderIDMask))
	if r.IDNumberMatch != nil {
		switch {
		case *r.IDNumberMatch && r.IDNumberCheck == verify.IDCheckVisibleDigits:
			line("身份证号 ID number:", "visible characters match 可见部分一致 (this certificate carries no ID hash: only the first 4 and last 4 characters can be compared offline; confirm the full number on the issuer's verification page)")
		case *r.IDNumberMatch:
			line("身份证号 ID number:", "matches 一致")
		default:
			line("身份证号 ID number:", "DOES NOT MATCH 不一致")
		}
	}
	line("资格名称 Title:", c.Title)
	line("系列/专业/级别:", fmt.Sprintf("%s / %s / %s", c.Series, c.Specialty, c.Level))
	line("评审委员会 Committee:", c.Committee)
	line("评审日期 Reviewed:", c.ReviewDate)
	line("文号 Approval:", c.ApprovalDoc)
	route := c.Route.Chinese() + " (" + string(c.Route) + ")"
	if c.Route == cert.RouteTargeted {
		route += " — 仅限 " + c.Scope + " 基层岗位 / valid only for grass-roots posts in " + c.Scope
	}
	line("评价方式 Route:", route)
	line("工作单位 Employer:", c.Employer)
	line("签发机构 Issuer:", fmt.Sprintf("%s (key %s)", c.Issuer, r.KeyID))
	line("签发时间 Issued:", c.IssuedTime().In(cert.ChinaTime).Format("2006-01-02 15:04 UTC+8"))
	line("验证码 Code:", r.Code)
	if own := cert.VerificationCode(r.JWS); own != r.Code {
		// An ES256 signature with a high s, checked offline: either a
		// certificate issued before titlecert signed low-s only, whose
		// PDF prints this code, or a twin made without the key. Only the
		// issuer's server can tell (docs/FORMAT.md §7).
		line("", "(签名为高 s 形式：早期签发的 ES256 证书印有 "+own+"；以签发机构的核验页为准 / high-s ES256 signature: an early certificate prints "+own+"; the issuer's page is authoritative)")
	}
}

// displayWidth counts East Asian wide characters as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 || r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 || r >= 0xffe0 && r <= 0xffe6 || r >= 0x20000) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// readTrustFiles reads the --trust files and binds every key to the issuer
// it signs for. A file whose keys name their issuer (titlecert keys export)
// binds itself. A legacy file, whose keys name none, is bound to
// --trust-issuer; without it, it is accepted only as the sole trust source
// holding a single key (what every older keys export wrote), with a
// warning that the certificates' "iss" is then not checked against the key.
func readTrustFiles(cmd *cobra.Command, files []string, trustIssuers []string) (*keys.Trust, error) {
	// A repeated --trust-issuer would bind every legacy file to the last
	// one named, and a genuine certificate of another issuer would be
	// reported invalid (untrusted_issuer): refuse it, as a usage error.
	if len(trustIssuers) > 1 {
		return nil, usagef("--trust-issuer given %d times (%s): it names the issuer of the one --trust file whose keys name none; give each other issuer's keys from a current titlecert keys export or its server's /.well-known/jwks.json, which name their issuer", len(trustIssuers), strings.Join(trustIssuers, ", "))
	}
	trustIssuer := ""
	if len(trustIssuers) == 1 {
		trustIssuer = trustIssuers[0]
	}
	if trustIssuer != "" && cert.CheckIssuerID(trustIssuer) != nil {
		return nil, usagef("--trust-issuer %q: an issuer identifier is 1-64 of A-Z a-z 0-9 . _ -", trustIssuer)
	}
	all := &keys.Trust{Issuers: map[string]string{}}
	legacy := "" // the --trust file bound to trustIssuer
	for _, f := range files {
		raw, err := readCapped(f, keys.MaxTrustLen)
		if err != nil {
			return nil, usagef("--trust: %v", err)
		}
		t, err := keys.ReadTrust(raw)
		if err != nil {
			return nil, usagef("--trust %s: %v", f, err)
		}
		if t.Legacy() {
			switch {
			case trustIssuer != "" && legacy != "":
				return nil, usagef("--trust %s and --trust %s: neither says which issuer its keys sign for, and --trust-issuer names the issuer of one of them only: give each other issuer's keys from a current titlecert keys export or its server's /.well-known/jwks.json, which name their issuer", legacy, f)
			case trustIssuer != "":
				t.Bind(trustIssuer)
				legacy = f
			case len(files) > 1 || len(t.Keys.Keys) > 1:
				return nil, usagef("--trust %s: its keys do not say which issuer they sign for, and with %s an issuer's key could vouch for another issuer's certificates: export each issuer's keys again with a current titlecert keys export, or name this file's issuer with --trust-issuer", f, trustSources(files, t))
			default:
				fmt.Fprintf(cmd.ErrOrStderr(), "titlecert: warning: --trust %s does not say which issuer its key signs for, so a certificate's issuer (iss) is its own claim: export the keys again with titlecert keys export, or pass --trust-issuer\n", f)
			}
		}
		for _, k := range t.Keys.Keys {
			iss, bound := t.Issuers[k.KeyID]
			if prev, dup := all.Issuers[k.KeyID]; dup && bound && prev != iss {
				return nil, usagef("--trust %s: key %s signs for issuer %q here and for %q in another --trust file", f, k.KeyID, iss, prev)
			}
			if len(all.Keys.Key(k.KeyID)) == 0 {
				all.Keys.Keys = append(all.Keys.Keys, k)
			}
			if bound {
				all.Issuers[k.KeyID] = iss
			}
		}
	}
	return all, nil
}

func trustSources(files []string, t *keys.Trust) string {
	if len(files) > 1 {
		return fmt.Sprintf("%d --trust files", len(files))
	}
	return fmt.Sprintf("%d keys in one file", len(t.Keys.Keys))
}
