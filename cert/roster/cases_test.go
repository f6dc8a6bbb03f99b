package roster

import (
	"archive/zip"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/titlecert/titlecert/cert"
)

// The field cases in testdata/ come from ../shared/cases/spreadsheets and
// ../shared/cases/hostile: files real users and tools produced. Each is one
// kind of fault; the tests below also build variants of each kind.

func readCase(t *testing.T, name string, o Options) ([]Candidate, error) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return readBytes(t, data, name, o)
}

func names(cs []Candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func TestCase1904Workbook(t *testing.T) {
	got, err := readCase(t, "date-1904-workbook.xlsx", opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d candidates", len(got))
	}
	for _, c := range got {
		if c.ReviewDate != "2025-11-20" {
			t.Errorf("line %d: review date %s, want 2025-11-20", c.Line, c.ReviewDate)
		}
	}

	// The same serial reads as the date of the workbook's own system.
	for _, tt := range []struct {
		date1904 bool
		serial   float64
		want     string
	}{
		{false, 46203, "2026-06-30"},
		{true, 46203 - 1462, "2026-06-30"},
		{true, 46203, "2030-07-01"}, // after today: refused, naming the 1904 date
		{false, 44519, "2021-11-19"},
	} {
		t.Run(fmt.Sprint(tt.date1904, tt.serial), func(t *testing.T) {
			f := excelize.NewFile()
			defer f.Close()
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &tt.date1904}); err != nil {
				t.Fatal(err)
			}
			sh := f.GetSheetName(0)
			row := validRow(t, 31)
			header := make([]any, len(englishHeader))
			cells := make([]any, len(row))
			for i := range row {
				header[i], cells[i] = englishHeader[i], row[i]
			}
			cells[7] = tt.serial
			f.SetSheetRow(sh, "A1", &header)
			f.SetSheetRow(sh, "A2", &cells)
			var b bytes.Buffer
			if err := f.Write(&b); err != nil {
				t.Fatal(err)
			}
			got, err := readBytes(t, b.Bytes(), "r.xlsx", opts())
			if tt.want > "2026-07-15" {
				if err == nil || !strings.Contains(err.Error(), tt.want+" 在今天") {
					t.Fatalf("got %v, %v; want the future date %s refused", got, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got[0].ReviewDate != tt.want {
				t.Errorf("review date %s, want %s", got[0].ReviewDate, tt.want)
			}
		})
	}
}

// idEnding returns a valid ID number whose last three characters are
// suffix, varying the birth date.
func idEnding(t *testing.T, suffix string) string {
	t.Helper()
	seq := int(suffix[0]-'0')*100 + int(suffix[1]-'0')*10
	for d := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 1990; d = d.AddDate(0, 0, 1) {
		for s := seq; s < seq+10; s++ {
			id, err := MakeIDNumber("350102", d, s)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(id, suffix) {
				return id
			}
		}
	}
	t.Fatalf("no ID number ends in %s", suffix)
	return ""
}

func TestCaseIDZeroedByExcel(t *testing.T) {
	got, err := readCase(t, "id-zeroed-by-excel.csv", opts())
	if got != nil {
		t.Fatalf("issued %v", names(got))
	}
	errs := rowErrors(t, err)
	first := errs[0].Error()
	for _, want := range []string{"被 Excel 损坏", "3 个号码以 000 结尾（第 2、3、4 行）", "设为“文本”", "本文件不签发任何证书",
		"damaged by Excel", "format the ID number column as text", "Nothing in this file is issued"} {
		if !strings.Contains(first, want) {
			t.Errorf("first error %q lacks %q", first, want)
		}
	}

	valid := func(seq int) []string { return validRow(t, seq) }
	zeroed := func(seq int) []string {
		r := validRow(t, seq)
		r[1] = r[1][:15] + "000"
		return r
	}
	passing := func() []string { // damaged, yet passes the check character
		r := validRow(t, 1)
		r[1] = idEnding(t, "000")
		return r
	}
	genuine000 := passing // the same thing, seen alone: a genuine number
	tests := []struct {
		name    string
		rows    [][]string
		damaged bool
	}{
		{"two of two, both pass the check", [][]string{englishHeader, passing(), func() []string { r := passing(); r[2], r[3], r[4], r[5] = "会计", "会计", "中级", ""; return r }()}, true},
		{"two of twenty, one passes", append([][]string{englishHeader, passing(), zeroed(40)}, rowsOf(valid, 18)...), true},
		{"X-ending numbers survive, the rest are zeroed", [][]string{englishHeader, zeroed(2), zeroed(3), func() []string {
			r := validRow(t, 1)
			r[1] = idEndingX(t)
			return r
		}()}, true},
		{"one genuine number ending in 000 among many", append([][]string{englishHeader, genuine000()}, rowsOf(valid, 30)...), false},
		{"two genuine numbers ending in 000 among a hundred", append([][]string{englishHeader, genuine000(), func() []string {
			r := validRow(t, 1)
			r[1] = idEnding(t, "000")
			r[2], r[3], r[4], r[5] = "会计", "会计", "中级", ""
			return r
		}()}, rowsOf(valid, 100)...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBytes(t, csvBytes(t, tt.rows...), "r.csv", opts())
			if !tt.damaged {
				if err != nil {
					t.Fatalf("refused genuine numbers: %v", err)
				}
				return
			}
			if got != nil {
				t.Fatalf("issued %d candidates of a damaged file", len(got))
			}
			errs := rowErrors(t, err)
			if !strings.Contains(errs[0].Message, "被 Excel 损坏") || errs[0].Field != "id_number" || errs[0].Column != "id_number" {
				t.Errorf("first error %v", errs[0])
			}
			if strings.Contains(err.Error(), "000") && strings.Contains(err.Error(), tt.rows[1][1][:15]) {
				t.Errorf("error shows an ID number: %v", err)
			}
		})
	}

	// Other forms of the same damage, one row each.
	for _, tt := range []struct{ id, want string }{
		{"3.50102198503141E+17", "科学计数法"},
		{"3.50102e+17", "scientific notation"},
		{"3,50102E+17", "format the column as text"},
		{"350102198503141", "15 位的是一代身份证号，或被 Excel 截短了"},
		{zeroedFailing(t), "末三位是 000，可能是 Excel 只保留了 15 位有效数字"},
	} {
		t.Run(tt.id, func(t *testing.T) {
			r := validRow(t, 31)
			r[1] = tt.id
			_, err := readBytes(t, csvBytes(t, englishHeader, r), "r.csv", opts())
			errs := rowErrors(t, err)
			if len(errs) != 1 || errs[0].Field != "id_number" || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("got %v, want one id_number error with %q", errs, tt.want)
			}
		})
	}
}

// zeroedFailing returns a zeroed ID number that fails the check character.
func zeroedFailing(t *testing.T) string {
	for seq := 1; ; seq++ {
		id := validRow(t, seq)[1][:15] + "000"
		if cert.CheckIDNumber(id, testNow) != nil {
			return id
		}
	}
}

// padZip returns the zip archive data with a stored (uncompressed) entry
// of n random bytes added, so that its size grows without its XML.
func padZip(t *testing.T, data []byte, n int) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/media/padding.bin", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	pad := make([]byte, n)
	rand.NewChaCha8([32]byte{3}).Read(pad)
	w.Write(pad)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func rowsOf(f func(int) []string, n int) [][]string {
	var out [][]string
	for i := range n {
		out = append(out, f(100+i))
	}
	return out
}

func idEndingX(t *testing.T) string {
	t.Helper()
	for s := 1; s < 999; s++ {
		id, _ := MakeIDNumber("350102", time.Date(1984, 5, 6, 0, 0, 0, 0, time.UTC), s)
		if strings.HasSuffix(id, "X") {
			return id
		}
	}
	t.Fatal("no ID number ends in X")
	return ""
}

func TestCaseIDFullWidth(t *testing.T) {
	// Rows 4 and 5 repeat the people of rows 3 and 2 in other forms: the
	// repeat is found because every form reads as the same ASCII number.
	data, err := os.ReadFile("testdata/id-fullwidth.csv")
	if err != nil {
		t.Fatal(err)
	}
	var got []Candidate
	err = Scan(bytes.NewReader(data), "id-fullwidth.csv", opts(), func(c Candidate) error { got = append(got, c); return nil })
	want := []string{"350102198503141214", "35010419920226308X"}
	if len(got) != len(want) {
		t.Fatalf("got %d candidates", len(got))
	}
	for i, c := range got {
		if c.IDNumber != want[i] {
			t.Errorf("line %d: ID number %q, want %q", c.Line, c.IDNumber, want[i])
		}
	}
	errs := rowErrors(t, err)
	if len(errs) != 2 || !strings.Contains(errs[0].Message, "与第 3 行是同一人的同一职称") || !strings.Contains(errs[1].Message, "与第 2 行是同一人的同一职称") {
		t.Errorf("got %v", errs)
	}
	// Variants: read as ASCII, or refused with a true message.
	id := validRow(t, 31)[1]
	fw := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(r - '0' + '０')
		}
		return b.String()
	}
	x := idEndingX(t)
	for _, tt := range []struct{ name, in, want, msg string }{
		{"all full-width", fw(id), id, ""},
		{"full-width lower x", fw(x[:17]) + "ｘ", x, ""},
		{"ascii lower x", strings.ToLower(x), x, ""},
		{"grouped with ideographic spaces", id[:6] + "\u3000" + id[6:14] + "\u3000" + id[14:], id, ""},
		{"zero-width inside", id[:9] + "\u200b" + id[9:], id, ""},
		{"full-width letter O", fw(id[:4]) + "Ｏ" + fw(id[5:]), "", "第 5 位是“Ｏ”（U+FF2F），不是数字"},
		{"chinese numeral", id[:17] + "一", "", "最后一位是“一”（U+4E00），应为数字或 X"},
		{"nineteen full-width", fw(id) + "１", "", "有 19 个字符，身份证号应为 18 位"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := validRow(t, 31)
			r[1] = tt.in
			got, err := readBytes(t, csvBytes(t, englishHeader, r), "r.csv", opts())
			if tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got[0].IDNumber != tt.want {
					t.Errorf("ID number %q, want %q", got[0].IDNumber, tt.want)
				}
				return
			}
			errs := rowErrors(t, err)
			if len(errs) != 1 || !strings.Contains(errs[0].Message, tt.msg) {
				t.Errorf("got %v, want %q", errs, tt.msg)
			}
			if strings.Contains(errs[0].Message, "18 位") && strings.Contains(errs[0].Message, "有 18 个") {
				t.Errorf("untrue message %q", errs[0].Message)
			}
		})
	}
}

