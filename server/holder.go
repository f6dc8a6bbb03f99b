package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/server/internal/ratelimit"
	"github.com/titlecert/titlecert/server/internal/redact"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

// Purposes of a holder's credential check, as audited.
const (
	purposeDownload      = "download"
	purposeVerifications = "verifications"
)

// clientAddr is the key rate limits are kept under: the connection's
// address or, with TrustProxyHeaders, the last X-Forwarded-For entry. IPv6
// addresses count by /64, which one subscriber usually holds whole.
func (s *Server) clientAddr(r *http.Request) string {
	addr := r.RemoteAddr
	if s.cfg.TrustProxyHeaders {
		if vs := r.Header.Values("X-Forwarded-For"); len(vs) > 0 {
			parts := strings.Split(vs[len(vs)-1], ",")
			if last := strings.TrimSpace(parts[len(parts)-1]); last != "" {
				addr = last
			}
		}
	}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// holderCredentials are what a holder gives to download their certificate
// or read its verification log.
type holderCredentials struct {
	Number   string `json:"number"`
	IDNumber string `json:"id_number"`
}

// authenticateHolder checks a holder's credentials: the client's rate
// limit, the certificate's lock-out, then the full ID number's keyed hash
// against the store's record of the certificate, in constant time, and
// finally the stored certificate against the server's keys. A wrong number
// and a wrong ID number give the same error after the same work; every
// failure is audited and counts toward the number's lock-out, whether the
// number is real (s.lockout) or made up (s.unknown, which answers alike).
func (s *Server) authenticateHolder(r *http.Request, creds holderCredentials, purpose string) (*store.Certificate, *cert.Claims, error) {
	ctx := r.Context()
	if ok, retry := s.holderLimit.Allow(s.clientAddr(r)); !ok {
		s.m.holder.Inc(purpose, "rate_limited")
		return nil, nil, errRateLimited(retry)
	}
	number := cert.NormalizeNumber(creds.Number) // full-width digits as typed by an IME
	id := cert.NormalizeIDNumber(creds.IDNumber)
	if number == "" || id == "" {
		return nil, nil, errBadRequest("请填写证书编号和身份证号", "give the certificate number and the full ID number")
	}
	if cert.CheckIDNumber(id, s.now()) != nil {
		s.m.holder.Inc(purpose, "bad_id_number")
		return nil, nil, errBadRequest("身份证号格式不正确（18位，最后一位可为X）", "that is not a resident ID number (18 characters, the last may be X)")
	}
	key := s.cfg.HolderHash(id) // for every request, known number or not
	if len(number) > cert.MaxNumberLen {
		s.m.holder.Inc(purpose, "denied")
		return nil, nil, errCredentials
	}
	// Reserve the attempt before the check, so that concurrent guesses
	// cannot slip past the lock-out. Made-up numbers have a lock-out of
	// their own (s.unknown), with the same limits, so that they answer
	// with the same sequence of 403s and 429s as real ones: a different
	// answer would tell which numbers exist.
	if ok, retry := s.lockout.Begin(number); !ok {
		s.m.holder.Inc(purpose, "locked")
		return nil, nil, errLocked(retry)
	}
	if ok, retry := s.unknown.Begin(number); !ok {
		s.lockout.Abandon(number)
		s.m.holder.Inc(purpose, "locked")
		return nil, nil, errLocked(retry)
	}
	rec, err := s.store.Certificate(ctx, number)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.lockout.Abandon(number)
		s.unknown.Abandon(number)
		return nil, nil, errInternal(err)
	}
	if rec == nil {
		s.lockout.Abandon(number)
		return nil, nil, s.holderDenied(ctx, number, purpose, s.unknown)
	}
	s.unknown.Abandon(number)
	if subtle.ConstantTimeCompare(key, rec.HolderKey) != 1 {
		return nil, nil, s.holderDenied(ctx, number, purpose, s.lockout)
	}
	res := verify.CheckJWS(rec.JWS, verify.SourceJWS, verify.Options{Trust: s.trust, Now: s.now})
	if res.Certificate == nil {
		// The stored certificate does not verify with the server's keys:
		// a configuration problem (a key missing from Trust), not the
		// holder's.
		s.lockout.Abandon(number)
		return nil, nil, errInternal(errors.New("stored certificate " + number + " does not verify: " + res.ReasonCode()))
	}
	s.lockout.Succeed(number)
	return rec, res.Certificate, nil
}

