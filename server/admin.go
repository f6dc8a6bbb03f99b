package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/store"
)

// maxAdminNumbers bounds the certificates one admin request may change.
const maxAdminNumbers = 1000

// adminRequest is the body of POST /api/v1/admin/{revoke,suspend,reinstate}.
type adminRequest struct {
	Numbers []string `json:"numbers"`
	Reason  string   `json:"reason"`
	Note    string   `json:"note"`
}

// authenticateAdmin returns the name of the token in the request's
// Authorization header, or errUnauthorized.
func (s *Server) authenticateAdmin(ctx context.Context, r *http.Request) (string, error) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || !strings.HasPrefix(tok, store.AdminTokenPrefix) || len(tok) > 256 {
		return "", errUnauthorized
	}
	h := store.HashAdminToken(tok)
	t, err := s.store.TokenByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return "", errUnauthorized
	}
	if err != nil {
		return "", errInternal(err)
	}
	if subtle.ConstantTimeCompare(t.Hash, h) != 1 || t.Name == "" {
		return "", errUnauthorized
	}
	return t.Name, nil
}

// handleAdmin applies a status change to the certificates named in the
// body, as the token's holder, audits it and re-signs the status lists.
func (s *Server) handleAdmin(action string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		operator, err := s.authenticateAdmin(ctx, r)
		if err != nil {
			if errors.Is(err, errUnauthorized) {
				s.m.admin.Inc(action, "unauthorized")
				s.log.WarnContext(ctx, "admin: authentication failed", "action", action)
			}
			return err
		}
		var req adminRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			return err
		}
		if err := checkAdminRequest(action, &req); err != nil {
			s.m.admin.Inc(action, "bad_request")
			return err
		}
		if cert.ContainsIDNumber(operator) {
			// The token's name is recorded with the change in the
			// append-only archive (a token made before names were checked).
			s.m.admin.Inc(action, "bad_request")
			return errBadRequest("令牌名称含有居民身份证号码，不能记入存档；请另建令牌（titlecert token create）", "token name: the name of this token contains a resident ID number, which the append-only archive would keep; create another token (titlecert token create) and revoke this one")
		}
		now := s.now().UTC()
		res, err := s.store.ChangeStatus(ctx, store.Selection{Numbers: req.Numbers}, store.StatusChange{
			Action: action, Reason: req.Reason, Note: req.Note, Effective: now, Operator: operator, RecordedAt: now,
		})
		if err != nil {
			return s.adminChangeError(ctx, action, err)
		}
		s.status.invalidate()
		changed := make([]string, 0, len(res.Changed))
		for _, c := range res.Changed {
			changed = append(changed, c.Number)
			if err := s.audit(ctx, store.AuditEntry{At: now, Actor: operator, Action: action, Number: c.Number, Detail: req.Reason}); err != nil {
				// The change is made and archived with the operator; the
				// audit line is what is missing.
				s.log.ErrorContext(ctx, "audit: recording an admin action", "action", action, "err", err.Error())
			}
		}
		s.m.admin.Inc(action, "ok")
		s.log.InfoContext(ctx, "admin: status changed", "action", action, "operator", operator, "count", len(changed))
		status := map[string]string{store.ActionRevoke: store.StatusRevoked, store.ActionSuspend: store.StatusSuspended, store.ActionReinstate: store.StatusValid}[action]
		writeJSON(w, http.StatusOK, map[string]any{"changed": changed, "status": status, "reason": req.Reason})
		return nil
	}
}

// adminChangeError maps what ChangeStatus refused to an answer, counting
// it. The client sees a message made from the typed error's fields, never
// the backend's text; anything else is internal (logged, not shown).
func (s *Server) adminChangeError(ctx context.Context, action string, err error) error {
	var nf *store.NotFoundError
	var te *store.TransitionError
	switch {
	case errors.As(err, &nf):
		s.m.admin.Inc(action, "not_found")
		return &httpError{status: http.StatusNotFound, code: "not_found", zh: "证书不存在，未做任何更改",
			en: nf.Detail() + "; nothing was changed", cause: err}
	case errors.As(err, &te):
		s.m.admin.Inc(action, "conflict")
		return &httpError{status: http.StatusConflict, code: "transition", zh: "证书当前状态不允许此操作，未做任何更改",
			en: te.Detail() + "; nothing was changed", cause: err}
	case errors.Is(err, store.ErrInvalid):
		// checkAdminRequest refuses what the store would: this is a
		// request the store's rules and the server's disagree on.
		s.m.admin.Inc(action, "bad_request")
		s.log.WarnContext(ctx, "admin: the store refused a checked request", "action", action, "err", err.Error())
		return &httpError{status: http.StatusBadRequest, code: "bad_request", zh: "请求无效", en: "the request is not valid", cause: err}
	}
	return errInternal(err)
}

// checkAdminRequest validates and completes an admin request: numbers,
// the reason (defaults for suspend and reinstate) and the note.
func checkAdminRequest(action string, req *adminRequest) error {
	if len(req.Numbers) == 0 {
		return errBadRequest("请给出证书编号", "give the certificate numbers")
	}
	if len(req.Numbers) > maxAdminNumbers {
		return errBadRequest("一次最多处理1000个证书", "at most 1,000 certificates per request")
	}
	for i, n := range req.Numbers {
		req.Numbers[i] = strings.TrimSpace(n)
		if req.Numbers[i] == "" {
			return errBadRequest("证书编号不能为空", "a certificate number is empty")
		}
	}
	if req.Reason == "" {
		switch action {
		case store.ActionSuspend:
			req.Reason = store.ReasonInvestigation
		case store.ActionReinstate:
			req.Reason = store.ReasonCleared
		default:
			return errBadRequest("撤销须说明原因", "a revocation needs a reason: one of "+strings.Join(store.RevocationReasons, ", "))
		}
	}
	if !store.ValidReason(action, req.Reason) {
		return errBadRequest("原因代码无效", "reason "+req.Reason+" is not a reason code for "+action)
	}
	if len(req.Note) > 1000 {
		return errBadRequest("备注过长", "the note is longer than 1,000 bytes")
	}
	for _, r := range req.Note {
		if r < 0x20 && r != '\n' || r == 0x7f {
			return errBadRequest("备注含有控制字符", "the note contains a control character")
		}
	}
	if cert.ContainsIDNumber(req.Note) {
		// The archive of status changes is append-only: what is stored
		// there can never be removed, so it is refused, not edited.
		return errBadRequest("备注（note）含有居民身份证号码：状态变更存档不可删改，请勿写入身份证号",
			"note: contains a resident ID number; the archive of status changes is append-only and never keeps one: leave it out")
	}
	return nil
}
