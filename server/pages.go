package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/directory"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/scan"
)

// SourcePDFAttachment is the Result.Source of a JWS read from an uploaded
// PDF's attachment, as `titlecert verify` reports it.
const SourcePDFAttachment = verify.SourcePDFAttachment

// uploadDecodeTimeout bounds the search for a QR code in one upload
// (scan.CheckPDFContext, scan.CheckImageContext): the largest genuine
// photo takes a few seconds; the response must still be written within
// the HTTP server's WriteTimeout.
const uploadDecodeTimeout = 20 * time.Second

// options are the verification options of every online verdict: the
// issuer's keys, the clock and the server's own status lists.
func (s *Server) options(ctx context.Context) verify.Options {
	return verify.Options{Trust: s.trust, Now: s.now, Status: s.status.get(ctx).set, Record: s.issuedJWS(ctx)}
}

// issuedJWS returns a verify.Options.Record: the JWS this issuer issued as
// certificate c.Number, so that an ES256 twin of a certificate (r, n−s),
// which verifies, is shown with the JWS and the code that were issued.
func (s *Server) issuedJWS(ctx context.Context) func(c *cert.Claims) (string, bool) {
	return func(c *cert.Claims) (string, bool) {
		if c.Issuer != s.cfg.Issuer.ID || len(c.Number) > cert.MaxNumberLen {
			return "", false
		}
		rec, err := s.store.Certificate(ctx, c.Number)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				s.log.ErrorContext(ctx, "reading a certificate to find its issued text", "err", err.Error())
			}
			return "", false
		}
		return rec.JWS, true
	}
}

// handleQRPage is the page a phone opens from a certificate's QR code.
func (s *Server) handleQRPage(w http.ResponseWriter, r *http.Request) error {
	res := verify.Check(cert.QRPath+r.PathValue("digits"), s.options(r.Context()))
	if r.Method == http.MethodHead {
		// Link previews (chat apps) probe with HEAD: not a verification
		// to show the holder.
		s.m.verifications.Inc(store.ChannelPage, string(res.Status))
	} else {
		s.verified(res, store.ChannelPage)
	}
	s.render(w, r, http.StatusOK, "verdict.tmpl", s.verdictPage(res, store.ChannelPage))
	return nil
}

func (s *Server) lookupView() lookupView {
	v := lookupView{chrome: s.chrome(), MaxUploadMiB: s.cfg.MaxUpload >> 20}
	return v
}

func (s *Server) handleLookupForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "lookup.tmpl", s.lookupView())
	return nil
}

// parseForm caps and parses a URL-encoded form body.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return errBadRequest("表单无法读取", "the form cannot be read")
	}
	return nil
}

// handleLookup finds a certificate by number and holder name, or by
// verification code, and shows its verdict. A wrong name and an unknown
// number give the same answer.
func (s *Server) handleLookup(w http.ResponseWriter, r *http.Request) error {
	if ok, retry := s.lookupLimit.Allow(s.clientAddr(r)); !ok {
		return errRateLimited(retry)
	}
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	number, name, code := strings.TrimSpace(r.PostForm.Get("number")), strings.TrimSpace(r.PostForm.Get("name")), strings.TrimSpace(r.PostForm.Get("code"))
	v := s.lookupView()
	var rec *store.Certificate
	var err error
	switch {
	case code != "":
		v.Code = code
		rec, err = s.byCode(r.Context(), code)
	case number != "" && name != "":
		v.Number, v.Name = number, name
		rec, err = s.byNumberAndName(r.Context(), number, name)
	default:
		v.Error = words{"请填写证书编号和姓名，或填写验证码。", "Enter the certificate number and the holder's name, or the verification code."}
		s.render(w, r, http.StatusBadRequest, "lookup.tmpl", v)
		return nil
	}
	if errors.Is(err, errNoCertificate) {
		v.Error = words{errNoCertificate.zh, errNoCertificate.en}
		s.render(w, r, http.StatusNotFound, "lookup.tmpl", v)
		return nil
	}
	if err != nil {
		return err
	}
	res := verify.CheckJWS(rec.JWS, verify.SourceJWS, s.options(r.Context()))
	s.verified(res, store.ChannelLookup)
	s.render(w, r, http.StatusOK, "verdict.tmpl", s.verdictPage(res, store.ChannelLookup))
	return nil
}

