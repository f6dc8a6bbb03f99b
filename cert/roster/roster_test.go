package roster

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/titlecert/titlecert/cert"
)

var testNow = time.Date(2026, 7, 15, 4, 0, 0, 0, time.UTC) // 12:00 in China

func opts() Options { return Options{Now: func() time.Time { return testNow }} }

func mustID(t testing.TB, region, birth string, seq int) string {
	t.Helper()
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		t.Fatal(err)
	}
	id, err := MakeIDNumber(region, b, seq)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var englishHeader = []string{"name", "id_number", "series", "specialty", "level", "title", "committee", "review_date", "approval_doc", "route", "scope", "employer"}

// validRow returns a valid row for englishHeader.
func validRow(t testing.TB, seq int) []string {
	return []string{"张三", mustID(t, "350102", "1985-03-14", seq), "工程技术", "区块链工程", "中级", "工程师",
		"福建省工程技术人才职称评审委员会区块链工程专业中级评审委员会", "2026-06-30", "闽人社文〔2026〕12号", "", "", "福建省大数据有限公司"}
}

func csvBytes(t testing.TB, rows ...[]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readBytes(t testing.TB, data []byte, name string, o Options) ([]Candidate, error) {
	t.Helper()
	return Read(bytes.NewReader(data), name, o)
}

func rowErrors(t *testing.T, err error) Errors {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v (%T) is not Errors", err, err)
	}
	return errs
}

func TestReadValid(t *testing.T) {
	id := mustID(t, "350102", "1985-03-14", 31)
	want := Candidate{Line: 2, Name: "张三", IDNumber: id, Series: "工程技术", Specialty: "区块链工程", Level: "中级", Title: "工程师",
		Committee: "福建省工程技术人才职称评审委员会区块链工程专业中级评审委员会", ReviewDate: "2026-06-30",
		ApprovalDoc: "闽人社文〔2026〕12号", Route: cert.RouteRegular, Employer: "福建省大数据有限公司"}
	tests := []struct {
		name string
		rows [][]string
		want Candidate
	}{
		{"english", [][]string{englishHeader, validRow(t, 31)}, want},
		{"chinese shuffled with spaces", [][]string{
			{" 工作单位 ", "评价方式", "适用地区", "文号", "评审日期", "评审委员会", "资格名称", "级别", "专业", "系列", "身份证号", "姓名"},
			{"福建省大数据有限公司", "", "", "闽人社文〔2026〕12号", "2026/6/30", "福建省工程技术人才职称评审委员会区块链工程专业中级评审委员会", "", "中级", "区块链工程", "工程技术", " " + strings.ToLower(id) + " ", " 张三\u3000"},
		}, want},
		{"upper-case english, optional columns absent", [][]string{
			{"NAME", "ID_Number", "Series", "Specialty", "Level", "Committee", "Review_Date", "Approval_Doc", "Route", "Scope"},
			{"张三", id, "工程技术", "区块链工程", "中级", "福建省工程技术人才职称评审委员会区块链工程专业中级评审委员会", "20260630", "闽人社文〔2026〕12号", "常规", ""},
		}, func() Candidate { c := want; c.Employer = ""; return c }()},
		{"targeted", [][]string{englishHeader, func() []string {
			r := validRow(t, 31)
			r[9], r[10] = "定向评价、定向使用", "福建省宁德市寿宁县"
			r[7] = "2026.06.30"
			return r
		}()}, func() Candidate {
			c := want
			c.Route = cert.RouteTargeted
			c.Scope = "福建省宁德市寿宁县"
			return c
		}()},
		{"green channel, blank lines", [][]string{englishHeader, {"", "", "", "", "", "", "", "", "", "", "", ""}, func() []string {
			r := validRow(t, 31)
			r[4], r[5], r[9], r[7] = "副高级", "高级工程师", "绿色通道", "2026年6月30日"
			return r
		}()}, func() Candidate {
			c := want
			c.Line, c.Level, c.Title, c.Route = 3, "副高级", "高级工程师", cert.RouteGreenChannel
			return c
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBytes(t, csvBytes(t, tt.rows...), "roster.csv", opts())
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if k := got[0].TitleKey(); k != "工程技术|区块链工程|"+tt.want.Level {
				t.Errorf("TitleKey = %q", k)
			}
		})
	}
}

