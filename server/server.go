// Package server is the issuer's verification server: the page a phone
// opens from a certificate's QR code, look-up by number and name or by
// verification code, PDF upload, the JSON API, publication of the public
// keys, the signed status lists and the specialty directory, citizens'
// downloads of their own certificates, the holder's verification log, the
// issuer's administration API (revoke, suspend, reinstate) and the
// operational endpoints (health, readiness, Prometheus metrics).
//
// A Server is an http.Handler built by New from a Config, a store.Store and
// a PDF renderer. Every verdict comes from package verify (verify.Check and
// verify.CheckJWS), the same code as `titlecert verify`; revocation status
// comes from the server's own status lists, signed with publish.StatusLists
// and checked through statuslist.Set exactly as an offline verifier checks
// them.
//
// # Routes
//
// Every route lives under the path of Config.BaseURL (usually "/"):
//
//	GET  /C/{digits}, /c/{digits}  the QR page (the prefix is matched case-insensitively)
//	GET  /, /v                     look-up form
//	POST /v/lookup                 number + holder name, or verification code
//	POST /v/upload                 a certificate PDF (multipart, field "file")
//	POST /v/confirm                confirm the holder's full ID number on a verdict page
//	GET  /download, POST /download the holder's download form (PDF or verification log)
//	GET  /directory[?format=json]  the specialty directory
//	GET  /.well-known/jwks.json    the issuer's public keys
//	GET  /s/{id}                   signed status list (ETag, Cache-Control, 304)
//	POST /api/v1/verify            JWS or QR text → the verify.Result JSON of `titlecert verify --json`
//	GET  /api/v1/certificates/{number}?name=NAME
//	POST /api/v1/download          {"number","id_number"} → application/pdf
//	POST /api/v1/holder/verifications
//	POST /api/v1/admin/revoke, /suspend, /reinstate (Authorization: Bearer TOKEN)
//	GET  /healthz, /readyz, /metrics, /static/...
//
// # Security notes
//
//   - A full resident ID number travels only in POST bodies, is used for one
//     keyed-hash comparison with the store's record (Config.HolderHash) and
//     is never stored, logged or put in a URL. Admin tokens are compared by their
//     SHA-256 (store.HashAdminToken) in constant time and never logged.
//   - Logs carry the route pattern, never the raw path: a QR path holds a
//     whole certificate. Query strings (holder names) are not logged either.
//     Every log line and every audit entry the server writes has anything
//     shaped like an ID number removed (redact.IDNumbers: 15 to 18 digits,
//     full-width too, with or without spaces or dashes), whatever field it
//     was typed into; the HTTP server's error log (TLS handshake errors)
//     has client addresses removed.
//   - Holders' credentials (number + ID number) are rate-limited per client
//     address (a token bucket) and per certificate (lock-out after repeated
//     failures, answered with 429 and Retry-After). A wrong number and a
//     wrong ID number give the same answer, after the same keyed-hash
//     work, and a made-up number locks like a real one (in a table of its
//     own that forgets rather than refuse when full), so the sequence of
//     answers does not tell which numbers exist. ID numbers confirmed on
//     the verdict page share the limit and the lock-out: the store's
//     record is an oracle for the hidden digits.
//     The lock-out lets anyone delay a holder's download by guessing badly:
//     that is the price of bounding guesses.
//   - Look-ups by number need the holder's exact name, and a wrong name
//     answers exactly like an unknown number, so holders cannot be
//     enumerated; look-ups are rate-limited per client address too.
//   - Every request body is capped (http.MaxBytesReader) before it is read.
//     An upload is read in full (within UploadReadTimeout) before it asks
//     to be decoded; decoding holds a slot and its estimated memory in a
//     budget (MaxConcurrentUploads, DecodeMemory), so neither slow clients
//     nor large photos can exhaust the server.
//     Every response carries a strict Content-Security-Policy (no script at
//     all, styles from /static only), nosniff, no-referrer (the QR URL is
//     the certificate), X-Frame-Options DENY, and HSTS over TLS. Pages are
//     rendered by html/template, which escapes every claim; pages showing a
//     certificate are sent with Cache-Control: no-store.
//   - Client addresses come from the connection; X-Forwarded-For is used
//     only with Config.TrustProxyHeaders, and then only its last entry (the
//     one the trusted proxy appended).
//
// # Promises
//
//   - A verdict page, the verify API and a look-up answer with the same
//     verdict as `titlecert verify --status` given the issuer's current
//     lists: valid only when the signature, the claims and the status all
//     check out; unknown, never valid, when the status cannot be known.
//   - Status lists are re-signed after every change made through the admin
//     API, when a change recorded by another process (titlecert revoke)
//     appears in the store's archive (looked for every StatusPoll), when an
//     entry reserved by a batch that never committed reaches the end of
//     store.UnrecordedGrace (it is then published as unrecorded), and when
//     older than half their TTL.
//   - Ready fails when the store's file was removed or replaced under the
//     running server (store.Checker), not only when it cannot be queried.
//   - Every download and every admin action is written to the store's
//     audit log before the response is sent; a download whose audit entry
//     cannot be written is refused.
//   - Online verifications of this issuer's certificates are appended to
//     the holder's log asynchronously. Verifications of one certificate
//     through one channel within VerificationWindow (a minute) of the last
//     entry are coalesced into it; under overload (a full queue) entries
//     are dropped and counted (titlecert_verification_log_dropped_total)
//     rather than slowing verification down. HEAD requests (link
//     previews) are not recorded.
//
// Errors returned by New start with "server: ".
package server

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/directory"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/server/internal/budget"
	"github.com/titlecert/titlecert/server/internal/ratelimit"
	"github.com/titlecert/titlecert/server/internal/redact"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/publish"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/scan"
)