// byNumberAndName returns the certificate numbered number if its holder's
// name is name, and errNoCertificate otherwise, whether the number is
// unknown or the name wrong. Names are compared as cert.FoldName folds
// them, so that whichever separator dot, space, full-width letter or
// compatibility ideograph a person types, and whatever variant a
// certificate issued before names were normalized holds, the same name
// finds the certificate.
func (s *Server) byNumberAndName(ctx context.Context, number, name string) (*store.Certificate, error) {
	number = cert.NormalizeNumber(number) // "２０２６０００００１" as an IME types it
	if len(number) > cert.MaxNumberLen {
		return nil, errNoCertificate
	}
	rec, err := s.store.Certificate(ctx, number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoCertificate
	}
	if err != nil {
		return nil, errInternal(err)
	}
	if subtle.ConstantTimeCompare([]byte(cert.FoldName(rec.HolderName)), []byte(cert.FoldName(name))) != 1 {
		return nil, errNoCertificate
	}
	return rec, nil
}

func (s *Server) byCode(ctx context.Context, code string) (*store.Certificate, error) {
	c := cert.NormalizeVerificationCode(code)
	if c == "" {
		return nil, errNoCertificate
	}
	rec, err := s.store.ByVerificationCode(ctx, c)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoCertificate
	}
	if err != nil {
		return nil, errInternal(err)
	}
	return rec, nil
}

// handleUpload verifies an uploaded certificate PDF, or a photo or scan
// of its QR code.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) error {
	// Decoding a photo is the costliest thing a stranger can ask for (up to
	// 40 megapixels, several decoding strategies): uploads share the
	// look-up rate limit; the body is read in full, within
	// UploadReadTimeout, before the upload asks for a decoding slot and
	// its memory (s.decoding), so a slow client holds neither.
	if ok, retry := s.lookupLimit.Allow(s.clientAddr(r)); !ok {
		w.Header().Set("Connection", "close") // the body is not read
		return errRateLimited(retry)
	}
	data, held, err := s.readUploadBody(w, r)
	defer held.release()
	if err != nil {
		return err
	}
	release, err := s.startDecoding(r.Context(), data)
	if err != nil {
		return err
	}
	defer release()
	// The same checks as `titlecert verify FILE`: a PDF's attachment and
	// printed QR code, or the QR code in a photo or scan. The image search
	// stops when the client is gone or after uploadDecodeTimeout, so that
	// a hostile file holds its decoding slot a bounded time.
	ctx, cancel := context.WithTimeout(r.Context(), uploadDecodeTimeout)
	defer cancel()
	var res verify.Result
	switch scan.Sniff(data) {
	case scan.KindPDF:
		res = scan.CheckPDFContext(ctx, data, s.options(r.Context()), scan.PDFOptions{Renderer: s.renderer,
			Issuers: []cert.Issuer{s.cfg.Issuer}})
	case scan.KindJPEG, scan.KindPNG:
		res, err = scan.CheckImageContext(ctx, bytes.NewReader(data), int64(len(data)), s.options(r.Context()))
		if errors.Is(err, scan.ErrTooLarge) {
			return errTooLarge
		} else if err != nil {
			return errBadRequest("图片无法读取，请上传JPEG或PNG格式的照片", "the image cannot be read: upload a JPEG or PNG photo")
		}
	default:
		return errMediaType
	}
	s.verified(res, store.ChannelUpload)
	s.render(w, r, http.StatusOK, "verdict.tmpl", s.verdictPage(res, store.ChannelUpload))
	return nil
}

// readUpload returns the content of the multipart field "file", at most
// MaxUpload bytes, holding the memory it takes in held.
func (s *Server) readUpload(r *http.Request, held *heldMemory) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, errMediaType
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errBadRequest("上传内容无法读取", "the upload cannot be read")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, errBadRequest("请选择要上传的PDF文件", "choose a PDF file to upload")
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		data, err := held.readAll(io.LimitReader(part, s.cfg.MaxUpload+1))
		if err != nil {
			return nil, uploadReadError(err)
		}
		if int64(len(data)) > s.cfg.MaxUpload {
			return nil, errTooLarge
		}
		return data, nil
	}
}

