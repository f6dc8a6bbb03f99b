package roster

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/directory"
)

// Field indexes, in the canonical column order.
const (
	fName = iota
	fIDNumber
	fSeries
	fSpecialty
	fLevel
	fTitle
	fCommittee
	fReviewDate
	fApprovalDoc
	fRoute
	fScope
	fEmployer
	numFields
)

var fields = [numFields]struct {
	name     string // canonical English header
	zh       string // canonical Chinese header
	optional bool   // the column may be absent
	aliases  []string
}{
	fName:        {"name", "姓名", false, nil},
	fIDNumber:    {"id_number", "身份证号", false, []string{"身份证号码", "身份证", "公民身份号码"}},
	fSeries:      {"series", "系列", false, []string{"职称系列"}},
	fSpecialty:   {"specialty", "专业", false, []string{"评审专业"}},
	fLevel:       {"level", "级别", false, []string{"职称级别", "层级"}},
	fTitle:       {"title", "资格名称", true, []string{"职称名称", "职称资格名称"}},
	fCommittee:   {"committee", "评审委员会", false, []string{"评委会"}},
	fReviewDate:  {"review_date", "评审日期", false, []string{"评审时间", "评审通过日期"}},
	fApprovalDoc: {"approval_doc", "文号", false, []string{"批准文号", "发文文号"}},
	fRoute:       {"route", "评价方式", true, []string{"评审方式"}},
	fScope:       {"scope", "适用地区", true, []string{"适用范围", "定向地区"}},
	fEmployer:    {"employer", "工作单位", true, []string{"单位", "单位名称"}},
}

var headerIndex = func() map[string]int {
	m := make(map[string]int)
	for i, f := range fields {
		m[f.name] = i
		m[f.zh] = i
		for _, a := range f.aliases {
			m[a] = i
		}
	}
	return m
}()

func trimCell(s string) string { return strings.TrimFunc(s, cert.IsSpaceOrInvisible) }

// scanner turns a rowSource into validated candidates, one row at a time.
type scanner struct {
	src    rowSource
	o      Options
	colOf  [numFields]int   // file column of each field, -1 when absent
	header []string         // header cells as written
	width  int              // number of header cells
	rows   int              // non-empty data rows so far
	seen   map[rowKey]int32 // who and which title -> line, to find repeated rows
	today  string           // YYYY-MM-DD in China Standard Time
	now    time.Time
	cells  [numFields]string
	excel  excelDamage
}

// newScanner opens the source and reads the header. Header problems are
// returned as Errors.
func newScanner(r io.Reader, name string, o Options) (*scanner, error) {
	src, err := openSource(r, name, o)
	if err != nil {
		return nil, err
	}
	now := o.Now()
	s := &scanner{src: src, o: o, seen: make(map[rowKey]int32), now: now,
		today: now.In(cert.ChinaTime).Format(time.DateOnly)}
	if err := s.readHeader(); err != nil {
		src.close()
		return nil, err
	}
	return s, nil
}

func (s *scanner) close() { s.src.close() }

func isEmpty(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}

