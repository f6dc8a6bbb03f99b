// Package store defines where an issuer keeps what it has issued: the
// certificates, the batches they were issued in, the counter that numbers
// them and the status-list entries that will later record their revocation.
//
// Store is an interface so that backends can be swapped: store/sqlite keeps
// everything in one local file; other backends (PostgreSQL with several
// servers) implement the same contract, and store/storetest checks that they
// do. Nothing in this package knows about SQL.
//
// # Promises
//
// Every backend promises the following.
//
//   - Allocation is committed at once and durable: a sequence number or a
//     status-list entry handed out is never handed out again, by this store or
//     by any other process using the same data, even if the caller crashes
//     before using it. Gaps are normal; reuse never happens.
//   - An entry reserved and never recorded (the caller crashed) is listed
//     by UnrecordedSlots, and once UnrecordedGrace has passed no
//     certificate is ever recorded in it: status lists publish it as
//     invalid (ReasonUnrecorded) so the certificate signed for it fails.
//   - A store's data is never replaced by a new, empty store: opening
//     data that is missing, damaged or another issuer's fails with
//     ErrMissing, ErrCorrupt or ErrOtherIssuer.
//   - Issue is all or nothing: a batch and its certificates are recorded
//     together or not at all.
//   - Certificate numbers, batch ids, (holder, title) pairs, status-list
//     entries and verification codes are unique; Issue refuses to record a
//     second one.
//   - Times are kept in UTC to the second: the sub-second part of a time is
//     dropped when it is stored.
//   - Methods are safe for concurrent use by multiple goroutines.
//   - Every method takes a context; when it is done, the method returns an
//     error that matches ctx.Err() under errors.Is, and a write that returns
//     an error has had no effect.
//
// # Errors
//
// ErrNotFound, ErrExists and ErrInvalid are sentinels for errors.Is; errors
// returned by the methods wrap them and say more. Opening a backend's
// existing data reports ErrMissing, ErrCorrupt or ErrOtherIssuer when the
// data is not there, not sound or not this issuer's: a backend never
// replaces such data with a new, empty store, because an empty store hands
// out certificate numbers and status-list entries again. Issue reports a conflict as
// a *ConflictError, which matches ErrExists; a look-up that finds nothing
// returns a *NotFoundError (matching ErrNotFound) and a refused status change
// a *TransitionError (matching ErrTransition): callers show their fields,
// never a backend's text. Any other error means the store
// could not do what was asked (I/O, a closed store, a cancelled context); it
// says nothing about the certificate.
//
// # Security notes
//
// A store never holds a holder's full resident ID number: HolderKey is a
// keyed hash (HMAC) of it, computed by the caller with a key the store does
// not see, and HolderIDMask is the masked form printed on the certificate.
// The store does hold holder names and the signed certificates, so its files
// or database are personal data and must be protected as such.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// StatusListSize is the number of entries in a status list: the minimum the
// W3C Bitstring Status List recommends, so that fetching a list reveals
// little about which certificate is being checked. Backends may be
// configured with a smaller size for tests.
const StatusListSize = 131072

// Certificate statuses.
const (
	StatusValid     = "valid"
	StatusRevoked   = "revoked"   // permanent
	StatusSuspended = "suspended" // a reversible hold during an investigation
	// Revocation will add "revoked" and "suspended".
)

