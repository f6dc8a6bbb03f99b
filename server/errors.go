package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// httpError is an answer to a request that failed: a status, a stable
// code, messages safe to show (Chinese and English) and, for internal
// errors only, the cause that is logged.
type httpError struct {
	status     int
	code       string
	zh, en     string
	retryAfter time.Duration
	cause      error
}

func (e *httpError) Error() string {
	if e.cause != nil {
		return "server: " + e.en + ": " + e.cause.Error()
	}
	return "server: " + e.en
}

func (e *httpError) Unwrap() error { return e.cause }

var (
	errNotFound = &httpError{status: http.StatusNotFound, code: "not_found",
		zh: "未找到", en: "not found"}
	errMethod = &httpError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
		zh: "不支持该请求方法", en: "method not allowed"}
	errTooLarge = &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large",
		zh: "提交的内容过大", en: "request body too large"}
	errMediaType = &httpError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
		zh: "内容类型不受支持", en: "unsupported content type"}
	// errVerifyMediaType refuses a JSON or multipart body on
	// POST /api/v1/verify.
	errVerifyMediaType = &httpError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type",
		zh: "请直接以请求正文发送JWS或二维码文本（Content-Type: text/plain）",
		en: "send the JWS or the QR text itself as the body (Content-Type: text/plain, or none)"}
	errUnauthorized = &httpError{status: http.StatusUnauthorized, code: "unauthorized",
		zh: "需要有效的访问令牌", en: "a valid bearer token is required"}
	// errCredentials answers a wrong certificate number and a wrong ID
	// number alike.
	errCredentials = &httpError{status: http.StatusForbidden, code: "credentials",
		zh: "证书编号或身份证号不正确", en: "the certificate number or the ID number is not correct"}
	// errNoCertificate answers an unknown number and a wrong name alike.
	errNoCertificate = &httpError{status: http.StatusNotFound, code: "not_found",
		zh: "未找到与所填信息相符的证书", en: "no certificate matches what was entered"}
	errUploadTimeout = &httpError{status: http.StatusRequestTimeout, code: "timeout",
		zh: "上传超时，请在网络较好时重试", en: "the upload took too long to arrive; try again on a faster connection"}
	errDecodeTooLarge = &httpError{status: http.StatusRequestEntityTooLarge, code: "too_large",
		zh: "图片像素过多，本服务器无法处理，请上传较小的照片或PDF文件",
		en: "the image has too many pixels for this server: upload a smaller photo or the PDF"}
	errUnavailable = &httpError{status: http.StatusServiceUnavailable, code: "unavailable",
		zh: "服务暂不可用", en: "service unavailable"}
)

// errBusy answers an upload when every decoding slot, or the memory for
// it, stays taken for DecodeWait.
var errBusy = &httpError{status: http.StatusServiceUnavailable, code: "busy", retryAfter: 5 * time.Second,
	zh: "当前核验的文件较多，请稍后再试", en: "too many files are being checked; try again in a few seconds"}

func errBadRequest(zh, en string) *httpError {
	return &httpError{status: http.StatusBadRequest, code: "bad_request", zh: zh, en: en}
}

func errRateLimited(retry time.Duration) *httpError {
	return &httpError{status: http.StatusTooManyRequests, code: "rate_limited", retryAfter: retry,
		zh: "请求过于频繁，请稍后再试", en: "too many requests; try again later"}
}

func errLocked(retry time.Duration) *httpError {
	return &httpError{status: http.StatusTooManyRequests, code: "locked", retryAfter: retry,
		zh: "该证书的核验失败次数过多，已暂时锁定，请稍后再试",
		en: "too many failed attempts for this certificate; it is locked for a while"}
}

func errInternal(cause error) *httpError {
	return &httpError{status: http.StatusInternalServerError, code: "internal", cause: cause,
		zh: "服务器内部错误", en: "internal error"}
}

// isAPI tells API requests (JSON errors) from pages (HTML errors). r's
// path has the base path stripped.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// handlerFunc is a handler that returns its failure instead of answering
// it: s.handle renders every returned error through s.fail.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts h to net/http: a returned error is answered by s.fail (a
// domain error's status and safe message; anything else a logged 500). A
// handler returns an error only before it has written its answer.
func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// fail is the one error renderer: it maps err to a status and a safe
// message, logs internal errors (and only those), and answers in JSON for
// the API and in HTML for everything else.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
	case errors.As(err, &mbe):
		he = errTooLarge
	default:
		he = errInternal(err)
	}
	if he.status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "code", he.code, "err", he.Error())
	}
	if he.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((he.retryAfter+time.Second-1)/time.Second)))
	}
	if he.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="titlecert"`)
	}
	if isAPI(r) {
		writeJSON(w, he.status, map[string]string{"error": he.en, "code": he.code})
		return
	}
	s.render(w, r, he.status, "error.tmpl", errorView{chrome: s.chrome(), Status: he.status,
		StatusText: http.StatusText(he.status), ZH: he.zh, EN: he.en})
}

// errorView is the data of the HTML error page.
type errorView struct {
	chrome
	Status     int
	StatusText string
	ZH, EN     string
}