// holderRecord returns a verify.Options.Holder that confirms a full ID
// number against the store's record of the certificate (its keyed hash).
// It knows only this issuer's certificates that the store holds.
func (s *Server) holderRecord(ctx context.Context) func(c *cert.Claims, id string) (match, ok bool) {
	return func(c *cert.Claims, id string) (bool, bool) {
		if c.Issuer != s.cfg.Issuer.ID {
			return false, false
		}
		rec, err := s.store.Certificate(ctx, c.Number)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				s.log.ErrorContext(ctx, "reading a certificate to confirm an ID number", "err", err.Error())
			}
			return false, false
		}
		if len(rec.HolderKey) == 0 {
			return false, false
		}
		return subtle.ConstantTimeCompare(s.cfg.HolderHash(id), rec.HolderKey) == 1, true
	}
}

// holderDenied records a failed credential check, counting it towards the
// number's lock-out in o, and returns the error to answer with.
func (s *Server) holderDenied(ctx context.Context, number, purpose string, o *ratelimit.Lockout) error {
	s.m.holder.Inc(purpose, "denied")
	locked := o.Fail(number)
	detail := "wrong certificate number or ID number"
	if locked {
		detail += "; locked"
	}
	if err := s.audit(ctx, store.AuditEntry{At: s.now().UTC(), Actor: "holder", Action: purpose + ".denied", Number: number, Detail: detail}); err != nil {
		s.log.ErrorContext(ctx, "audit: recording a denied holder request", "err", err.Error())
	}
	return errCredentials
}

// download authenticates a holder and returns their certificate's PDF.
func (s *Server) download(r *http.Request, creds holderCredentials) (number string, pdfBytes []byte, err error) {
	rec, claims, err := s.authenticateHolder(r, creds, purposeDownload)
	if err != nil {
		return "", nil, err
	}
	ctx := r.Context()
	if rec.Status != store.StatusValid {
		s.m.holder.Inc(purposeDownload, "not_in_force")
		if err := s.audit(ctx, store.AuditEntry{At: s.now().UTC(), Actor: "holder", Action: "download.refused", Number: rec.Number, Detail: "certificate " + rec.Status}); err != nil {
			s.log.ErrorContext(ctx, "audit: recording a refused download", "err", err.Error())
		}
		zh := map[string]string{store.StatusRevoked: "此证书已被撤销，不提供下载", store.StatusSuspended: "此证书已暂停使用，暂不提供下载"}[rec.Status]
		if zh == "" {
			zh = "此证书目前不提供下载"
		}
		return "", nil, &httpError{status: http.StatusGone, code: "not_in_force", zh: zh, en: "this certificate is " + rec.Status + " and cannot be downloaded"}
	}
	var buf bytes.Buffer
	if err := s.renderPDF(&buf, rec, claims); err != nil {
		return "", nil, errInternal(err)
	}
	if sum := sha256.Sum256(buf.Bytes()); len(rec.PDFHash) > 0 && subtle.ConstantTimeCompare(sum[:], rec.PDFHash) != 1 {
		// Same certificate, same attachment, but not the bytes issued:
		// the renderer changed since issuance.
		s.log.WarnContext(ctx, "download: the PDF rendered again differs from the file issued")
	}
	// Audited before it is sent; no audit, no download.
	if err := s.audit(ctx, store.AuditEntry{At: s.now().UTC(), Actor: "holder", Action: purposeDownload, Number: rec.Number}); err != nil {
		return "", nil, errInternal(err)
	}
	s.m.holder.Inc(purposeDownload, "ok")
	return rec.Number, buf.Bytes(), nil
}

// renderPDF renders an issued certificate again from its JWS, in the QR
// text form it was issued with, so that the holder gets the bytes issued.
// (pdf.Renderer.RenderIssued, the one render path.)
func (s *Server) renderPDF(w io.Writer, rec *store.Certificate, c *cert.Claims) error {
	return s.renderer.RenderIssued(w, pdf.Issued{Issuer: s.cfg.Issuer, Form: cert.QRForm(rec.QRForm), JWS: rec.JWS, Claims: c})
}