// CertificatePath is the path, under the issuer's base URL, of the page a
// certificate's QR code opens (matched case-insensitively).
const CertificatePath = cert.QRPath

// Defaults for the limits in Config.
const (
	DefaultMaxBody              = 64 << 10
	DefaultMaxVerifyBody        = 16 << 10
	DefaultHolderPerMinute      = 10
	DefaultLookupPerMinute      = 60
	DefaultLockoutFailures      = 5
	DefaultLockoutDuration      = 15 * time.Minute
	DefaultMaxConcurrentUploads = 2
	DefaultDecodeMemory         = 2 << 30
	DefaultDecodeWait           = 10 * time.Second
	DefaultUploadReadTimeout    = 60 * time.Second
	DefaultUploadMemory         = 256 << 20
	DefaultStatusPoll           = 10 * time.Second
	DefaultVerificationQueue    = 4096
	DefaultVerificationWindow   = time.Minute
)

// Config is what the server needs to know besides its store and renderer.
// Zero values take the defaults documented on each field.
type Config struct {
	// Issuer is the issuer the server verifies for (datadir.Config.Issuer):
	// its ID and name, and its base URL, the server's address, whose path,
	// if any, prefixes every route. It must pass cert.Issuer.Check. It
	// derives the addresses certificates carry (status lists at
	// Issuer.StatusURI, the verification page at Issuer.VerifyURL).
	Issuer cert.Issuer
	// Trust is the set of the issuer's public keys that certificates and
	// status lists are verified against; it must hold SigningKey's public
	// key.
	Trust jose.JSONWebKeySet
	// JWKS is the published key set, served as is at
	// /.well-known/jwks.json; Trust encoded when nil.
	JWKS []byte
	// Directory is the specialty directory in force; directory.Default()
	// when nil.
	Directory *directory.Directory
	// SigningKey is the issuer's private key; it signs the status lists.
	SigningKey jose.JSONWebKey
	// StatusValidity and StatusTTL are the lists' validity and ttl
	// (publish.DefaultValidity, publish.DefaultTTL).
	StatusValidity, StatusTTL time.Duration
	// StatusPoll is how often the store's archive is checked for status
	// changes made by other processes (DefaultStatusPoll).
	StatusPoll time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Logger receives JSON-friendly structured logs (discarded when nil).
	// Nothing logged ever contains an ID number, a token or a request path:
	// the server wraps it so that ID-number-shaped text is removed from
	// every message and attribute.
	Logger *slog.Logger

	// MaxBody caps JSON and form bodies (DefaultMaxBody); MaxVerifyBody the
	// body of POST /api/v1/verify (DefaultMaxVerifyBody); MaxUpload an
	// uploaded PDF (pdf.MaxPDFSize).
	MaxBody, MaxVerifyBody, MaxUpload int64
	// HolderPerMinute and HolderBurst limit, per client address, the
	// requests that check a holder's ID number: downloads, the holder's
	// log and ID confirmations on verdict pages (DefaultHolderPerMinute;
	// the burst defaults to the rate).
	HolderPerMinute, HolderBurst int
	// LookupPerMinute and LookupBurst limit look-ups by number and name or
	// verification code, per client address (DefaultLookupPerMinute; the
	// burst defaults to a third of the rate).
	LookupPerMinute, LookupBurst int
	// LockoutFailures failed credential checks on one certificate number
	// lock it for LockoutDuration (DefaultLockoutFailures,
	// DefaultLockoutDuration).
	LockoutFailures int
	LockoutDuration time.Duration
	// MaxConcurrentUploads bounds the uploads decoded at once
	// (DefaultMaxConcurrentUploads). An upload's body is read before it
	// asks for one of these slots, so slow clients cannot hold them.
	MaxConcurrentUploads int
	// DecodeMemory bounds, in bytes, the memory of the uploads decoded at
	// once (DefaultDecodeMemory, 2 GiB): each holds its estimate while it
	// is decoded (DecodeCost: about 20 bytes a pixel for a photo, read
	// from its header; a PDF as much as the largest image it may hold).
	// A photo whose estimate alone exceeds DecodeMemory is refused (413).
	DecodeMemory int64
	// DecodeWait is how long an upload read in full may wait for a slot
	// and its memory (DefaultDecodeWait); then it gets 503 with
	// Retry-After. Negative: do not wait.
	DecodeWait time.Duration
	// UploadReadTimeout is how long a client has to send an upload's
	// body (DefaultUploadReadTimeout); a slower one gets 408. Past its
	// first MiB a body must also keep coming, each further MiB within 5
	// seconds (at least 200 KiB/s), or 408.
	UploadReadTimeout time.Duration
	// UploadMemory bounds, in bytes, the memory of the upload bodies
	// being read or checked, all clients together (DefaultUploadMemory);
	// it must hold at least one largest upload. A body takes memory as it
	// arrives (its buffer, at most a quarter above what was sent), so a
	// slow client holds only what it has sent; past its first MiB a body
	// takes only what leaves a quarter of UploadMemory for smaller ones.
	// An upload that finds it spent gets 503 with Retry-After. Each
	// client address may send at most 4 uploads at once (429 beyond).
	UploadMemory int64
	// TrustProxyHeaders makes the server take the client address from the
	// last X-Forwarded-For entry and the scheme from X-Forwarded-Proto.
	// Only set it behind a proxy that sets these headers.
	TrustProxyHeaders bool
	// HolderHash is the issuer's keyed hash of a full resident ID number
	// (datadir.Secrets.HolderHash), as kept in store.Certificate.HolderKey:
	// holders' downloads and the verdict page's ID confirmation compare
	// with it. Required.
	HolderHash func(idNumber string) []byte
	// VerificationQueue is how many holder-log entries may wait to be
	// written (DefaultVerificationQueue).
	VerificationQueue int
	// VerificationWindow coalesces verifications of one certificate
	// through one channel: within this time of the last entry recorded,
	// no new entry is written (DefaultVerificationWindow; negative: record
	// every verification).
	VerificationWindow time.Duration
}