func TestCaseInvisibleSpaces(t *testing.T) {
	got, err := readCase(t, "invisible-spaces.csv", opts())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"林晓峰", "郑志明", "黄丽娟", "陈雅婷", "欧阳娜娜"}
	if fmt.Sprint(names(got)) != fmt.Sprint(want) {
		t.Errorf("names %q, want %q", names(got), want)
	}
	for _, c := range got {
		if len(c.IDNumber) != 18 {
			t.Errorf("line %d: ID number of %d bytes", c.Line, len(c.IDNumber))
		}
	}
	// Variants: every invisible character and space, in every text field.
	for _, tt := range []struct{ in, want string }{
		{"张\u2060三", "张三"},
		{"\ufeff张三", "张三"},
		{"张\u200c\u200d三", "张三"},
		{"张\u00ad三", "张三"},
		{"张\u2002三\u3000", "张三"},
		{"Anna\u00a0\u00a0Smith", "Anna Smith"},
		{"阿依古丽 · 买买提", "阿依古丽·买买提"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			r := validRow(t, 31)
			r[0] = tt.in
			r[11] = "福建省\u00a0大数据\u200b有限公司\u3000"
			got, err := readBytes(t, csvBytes(t, englishHeader, r), "r.csv", opts())
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Name != tt.want {
				t.Errorf("name %q, want %q", got[0].Name, tt.want)
			}
			if got[0].Employer != "福建省 大数据有限公司" {
				t.Errorf("employer %q", got[0].Employer)
			}
		})
	}
}