func (s *scanner) readHeader() error {
	var (
		line  int
		cells []string
		err   error
	)
	for {
		line, cells, err = s.src.next()
		if err == io.EOF {
			return errors.New("roster: 文件没有表头 / the file has no header row")
		}
		if err != nil {
			return err
		}
		if !isEmpty(cells) {
			break
		}
	}
	for i := range s.colOf {
		s.colOf[i] = -1
	}
	for _, c := range cells {
		if !utf8.ValidString(c) || strings.ContainsRune(c, utf8.RuneError) {
			return errors.New("roster: 表头含有无法识别的字符，文件编码可能判断错了，请指定 utf-8 或 gbk / the header row is not valid text in the detected encoding: set the encoding to utf-8 or gbk")
		}
	}
	s.header = make([]string, len(cells))
	s.width = len(cells)
	var errs errorList
	for i, c := range cells {
		c = strings.TrimPrefix(c, "\ufeff") // a BOM left by a forced encoding
		s.header[i] = c
		h := trimCell(c)
		if h == "" {
			continue
		}
		f, ok := headerIndex[strings.ToLower(h)]
		if !ok {
			f, ok = headerIndex[h]
		}
		if !ok {
			errs.add(&RowError{Line: line, Column: c,
				Message: "未知的列；可用的列：" + knownColumns(true),
				English: "unknown column; the columns are: " + knownColumns(false)})
			continue
		}
		if prev := s.colOf[f]; prev >= 0 {
			errs.add(&RowError{Line: line, Column: c, Field: fields[f].name,
				Message: fmt.Sprintf("与第 %d 列 %q 重复", prev+1, s.header[prev]),
				English: fmt.Sprintf("duplicates column %d %q", prev+1, s.header[prev])})
			continue
		}
		s.colOf[f] = i
	}
	for f, col := range s.colOf {
		if col < 0 && !fields[f].optional {
			errs.add(&RowError{Line: line, Field: fields[f].name,
				Message: fmt.Sprintf("缺少必填列 %q（%s）", fields[f].zh, fields[f].name),
				English: fmt.Sprintf("the required column %q (%s) is missing", fields[f].name, fields[f].zh)})
		}
	}
	if known := countFound(s.colOf[:]); known == 0 {
		return Errors{{Line: line,
			Message: "第一个非空行不是表头；表头应包含这些列：" + knownColumns(true),
			English: "the first non-empty row is not a header; it should name the columns " + knownColumns(false)}}
	}
	if errs.n > 0 {
		for _, e := range errs.list {
			e.Column = longDigits.ReplaceAllString(e.Column, "***")
		}
		return errs.result()
	}
	return nil
}

// countFound counts the fields that were found in the header.
func countFound(cols []int) int {
	n := 0
	for _, c := range cols {
		if c >= 0 {
			n++
		}
	}
	return n
}

func knownColumns(chinese bool) string {
	names := make([]string, numFields)
	for i, f := range fields {
		if chinese {
			names[i] = f.zh
		} else {
			names[i] = f.name
		}
	}
	if chinese {
		return strings.Join(names, "、")
	}
	return strings.Join(names, ", ")
}

// next returns the next non-empty row as a candidate, or the row's
// problems, or io.EOF, or an error about the file as a whole.
func (s *scanner) next() (Candidate, []*RowError, error) {
	for {
		line, cells, err := s.src.next()
		if err != nil {
			return Candidate{}, nil, err
		}
		if isEmpty(cells) {
			continue
		}
		s.rows++
		if s.rows > s.o.MaxRows {
			return Candidate{}, nil, fmt.Errorf("roster: 文件超过 %d 行 / the file has more than %d rows", s.o.MaxRows, s.o.MaxRows)
		}
		c, errs := s.check(line, cells)
		return c, errs, nil
	}
}

// rowChecker collects the problems of one row.
type rowChecker struct {
	s    *scanner
	line int
	errs []*RowError
}

func (r *rowChecker) fail(f int, zh, en string) {
	col := ""
	if f >= 0 && r.s.colOf[f] >= 0 {
		col = r.s.header[r.s.colOf[f]]
	}
	name := ""
	if f >= 0 {
		name = fields[f].name
	}
	r.errs = append(r.errs, &RowError{Line: r.line, Column: col, Field: name, Message: zh, English: en})
}

// text checks a printed text field; empty is an error when required.
func (r *rowChecker) text(f int, v string, required bool, max int) bool {
	if v == "" {
		if required {
			r.fail(f, "不能为空", "is empty")
			return false
		}
		return true
	}
	if err := cert.CheckText(v, max); err != nil {
		switch {
		case !utf8.ValidString(v) || strings.ContainsRune(v, utf8.RuneError):
			r.fail(f, "含有无法识别的字符（文件编码是否正确？）", "contains bytes that are not valid text (wrong encoding?)")
		case utf8.RuneCountInString(v) > max:
			r.fail(f, fmt.Sprintf("长 %d 个字，最多 %d 个", utf8.RuneCountInString(v), max), err.Error())
		default:
			r.fail(f, "含有控制字符", err.Error())
		}
		return false
	}
	if strings.ContainsRune(v, utf8.RuneError) {
		r.fail(f, "含有无法识别的字符（文件编码是否正确？）", "contains bytes that are not valid text (wrong encoding?)")
		return false
	}
	return r.printable(f, v)
}