// Server is the verification server. Create it with New; it is safe for
// concurrent use. Call Close after the HTTP server has shut down.
type Server struct {
	cfg      Config
	store    store.Store
	renderer *pdf.Renderer
	log      *slog.Logger
	now      func() time.Time
	base     string // path prefix from BaseURL, without a trailing slash
	mux      *http.ServeMux
	pages    map[string]*template.Template
	jwks     []byte
	trust    *verify.PinnedKeys // cfg.Trust, every key bound to cfg.Issuer.ID
	dirJSON  []byte

	status       *statusCache
	holderLimit  *ratelimit.Limiter
	lookupLimit  *ratelimit.Limiter
	decoding     *budget.Budget // memory and slots of the uploads being decoded
	bodies       *budget.Budget // memory of the upload bodies read and held
	readersMu    sync.Mutex
	readers      map[string]int     // uploads being read, by client address
	reading      atomic.Int64       // uploads whose body is being read
	decodeHook   func()             // tests: called while an upload holds its budget
	lockout      *ratelimit.Lockout // real certificate numbers
	unknown      *ratelimit.Lockout // made-up numbers, answered alike
	verification *recorder
	m            *serverMetrics
}

// New returns a server for cfg over st, rendering PDFs with r.
func New(cfg Config, st store.Store, r *pdf.Renderer) (*Server, error) {
	if st == nil || r == nil {
		return nil, errors.New("server: a store and a PDF renderer are required")
	}
	if cfg.Issuer.ID == "" || cfg.Issuer.Name == "" {
		return nil, errors.New("server: issuer id and name are required")
	}
	if err := cfg.Issuer.CheckIssued(); err != nil { // an issuer's own, as configured
		return nil, fmt.Errorf("server: %w", err)
	}
	u, _ := url.Parse(cfg.Issuer.BaseURL)
	if len(cfg.Trust.Keys) == 0 {
		return nil, errors.New("server: no trusted keys")
	}
	if cfg.SigningKey.Key == nil || cfg.SigningKey.IsPublic() {
		return nil, errors.New("server: the private signing key is required (it signs the status lists)")
	}
	if len(cfg.Trust.Key(cfg.SigningKey.KeyID)) == 0 {
		return nil, fmt.Errorf("server: the signing key %q is not in the trusted key set", cfg.SigningKey.KeyID)
	}
	if cfg.Directory == nil {
		cfg.Directory = directory.Default()
	}
	if cfg.StatusValidity <= 0 {
		cfg.StatusValidity = publish.DefaultValidity
	}
	if cfg.StatusTTL <= 0 {
		cfg.StatusTTL = publish.DefaultTTL
	}
	if cfg.StatusTTL > cfg.StatusValidity {
		return nil, errors.New("server: the status list TTL is longer than its validity")
	}
	if cfg.StatusPoll <= 0 {
		cfg.StatusPoll = DefaultStatusPoll
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// Whatever is logged, from any field of any request, never holds an
	// ID number: a holder may type theirs into the wrong field.
	cfg.Logger = slog.New(redact.Handler(cfg.Logger.Handler(), redact.IDNumbers))
	setDefault(&cfg.MaxBody, DefaultMaxBody)
	setDefault(&cfg.MaxVerifyBody, DefaultMaxVerifyBody)
	setDefault(&cfg.MaxUpload, scan.MaxImageSize) // photos are larger than PDFs; CheckPDF caps PDFs at pdf.MaxPDFSize
	setDefault(&cfg.HolderPerMinute, DefaultHolderPerMinute)
	setDefault(&cfg.HolderBurst, cfg.HolderPerMinute)
	setDefault(&cfg.LookupPerMinute, DefaultLookupPerMinute)
	setDefault(&cfg.LookupBurst, max(1, cfg.LookupPerMinute/3))
	setDefault(&cfg.LockoutFailures, DefaultLockoutFailures)
	setDefault(&cfg.LockoutDuration, DefaultLockoutDuration)
	setDefault(&cfg.MaxConcurrentUploads, DefaultMaxConcurrentUploads)
	setDefault(&cfg.DecodeMemory, DefaultDecodeMemory)
	setDefault(&cfg.UploadReadTimeout, DefaultUploadReadTimeout)
	setDefault(&cfg.UploadMemory, max(DefaultUploadMemory, 2*cfg.MaxUpload))
	if cfg.UploadMemory < 2*cfg.MaxUpload {
		return nil, fmt.Errorf("server: UploadMemory (%d bytes) must hold at least one largest upload, twice MaxUpload (%d bytes) while it grows", cfg.UploadMemory, cfg.MaxUpload)
	}
	if cfg.DecodeWait == 0 {
		cfg.DecodeWait = DefaultDecodeWait
	}
	setDefault(&cfg.VerificationQueue, DefaultVerificationQueue)
	if cfg.VerificationWindow == 0 {
		cfg.VerificationWindow = DefaultVerificationWindow
	}

	jwks := cfg.JWKS
	if jwks == nil {
		// Public halves only, each naming this issuer (keys.IssuerMember).
		b, err := keys.MarshalTrust(cfg.Issuer.ID, cfg.Trust.Keys...)
		if err != nil {
			return nil, fmt.Errorf("server: encoding the key set: %w", err)
		}
		jwks = b
	}
	// Every trusted key is this issuer's: a certificate or status list
	// that claims another issuer is untrusted.
	issuers := make(map[string]string, len(cfg.Trust.Keys))
	for _, k := range cfg.Trust.Keys {
		issuers[k.KeyID] = cfg.Issuer.ID
	}
	if cfg.HolderHash == nil {
		return nil, errors.New("server: Config.HolderHash is required")
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, store: st, renderer: r, log: cfg.Logger, now: cfg.Now,
		base:        strings.TrimRight(u.EscapedPath(), "/"),
		pages:       pages,
		jwks:        jwks,
		trust:       &verify.PinnedKeys{Keys: cfg.Trust, Issuers: issuers},
		dirJSON:     cfg.Directory.Bytes(),
		holderLimit: ratelimit.NewLimiter(cfg.HolderPerMinute, cfg.HolderBurst, cfg.Now),
		lookupLimit: ratelimit.NewLimiter(cfg.LookupPerMinute, cfg.LookupBurst, cfg.Now),
		lockout:     ratelimit.NewLockout(cfg.LockoutFailures, cfg.LockoutDuration, cfg.Now),
		unknown:     ratelimit.NewForgetfulLockout(cfg.LockoutFailures, cfg.LockoutDuration, cfg.Now),
		decoding:    budget.New(cfg.DecodeMemory, cfg.MaxConcurrentUploads),
		bodies:      budget.New(cfg.UploadMemory, math.MaxInt),
		readers:     map[string]int{},
	}
	s.m = newServerMetrics()
	s.status = newStatusCache(s)
	s.verification = newRecorder(st, cfg.VerificationQueue, cfg.VerificationWindow, s.log, s.m)
	s.routes()
	return s, nil
}

func setDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// HTTPServer returns an http.Server for s listening on addr, with
// timeouts, a header size limit and an error log going to the server's
// logger at level Warn with client addresses removed (net/http logs TLS
// handshake errors with the client's address and port). The caller runs ListenAndServe (or ListenAndServeTLS) and
// Shutdown, then calls s.Close.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second, // a 10 MiB upload from a slow phone
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10, // a QR path is at most 8 KiB
		ErrorLog:          slog.NewLogLogger(redact.Handler(s.log.Handler(), redact.Addresses), slog.LevelWarn),
	}
}

// Ready reports whether the store can be reached and is still the one the
// server opened: a store that implements store.Checker is asked (its file
// removed or replaced while the server runs gives an error matching
// store.ErrMissing); any store must answer a small query.
func (s *Server) Ready(ctx context.Context) error {
	if c, ok := s.store.(store.Checker); ok {
		if err := c.Check(ctx); err != nil {
			return fmt.Errorf("server: store not ready: %w", err)
		}
	}
	if _, err := s.store.StatusLists(ctx); err != nil {
		return fmt.Errorf("server: store not ready: %w", err)
	}
	return nil
}

// Close writes the verification-log entries still queued and stops the
// background writer. It does not close the store. Requests served after
// Close no longer record verifications.
func (s *Server) Close() error {
	s.verification.close()
	return nil
}