// Sentinel errors. Errors returned by a Store wrap them.
var (
	// ErrNotFound means the certificate looked for is not in the store.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means a write would record a second certificate number,
	// batch id, (holder, title) pair, status-list entry or verification
	// code. Issue returns it as a *ConflictError.
	ErrExists = errors.New("store: already exists")
	// ErrInvalid means the arguments are unusable (for example n <= 0, or
	// a certificate without a number). Nothing was written.
	ErrInvalid = errors.New("store: invalid argument")

	// ErrMissing means the store's data is not there (its file was
	// deleted or moved). It is never created anew when opened: restore it
	// from a backup.
	ErrMissing = errors.New("store: the store is missing")
	// ErrCorrupt means the store's data is there but is not a sound
	// titlecert store: empty, truncated, not a database, failing the
	// backend's integrity check, or lacking the titlecert schema.
	ErrCorrupt = errors.New("store: the store is damaged")
	// ErrOtherIssuer means the store records certificates of another
	// issuer than the one it was opened for.
	ErrOtherIssuer = errors.New("store: the store belongs to another issuer")
	// ErrReservationExpired means a certificate's status-list entry was
	// reserved more than UnrecordedGrace ago: status lists may already
	// publish it as unrecorded (invalid), so it is never recorded.
	ErrReservationExpired = errors.New("store: status-list entry reserved too long ago")
)

// NotFoundError reports what a look-up did not find. It matches ErrNotFound
// under errors.Is; callers that show it use its fields, not its text.
type NotFoundError struct {
	// What was looked for: "certificate", "verification code", "title"
	// or "admin token".
	What string
	// Key is what it was looked for by (the number, the code, the title
	// key); empty when it is a secret (an admin token's hash).
	Key string
}

func (e *NotFoundError) Error() string { return "store: " + e.Detail() }

// Detail is the message without the package prefix, safe to show to the
// operator or an API client, e.g. `certificate "2026000123" not found`.
func (e *NotFoundError) Detail() string {
	if e.Key == "" {
		return e.What + " not found"
	}
	return fmt.Sprintf("%s %q not found", e.What, e.Key)
}

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// What a ConflictError is about.
const (
	ConflictBatch            = "batch id"
	ConflictNumber           = "certificate number"
	ConflictTitle            = "holder and title"
	ConflictStatusSlot       = "status-list entry"
	ConflictVerificationCode = "verification code"
)

// ConflictError reports what Issue found already recorded (or recorded twice
// in the same batch). It matches ErrExists under errors.Is.
type ConflictError struct {
	// What is one of the Conflict constants.
	What string
	// Number is the number of the certificate that could not be recorded;
	// empty when What is ConflictBatch.
	Number string
	// Value is the conflicting value, printable: the batch id, the
	// number, the title key, "list/index" or the verification code.
	Value string
}

func (e *ConflictError) Error() string {
	if e.Number == "" {
		return fmt.Sprintf("store: already exists: %s %q", e.What, e.Value)
	}
	return fmt.Sprintf("store: already exists: certificate %s: %s %q", e.Number, e.What, e.Value)
}

// Is reports whether target is ErrExists.
func (e *ConflictError) Is(target error) bool { return target == ErrExists }

// Certificate is one issued certificate as the issuer records it.
type Certificate struct {
	Number string // certificate number, e.g. "2026000001"; unique
	Seq    int64  // the sequence number (from AllocateSeq) the number was made from

	BatchID string // the batch it was issued in; must match the Batch given to Issue

	// HolderKey is a keyed hash (HMAC) of the holder's resident ID number.
	// It lets the issuer find a holder's certificates; it is never the
	// number itself. Required.
	HolderKey []byte
	// TitleKey identifies "the same title" (series|specialty|level). A
	// holder holds a given title at most once. Required.
	TitleKey string

	HolderName   string
	HolderIDMask string // e.g. 3501**********0314
	Series       string
	Specialty    string
	Level        string
	Title        string
	Committee    string
	ReviewDate   string // YYYY-MM-DD

	// StatusList and StatusIndex are the certificate's status-list entry,
	// from AllocateStatusSlots. Lists are numbered from 1; StatusList 0
	// means the certificate has no entry (StatusIndex is then ignored and
	// read back as 0).
	StatusList  int64
	StatusIndex int64

	JWS              string    // the signed certificate (compact JWS)
	JWSHash          []byte    // SHA-256 of JWS
	PDFHash          []byte    // SHA-256 of the rendered PDF
	VerificationCode string    // short code for look-up, e.g. "7KQ2-M9XD"; unique when not empty
	IssuedAt         time.Time // kept to the second, read back in UTC
	Status           string    // StatusValid; Issue records StatusValid when empty
	StatusReason     string    // reason code of the last status change ("" while never changed)
	StatusAt         time.Time // effective time of the last status change (zero while never changed)

	// QRForm is how the certificate's QR text writes the issuer's base
	// URL (a cert.QRForm: 0 lower-case scheme and host, 1 the legacy
	// upper case). Its PDF renders again to the bytes issued only in
	// this form. Certificates recorded before backends knew the form are
	// read back with 1.
	QRForm uint8
}