func (r *rowChecker) printable(f int, v string) bool {
	if r.s.o.CheckName == nil || v == "" {
		return true
	}
	err := r.s.o.CheckName(v)
	if err == nil {
		return true
	}
	// Name the character, in plain words, when one alone is refused.
	for _, c := range v {
		if r.s.o.CheckName(string(c)) != nil {
			q := string(c)
			r.fail(f, fmt.Sprintf("“%s”（%U）这个字证书字体里没有，无法打印；请核对写法，或请管理员换用有这个字的字体", q, c),
				fmt.Sprintf("the character %q (%U) is not in the certificate font, so it cannot be printed: check how it is written, or ask the administrator for a font that has it", q, c))
			return false
		}
	}
	r.fail(f, "含有证书字体无法显示的字符", "cannot be printed: "+err.Error())
	return false
}

// normalize returns the canonical form of the text cell raw of field f
// (cert.NormalizeName for the name, cert.NormalizeText for the others), or
// records why the cell cannot be used.
func (r *rowChecker) normalize(f int, raw string) (string, bool) {
	if raw == "" {
		return "", true
	}
	switch {
	case r.s.src.lossy() && strings.ContainsAny(raw, "?\ufffd"):
		r.fail(f, "含有“?”：文件按 GBK 编码保存时丢失了 GBK 里没有的字（生僻字、繁体或符号）；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 xlsx，核对这些字后重新导入",
			"contains \"?\": the file was saved as GBK, which lost every character GBK lacks (rare characters, symbols); save it from Excel as \"CSV UTF-8\" or xlsx, check those characters, and import it again")
		return "", false
	case !utf8.ValidString(raw) || strings.ContainsRune(raw, utf8.RuneError):
		r.fail(f, "含有无法识别的字符（文件编码是否正确？请另存为“CSV UTF-8”）", "contains bytes that are not valid text (wrong encoding? save as \"CSV UTF-8\")")
		return "", false
	}
	var v string
	var err error
	if f == fName {
		v, err = cert.NormalizeName(raw)
	} else {
		v, err = cert.NormalizeText(raw)
	}
	if err != nil {
		var te *cert.TextError
		if errors.As(err, &te) {
			r.fail(f, te.Chinese(), te.English())
		} else {
			r.fail(f, "无法使用", err.Error())
		}
		return "", false
	}
	if cert.ContainsIDNumber(v) {
		r.fail(f, "含有居民身份证号码：身份证号只能填在“身份证号”列，不能出现在其他列（证书会印出这一列）",
			"contains a resident ID number: the ID number belongs in the id_number column only (this column is printed on the certificate)")
		return "", false
	}
	return v, true
}