func TestRowRefusals(t *testing.T) {
	id := validRow(t, 31)[1]
	bad := func(col int, v string) func([]string) {
		return func(r []string) { r[col] = v }
	}
	tests := []struct {
		name   string
		change func([]string)
		column string // expected Column; "" for whole row
		want   []string
	}{
		{"empty name", bad(0, ""), "name", []string{"不能为空", "is empty"}},
		{"long name", bad(0, strings.Repeat("张", 65)), "name", []string{"长 65 个字，最多 64 个"}},
		{"control character in name", bad(0, "张\u202e三"), "name", []string{"控制字符", "U+202E"}},
		{"combining mark in name", bad(0, "阿依古丽\u0323买买提"), "name", []string{"组合符号 U+0323", "居民身份证", "as the ID card writes it"}},
		{"dash in name", bad(0, "阿依古丽—买买提"), "name", []string{"汉字之间有“—”（U+2014）", "只用“·”分隔", "not write: the parts of a name are separated by · (U+00B7) only"}},
		{"katakana long mark in name", bad(0, "阿依古丽ー买买提"), "name", []string{"U+30FC", "as the ID card writes it"}},
		{"empty id", bad(1, ""), "id_number", []string{"不能为空"}},
		{"short id", bad(1, id[:17]), "id_number", []string{"有 17 个字符，身份证号应为 18 位", "it has 17 characters"}},
		{"letter in id", bad(1, id[:3]+"A"+id[4:]), "id_number", []string{"第 4 位是“A”（U+0041），不是数字", `character 4 is "A" (U+0041), not a digit`}},
		{"bad last character", bad(1, id[:17]+"Y"), "id_number", []string{"最后一位是“Y”（U+0059），应为数字或 X"}},
		{"bad birth date", bad(1, mustID(t, "350102", "1985-03-14", 31)[:10]+"1332"+id[14:]), "id_number", []string{"出生日期"}},
		{"future birth date", bad(1, mustID(t, "350102", "2027-03-14", 31)), "id_number", []string{"出生日期", "impossible"}},
		{"check character", bad(1, id[:16]+string("0123456789"[(id[16]-'0'+1)%10])+id[17:]), "id_number", []string{"校验位不符", "the check character does not match"}},
		{"excel number", bad(1, "3.50102E+17"), "id_number", []string{"科学计数法", "scientific notation"}},
		{"unknown series", bad(2, "工程"), "series", []string{`系列 "工程" 不在职称评审专业目录中；可选：工程技术`}},
		{"unknown specialty", bad(3, "区块链"), "specialty", []string{`专业 "区块链" 不在系列 "工程技术" 中；可选：建筑工程、电子信息`}},
		{"unknown level", bad(4, "高级"), "level", []string{`级别 "高级" 不是职称级别`}},
		{"level not offered", func(r []string) { r[2], r[3], r[4], r[5] = "会计", "会计", "员级", "" }, "level", []string{`不设级别 "员级"；可选：助理级、中级、副高级、正高级`}},
		{"wrong title", bad(5, "高级工程师"), "title", []string{`资格名称应为 "工程师"，而不是 "高级工程师"`, `is "工程师", not "高级工程师"`}},
		{"title of another specialty", func(r []string) { r[2], r[3], r[4], r[5] = "卫生", "护理", "中级", "主治医师" }, "title", []string{`应为 "主管护师"`}},
		{"empty committee", bad(6, " "), "committee", []string{"不能为空"}},
		{"empty review date", bad(7, ""), "review_date", []string{"不能为空"}},
		{"not a date", bad(7, "六月"), "review_date", []string{"不是日期"}},
		{"mixed separators", bad(7, "2026-06/30"), "review_date", []string{"不是日期"}},
		{"excel serial in csv", bad(7, "46203"), "review_date", []string{"不是日期"}},
		{"unreal date", bad(7, "2026-02-30"), "review_date", []string{"不是存在的日期", "not a real date"}},
		{"future date", bad(7, "2026-07-16"), "review_date", []string{"2026-07-16 在今天（2026-07-15）之后"}},
		{"empty approval doc", bad(8, ""), "approval_doc", []string{"不能为空"}},
		{"long approval doc", bad(8, strings.Repeat("文", 129)), "approval_doc", []string{"最多 128 个"}},
		{"unknown route", bad(9, "特批"), "route", []string{"应为 常规评审、绿色通道", "must be regular"}},
		{"targeted without scope", bad(9, "targeted"), "scope", []string{"必须填写适用地区"}},
		{"scope without targeted", bad(10, "福建省宁德市寿宁县"), "scope", []string{"只有定向评价才填写适用地区"}},
		{"long employer", bad(11, strings.Repeat("单", 129)), "employer", []string{"最多 128 个"}},
		{"too few fields", func(r []string) {}, "", []string{"有 8 个字段，表头有 12 个，缺少 approval_doc", "has 8 fields, the header has 12: approval_doc missing (an unquoted comma or line break in a cell?)"}},
		{"value beyond header", func(r []string) {}, "", []string{"第 13 列在表头范围之外却有内容"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := validRow(t, 31)
			tt.change(row)
			switch tt.name {
			case "too few fields":
				row = row[:8]
			case "value beyond header":
				row = append(row, "x")
			}
			data := csvBytes(t, englishHeader, validRow(t, 32), row)
			if tt.name == "too few fields" || tt.name == "value beyond header" {
				data = append(csvBytes(t, englishHeader, validRow(t, 32)), csvBytes(t, row)...)
			}
			got, err := readBytes(t, data, "r.csv", opts())
			if got != nil {
				t.Errorf("returned candidates along with an error")
			}
			errs := rowErrors(t, err)
			if len(errs) != 1 {
				t.Fatalf("want 1 error, got %d:\n%v", len(errs), errs)
			}
			e := errs[0]
			if e.Line != 3 || e.Column != tt.column || (tt.column != "" && e.Field != tt.column) {
				t.Errorf("got line %d column %q field %q, want line 3 column %q", e.Line, e.Column, e.Field, tt.column)
			}
			msg := e.Error()
			wantPrefix := "第 3 行，列 \"" + tt.column + "\"："
			if tt.column == "" {
				wantPrefix = "第 3 行："
			}
			if !strings.HasPrefix(msg, wantPrefix) || !strings.Contains(msg, "/ line 3") {
				t.Errorf("message %q does not name line and column", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, id) || strings.Contains(msg, id[:17]) || strings.Contains(err.Error(), id[6:14]+id[14:17]) {
				t.Errorf("message %q contains the ID number", msg)
			}
		})
	}
}

func TestRowErrorFormat(t *testing.T) {
	e := &RowError{Line: 3, Column: "身份证号", Field: "id_number", Message: "校验位不符", English: "the check character does not match"}
	want := `第 3 行，列 "身份证号"：校验位不符 / line 3, column "身份证号" (id_number): the check character does not match`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
}

func TestAllProblemsOfARowAndFile(t *testing.T) {
	r1 := validRow(t, 31)
	r1[0], r1[7] = "", "明天"
	r2 := validRow(t, 32)
	r2[4] = "高级"
	data := csvBytes(t, []string{"姓名", "身份证号", "系列", "专业", "级别", "资格名称", "评审委员会", "评审日期", "文号", "评价方式", "适用地区", "工作单位"}, r1, validRow(t, 33), r2)
	_, err := readBytes(t, data, "r.csv", opts())
	errs := rowErrors(t, err)
	var got []string
	for _, e := range errs {
		got = append(got, fmt.Sprintf("%d %s", e.Line, e.Column))
	}
	if want := []string{"2 姓名", "2 评审日期", "4 级别"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := strings.Count(err.Error(), "\n"); n != 2 {
		t.Errorf("Errors.Error has %d line breaks, want one line per error:\n%v", n, err)
	}
}

func TestDuplicate(t *testing.T) {
	a := validRow(t, 31)
	other := validRow(t, 31)
	other[4], other[5] = "副高级", "高级工程师" // same person, another title: fine
	data := csvBytes(t, englishHeader, a, validRow(t, 32), other, a)
	_, err := readBytes(t, data, "r.csv", opts())
	errs := rowErrors(t, err)
	if len(errs) != 1 || errs[0].Line != 5 || errs[0].Field != "id_number" || !strings.Contains(errs[0].Message, "与第 2 行") || !strings.Contains(errs[0].English, "line 2") {
		t.Fatalf("got %v", errs)
	}
	if strings.Contains(err.Error(), a[1]) {
		t.Error("duplicate message contains the ID number")
	}
}

func TestIDNumberNeverInErrors(t *testing.T) {
	id := validRow(t, 31)[1]
	for col := range englishHeader {
		if col == 1 {
			continue
		}
		row := validRow(t, 31)
		row[col] = id // typed into the wrong column
		row[1] = id[:17] + "0"
		if row[1] == id {
			row[1] = id[:17] + "1"
		}
		_, err := readBytes(t, csvBytes(t, englishHeader, row), "r.csv", opts())
		if err == nil {
			t.Errorf("column %s: accepted", englishHeader[col])
			continue
		}
		if strings.Contains(err.Error(), id[:17]) {
			t.Errorf("column %s: error contains the ID number: %v", englishHeader[col], err)
		}
	}
	// A file without a header: the first row is data.
	_, err := readBytes(t, csvBytes(t, validRow(t, 31), validRow(t, 32)), "r.csv", opts())
	if err == nil || strings.Contains(err.Error(), id[:17]) || !strings.Contains(err.Error(), "不是表头") {
		t.Errorf("headerless file: %v", err)
	}
}

func TestHeaderErrors(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   []string
	}{
		{"unknown", append(slices.Clone(englishHeader), "备注"), []string{`列 "备注"：未知的列；可用的列：姓名、身份证号`}},
		{"missing", slices.Delete(slices.Clone(englishHeader), 6, 7), []string{`缺少必填列 "评审委员会"（committee）`, `the required column "committee"`}},
		{"duplicate", append(slices.Clone(englishHeader), "姓名"), []string{`列 "姓名"：与第 1 列 "name" 重复`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := validRow(t, 31)
			for len(row) < len(tt.header) {
				row = append(row, "")
			}
			_, err := readBytes(t, csvBytes(t, tt.header, row[:len(tt.header)]), "r.csv", opts())
			errs := rowErrors(t, err)
			for _, w := range tt.want {
				if !strings.Contains(errs.Error(), w) {
					t.Errorf("%q does not contain %q", errs.Error(), w)
				}
			}
			if errs[0].Line != 1 {
				t.Errorf("line %d, want 1", errs[0].Line)
			}
		})
	}
	// An empty header cell is ignored while its column is empty.
	h := append(slices.Clone(englishHeader), "")
	ok := append(validRow(t, 31), "")
	if _, err := readBytes(t, csvBytes(t, h, ok), "r.csv", opts()); err != nil {
		t.Errorf("empty header column: %v", err)
	}
	notOK := append(validRow(t, 31), "x")
	_, err := readBytes(t, csvBytes(t, h, notOK), "r.csv", opts())
	if err == nil || !strings.Contains(err.Error(), "第 13 列没有表头却有内容") {
		t.Errorf("value under an empty header: %v", err)
	}
}

func TestFileErrors(t *testing.T) {
	valid := csvBytes(t, englishHeader, validRow(t, 31))
	tests := []struct {
		name string
		data []byte
		file string
		o    func(*Options)
		want string
	}{
		{"empty", nil, "r.csv", nil, "文件为空 / the file is empty"},
		{"only BOM and spaces", []byte("\xef\xbb\xbf \n\n"), "r.csv", nil, "the file is empty"},
		{"only blank cells", []byte(",,,\n,,,\n"), "r.csv", nil, "no header row"},
		{"header only", csvBytes(t, englishHeader), "r.csv", nil, "no candidates"},
		{"xls", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 100)...), "r.xls", nil, "save as .xlsx or CSV"},
		{"binary", []byte("%PDF-1.7\n\x00\x01\x02"), "r.csv", nil, "neither CSV nor xlsx"},
		{"utf-16", []byte("\xff\xfen\x00a\x00"), "r.csv", nil, "UTF-16"},
		{"bad zip", []byte("PK\x03\x04garbage"), "r.csv", nil, "damaged"},
		{"xlsx name, csv content", valid, "r.xlsx", nil, "damaged"},
		{"bare quote", append(csvBytes(t, englishHeader, validRow(t, 31)), []byte("\"a\"b,c\n")...), "r.csv", nil, "line 3: malformed CSV"},
		{"too large", valid, "r.csv", func(o *Options) { o.MaxFileSize = 100 }, "larger than 100 bytes"},
		{"too large xlsx", append([]byte("PK\x03\x04"), make([]byte, 200)...), "r.xlsx", func(o *Options) { o.MaxFileSize = 100 }, "larger than 100 bytes"},
		{"too many rows", csvBytes(t, englishHeader, validRow(t, 31), validRow(t, 32), validRow(t, 33)), "r.csv", func(o *Options) { o.MaxRows = 2 }, "more than 2 rows"},
		{"unknown encoding", valid, "r.csv", func(o *Options) { o.Encoding = "latin1" }, `unknown encoding "latin1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts()
			if tt.o != nil {
				tt.o(&o)
			}
			got, err := readBytes(t, tt.data, tt.file, o)
			if err == nil {
				t.Fatalf("accepted: %v", got)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "roster: ") {
				t.Errorf("error %q does not start with roster: and contain %q", err, tt.want)
			}
			if strings.HasPrefix(tt.name, "too large") && !errors.Is(err, ErrTooLarge) {
				t.Errorf("error %v is not ErrTooLarge", err)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "名单.csv")
	if err := os.WriteFile(p, csvBytes(t, englishHeader, validRow(t, 31)), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(p, opts())
	if err != nil || len(got) != 1 {
		t.Fatalf("ReadFile: %v, %v", got, err)
	}
	o := opts()
	o.MaxFileSize = 10
	if _, err := ReadFile(p, o); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized file: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.csv"), opts()); err == nil || !strings.HasPrefix(err.Error(), "roster: ") {
		t.Errorf("missing file: %v", err)
	}
}

func TestEncodings(t *testing.T) {
	plain := csvBytes(t, []string{"姓名", "身份证号", "系列", "专业", "级别", "资格名称", "评审委员会", "评审日期", "文号", "评价方式", "适用地区", "工作单位"},
		validRow(t, 31), []string{"欧阳娜娜", mustID(t, "350925", "1990-12-01", 42), "卫生", "护理", "副高级", "副主任护师", "福建省卫生系列高级职称评审委员会", "2026-01-05", "闽人社文〔2026〕3号", "定向评价", "福建省宁德市寿宁县", "寿宁县医院"})
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(plain)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, encoding string
		data           []byte
	}{
		{"utf-8", "", plain},
		{"utf-8 BOM", "", append([]byte("\xef\xbb\xbf"), plain...)},
		{"utf-8 BOM forced", "UTF-8", append([]byte("\xef\xbb\xbf"), plain...)},
		{"gbk detected", "", gbk},
		{"gbk forced", "gbk", gbk},
		{"gb18030 forced", "gb18030", gbk},
		{"crlf", "", bytes.ReplaceAll(plain, []byte("\n"), []byte("\r\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts()
			o.Encoding = tt.encoding
			got, err := readBytes(t, tt.data, "r.csv", o)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Name != "张三" || got[1].Name != "欧阳娜娜" || got[1].Scope != "福建省宁德市寿宁县" || got[1].Line != 3 {
				t.Errorf("got %+v", got)
			}
		})
	}
	// GBK read as UTF-8 gives a clear message, not mojibake.
	o := opts()
	o.Encoding = "utf-8"
	_, err = readBytes(t, gbk, "r.csv", o)
	if err == nil || !strings.Contains(err.Error(), "set the encoding") {
		t.Errorf("GBK forced to UTF-8: %v", err)
	}
}

// TestLongUTF8Prefix checks that detection does not stumble on a
// character cut at the end of the sniffed prefix.
func TestLongUTF8Prefix(t *testing.T) {
	rows := [][]string{englishHeader}
	for i := range 700 {
		r := validRow(t, i+1)
		r[11] = strings.Repeat("福", 30)
		rows = append(rows, r)
	}
	got, err := readBytes(t, csvBytes(t, rows...), "r.csv", opts())
	if err != nil || len(got) != 700 {
		t.Fatalf("got %d, %v", len(got), err)
	}
}

func TestXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	header := []any{"姓名", "身份证号", "系列", "专业", "级别", "评审委员会", "评审日期", "文号", "评价方式", "适用地区"}
	id := mustID(t, "350102", "1985-03-14", 31)
	rows := [][]any{
		header,
		{"李四", id, "会计", "会计", "中级", "福建省会计系列中级职称评审委员会", time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), "闽人社文〔2026〕12号", "", ""},
		{}, // an empty row is skipped
		{"王五", mustID(t, "350203", "1979-11-02", 88), "中小学教师", "数学", "正高级", "福建省中小学教师系列高级职称评审委员会", "2026-05-20", "闽人社文〔2026〕9号", "green_channel", ""},
	}
	for i, r := range rows {
		if err := f.SetSheetRow(sh, fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"roster.xlsx", "roster.dat"} { // by extension, and by magic bytes
		got, err := readBytes(t, b.Bytes(), name, opts())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != 2 {
			t.Fatalf("%s: got %+v", name, got)
		}
		if got[0].Line != 2 || got[0].Title != "会计师" || got[0].ReviewDate != "2026-06-30" || got[0].IDNumber != id {
			t.Errorf("%s: first row %+v", name, got[0])
		}
		if got[1].Line != 4 || got[1].Title != "正高级教师" || got[1].Route != cert.RouteGreenChannel {
			t.Errorf("%s: second row %+v", name, got[1])
		}
	}

	// Row errors carry xlsx row numbers; an ID stored as a number is explained.
	if err := f.SetCellValue(sh, "B4", 3.50203197911e+17); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellValue(sh, "G2", 46300); err != nil { // serial: 2026-10-05, in the future
		t.Fatal(err)
	}
	b.Reset()
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	_, err := readBytes(t, b.Bytes(), "roster.xlsx", opts())
	errs := rowErrors(t, err)
	if len(errs) != 2 || errs[0].Line != 2 || errs[0].Field != "review_date" || !strings.Contains(errs[0].Message, "2026-10-05") ||
		errs[1].Line != 4 || errs[1].Column != "身份证号" {
		t.Errorf("got %v", errs)
	}
}

func TestCheckName(t *testing.T) {
	o := opts()
	o.CheckName = func(s string) error {
		if strings.ContainsRune(s, '𠀀') || strings.ContainsRune(s, '娜') {
			return errors.New("the font has no glyph for a character")
		}
		return nil
	}
	row := validRow(t, 31)
	row[0] = "欧阳娜娜"
	row[11] = "𠀀公司"
	_, err := readBytes(t, csvBytes(t, englishHeader, row), "r.csv", o)
	errs := rowErrors(t, err)
	if len(errs) != 2 || errs[0].Field != "name" || errs[1].Field != "employer" || !strings.Contains(errs[0].Error(), "“娜”（U+5A1C）这个字证书字体里没有，无法打印") || !strings.Contains(errs[1].Error(), `the character "𠀀" (U+20000) is not in the certificate font`) {
		t.Errorf("got %v", errs)
	}
	var seen []string
	o.CheckName = func(s string) error { seen = append(seen, s); return nil }
	if _, err := readBytes(t, csvBytes(t, englishHeader, validRow(t, 31)), "r.csv", o); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(seen, validRow(t, 31)[1]) {
		t.Error("CheckName was given the ID number")
	}
	for _, want := range []string{"张三", "工程技术", "区块链工程", "中级", "工程师", "2026-06-30", "常规评审", "福建省大数据有限公司"} {
		if !slices.Contains(seen, want) {
			t.Errorf("CheckName was not given %q", want)
		}
	}
}

func TestErrorsCapped(t *testing.T) {
	rows := [][]string{englishHeader}
	for i := range MaxErrors + 200 {
		r := validRow(t, i%999+1)
		r[0] = ""
		rows = append(rows, r)
	}
	_, err := readBytes(t, csvBytes(t, rows...), "r.csv", opts())
	errs := rowErrors(t, err)
	if len(errs) != MaxErrors+1 {
		t.Fatalf("got %d errors", len(errs))
	}
	if last := errs[MaxErrors]; last.Line != 0 || !strings.Contains(last.Error(), "… and 200 more") {
		t.Errorf("summary: %v", last)
	}
}

func TestSample(t *testing.T) {
	now := testNow
	s := Sample(2000, now)
	if len(s) != 2001 || !slices.Equal(s[0], sampleHeader) {
		t.Fatalf("Sample has %d rows, header %v", len(s), s[0])
	}
	if !slices.EqualFunc(Sample(10, now), s[:11], slices.Equal) {
		t.Error("Sample is not deterministic, or depends on n beyond the prefix")
	}
	var b bytes.Buffer
	if err := WriteSampleCSV(&b, 2000, now); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), csvBytes(t, s...)) {
		t.Error("WriteSampleCSV differs from Sample")
	}
	got, err := readBytes(t, b.Bytes(), "sample.csv", opts())
	if err != nil {
		t.Fatalf("sample does not read back: %v", err)
	}
	if len(got) != 2000 || got[0].Name != "欧阳娜娜" {
		t.Fatalf("read %d, first %+v", len(got), got[0])
	}
	nameLens := map[int]int{}
	routes := map[cert.Route]int{}
	series := map[string]int{}
	levels := map[string]int{}
	ids := map[string]bool{}
	noEmployer := 0
	for _, c := range got {
		nameLens[utf8.RuneCountInString(c.Name)]++
		routes[c.Route]++
		series[c.Series]++
		levels[c.Level]++
		ids[c.IDNumber] = true
		if c.Employer == "" {
			noEmployer++
		}
		if c.Route == cert.RouteTargeted && !strings.HasSuffix(c.Scope, "县") {
			t.Errorf("scope %q", c.Scope)
		}
	}
	if nameLens[2] == 0 || nameLens[3] == 0 || nameLens[4] == 0 || len(routes) != 3 || len(series) < 5 || len(levels) != 5 || noEmployer == 0 {
		t.Errorf("not varied: names %v routes %v series %v levels %v no employer %d", nameLens, routes, series, levels, noEmployer)
	}
	if len(ids) != 2000 {
		t.Errorf("%d distinct ID numbers", len(ids))
	}
	// The sample survives a GBK round trip, as Excel would save it.
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(b.Bytes())
	if err != nil {
		t.Fatalf("sample is not GBK-encodable: %v", err)
	}
	if got2, err := readBytes(t, gbk, "sample.csv", opts()); err != nil || len(got2) != 2000 || got2[1999] != got[1999] {
		t.Errorf("GBK sample: %d, %v", len(got2), err)
	}
}

func TestMakeIDNumber(t *testing.T) {
	id := mustID(t, "110105", "1949-12-31", 2)
	if id != "11010519491231002X" {
		t.Errorf("got %s, want the standard's example 11010519491231002X", id)
	}
	if err := cert.CheckIDNumber(id, testNow); err != nil {
		t.Error(err)
	}
	for _, c := range []struct {
		region string
		seq    int
	}{{"11010", 1}, {"11010a", 1}, {"110105", -1}, {"110105", 1000}} {
		if _, err := MakeIDNumber(c.region, testNow, c.seq); err == nil {
			t.Errorf("MakeIDNumber(%q, %d) accepted", c.region, c.seq)
		}
	}
}

func FuzzRead(f *testing.F) {
	f.Add(csvBytes(f, englishHeader, validRow(f, 31)), "r.csv", "")
	var b bytes.Buffer
	WriteSampleCSV(&b, 5, testNow)
	f.Add(b.Bytes(), "r.csv", "")
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes(b.Bytes())
	f.Add(gbk, "r.csv", "gbk")
	f.Add([]byte("name,id_number\n\"a\"b,c\n"), "r.csv", "utf-8")
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "身份证号"})
	var xb bytes.Buffer
	x.Write(&xb)
	f.Add(xb.Bytes(), "r.xlsx", "")
	// The field cases (the cell bomb aside: too large to mutate usefully).
	cases, _ := filepath.Glob("testdata/*.csv")
	cases = append(cases, "testdata/date-1904-workbook.xlsx")
	for _, c := range cases {
		if data, err := os.ReadFile(c); err == nil {
			f.Add(data, filepath.Base(c), "")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, name, encoding string) {
		o := opts()
		o.Encoding = encoding
		o.MaxRows = 1000
		got, err := Read(bytes.NewReader(data), name, o)
		if err != nil && got != nil {
			t.Fatal("candidates returned with an error")
		}
		if err == nil && len(got) == 0 {
			t.Fatal("no candidates and no error")
		}
		for _, c := range got {
			if cert.CheckIDNumber(c.IDNumber, testNow) != nil || c.Title == "" || !c.Route.Valid() {
				t.Fatalf("invalid candidate accepted: %+v", c)
			}
			// What is signed is canonical and holds no ID number.
			if n, err := cert.NormalizeName(c.Name); err != nil || n != c.Name || cert.ContainsIDNumber(c.Name) {
				t.Fatalf("name %+q accepted as is (canonical %+q, %v)", c.Name, n, err)
			}
			for _, v := range []string{c.Committee, c.ApprovalDoc, c.Scope, c.Employer} {
				if n, err := cert.NormalizeText(v); err != nil || n != v || cert.ContainsIDNumber(v) {
					t.Fatalf("text %+q accepted as is", v)
				}
			}
		}
	})
}

func TestRouteAndScopeColumnsOptional(t *testing.T) {
	id, err := MakeIDNumber("350102", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 123)
	if err != nil {
		t.Fatal(err)
	}
	in := "name,id_number,series,specialty,level,committee,review_date,approval_doc\n" +
		"张伟," + id + ",工程技术,建筑工程,中级,福建省工程技术人才职称评审委员会,2025-06-30,闽人社文〔2025〕12号\n"
	cands, err := Read(strings.NewReader(in), "c.csv", Options{Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(cands) != 1 || cands[0].Route != cert.RouteRegular || cands[0].Title != "工程师" {
		t.Fatalf("got %+v", cands)
	}
}

func TestScan(t *testing.T) {
	bad := validRow(t, 32)
	bad[0] = ""
	data := csvBytes(t, englishHeader, validRow(t, 31), bad, validRow(t, 33), validRow(t, 34), validRow(t, 35))
	t.Run("every valid row, in order, even after a problem", func(t *testing.T) {
		var lines []int
		err := Scan(bytes.NewReader(data), "r.csv", opts(), func(c Candidate) error {
			lines = append(lines, c.Line)
			if c.Line == 5 { // the caller finds a problem of its own
				return &RowError{Line: c.Line, Field: "id_number", Message: "已持有", English: "already holds"}
			}
			return nil
		})
		if want := []int{2, 4, 5, 6}; !slices.Equal(lines, want) {
			t.Errorf("fn saw lines %v, want %v", lines, want)
		}
		var got []int
		for _, e := range rowErrors(t, err) {
			got = append(got, e.Line)
		}
		if want := []int{3, 5}; !slices.Equal(got, want) {
			t.Errorf("problems on lines %v, want %v (roster's and fn's, in file order)", got, want)
		}
	})
	t.Run("fn's other errors stop the scan", func(t *testing.T) {
		stop := errors.New("disk full")
		n := 0
		err := Scan(bytes.NewReader(data), "r.csv", opts(), func(c Candidate) error {
			n++
			return stop
		})
		if err != stop || n != 1 {
			t.Errorf("err = %v after %d calls, want fn's error after 1", err, n)
		}
	})
	t.Run("same as Read", func(t *testing.T) {
		var sample bytes.Buffer
		if err := WriteSampleCSV(&sample, 300, testNow); err != nil {
			t.Fatal(err)
		}
		want, err := Read(bytes.NewReader(sample.Bytes()), "s.csv", opts())
		if err != nil {
			t.Fatal(err)
		}
		var got []Candidate
		if err := Scan(bytes.NewReader(sample.Bytes()), "s.csv", opts(), func(c Candidate) error {
			got = append(got, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Error("Scan and Read disagree")
		}
	})
}
