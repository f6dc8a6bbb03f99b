// Package roster reads the list of candidates who passed a title review,
// the spreadsheet an issuing authority already keeps, and checks every row
// before anything is issued.
//
// # Input
//
// A roster is a CSV file or an .xlsx workbook (its first sheet). CSV may be
// UTF-8, with or without a byte-order mark, or GBK/GB18030 as Chinese Excel
// saves it: a UTF-8 BOM means UTF-8, a prefix that is valid UTF-8 means
// UTF-8, anything else is decoded as GB18030 (a superset of GBK and
// GB2312); Options.Encoding forces one. A file is taken as xlsx when its
// name ends in .xlsx or .xlsm or its content starts with the zip signature
// "PK"; legacy .xls workbooks are refused with a request to save as .xlsx
// or CSV.
//
// The first non-empty row is the header. Columns may come in any order and
// are named in English or Chinese (surrounding spaces ignored, English
// case-insensitive):
//
//	name          姓名        required
//	id_number     身份证号    required; an 18-character resident ID number
//	series        系列        required; in the specialty directory
//	specialty     专业        required; in the series
//	level         级别        required; 员级 助理级 中级 副高级 正高级, as the series offers
//	title         资格名称    optional; when given, must be the directory's title name
//	committee     评审委员会  required
//	review_date   评审日期    required; 2026-06-30, 2026/6/30, 2026.06.30, 20260630,
//	                          2026年6月30日 or an Excel date cell; not in the future
//	approval_doc  文号        required
//	route         评价方式    optional; regular/常规评审 (also when empty or absent),
//	                          green_channel/绿色通道, targeted/定向评价、定向使用
//	scope         适用地区    optional; filled exactly when the route is targeted
//	employer      工作单位    optional
//
// A few common variants of the Chinese names are accepted too (身份证号码,
// 职称系列, 评审专业, 职称级别, 职称名称, 批准文号, 单位名称 ...). Unknown,
// duplicate and missing columns are errors; a column with an empty header
// is ignored as long as it holds nothing. Empty rows are skipped; a CSV
// row may leave out empty optional columns at its end.
//
// # Canonical data
//
// Names are put in the form cert.NormalizeName gives and every other text
// in the form of cert.NormalizeText (no invisible characters, one kind of
// space, U+00B7 as the separator of a minority name, compatibility
// ideographs kept); ID numbers are read by cert.NormalizeIDNumber
// (full-width digits and Ｘ as ASCII). What cannot be made canonical is
// refused with the row and the column: a line break in a cell, a '?' or
// U+FFFD where GBK lost a character, a full ID number outside the ID
// column. Excel dates are read in the workbook's own date system (1900 or
// 1904). ID numbers Excel cut to 15 significant digits (18 digits ending
// in 000 in two or more rows, at least a tenth of them, or scientific
// notation) make the whole file an error, listed first.
//
// # Errors
//
// Read checks every row and returns either all candidates or none; Scan
// checks the same and hands the candidates over one at a time. On any
// problem in the content it returns Errors, a list of *RowError (one per
// problem, capped at MaxErrors) that each name the line, the column as the
// user wrote it and the canonical field, in Chinese then English. Problems
// with the file as a whole (too large, empty, not CSV or xlsx, a damaged
// workbook, a workbook that inflates beyond what a roster can hold, too
// many rows, unreadable) are plain errors starting with "roster: ".
//
// Security notes: no error message ever contains a resident ID number,
// not even one typed into the wrong column: a row's ID cell is redacted
// from every message about that row. Sizes (file size, row count) are
// capped before or while reading, never after; an xlsx archive's
// inflated size is bounded by what its rows can hold and checked, as a
// stream, before excelize opens it.
package roster

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/directory"
)

// Candidate is one validated row of a roster.
type Candidate struct {
	Line        int    // 1-based line (CSV) or row (xlsx) number in the user's file
	Name        string // canonical: cert.NormalizeName; every other text: cert.NormalizeText
	IDNumber    string // cert.NormalizeIDNumber: ASCII digits, upper-case X, no spaces
	Series      string
	Specialty   string
	Level       string
	Title       string // the directory's title name
	Committee   string
	ReviewDate  string // YYYY-MM-DD
	ApprovalDoc string
	Route       cert.Route
	Scope       string // only for cert.RouteTargeted
	Employer    string
}

// TitleKey returns "series|specialty|level", the key under which a person
// may hold at most one title.
func (c *Candidate) TitleKey() string {
	return c.Series + "|" + c.Specialty + "|" + c.Level
}

// RowError is one problem in the roster's content.
type RowError struct {
	Line    int    // 1-based line or row number; 0 for the "… and N more" summary
	Column  string // the column's header as written in the file, or "" when the problem is the whole row
	Field   string // canonical field name (id_number, review_date ...), or ""
	Message string // in Chinese
	English string // the same in English
}

// Error returns the Chinese then the English message, e.g.
//
//	第 3 行，列 "身份证号"：校验位不符 / line 3, column "身份证号" (id_number): the check character does not match
func (e *RowError) Error() string {
	switch {
	case e.Line == 0:
		return e.Message + " / " + e.English
	case e.Column != "":
		return fmt.Sprintf("第 %d 行，列 %q：%s / line %d, column %q (%s): %s", e.Line, e.Column, e.Message, e.Line, e.Column, e.Field, e.English)
	case e.Field != "":
		return fmt.Sprintf("第 %d 行：%s / line %d (%s): %s", e.Line, e.Message, e.Line, e.Field, e.English)
	}
	return fmt.Sprintf("第 %d 行：%s / line %d: %s", e.Line, e.Message, e.Line, e.English)
}