// handleConfirm verifies a certificate again with the holder's full ID
// number, given on a verdict page. The verdict shown is the certificate's
// own; whether the number matches is shown beside it.
func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) error {
	if err := s.parseForm(w, r); err != nil {
		return err
	}
	jws := strings.TrimSpace(r.PostForm.Get("jws"))
	source := r.PostForm.Get("source")
	switch source {
	case verify.SourceJWS, verify.SourceURL, verify.SourcePDFAttachment, verify.SourcePDFQR, verify.SourceQRImage:
	default:
		source = verify.SourceJWS
	}
	channel := r.PostForm.Get("channel")
	if _, ok := channelWords[channel]; !ok {
		channel = store.ChannelPage
	}
	opts := s.options(r.Context())
	res := verify.CheckJWS(jws, source, opts)
	page := s.verdictPage(res, channel)
	if res.Certificate != nil {
		id := cert.NormalizeIDNumber(r.PostForm.Get("id_number"))
		var ie *cert.IDNumberError
		switch err := cert.CheckIDNumber(id, s.now()); {
		case errors.As(err, &ie):
			// What is wrong, counted in characters; never the number.
			page.IDError = words{"身份证号格式不正确：" + ie.Chinese() + "。", "That is not a resident ID number: " + ie.English() + "."}
		case err != nil:
			page.IDError = words{"身份证号格式不正确（18位，最后一位可为X）。", "That is not a resident ID number (18 characters, the last may be X)."}
		default:
			if ok, retry := s.holderLimit.Allow(s.clientAddr(r)); !ok {
				return errRateLimited(retry)
			}
			if res.Status == verify.Invalid {
				break // a certificate that does not verify confirms nobody
			}
			// The issuer's record confirms the whole number: an oracle for
			// guessing the hidden digits, so guesses count toward the
			// certificate's lock-out, as holders' downloads do. The
			// certificate is verified already: only the number is compared.
			number := res.Certificate.Number
			if ok, retry := s.lockout.Begin(number); !ok {
				return errLocked(retry)
			}
			opts.IDNumber, opts.Holder = id, s.holderRecord(r.Context())
			match, how := opts.MatchHolder(res.Certificate)
			switch {
			case how != verify.IDCheckRecord:
				s.lockout.Abandon(number)
			case match:
				s.lockout.Succeed(number)
			default:
				s.lockout.Fail(number)
			}
			res.IDNumberMatch, res.IDNumberCheck = &match, how
			page = s.verdictPage(res, channel)
		}
	}
	s.verified(res, channel)
	s.render(w, r, http.StatusOK, "verdict.tmpl", page)
	return nil
}

// directoryView is the data of the directory page.
type directoryView struct {
	chrome
	Version string
	Series  []seriesRows
}

type seriesRows struct {
	Name, Code string
	Rows       []specialtyRow
}

type specialtyRow struct {
	Specialty string
	Levels    []directory.LevelTitle
}

func (s *Server) handleDirectory(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("format") == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(s.dirJSON)
		return nil
	}
	v := directoryView{chrome: s.chrome(), Version: s.cfg.Directory.Version()}
	for _, se := range s.cfg.Directory.Series() {
		sr := seriesRows{Name: se.Name, Code: se.Code}
		for _, sp := range se.Specialties {
			sr.Rows = append(sr.Rows, specialtyRow{Specialty: sp, Levels: se.LevelsFor(sp)})
		}
		v.Series = append(v.Series, sr)
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	s.render(w, r, http.StatusOK, "directory.tmpl", v)
	return nil
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(s.jwks)
	return nil
}

// handleStatusList serves a signed status list with a strong ETag (the
// token's SHA-256) and the list's ttl as max-age.
func (s *Server) handleStatusList(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	l, ok := s.status.get(r.Context()).lists[id]
	if !ok {
		return errNotFound
	}
	h := w.Header()
	h.Set("ETag", l.etag)
	h.Set("Cache-Control", "public, max-age="+strconv.FormatInt(int64(l.TTL/time.Second), 10))
	h.Set("Last-Modified", l.IssuedAt.UTC().Format(http.TimeFormat))
	if etagMatch(r.Header.Get("If-None-Match"), l.etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", "application/statuslist+jwt")
	h.Set("Content-Length", strconv.Itoa(len(l.Token)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		io.WriteString(w, l.Token)
	}
	return nil
}

// etagMatch implements If-None-Match's weak comparison (RFC 9110 13.1.2).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