// Batch is one issuance: the certificates made from one input file.
type Batch struct {
	ID           string    // unique; required
	Source       string    // where the input came from, e.g. the file name
	SourceSHA256 []byte    // SHA-256 of the input file
	Count        int       // number of certificates; Issue sets it when 0
	CreatedAt    time.Time // kept to the second, read back in UTC
	Operator     string    // who issued it
}

// StatusSlot is one entry of a status list.
type StatusSlot struct {
	List  int64 // list id, from 1
	Index int64 // index in the list, from 0
}

// Filter selects certificates for List. Zero fields select everything.
type Filter struct {
	BatchID   string // only certificates of this batch
	Committee string // only certificates reviewed by this committee
	After     string // only numbers greater than After (to page through)
	Status    string // only certificates with this status
	// ReviewedFrom and ReviewedUntil (YYYY-MM-DD, inclusive) bound the
	// review date.
	ReviewedFrom, ReviewedUntil string
	Limit                       int // at most Limit certificates; 0 means no limit
}

// Store keeps issued certificates. See the package documentation for the
// promises every implementation keeps. Besides the errors documented on
// each method, any method may return an error that matches none of the
// sentinels: the store could not be reached or read.
type Store interface {
	// AllocateSeq reserves n consecutive sequence numbers and returns the
	// first. The first number ever allocated is 1. The reservation is
	// committed before AllocateSeq returns: a number handed out is never
	// handed out again, even if the caller crashes before using it. It
	// returns ErrInvalid if n <= 0.
	AllocateSeq(ctx context.Context, n int) (first int64, err error)

	// AllocateStatusSlots reserves n status-list entries and commits the
	// reservation before it returns; an entry handed out is never handed
	// out again. Each entry is chosen uniformly at random, using rand,
	// among the unused indexes of the current list, so that an entry's
	// index says nothing about when it was issued. A list has
	// StatusListSize entries (fewer when the backend is configured so
	// for tests); once half of its entries are used, the next list (id+1)
	// becomes current. Lists are numbered from 1. Entries are returned in
	// the order they were chosen; given the same store contents and the
	// same bytes from rand, the choice is the same.
	//
	// The store records when each entry was reserved (its own clock, to
	// the second): an entry no certificate is recorded in within
	// UnrecordedGrace is published as unrecorded (UnrecordedSlots).
	//
	// It returns ErrInvalid if n <= 0, and an error wrapping rand's error
	// if reading rand fails or rand produces no usable index after many
	// attempts (it is not random). On any error nothing is reserved.
	AllocateStatusSlots(ctx context.Context, n int, rand io.Reader) ([]StatusSlot, error)

	// FindTitle returns the certificate that holderKey holds for
	// titleKey, or a *NotFoundError (What "title") matching ErrNotFound.
	FindTitle(ctx context.Context, holderKey []byte, titleKey string) (*Certificate, error)

	// Issue records b and all of certs in one transaction: all or
	// nothing. Each certificate's BatchID must be b.ID or empty (it is
	// then recorded as b.ID). b.Count must be 0 (it is then recorded as
	// len(certs)) or len(certs).
	//
	// It returns a *ConflictError (matching ErrExists) naming the first
	// conflict found if b.ID, a certificate number, a (HolderKey,
	// TitleKey) pair, a status-list entry or a non-empty verification
	// code is already recorded or appears twice in certs. It returns
	// ErrInvalid if b.ID is empty, certs is empty, a certificate lacks a
	// Number, HolderKey or TitleKey, or the batch ids or count disagree.
	// It returns an error matching ErrReservationExpired if a
	// certificate's status-list entry was reserved by AllocateStatusSlots
	// more than UnrecordedGrace before the commit (an entry the store never
	// reserved is not checked). On any error nothing is recorded.
	Issue(ctx context.Context, b Batch, certs []Certificate) error

	// Certificate returns the certificate with the given number, or a
	// *NotFoundError (What "certificate") matching ErrNotFound.
	Certificate(ctx context.Context, number string) (*Certificate, error)

	// ByVerificationCode returns the certificate with the given
	// verification code, compared exactly (callers normalise), or an
	// *NotFoundError (What "verification code") matching ErrNotFound. The
	// empty code is never found.
	ByVerificationCode(ctx context.Context, code string) (*Certificate, error)

	// List calls fn for each certificate that matches f, in ascending
	// order of Number (compared byte by byte), without loading them all
	// into memory. fn may call other methods of the store. If fn returns
	// an error, List stops and returns that error unchanged. It returns
	// ErrInvalid if f.Limit < 0.
	List(ctx context.Context, f Filter, fn func(*Certificate) error) error

	// Batches returns all batches, oldest first (by CreatedAt, then ID).
	Batches(ctx context.Context) ([]Batch, error)

	Revoker
	Ledger

	// Close releases the store's resources. Other methods fail after
	// Close; calling Close more than once is safe.
	Close() error
}