func TestCaseGBKLostCharacters(t *testing.T) {
	_, err := readCase(t, "gbk-lost-characters.csv", opts())
	errs := rowErrors(t, err)
	type at struct {
		line  int
		field string
	}
	var got []at
	for _, e := range errs {
		got = append(got, at{e.Line, e.Field})
		for _, want := range []string{"GBK", "CSV UTF-8", "丢失"} {
			if !strings.Contains(e.Error(), want) {
				t.Errorf("%v lacks %q", e, want)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint([]at{{2, "name"}, {3, "name"}, {4, "employer"}}) {
		t.Errorf("errors at %v", got)
	}

	gbk := func(t *testing.T, rows ...[]string) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes(csvBytes(t, rows...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	withCell := func(col int, v string) []string { r := validRow(t, 31); r[col] = v; return r }
	for _, tt := range []struct {
		name  string
		data  []byte
		field string // "" when accepted
		want  string
	}{
		{"gbk, ? in the committee", gbk(t, englishHeader, withCell(6, "福建省?委员会")), "committee", "CSV UTF-8"},
		{"gbk, ? in the approval document", gbk(t, englishHeader, withCell(8, "闽人社文〔2026〕?号")), "approval_doc", "CSV UTF-8"},
		{"gbk, invalid byte", append(gbk(t, englishHeader), append([]byte("\xff\xfe"), gbk(t, withCell(0, "张三"))...)...), "name", "CSV UTF-8"},
		{"utf-8, ? in a name", csvBytes(t, englishHeader, withCell(0, "刘?")), "name", "where a character was lost"},
		{"utf-8, full-width ？ in a name", csvBytes(t, englishHeader, withCell(0, "刘？")), "name", "type the name again"},
		{"utf-8, U+FFFD in a name", csvBytes(t, englishHeader, withCell(0, "刘\ufffd")), "name", "not valid text"},
		{"utf-8, ? in an employer", csvBytes(t, englishHeader, withCell(11, "谁?科技有限公司")), "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readBytes(t, tt.data, "r.csv", opts())
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != nil {
				t.Fatalf("accepted %v", names(got))
			}
			errs := rowErrors(t, err)
			if len(errs) != 1 || errs[0].Field != tt.field || !strings.Contains(errs[0].Error(), tt.want) {
				t.Errorf("got %v, want one %s error with %q", errs, tt.field, tt.want)
			}
			if strings.Contains(tt.name, "utf-8") && strings.Contains(errs[0].Error(), "GBK") {
				t.Errorf("a UTF-8 file diagnosed as GBK: %v", errs[0])
			}
		})
	}
}

func TestCaseMiddleDotLookalikes(t *testing.T) {
	got, err := readCase(t, "middle-dot-lookalikes.csv", opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		if c.Name != "阿依古丽·买买提" {
			t.Errorf("line %d: name %q (%U)", c.Line, c.Name, []rune(c.Name))
		}
	}
	for _, sep := range []string{"\u00b7", "\u2022", "\u2027", "\u30fb", "\uff65", "\uff0e", "\u02d1", "\u0387", "\u16eb", "\u2219", "\u22c5", ".", "•", "\ufe52", " \u00b7 "} {
		t.Run(fmt.Sprintf("%U", []rune(sep)), func(t *testing.T) {
			r := validRow(t, 31)
			r[0] = "买买提" + sep + "艾力"
			got, err := readBytes(t, csvBytes(t, englishHeader, r), "r.csv", opts())
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Name != "买买提·艾力" {
				t.Errorf("name %q", got[0].Name)
			}
		})
	}
	for _, bad := range []string{"·买买提", "买买提·", "买买提··艾力", "买买提•・艾力"} {
		r := validRow(t, 31)
		r[0] = bad
		_, err := readBytes(t, csvBytes(t, englishHeader, r), "r.csv", opts())
		errs := rowErrors(t, err)
		if len(errs) != 1 || errs[0].Field != "name" || !strings.Contains(errs[0].Message, "分隔符") {
			t.Errorf("%q: got %v", bad, errs)
		}
	}
}

func TestCaseCompatibilityIdeographs(t *testing.T) {
	got, err := readCase(t, "compatibility-ideographs.csv", opts())
	if err != nil {
		t.Fatal(err)
	}
	// Kept as the holder's documents write them: no NFC.
	want := []string{"\uf9e1晓明", "\uf92c建华", "刘\u4dae"}
	if fmt.Sprintf("%+q", names(got)) != fmt.Sprintf("%+q", want) {
		t.Errorf("names %+q, want %+q", names(got), want)
	}
	// A character the font lacks is refused in plain words.
	o := opts()
	o.CheckName = func(s string) error {
		if strings.ContainsRune(s, '\u4dae') {
			return fmt.Errorf("pdf: no glyph")
		}
		return nil
	}
	_, err = readCase(t, "compatibility-ideographs.csv", o)
	errs := rowErrors(t, err)
	if len(errs) != 1 || errs[0].Line != 4 || errs[0].Field != "name" ||
		!strings.Contains(errs[0].Message, "“䶮”（U+4DAE）这个字证书字体里没有，无法打印") ||
		!strings.Contains(errs[0].English, "is not in the certificate font") {
		t.Errorf("got %v", errs)
	}
}

func TestCaseMissingTrailingCommas(t *testing.T) {
	got, err := readCase(t, "missing-trailing-commas.csv", opts())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 {
		t.Errorf("got %d candidates, want 20", len(got))
	}
	// A short row that lacks a required column is refused, saying which.
	r := validRow(t, 31)
	data := append(csvBytes(t, englishHeader), csvBytes(t, r[:7])...)
	_, err = readBytes(t, data, "r.csv", opts())
	errs := rowErrors(t, err)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "缺少 review_date、approval_doc") {
		t.Errorf("got %v", errs)
	}
}

func TestLineBreakInCell(t *testing.T) {
	for _, col := range []int{0, 6, 8, 11} {
		for _, br := range []string{"\n", "\r\n", "\u2028"} {
			r := validRow(t, 31)
			r[col] = r[col][:3] + br + r[col][3:]
			_, err := readBytes(t, csvBytes(t, englishHeader, r), "r.csv", opts())
			errs := rowErrors(t, err)
			if len(errs) != 1 || errs[0].Line != 2 || errs[0].Field != englishHeader[col] ||
				!strings.Contains(errs[0].Message, "单元格内有换行") || !strings.Contains(errs[0].English, "line break inside the cell") {
				t.Errorf("column %d, %q: got %v", col, br, errs)
			}
		}
	}
	// An unquoted line break splits the row: the second part says what is missing.
	data := []byte(strings.Join(englishHeader, ",") + "\n" + strings.Join(validRow(t, 31)[:3], ",") + "\n" + strings.Join(validRow(t, 31)[3:], ",") + "\n")
	_, err := readBytes(t, data, "r.csv", opts())
	errs := rowErrors(t, err)
	if len(errs) == 0 || !strings.Contains(errs[0].English, "line break in a cell?") {
		t.Errorf("got %v", errs)
	}
}

func TestIDNumberInTextColumn(t *testing.T) {
	id := validRow(t, 31)[1]
	other := mustID(t, "110105", "1949-12-31", 2)
	for _, tt := range []struct {
		col int
		v   string
	}{
		{0, other},
		{0, "张三" + other},
		{0, "张三 " + other[:6] + " " + other[6:14] + " " + other[14:]},
		{11, "福建省大数据有限公司 " + id},
		{6, "委员会" + strings.ToLower(idEndingX(t))},
		{8, "闽人社文" + other[:17] + "０"}, // wrong check character: still a number's shape
	} {
		r := validRow(t, 31)
		r[tt.col] = tt.v
		_, err := readBytes(t, csvBytes(t, englishHeader, r), "r.csv", opts())
		errs := rowErrors(t, err)
		if len(errs) != 1 || errs[0].Field != englishHeader[tt.col] || !strings.Contains(errs[0].Message, "含有居民身份证号码") {
			t.Errorf("%s = %q: got %v", englishHeader[tt.col], tt.v, errs)
		}
		if strings.Contains(err.Error(), other[6:14]) || strings.Contains(err.Error(), id[6:14]) {
			t.Errorf("error shows the number: %v", err)
		}
	}
	// Long numbers that are not ID numbers stay.
	for _, v := range []string{"闽人社文〔2026〕12号", "统一社会信用代码 91350100M000100Y43", "账号 6222021234567890123456"} {
		r := validRow(t, 31)
		r[11] = v
		if _, err := readBytes(t, csvBytes(t, englishHeader, r), "r.csv", opts()); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// TestXLSXCellBomb holds the memory of reading a 613 KB workbook whose one
// cell inflates to 600 MiB: refused before excelize sees it.
func TestXLSXCellBomb(t *testing.T) {
	const bound = 48 << 20 // bytes allocated while reading, at most (files up to 9 MiB are read whole)
	data, err := os.ReadFile("testdata/xlsx-cell-bomb.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	measure := func(t *testing.T, data []byte, o Options) error {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := readBytes(t, data, "r.xlsx", o)
		runtime.ReadMemStats(&after)
		got := after.TotalAlloc - before.TotalAlloc
		if got > bound {
			t.Errorf("allocated %d MiB, more than %d MiB", got>>20, bound>>20)
		}
		t.Logf("allocated %d KiB reading %d KiB", got>>10, len(data)>>10)
		return err
	}
	err = measure(t, data, opts())
	if err == nil || !strings.HasPrefix(err.Error(), "roster: ") || !strings.Contains(err.Error(), "far more than a roster can hold") ||
		!strings.Contains(err.Error(), "613070 bytes inflate to 629147462") {
		t.Errorf("got %v", err)
	}
	// The same cell, in a file padded to pass the ratio: the long text
	// is found while streaming.
	padded := padZip(t, data, 7<<20)
	err = measure(t, padded, opts())
	if err == nil || !strings.Contains(err.Error(), "a text longer than 65536 bytes") {
		t.Errorf("padded: %v", err)
	}

	// Variants: many small cells beyond what the rows can hold; one long
	// tag; too many files.
	bomb := func(t *testing.T, parts map[string]func(w *bytes.Buffer)) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		base, _ := os.ReadFile("testdata/date-1904-workbook.xlsx")
		zr, _ := zip.NewReader(bytes.NewReader(base), int64(len(base)))
		for _, f := range zr.File {
			if _, ok := parts[f.Name]; ok {
				continue
			}
			w, _ := zw.Create(f.Name)
			rc, _ := f.Open()
			var c bytes.Buffer
			c.ReadFrom(rc)
			w.Write(c.Bytes())
		}
		for name, fill := range parts {
			w, _ := zw.Create(name)
			var c bytes.Buffer
			fill(&c)
			w.Write(c.Bytes())
		}
		zw.Close()
		return b.Bytes()
	}
	manyCells := bomb(t, map[string]func(*bytes.Buffer){"xl/worksheets/sheet1.xml": func(w *bytes.Buffer) {
		w.WriteString(`<worksheet><sheetData><row r="1">`)
		for range 600_000 {
			w.WriteString(`<c t="inlineStr"><is><t>x</t></is></c>`) // 23 MB in one row
		}
		w.WriteString(`</row></sheetData></worksheet>`)
	}})
	err = measure(t, manyCells, opts())
	if err == nil || !strings.Contains(err.Error(), "inflate to") {
		t.Errorf("many cells: %v", err)
	}
	// Cells of text that does not compress: the ratio holds, but 9 MiB of
	// XML is more than one row can hold.
	rnd := rand.New(rand.NewPCG(1, 2))
	incompressible := bomb(t, map[string]func(*bytes.Buffer){"xl/worksheets/sheet1.xml": func(w *bytes.Buffer) {
		w.WriteString(`<worksheet><sheetData><row r="1">`)
		for w.Len() < 9<<20 {
			w.WriteString(`<c t="inlineStr"><is><t>`)
			for range 1000 {
				w.WriteByte(byte('a' + rnd.IntN(26)))
			}
			w.WriteString(`</t></is></c>`)
		}
		w.WriteString(`</row></sheetData></worksheet>`)
	}})
	err = measure(t, incompressible, opts())
	if err == nil || !strings.Contains(err.Error(), "bytes of XML for 1 rows") {
		t.Errorf("incompressible cells: %v", err)
	}
	longTag := bomb(t, map[string]func(*bytes.Buffer){"xl/worksheets/sheet1.xml": func(w *bytes.Buffer) {
		w.WriteString(`<worksheet><sheetData><row r="1" a="`)
		w.Write(bytes.Repeat([]byte("a"), 1<<20))
		w.WriteString(`"></row></sheetData></worksheet>`)
	}})
	if err := measure(t, longTag, opts()); err == nil || !strings.Contains(err.Error(), "a tag longer than") {
		t.Errorf("long tag: %v", err)
	}
	o := opts()
	o.MaxRows = 10
	if got := xlsxUnzipLimit(o.withDefaults()); got != xlsxBaseBytes+10*xlsxRowBytes {
		t.Errorf("limit for 10 rows = %d", got)
	}
}