// MaxErrors is how many row errors Errors holds at most. When there are
// more, the list ends with a summary entry (Line 0) counting the rest.
const MaxErrors = 1000

// Errors lists every problem found in a roster's content, in file order.
type Errors []*RowError

// Error returns one line per problem.
func (e Errors) Error() string {
	var b strings.Builder
	for i, re := range e {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(re.Error())
	}
	return b.String()
}

// Defaults for Options.
const (
	DefaultMaxRows     = 1_000_000
	DefaultMaxFileSize = 256 << 20
)

// ErrTooLarge is wrapped by the error returned for a file larger than
// Options.MaxFileSize.
var ErrTooLarge = errors.New("roster: file too large")

// Options tune reading. The zero value reads with the default directory,
// the system clock and no font check.
type Options struct {
	// Encoding forces the character encoding of a CSV file: "utf-8" or
	// "gbk"/"gb18030" (both decoded as GB18030). Empty or "auto" detects it.
	Encoding string
	// Directory resolves series, specialty and level into title names;
	// directory.Default() when nil.
	Directory *directory.Directory
	// Now is the clock review dates and birth dates are checked against;
	// time.Now when nil. Dates are compared in China Standard Time.
	Now func() time.Time
	// CheckName, when set, is applied to every text that will be printed
	// (every field but the ID number), e.g. to make sure the PDF font has
	// a glyph for each character. Its error is shown to the user.
	CheckName func(string) error
	// MaxRows caps the number of non-empty data rows; DefaultMaxRows when 0.
	MaxRows int
	// MaxFileSize caps the file's size in bytes; DefaultMaxFileSize when 0.
	MaxFileSize int64
}

func (o *Options) withDefaults() Options {
	c := *o
	if c.Directory == nil {
		c.Directory = directory.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxRows <= 0 {
		c.MaxRows = DefaultMaxRows
	}
	if c.MaxFileSize <= 0 {
		c.MaxFileSize = DefaultMaxFileSize
	}
	return c
}

// ReadFile reads and checks the roster at path; see Read. The file's size
// is checked against Options.MaxFileSize before it is parsed.
func ReadFile(path string, o Options) ([]Candidate, error) {
	o = o.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("roster: %w", err)
	}
	if st.Size() > o.MaxFileSize {
		return nil, tooLarge(o.MaxFileSize)
	}
	return Read(f, path, o)
}

func tooLarge(max int64) error {
	return fmt.Errorf("%w: 文件超过 %d 字节 / the file is larger than %d bytes", ErrTooLarge, max, max)
}

// Read reads and checks a roster from r; name (a file name or path) picks
// the format by its extension when the content does not. Every row is
// checked. It returns all candidates, in file order, or nil and an error:
// Errors when the content has problems (the header or any row), a plain
// error for a problem with the file as a whole (see the package
// documentation). Read holds every candidate in memory; Scan does not.
func Read(r io.Reader, name string, o Options) ([]Candidate, error) {
	var out []Candidate
	err := Scan(r, name, o, func(c Candidate) error {
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Scan reads and checks a roster from r as Read does, but hands each
// candidate to fn as soon as its row is checked instead of returning them
// all, so that a CSV file of any length is read in small memory: about 40
// bytes per row, to find rows that repeat an earlier one. (An xlsx workbook
// is read whole, by excelize.)
//
// fn is called for every row that passes the checks, in file order, even
// after other rows failed, so that the caller can check the candidates
// against other data and report every problem at once. If fn returns a
// *RowError or Errors, these problems join the roster's own, as they are
// (fn must keep ID numbers out of them), and scanning goes on; any other
// error stops Scan, which returns it unchanged.
//
// Scan returns nil when every row passed (and fn accepted every
// candidate), Errors listing every problem in file order otherwise, or a
// plain error for a problem with the file as a whole, which may come after
// some calls of fn.
func Scan(r io.Reader, name string, o Options, fn func(Candidate) error) error {
	o = o.withDefaults()
	s, err := newScanner(r, name, o)
	if err != nil {
		return err
	}
	defer s.close()
	var errs errorList
	n := 0
	for {
		c, rowErrs, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(rowErrs) > 0 {
			errs.add(rowErrs...)
			continue
		}
		n++
		if err := fn(c); err != nil {
			var re *RowError
			var res Errors
			switch {
			case errors.As(err, &re):
				errs.add(re)
			case errors.As(err, &res):
				errs.add(res...)
			default:
				return err
			}
		}
	}
	if e := s.excelVerdict(); e != nil {
		// The diagnosis of the whole file comes first.
		return append(Errors{e}, errs.result()...)
	}
	if errs.n > 0 {
		return errs.result()
	}
	if n == 0 {
		return errors.New("roster: 文件只有表头，没有考生 / the file has a header but no candidates")
	}
	return nil
}

// errorList collects row errors up to MaxErrors and counts the rest.
type errorList struct {
	list Errors
	n    int
}

func (l *errorList) add(errs ...*RowError) {
	for _, e := range errs {
		l.n++
		if len(l.list) < MaxErrors {
			l.list = append(l.list, e)
		}
	}
}

func (l *errorList) result() Errors {
	if more := l.n - len(l.list); more > 0 {
		return append(l.list, &RowError{
			Message: fmt.Sprintf("……另有 %d 处错误未列出", more),
			English: fmt.Sprintf("… and %d more", more),
		})
	}
	return l.list
}