// Actions recorded in the integrity archive.
const (
	ActionRevoke    = "revoke"    // valid or suspended → revoked (permanent)
	ActionSuspend   = "suspend"   // valid → suspended
	ActionReinstate = "reinstate" // suspended → valid
)

// Reason codes of status changes. The first five are those of the policy on
// revoking titles; ReasonInvestigation is the default for a suspension and
// ReasonCleared for a reinstatement.
const (
	ReasonMisconduct      = "misconduct"       // plagiarism, improper signature, academic dishonesty
	ReasonFraud           = "fraud"            // false application materials
	ReasonRightsWithdrawn = "rights_withdrawn" // the committee's review rights were withdrawn, its results declared invalid
	ReasonError           = "error"            // issued in error
	ReasonOther           = "other"
	ReasonInvestigation   = "investigation"
	ReasonCleared         = "cleared"
	// ReasonUnrecorded is published, never chosen: the status-list entry
	// was reserved for a certificate that the issuer never recorded (a
	// batch that crashed before its commit), more than UnrecordedGrace
	// ago. The certificate signed for it is invalid.
	ReasonUnrecorded = "unrecorded"
)

// RevocationReasons are the reason codes a revocation may carry.
var RevocationReasons = []string{ReasonMisconduct, ReasonFraud, ReasonRightsWithdrawn, ReasonError, ReasonOther}

// ValidReason reports whether reason is a known reason code for action.
func ValidReason(action, reason string) bool {
	switch action {
	case ActionRevoke:
		for _, r := range RevocationReasons {
			if r == reason {
				return true
			}
		}
	case ActionSuspend:
		return reason == ReasonInvestigation || reason == ReasonMisconduct || reason == ReasonFraud || reason == ReasonRightsWithdrawn || reason == ReasonOther
	case ActionReinstate:
		return reason == ReasonCleared || reason == ReasonOther
	}
	return false
}

// Selection picks certificates for a status change. Numbers, when not
// empty, names them one by one; otherwise the other fields filter (all
// that are set must match) and at least one must be set.
type Selection struct {
	Numbers       []string
	Committee     string
	BatchID       string
	ReviewedFrom  string // YYYY-MM-DD, inclusive
	ReviewedUntil string // YYYY-MM-DD, inclusive
}