func (s *scanner) check(line int, cells []string) (Candidate, []*RowError) {
	r := &rowChecker{s: s, line: line}
	if len(cells) < s.width && s.src.strictWidth() {
		// Trailing empty optional columns may be left out (no trailing
		// commas); a required column may not.
		var missing []string
		for i := len(cells); i < s.width; i++ {
			for f, col := range s.colOf {
				if col == i && !fields[f].optional {
					missing = append(missing, trimCell(s.header[i]))
				}
			}
		}
		if len(missing) > 0 {
			r.fail(-1, fmt.Sprintf("有 %d 个字段，表头有 %d 个，缺少 %s（某个单元格里是否有未加引号的逗号或换行？）", len(cells), s.width, strings.Join(missing, "、")),
				fmt.Sprintf("has %d fields, the header has %d: %s missing (an unquoted comma or line break in a cell?)", len(cells), s.width, strings.Join(missing, ", ")))
			return Candidate{}, r.redact(cells)
		}
	}
	for i, c := range cells {
		if trimCell(c) == "" {
			continue
		}
		if i >= s.width {
			r.fail(-1, fmt.Sprintf("第 %d 列在表头范围之外却有内容", i+1), fmt.Sprintf("column %d is beyond the header but not empty", i+1))
			return Candidate{}, r.redact(cells)
		}
		if trimCell(s.header[i]) == "" {
			r.fail(-1, fmt.Sprintf("第 %d 列没有表头却有内容", i+1), fmt.Sprintf("column %d has no header but is not empty", i+1))
			return Candidate{}, r.redact(cells)
		}
	}
	v := &s.cells
	var ok [numFields]bool
	for f, col := range s.colOf {
		raw := ""
		if col >= 0 && col < len(cells) {
			raw = cells[col]
		}
		if f == fIDNumber {
			v[f], ok[f] = raw, true
			continue
		}
		v[f], ok[f] = r.normalize(f, raw)
	}
	c := Candidate{
		Line:        line,
		Name:        v[fName],
		Series:      v[fSeries],
		Specialty:   v[fSpecialty],
		Level:       v[fLevel],
		Committee:   v[fCommittee],
		ApprovalDoc: v[fApprovalDoc],
		Scope:       v[fScope],
		Employer:    v[fEmployer],
	}

	if ok[fName] {
		r.text(fName, c.Name, true, cert.MaxNameLen)
	}

	idOK := r.idNumber(v[fIDNumber])
	c.IDNumber = cert.NormalizeIDNumber(v[fIDNumber])

	titleOK := false
	if ok[fSeries] && ok[fSpecialty] && ok[fLevel] {
		title, err := s.o.Directory.Title(c.Series, c.Specialty, c.Level)
		titleOK = err == nil
		if err != nil {
			var le *directory.LookupError
			if errors.As(err, &le) {
				f := map[string]int{"series": fSeries, "specialty": fSpecialty, "level": fLevel}[le.Field]
				r.fail(f, le.Chinese(), le.English())
			} else {
				r.fail(fSeries, "无法查询专业目录", err.Error())
			}
		} else {
			r.printable(fSeries, c.Series)
			r.printable(fSpecialty, c.Specialty)
			r.printable(fLevel, c.Level)
			c.Title = title
			if given := v[fTitle]; ok[fTitle] && given != "" && given != title {
				r.fail(fTitle, fmt.Sprintf("%s/%s/%s 的资格名称应为 %q，而不是 %q", c.Series, c.Specialty, c.Level, title, given),
					fmt.Sprintf("the title for %s %s %s is %q, not %q", c.Series, c.Specialty, c.Level, title, given))
			} else if ok[fTitle] {
				r.printable(fTitle, title)
			}
		}
	}

	if ok[fCommittee] {
		r.text(fCommittee, c.Committee, true, cert.MaxTextLen)
	}
	if ok[fReviewDate] {
		if d, dateOK := r.reviewDate(v[fReviewDate]); dateOK {
			c.ReviewDate = d
			r.printable(fReviewDate, d)
		}
	}
	if ok[fApprovalDoc] {
		r.text(fApprovalDoc, c.ApprovalDoc, true, cert.MaxTextLen)
	}

	if ok[fRoute] && ok[fScope] {
		r.route(&c, v[fRoute])
	}
	if ok[fEmployer] {
		r.text(fEmployer, c.Employer, false, cert.MaxTextLen)
	}

	if idOK && titleOK {
		key := newRowKey(c.IDNumber, c.TitleKey())
		if prev, dup := s.seen[key]; dup {
			r.fail(fIDNumber, fmt.Sprintf("与第 %d 行是同一人的同一职称（身份证号、系列、专业、级别都相同）", prev),
				fmt.Sprintf("the same person and title as line %d (same ID number, series, specialty and level)", prev))
		} else if len(r.errs) == 0 {
			s.seen[key] = int32(min(line, math.MaxInt32))
		}
	}
	if len(r.errs) > 0 {
		return Candidate{}, r.redact(cells)
	}
	return c, nil
}

// route parses the route into c and checks the scope against it.
func (r *rowChecker) route(c *Candidate, v string) {
	route, ok := parseRoute(v)
	if !ok {
		r.fail(fRoute, "应为 常规评审、绿色通道 或 定向评价、定向使用（也可写 regular、green_channel、targeted；空表示常规评审）",
			"must be regular, green_channel or targeted (or 常规评审, 绿色通道, 定向评价、定向使用; empty means regular)")
	} else {
		c.Route = route
		r.printable(fRoute, route.Chinese())
		switch {
		case route == cert.RouteTargeted && c.Scope == "":
			r.fail(fScope, "定向评价必须填写适用地区（如 福建省宁德市寿宁县）", "a targeted title needs the region it is valid in (e.g. 福建省宁德市寿宁县)")
		case route != cert.RouteTargeted && c.Scope != "":
			r.fail(fScope, "只有定向评价才填写适用地区", "only a targeted title has a region")
		case c.Scope != "":
			r.text(fScope, c.Scope, true, cert.MaxTextLen)
		}
	}
}

// rowKey identifies a person and a title in 16 bytes, whatever the lengths
// of the names: the first half of the SHA-256 of the ID number and the
// title key. A collision (probability about n²/2¹²⁹ for n rows) would
// refuse a row as a repeat of another, never let a repeat through.
type rowKey [16]byte

