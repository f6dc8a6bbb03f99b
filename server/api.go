package server

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

// handleAPIVerify verifies a compact JWS or QR text sent as the body
// (text/plain or application/jose) and answers with the verify.Result
// object `titlecert verify --json` prints.
func (s *Server) handleAPIVerify(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "text/plain" && mt != "application/jose" {
			s.fail(w, r, errMediaType)
			return
		}
	}
	if r.ContentLength > s.cfg.MaxVerifyBody {
		s.fail(w, r, errTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxVerifyBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, errTooLarge)
			return
		}
		s.fail(w, r, errBadRequest("请求内容无法读取", "the body cannot be read"))
		return
	}
	res := verify.Check(string(body), s.options(r.Context()))
	s.verified(res, store.ChannelAPI)
	writeJSON(w, http.StatusOK, res)
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
func (s *Server) handleAPICertificate(w http.ResponseWriter, r *http.Request) {
	if ok, retry := s.lookupLimit.Allow(s.clientAddr(r)); !ok {
		s.fail(w, r, errRateLimited(retry))
		return
	}
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	number := strings.TrimSpace(r.PathValue("number"))
	if name == "" {
		s.fail(w, r, errNoCertificate)
		return
	}
	rec, err := s.byNumberAndName(r.Context(), number, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res := verify.CheckJWS(rec.JWS, verify.SourceJWS, s.options(r.Context()))
	s.verified(res, store.ChannelAPI)
	out := certificateStatus{Number: rec.Number, Status: string(res.Status), Title: rec.Title, CheckedAt: res.CheckedAt}
	if res.Status != verify.Valid {
		out.StatusReason = string(res.Reason)
	}
	switch {
	case res.RevokedAt != nil:
		out.StatusAt = res.RevokedAt
	case res.SuspendedAt != nil:
		out.StatusAt = res.SuspendedAt
	}
	writeJSON(w, http.StatusOK, out)
}