// StatusChange is one decision applied to the selected certificates.
type StatusChange struct {
	Action     string    // ActionRevoke, ActionSuspend or ActionReinstate
	Reason     string    // a reason code valid for Action (ValidReason)
	Note       string    // free text for the archive; never published
	Effective  time.Time // when the change takes effect (may be in the past)
	Operator   string    // who decided
	RecordedAt time.Time // when it was recorded
	DryRun     bool      // compute the result, change nothing
}

// ChangeResult says what a status change did (or, for a dry run, would do).
type ChangeResult struct {
	Changed []*Certificate // after the change
	Skipped []Skip         // selected by a filter but not in a state the action applies to
}

// Skip is a selected certificate a change left alone.
type Skip struct {
	Certificate *Certificate
	Why         string
}

// ErrTransition is matched by the *TransitionError ChangeStatus returns
// when a certificate named by number is not in a state the action applies
// to (revoking a revoked certificate, reinstating one that is not
// suspended).
var ErrTransition = errors.New("store: status change not allowed")

// TransitionError is the error ChangeStatus returns (wrapped) when a
// certificate named by number is not in a state Action applies to. It
// matches ErrTransition under errors.Is.
type TransitionError struct {
	Number string // the certificate's number
	From   string // its status (a Status constant)
	Action string // the refused action (an Action constant)
}

func (e *TransitionError) Error() string { return "store: " + e.Detail() }

// Detail is the message without the package prefix, safe to show to the
// operator or an API client, e.g. "certificate 2026000123 is revoked:
// cannot reinstate".
func (e *TransitionError) Detail() string {
	return fmt.Sprintf("certificate %s is %s: cannot %s", e.Number, e.From, e.Action)
}

// Is reports whether target is ErrTransition.
func (e *TransitionError) Is(target error) bool { return target == ErrTransition }

// Event is one entry of the integrity archive (诚信档案): an append-only
// record of every revocation, suspension and reinstatement.
type Event struct {
	ID          int64
	Number      string
	Action      string
	FromStatus  string
	ToStatus    string
	Reason      string
	Note        string
	Operator    string
	EffectiveAt time.Time
	RecordedAt  time.Time
}

// EventFilter selects archive entries; the zero value selects all.
type EventFilter struct {
	Number string
	Since  time.Time // RecordedAt at or after
}

// StatusListInfo describes one status list.
type StatusListInfo struct {
	ID   int64
	Size int64
	Used int64
}

// StatusEntry is a certificate's entry in a status list that is not valid.
type StatusEntry struct {
	Index  int64
	Status string // StatusRevoked or StatusSuspended
	Reason string
	At     time.Time
}

// UnrecordedGrace is how long a status-list entry reserved by
// AllocateStatusSlots may stay without a recorded certificate before status
// lists publish it as invalid with ReasonUnrecorded: after a crash between
// the reservation and the commit, the certificates signed for those entries
// (left in a staging folder) must fail everywhere.
//
// It must be longer than any batch takes from reserving to committing: the
// largest candidates file (1,000,000 rows) at the slowest measured rate (33
// certificates per second with the opt-in ID hash, docs/BENCHMARKS.md) takes
// about 8.4 hours; 24 hours leaves room for a machine three times slower. A
// store refuses to record a certificate whose entry is older than this
// (ErrReservationExpired), so an entry published as unrecorded never
// becomes a recorded certificate.
const UnrecordedGrace = 24 * time.Hour

// UnrecordedSlot is a status-list entry reserved but not held by any
// recorded certificate.
type UnrecordedSlot struct {
	Index      int64
	ReservedAt time.Time // UTC, to the second
}