func newRowKey(id, titleKey string) rowKey {
	h := sha256.New()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(titleKey))
	var k rowKey
	copy(k[:], h.Sum(nil))
	return k
}

// redact removes the row's ID number (and anything long typed in its
// place) from every message, whatever column it was found in.
func (r *rowChecker) redact(cells []string) []*RowError {
	var secrets []string
	if col := r.s.colOf[fIDNumber]; col >= 0 && col < len(cells) {
		raw := trimCell(cells[col])
		if len(raw) >= 6 {
			secrets = append(secrets, raw, cert.NormalizeIDNumber(raw), strings.ToLower(raw))
		}
	}
	// Any run of 15 or more digits looks like a resident ID number.
	for _, e := range r.errs {
		for _, sec := range secrets {
			e.Message = strings.ReplaceAll(e.Message, sec, "***")
			e.English = strings.ReplaceAll(e.English, sec, "***")
			e.Column = strings.ReplaceAll(e.Column, sec, "***")
		}
		e.Message = longDigits.ReplaceAllString(e.Message, "***")
		e.English = longDigits.ReplaceAllString(e.English, "***")
	}
	return r.errs
}

var longDigits = regexp.MustCompile(`[0-9]{15,}[0-9Xx]?`)

// idNumber checks the ID cell and explains, in both languages and without
// repeating it, what is wrong. It also counts the signs of Excel damage
// the whole file is judged by (see excelDamage).
func (r *rowChecker) idNumber(raw string) bool {
	id := cert.NormalizeIDNumber(raw)
	if id == "" {
		r.fail(fIDNumber, "不能为空", "is empty")
		return false
	}
	if excelNumber.MatchString(id) {
		r.fail(fIDNumber, "被 Excel 存成了数字（科学计数法），后几位已丢失；请把该列设为“文本”后重新输入", "was stored by Excel as a number (scientific notation) and lost its last digits; format the column as text and enter it again")
		return false
	}
	err := cert.CheckIDNumber(id, r.s.now)
	zeroed := len(id) == 18 && strings.HasSuffix(id, "000") && strings.Trim(id, "0123456789") == ""
	if len(id) == 18 && strings.Trim(id, "0123456789") == "" {
		r.s.excel.number(r.line, zeroed, err == nil)
	}
	if err == nil {
		return true
	}
	var ie *cert.IDNumberError
	if !errors.As(err, &ie) {
		r.fail(fIDNumber, "不是有效的居民身份证号码", err.Error())
		return false
	}
	zh, en := ie.Chinese(), ie.English()
	if zeroed {
		zh += "；末三位是 000，可能是 Excel 只保留了 15 位有效数字：请把该列设为“文本”后重新输入"
		en += "; it ends in 000, as when Excel keeps only 15 significant digits: format the column as text and enter it again"
	}
	r.fail(fIDNumber, zh, en)
	return false
}

// excelNumber matches an ID number Excel turned into a number in
// scientific notation: 3.50102E+17, 3.50102198503141E+17, 3,50102E+17.
var excelNumber = regexp.MustCompile(`(?i)^[0-9]+([.,][0-9]*)?E\+?[0-9]+$`)

// excelDamage counts the signs that Excel stored the ID column as numbers
// and so kept only 15 significant digits: the 16th to 18th became 0.
// About one genuine number in 1,100 ends in 000 (sequence digits x00 and
// check character 0), but every damaged one does, and some of them still
// pass the check character. So the file is judged as a whole: two or
// more all-digit numbers ending in 000, being at least a tenth of the
// all-digit numbers, mean the column was damaged, and the whole file is
// refused. (By chance, two such numbers among twenty genuine ones happen
// about once in 6,000 files; three among thirty, once in 300,000.) A
// number in scientific notation is refused on its own row.
type excelDamage struct {
	digits  int   // all-digit 18-character ID numbers
	zeroed  int   // ... of which end in 000
	passing int   // ... of which still pass every check
	lines   []int // lines of the zeroed numbers (the first few)
}

const excelDamageLines = 10

func (d *excelDamage) number(line int, zeroed, valid bool) {
	d.digits++
	if !zeroed {
		return
	}
	d.zeroed++
	if valid {
		d.passing++
	}
	if len(d.lines) < excelDamageLines {
		d.lines = append(d.lines, line)
	}
}

