package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// parsePages parses each page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.tmpl").ParseFS(templateFS, "templates/layout.tmpl")
	if err != nil {
		return nil, fmt.Errorf("server: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("server: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.tmpl" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("server: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, page string, data any) {
	t, ok := s.pages[page]
	var buf bytes.Buffer
	if !ok {
		s.log.ErrorContext(r.Context(), "no such page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "rendering a page", "page", page, "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	data, err := staticFS.ReadFile("static/" + name)
	if err != nil || name != path.Base(name) {
		return errNotFound
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(data)
	return nil
}

// chrome is what every page shows around its content.
type chrome struct {
	Base       string // path prefix for links
	IssuerName string
}

func (s *Server) chrome() chrome { return chrome{Base: s.base, IssuerName: s.cfg.Issuer.Name} }

func showTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(cert.ChinaTime).Format("2006-01-02 15:04:05") + " (UTC+8)"
}

func showDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(cert.ChinaTime).Format("2006-01-02")
}

// words is a phrase in Chinese and English.
type words struct{ ZH, EN string }

// invalidWords say why a certificate is invalid, for people.
var invalidWords = map[verify.Reason]words{
	verify.ReasonMalformed:            {"证书数据不完整或已损坏，无法识别", "The certificate data is damaged or incomplete."},
	verify.ReasonTooLarge:             {"数据过长，不是有效的证书", "Too long to be a certificate."},
	verify.ReasonUnsupportedAlgorithm: {"签名算法不受支持", "The signature algorithm is not accepted."},
	verify.ReasonBadType:              {"不是电子职称证书", "This is not a title certificate."},
	verify.ReasonUntrustedIssuer:      {"不是由本机构的签名密钥签发，可能是伪造的", "Not signed by a key of this issuer: possibly forged."},
	verify.ReasonBadSignature:         {"签名与证书内容不符：证书被篡改或伪造", "The signature does not match the contents: the certificate was altered or forged."},
	verify.ReasonBadClaims:            {"证书内容不符合规范", "The certificate's contents are not well formed."},
	verify.ReasonNotYetValid:          {"签发时间晚于当前时间", "Issued later than the time of checking."},
	verify.ReasonHolderMismatch:       {"身份证号与持证人不符", "The ID number is not the holder's."},
}

// unreadableWords say why no certificate could be read, and what to try.
var unreadableWords = map[verify.Reason]words{
	verify.ReasonNoCertificateFound: {"未找到可识别的二维码或证书附件。请上传签发机构提供的原始PDF文件，或正对二维码拍摄一张清晰、光线均匀的照片；也可以输入证书编号和验证码查询。",
		"No readable QR code or certificate attachment was found. Upload the original PDF from the issuer, or a sharp, evenly lit photo of the QR code taken straight on; or look the certificate up by its number and verification code."},
	verify.ReasonTooLarge: {"文件超出证书文件的处理限制，无法读取。请上传签发机构提供的原始PDF文件。",
		"The file exceeds what a certificate file may hold and was not read. Upload the original PDF from the issuer."},
	verify.ReasonMalformed: {"文件已损坏或格式无法识别。请上传签发机构提供的原始PDF文件，或二维码的照片。",
		"The file is damaged or not in a form that can be read. Upload the original PDF from the issuer, or a photo of the QR code."},
}

// statusWords say why a certificate is revoked or suspended.
var statusWords = map[string]words{
	store.ReasonMisconduct:      {"学术不端、违规署名等违纪违规行为", "misconduct (plagiarism, improper signature, academic dishonesty)"},
	store.ReasonFraud:           {"申报材料弄虚作假", "false application materials"},
	store.ReasonRightsWithdrawn: {"评审委员会评审权被收回，其评审结果无效", "the committee's review rights were withdrawn and its results declared invalid"},
	store.ReasonError:           {"误发", "issued in error"},
	store.ReasonOther:           {"其他原因", "other reasons"},
	store.ReasonInvestigation:   {"正在调查", "under investigation"},
	store.ReasonUnrecorded:      {"签发机构从未登记此证书", "this certificate was never recorded by the issuer"},
	"unspecified":               {"未说明", "not stated"},
}

// unknownWords say why the status cannot be established.
var unknownWords = map[verify.StatusReason]words{
	verify.ReasonStatusListMissing:   {"无法获取该证书的状态列表", "the status list for this certificate is not available"},
	verify.ReasonStatusListExpired:   {"状态列表已过期", "the status list has expired"},
	verify.ReasonStatusListUntrusted: {"状态列表的签名不受信任", "the status list is not signed by a trusted key"},
	verify.ReasonStatusListInvalid:   {"状态列表无效", "the status list is not usable"},
	verify.ReasonNoStatusReference:   {"证书未指明状态列表", "the certificate names no status list"},
	verify.ReasonCouldNotCheck:       {"暂时无法完成核验，请稍后再试", "the check could not be completed: try again later"},
}

var routeEnglish = map[cert.Route]string{
	cert.RouteRegular:      "regular review",
	cert.RouteGreenChannel: "green channel",
	cert.RouteTargeted:     "targeted evaluation, targeted use",
}

// verdictView is the data of the verdict page.
type verdictView struct {
	chrome
	Verdict     string // valid, revoked, suspended, invalid, unknown, unreadable
	Head        words  // 有效 / VALID ...
	Summary     words
	Reason      words // why (revoked, suspended, invalid, unknown)
	ReasonCode  string
	Detail      string // the verifier's own sentence (English), for invalid and unknown
	Since       string // revoked or suspended since
	NotInForce  bool   // signed by a trusted key, but not valid
	C           *cert.Claims
	Targeted    bool
	Route       words
	Issued      string
	Code        string
	KeyID       string
	CheckedAt   string
	StatusNote  words // how fresh the status is
	FileNote    words // a PDF that is not the issuer's file: what was checked
	ListIssued  string
	ListExpires string
	IDMatch     string // "", "yes", "visible" (only the visible digits could be compared) or "no"
	IDError     words
	JWS, Source string // for the confirmation form
	Channel     string
	NotFound    bool
}

// verdictPage turns a verify.Result into the verdict page's data.
func (s *Server) verdictPage(res verify.Result, channel string) verdictView {
	v := verdictView{chrome: s.chrome(), Verdict: string(res.Status), ReasonCode: res.ReasonCode(),
		CheckedAt: showTime(res.CheckedAt), Channel: channel, Source: res.Source, KeyID: res.KeyID}
	switch res.Status {
	case verify.Valid:
		v.Head = words{"有效", "VALID"}
		v.Summary = words{"证书真实有效，签名正确，状态正常。", "The certificate is genuine and in force."}
	case verify.Revoked:
		v.Head = words{"已撤销", "REVOKED"}
		v.Summary = words{"此职称已被签发机构撤销，不再有效。", "This title has been revoked by its issuer and is no longer valid."}
		v.Reason = statusReason(string(res.RevocationReason))
		if res.RevokedAt != nil {
			v.Since = showDate(*res.RevokedAt)
		}
		if res.RevocationReason == store.ReasonUnrecorded {
			// Signed, but its issuance never completed (a crash before
			// the store's commit): it was never in force.
			v.Summary = words{"签发机构从未登记此证书，它不是有效的职称证书。", "This certificate was never recorded by the issuer: it is not a valid title certificate."}
			v.Since = ""
		}
	case verify.Suspended:
		v.Head = words{"已暂停", "SUSPENDED"}
		v.Summary = words{"此证书正在调查中，暂停使用。", "This certificate is on hold during an investigation."}
		v.Reason = statusReason(string(res.RevocationReason))
		if res.SuspendedAt != nil {
			v.Since = showDate(*res.SuspendedAt)
		}
	case verify.Unknown:
		v.Head = words{"状态未知", "STATUS UNKNOWN"}
		v.Summary = words{"证书签名真实，但无法确认其是否已被撤销，请勿视为有效。", "The signature is genuine, but whether the certificate was revoked cannot be established: do not treat it as valid."}
		v.Reason = unknownWords[res.StatusReason]
		v.Detail = res.Detail
	case verify.Unreadable:
		// Nothing was read, so nothing is said about any certificate:
		// never "invalid" or "forged" for a blurred photo.
		v.Head = words{"无法读取", "COULD NOT READ"}
		v.Summary = words{"未能从上传的文件中读取到证书。这并不表示证书无效。", "No certificate could be read from this file. This does not mean that a certificate is invalid."}
		w, ok := unreadableWords[res.Reason]
		if !ok {
			w = unreadableWords[verify.ReasonNoCertificateFound]
		}
		v.Reason = w
		v.Detail = res.Detail
	default:
		v.Verdict = string(verify.Invalid)
		v.Head = words{"无效 / 伪造", "INVALID"}
		v.Summary = words{"这不是一份有效的职称证书。", "This is not a valid title certificate."}
		w, ok := invalidWords[res.Reason]
		if !ok {
			w = words{"无法验证", "It cannot be verified."}
		}
		v.Reason = w
		v.Detail = res.Detail
	}
	if c := res.Certificate; c != nil {
		v.C = c
		v.NotInForce = res.Status != verify.Valid
		v.Targeted = c.Route == cert.RouteTargeted
		v.Route = words{c.Route.Chinese(), routeEnglish[c.Route]}
		v.Issued = showTime(c.IssuedTime())
		v.Code = res.Code // the issued code, also for an ES256 twin
		if v.Code == "" {
			v.Code = cert.VerificationCode(res.JWS)
		}
		v.JWS = res.JWS
	}
	switch {
	case res.StatusList != nil && !res.StatusList.IssuedAt.IsZero():
		v.ListIssued, v.ListExpires = showTime(res.StatusList.IssuedAt), showTime(res.StatusList.ExpiresAt)
	case res.Certificate != nil && !res.StatusChecked:
		v.StatusNote = words{"未检查撤销状态。", "Revocation was not checked."}
	}
	if res.Source == verify.SourcePDFQR && res.Status != verify.Unreadable {
		// A PDF without its certificate attachment, or with a damaged
		// one (breakit F14): the printed code was checked, not the file.
		v.FileNote = words{"这不是签发机构提供的原始文件（证书附件缺失或已损坏）：以上结果来自页面上印制的二维码。请向持证人索取原始PDF文件。",
			"This is not the file the issuer made (its certificate attachment is missing or damaged): the result above is from the QR code printed on its page. Ask the holder for the original PDF."}
	}
	if res.IDNumberMatch != nil {
		switch {
		case !*res.IDNumberMatch:
			v.IDMatch = "no"
		case res.IDNumberCheck == verify.IDCheckVisibleDigits:
			v.IDMatch = "visible"
		default:
			v.IDMatch = "yes"
		}
	}
	return v
}

func statusReason(code string) words {
	if w, ok := statusWords[code]; ok {
		return w
	}
	return words{code, code}
}

// lookupView is the data of the look-up page.
type lookupView struct {
	chrome
	Error        words
	Number, Name string
	Code         string
	MaxUploadMiB int64
}

// downloadView is the data of the download page.
type downloadView struct {
	chrome
	Error  words
	Number string
	Log    []logEntry
	Shown  bool // the log was asked for and is shown
}

type logEntry struct {
	At      string
	Channel words
}

var channelWords = map[string]words{
	store.ChannelPage:   {"扫码查验", "QR code page"},
	store.ChannelAPI:    {"接口查验", "API"},
	store.ChannelLookup: {"网页查询", "look-up form"},
	store.ChannelUpload: {"上传PDF查验", "PDF upload"},
}