// Revoker is the part of a store that changes certificates' status and
// keeps the integrity archive. Every Store implements it.
type Revoker interface {
	// ChangeStatus applies ch to every certificate sel selects, in one
	// transaction, recording one archive Event per changed certificate.
	// Transitions: revoke from valid or suspended; suspend from valid;
	// reinstate from suspended. With sel.Numbers, an unknown number gives
	// a *NotFoundError (ErrNotFound) and a certificate in the wrong state a
	// *TransitionError (ErrTransition), and nothing changes; with a filter, certificates in the wrong state are
	// skipped and reported. An invalid action, reason or empty selection
	// gives ErrInvalid.
	ChangeStatus(ctx context.Context, sel Selection, ch StatusChange) (*ChangeResult, error)
	// Events calls fn for each archive entry f selects, oldest first.
	Events(ctx context.Context, f EventFilter, fn func(*Event) error) error
	// StatusLists returns the status lists opened so far, by id.
	StatusLists(ctx context.Context) ([]StatusListInfo, error)
	// StatusEntries calls fn for every entry of list that is not valid, by
	// index.
	StatusEntries(ctx context.Context, list int64, fn func(StatusEntry) error) error
	// UnrecordedSlots calls fn, by index, for every entry of list that
	// AllocateStatusSlots reserved strictly before reservedBefore and that
	// no recorded certificate holds: the entries of batches that never
	// committed. Status lists publish them, once reservedBefore is now
	// minus UnrecordedGrace, as invalid with ReasonUnrecorded.
	UnrecordedSlots(ctx context.Context, list int64, reservedBefore time.Time, fn func(UnrecordedSlot) error) error
}

// Checker is implemented by stores that can check, cheaply, that the data
// they were opened on is still there and readable (the file was not
// removed or replaced behind them). The verification server's readiness
// uses it. Check returns an error matching ErrMissing or ErrCorrupt when
// the data is gone or replaced, another error when it cannot be read.
type Checker interface {
	Check(ctx context.Context) error
}

// Channels of an online verification, as recorded in a holder's log.
const (
	ChannelPage   = "page"   // the page the QR code opens
	ChannelAPI    = "api"    // POST /api/v1/verify or GET /api/v1/certificates
	ChannelLookup = "lookup" // the look-up form (number and name, or verification code)
	ChannelUpload = "upload" // a PDF uploaded to the verification page
)

// Verification is one online verification of a certificate, as its holder
// may see it. It records nothing about the verifier.
type Verification struct {
	Number  string
	At      time.Time
	Channel string
}

// AuditEntry is one line of the audit log: downloads and administrative
// actions. It never holds an ID number or a token.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // token name for administrative actions, "holder" for downloads
	Action string // e.g. "download", "revoke", "token.create"
	Number string // the certificate concerned, if any
	Detail string
}

// AdminToken is an issuer API token; the store keeps only its hash.
type AdminToken struct {
	Name      string
	Hash      []byte // SHA-256 of the token
	CreatedAt time.Time
}

// Ledger is the part of a store that keeps what the verification server
// records: holders' verification logs, the audit log and API tokens. Every
// Store implements it.
type Ledger interface {
	// RecordVerification appends v to the holder's log of v.Number.
	RecordVerification(ctx context.Context, v Verification) error
	// Verifications calls fn for each verification of number, newest first,
	// at most limit (0: all).
	Verifications(ctx context.Context, number string, limit int, fn func(Verification) error) error
	// Audit appends e to the audit log (e.ID is assigned).
	Audit(ctx context.Context, e AuditEntry) error
	// AuditLog calls fn for each audit entry, oldest first.
	AuditLog(ctx context.Context, fn func(AuditEntry) error) error
	// CreateToken records a token hash under a unique name (ErrExists).
	CreateToken(ctx context.Context, t AdminToken) error
	// TokenByHash returns the token whose hash is h, or ErrNotFound.
	TokenByHash(ctx context.Context, h []byte) (*AdminToken, error)
}