// damaged reports whether the file's ID column was damaged by Excel.
func (d *excelDamage) damaged() bool {
	return d.zeroed >= 2 && d.zeroed*10 >= d.digits
}

// verdict returns the whole-file error for a damaged ID column, or nil.
// It names the column and the first lines, never a number.
func (s *scanner) excelVerdict() *RowError {
	d := &s.excel
	if !d.damaged() {
		return nil
	}
	lines := make([]string, len(d.lines))
	for i, l := range d.lines {
		lines[i] = fmt.Sprint(l)
	}
	more := ""
	if d.zeroed > len(d.lines) {
		more = "…"
	}
	col := s.header[s.colOf[fIDNumber]]
	return &RowError{Line: d.lines[0], Column: col, Field: fields[fIDNumber].name,
		Message: fmt.Sprintf("整个文件的身份证号被 Excel 损坏：%d 个号码以 000 结尾（第 %s%s 行），Excel 把长数字只保留 15 位有效数字，后三位都变成了 0，其中 %d 个碰巧仍能通过校验，但都不可信。本文件不签发任何证书。修正方法：在原始表格中把身份证号列设为“文本”格式，重新输入（或粘贴）完整号码后再保存",
			d.zeroed, strings.Join(lines, "、"), more, d.passing),
		English: fmt.Sprintf("the ID numbers of this file were damaged by Excel: %d end in 000 (lines %s%s); Excel keeps only 15 significant digits of a long number and replaces the rest with 0, and %d of them happen to pass the check character but none can be trusted. Nothing in this file is issued. To fix it: in the original spreadsheet format the ID number column as text, enter (or paste) the full numbers again, and save",
			d.zeroed, strings.Join(lines, ", "), more, d.passing)}
}

var (
	sepDate = regexp.MustCompile(`^(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})$`)
	zhDate  = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日$`)
	compact = regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`)
	serial  = regexp.MustCompile(`^\d{1,6}(\.\d+)?$`)
)

// reviewDate parses the review date and returns it as YYYY-MM-DD.
func (r *rowChecker) reviewDate(v string) (string, bool) {
	if v == "" {
		r.fail(fReviewDate, "不能为空", "is empty")
		return "", false
	}
	var y, m, d string
	if p := sepDate.FindStringSubmatch(v); p != nil && p[2] == p[4] {
		y, m, d = p[1], p[3], p[5]
	} else if p := zhDate.FindStringSubmatch(v); p != nil {
		y, m, d = p[1], p[2], p[3]
	} else if p := compact.FindStringSubmatch(v); p != nil {
		y, m, d = p[1], p[2], p[3]
	} else if r.s.src.excelDates() && serial.MatchString(v) {
		f, _ := strconv.ParseFloat(v, 64)
		if t, err := excelize.ExcelDateToTime(f, r.s.src.date1904()); err == nil && f >= 1 {
			y, m, d = t.Format("2006"), t.Format("01"), t.Format("02")
		}
	}
	if y == "" {
		r.fail(fReviewDate, "不是日期；请写成 2026-06-30 的形式", "is not a date; write it as 2026-06-30")
		return "", false
	}
	iy, _ := strconv.Atoi(y)
	im, _ := strconv.Atoi(m)
	id, _ := strconv.Atoi(d)
	t := time.Date(iy, time.Month(im), id, 0, 0, 0, 0, time.UTC)
	if t.Year() != iy || int(t.Month()) != im || t.Day() != id || iy < 1900 {
		r.fail(fReviewDate, "不是存在的日期", "is not a real date")
		return "", false
	}
	date := t.Format(time.DateOnly)
	if date > r.s.today {
		r.fail(fReviewDate, fmt.Sprintf("%s 在今天（%s）之后", date, r.s.today), fmt.Sprintf("%s is after today (%s)", date, r.s.today))
		return "", false
	}
	return date, true
}

func parseRoute(v string) (cert.Route, bool) {
	switch strings.ToLower(v) {
	case "", "regular", "常规", "常规评审", "正常", "正常评审":
		return cert.RouteRegular, true
	case "green_channel", "green channel", "green-channel", "绿色通道":
		return cert.RouteGreenChannel, true
	case "targeted", "定向", "定向评价", "定向使用", "定向评价、定向使用", "定向评价,定向使用", "定向评价，定向使用", "定向评价定向使用", "定向评价/定向使用":
		return cert.RouteTargeted, true
	}
	return "", false
}
