package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

// handleAPIVerify verifies a compact JWS or QR text sent as the body and
// answers with the verify.Result object `titlecert verify --json` prints.
// The body is the token whatever Content-Type common clients send with it:
// none, text/plain, application/jose, application/octet-stream (curl
// --data-binary) or application/x-www-form-urlencoded (curl -d, whose
// default it is; a form "token=..." is decoded, as curl --data-urlencode
// token@FILE sends it). JSON and multipart bodies are refused (415) with a
// message saying what to send: they wrap the token in a shape this route
// does not define.
func (s *Server) handleAPIVerify(w http.ResponseWriter, r *http.Request) error {
	form := false
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			// An unparsable type says nothing about the body: read it
			// as the token, as when there is no type at all.
		case mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasPrefix(mt, "multipart/"):
			return errVerifyMediaType
		case mt == "application/x-www-form-urlencoded":
			form = true
		}
	}
	if r.ContentLength > s.cfg.MaxVerifyBody {
		return errTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxVerifyBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return errBadRequest("请求内容无法读取", "the body cannot be read")
	}
	text := string(body)
	if form && strings.HasPrefix(text, "token=") {
		if v, err := url.ParseQuery(strings.TrimSpace(text)); err == nil && len(v) == 1 && len(v["token"]) == 1 {
			text = v.Get("token")
		}
	}
	res := verify.Check(text, s.options(r.Context()))
	s.verified(res, store.ChannelAPI)
	writeJSON(w, http.StatusOK, res)
	return nil
}

// certificateStatus is the answer of GET /api/v1/certificates/{number}.
type certificateStatus struct {
	Number       string     `json:"number"`
	Status       string     `json:"status"`
	StatusReason string     `json:"status_reason,omitempty"`
	StatusAt     *time.Time `json:"status_at,omitempty"`
	Title        string     `json:"title"`
	CheckedAt    time.Time  `json:"checked_at"`
}

// handleAPICertificate tells the status of a certificate to whoever knows
// its number and its holder's name (as cert.FoldName folds it); anyone
// else gets the same 404.
func (s *Server) handleAPICertificate(w http.ResponseWriter, r *http.Request) error {
	if ok, retry := s.lookupLimit.Allow(s.clientAddr(r)); !ok {
		return errRateLimited(retry)
	}
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	number := strings.TrimSpace(r.PathValue("number"))
	if name == "" {
		return errNoCertificate
	}
	rec, err := s.byNumberAndName(r.Context(), number, name)
	if err != nil {
		return err
	}
	res := verify.CheckJWS(rec.JWS, verify.SourceJWS, s.options(r.Context()))
	s.verified(res, store.ChannelAPI)
	out := certificateStatus{Number: rec.Number, Status: string(res.Status), Title: rec.Title, CheckedAt: res.CheckedAt}
	if res.Status != verify.Valid {
		out.StatusReason = res.ReasonCode()
	}
	switch {
	case res.RevokedAt != nil:
		out.StatusAt = res.RevokedAt
	case res.SuspendedAt != nil:
		out.StatusAt = res.SuspendedAt
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