func writePDF(w http.ResponseWriter, number string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": number + ".pdf"}))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// holderLog authenticates a holder and returns their verification log.
func (s *Server) holderLog(r *http.Request, creds holderCredentials) (string, []store.Verification, error) {
	rec, _, err := s.authenticateHolder(r, creds, purposeVerifications)
	if err != nil {
		return "", nil, err
	}
	s.verification.flush() // include what is still queued
	var out []store.Verification
	err = s.store.Verifications(r.Context(), rec.Number, maxLogEntries, func(v store.Verification) error {
		out = append(out, v)
		return nil
	})
	if err != nil {
		return "", nil, errInternal(err)
	}
	s.m.holder.Inc(purposeVerifications, "ok")
	return rec.Number, out, nil
}

// maxLogEntries bounds the verification log returned at once.
const maxLogEntries = 1000

// decodeJSON reads a JSON object of at most MaxBody bytes into v, refusing
// unknown fields and trailing data.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return errMediaType
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return errBadRequest("请求内容不是有效的JSON", "the body is not the expected JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errBadRequest("请求内容不是有效的JSON", "the body is not the expected JSON object")
	}
	return nil
}

func (s *Server) handleAPIDownload(w http.ResponseWriter, r *http.Request) error {
	var creds holderCredentials
	if err := s.decodeJSON(w, r, &creds); err != nil {
		return err
	}
	number, data, err := s.download(r, creds)
	if err != nil {
		return err
	}
	writePDF(w, number, data)
	return nil
}

type verificationJSON struct {
	At      time.Time `json:"at"`
	Channel string    `json:"channel"`
}

func (s *Server) handleAPIHolderLog(w http.ResponseWriter, r *http.Request) error {
	var creds holderCredentials
	if err := s.decodeJSON(w, r, &creds); err != nil {
		return err
	}
	number, log, err := s.holderLog(r, creds)
	if err != nil {
		return err
	}
	out := struct {
		Number        string             `json:"number"`
		Verifications []verificationJSON `json:"verifications"`
	}{Number: number, Verifications: []verificationJSON{}}
	for _, v := range log {
		out.Verifications = append(out.Verifications, verificationJSON{At: v.At.UTC(), Channel: v.Channel})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) downloadView() downloadView {
	v := downloadView{chrome: s.chrome()}
	return v
}

func (s *Server) handleDownloadForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "download.tmpl", s.downloadView())
	return nil
}

// handleDownloadPost is the download form: the PDF, or the verification
// log shown on the page; errors are shown on the form.
func (s *Server) handleDownloadPost(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	creds := holderCredentials{Number: r.PostForm.Get("number"), IDNumber: r.PostForm.Get("id_number")}
	v := s.downloadView()
	v.Number = strings.TrimSpace(creds.Number)
	var err error
	if r.PostForm.Get("action") == "log" {
		var number string
		var log []store.Verification
		number, log, err = s.holderLog(r, creds)
		if err == nil {
			v.Number, v.Shown = number, true
			for _, e := range log {
				v.Log = append(v.Log, logEntry{At: showTime(e.At), Channel: channelWords[e.Channel]})
			}
			s.render(w, r, http.StatusOK, "download.tmpl", v)
			return nil
		}
	} else {
		var number string
		var data []byte
		number, data, err = s.download(r, creds)
		if err == nil {
			writePDF(w, number, data)
			return nil
		}
	}
	var he *httpError
	if !errors.As(err, &he) || he.status >= 500 {
		return err
	}
	if he.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((he.retryAfter+time.Second-1)/time.Second)))
	}
	v.Error = words{he.zh, he.en}
	s.render(w, r, he.status, "download.tmpl", v)
	return nil
}

// audit writes e to the store's audit log with anything shaped like an ID
// number removed from every field: the log is append-only, and a holder
// may type their ID number into the certificate-number field.
func (s *Server) audit(ctx context.Context, e store.AuditEntry) error {
	e.Actor = redact.IDNumbers(e.Actor)
	e.Action = redact.IDNumbers(e.Action)
	e.Number = redact.IDNumbers(e.Number)
	e.Detail = redact.IDNumbers(e.Detail)
	return s.store.Audit(ctx, e)
}
