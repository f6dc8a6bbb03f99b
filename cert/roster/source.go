package roster

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// rowSource yields the rows of a file one at a time, so that a file never
// has to be held in memory as a whole (except an xlsx workbook, which is a
// zip archive).
type rowSource interface {
	// next returns the next row's 1-based line number and its cells, or
	// io.EOF. The cells slice may be reused by the following call.
	next() (line int, cells []string, err error)
	// strictWidth reports whether a row with fewer cells than the header
	// is an error (CSV) rather than trailing empty cells left out (xlsx).
	strictWidth() bool
	// excelDates reports whether a number in a date column is an Excel
	// date serial.
	excelDates() bool
	// date1904 reports whether date serials count from 1904 (Excel for
	// Mac's date system, set in the workbook) rather than from 1900.
	date1904() bool
	// lossy reports whether the text was decoded from GBK/GB18030, where
	// a '?' may stand for a character the encoding could not hold.
	lossy() bool
	close()
}

const sniffLen = 64 << 10

var (
	bomUTF8    = []byte("\xef\xbb\xbf")
	zipMagic   = []byte("PK\x03\x04")
	oleMagic   = []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
	bomUTF16LE = []byte("\xff\xfe")
	bomUTF16BE = []byte("\xfe\xff")
)

// limitedReader fails with ErrTooLarge once more than max bytes were read.
type limitedReader struct {
	r   io.Reader
	n   int64
	max int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return 0, tooLarge(l.max)
	}
	return n, err
}

func openSource(r io.Reader, name string, o Options) (rowSource, error) {
	br := bufio.NewReaderSize(&limitedReader{r: r, max: o.MaxFileSize}, sniffLen)
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("roster: reading: %w", err)
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case len(bytes.TrimSpace(head)) == 0 || bytes.Equal(bytes.TrimSpace(head), bomUTF8):
		return nil, errors.New("roster: 文件为空 / the file is empty")
	case bytes.HasPrefix(head, oleMagic) || ext == ".xls" || ext == ".et":
		return nil, errors.New("roster: 不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV / legacy .xls workbooks are not supported: save as .xlsx or CSV")
	case bytes.HasPrefix(head, zipMagic) || ext == ".xlsx" || ext == ".xlsm":
		return openXLSX(br, o)
	}
	return openCSV(br, head, o)
}

// openCSV detects the encoding from head (the first bytes of br) and
// returns a streaming CSV source.
func openCSV(br *bufio.Reader, head []byte, o Options) (rowSource, error) {
	notText := errors.New("roster: 文件不是 CSV 或 xlsx 表格 / the file is neither CSV nor xlsx")
	if bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
		return nil, errors.New("roster: 不支持 UTF-16（Unicode 文本）文件，请另存为“CSV UTF-8”或 xlsx / UTF-16 files are not supported: save as CSV UTF-8 or xlsx")
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return nil, notText
	}
	var src io.Reader = br
	gbk := false
	switch enc := strings.ToLower(strings.TrimSpace(o.Encoding)); enc {
	case "", "auto":
		if bytes.HasPrefix(head, bomUTF8) || utf8.Valid(trimPartialRune(head)) {
			src = skipBOM(br)
		} else {
			src, gbk = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), true
		}
	case "utf-8", "utf8":
		src = skipBOM(br)
	case "gbk", "gb18030", "gb2312", "cp936":
		src, gbk = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), true
	default:
		return nil, fmt.Errorf("roster: unknown encoding %q (use utf-8 or gbk)", o.Encoding)
	}
	cr := csv.NewReader(src)
	cr.FieldsPerRecord = -1 // widths are checked against the header, with a row message
	cr.ReuseRecord = true
	return &csvSource{r: cr, gbk: gbk}, nil
}

func skipBOM(br *bufio.Reader) io.Reader {
	if b, _ := br.Peek(3); bytes.Equal(b, bomUTF8) {
		br.Discard(3)
	}
	return br
}

// trimPartialRune drops an incomplete UTF-8 sequence cut off at the end of
// a sniffed prefix.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

type csvSource struct {
	r   *csv.Reader
	gbk bool
}

func (s *csvSource) next() (int, []string, error) {
	rec, err := s.r.Read()
	if err != nil {
		if err == io.EOF || errors.Is(err, ErrTooLarge) {
			return 0, nil, err
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, fmt.Errorf("roster: 第 %d 行：CSV 格式错误（引号不配对？） / line %d: malformed CSV: %v", pe.StartLine, pe.StartLine, pe.Err)
		}
		return 0, nil, fmt.Errorf("roster: reading: %w", err)
	}
	line, _ := s.r.FieldPos(0)
	return line, rec, nil
}

func (s *csvSource) strictWidth() bool { return true }
func (s *csvSource) excelDates() bool  { return false }
func (s *csvSource) date1904() bool    { return false }
func (s *csvSource) lossy() bool       { return s.gbk }
func (s *csvSource) close()            {}

var errDamagedXLSX = errors.New("roster: xlsx 文件已损坏或无法读取 / the xlsx file is damaged or unreadable")

func openXLSX(r io.Reader, o Options) (_ rowSource, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, fmt.Errorf("roster: reading: %w", err)
	}
	// excelize is not hardened against hostile archives; a panic in it is
	// a damaged file, not a crash.
	defer func() {
		if recover() != nil {
			err = errDamagedXLSX
		}
	}()
	limit := xlsxUnzipLimit(o)
	if err := checkXLSXArchive(data, limit); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    limit,
		UnzipXMLSizeLimit: min(limit, 16<<20),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errDamagedXLSX, err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, errDamagedXLSX
	}
	props, err := f.GetWorkbookProps()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %v", errDamagedXLSX, err)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: %v", errDamagedXLSX, err)
	}
	return &xlsxSource{f: f, rows: rows, d1904: props.Date1904 != nil && *props.Date1904}, nil
}

type xlsxSource struct {
	f     *excelize.File
	rows  *excelize.Rows
	line  int
	d1904 bool
}

func (s *xlsxSource) next() (line int, cells []string, err error) {
	defer func() {
		if recover() != nil {
			err = errDamagedXLSX
		}
	}()
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, fmt.Errorf("%w: %v", errDamagedXLSX, err)
		}
		return 0, nil, io.EOF
	}
	s.line++
	cells, err = s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errDamagedXLSX, err)
	}
	return s.line, cells, nil
}

func (s *xlsxSource) strictWidth() bool { return false }
func (s *xlsxSource) excelDates() bool  { return true }
func (s *xlsxSource) date1904() bool    { return s.d1904 }
func (s *xlsxSource) lossy() bool       { return false }
func (s *xlsxSource) close() {
	s.rows.Close()
	s.f.Close()
}
