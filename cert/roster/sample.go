package roster

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/directory"
	"github.com/titlecert/titlecert/internal/csvcell"
)

// MakeIDNumber returns the resident ID number for a 6-digit region code, a
// birth date and a 3-digit sequence number (0-999; odd for men, even for
// women), with its GB 11643-1999 check character. It is for tests, samples
// and demonstrations.
func MakeIDNumber(region string, birth time.Time, seq int) (string, error) {
	if len(region) != 6 {
		return "", errors.New("roster: the region code must have 6 digits")
	}
	for _, c := range []byte(region) {
		if c < '0' || c > '9' {
			return "", errors.New("roster: the region code must have 6 digits")
		}
	}
	if seq < 0 || seq > 999 {
		return "", errors.New("roster: the sequence number must be 0-999")
	}
	if y := birth.Year(); y < 1900 || y > 9999 {
		return "", errors.New("roster: the birth year must be 1900-9999")
	}
	body := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), seq)
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11]), nil
}

var (
	sampleSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
		"郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖",
		"田", "董", "潘", "袁", "蔡", "蒋", "余", "叶", "程", "魏", "苏", "吕", "丁", "卢", "沈", "钟", "姜", "陆",
		"范", "廖", "方", "邹", "熊", "邱", "江", "雷", "龚", "严", "赖", "温", "游", "翁"}
	sampleCompound = []string{"欧阳", "司马", "上官", "诸葛", "东方", "司徒", "皇甫", "慕容"}
	sampleGiven    = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
		"明", "超", "秀", "霞", "平", "刚", "英", "华", "玉", "萍", "红", "建", "文", "辉", "鑫", "宇", "浩", "欣",
		"怡", "婷", "晨", "阳", "雪", "琳", "峰", "斌", "俊", "凯", "佳", "雨", "梅", "燕", "波", "鹏", "飞", "丹",
		"颖", "琴", "海", "云", "志", "思", "嘉", "博", "子", "轩", "然", "榕", "闽", "泉"}
	sampleRegions = []string{"350102", "350104", "350203", "350206", "350503", "350582", "350602", "350702",
		"350802", "350902", "350925", "110105", "310104", "330106", "440305", "510107"}
	sampleCounties = []string{"福建省宁德市寿宁县", "福建省宁德市屏南县", "福建省南平市光泽县", "福建省南平市松溪县",
		"福建省三明市建宁县", "福建省三明市泰宁县", "福建省龙岩市长汀县", "福建省龙岩市连城县", "福建省漳州市平和县"}
	// sampleEmployers are plausible employers per series; other series draw
	// from "".
	sampleEmployers = map[string][]string{
		"工程技术":  {"福建省建筑设计研究院有限公司", "中建海峡建设发展有限公司", "福建省电子信息（集团）有限责任公司", "福建省大数据有限公司", "宁德时代新能源科技股份有限公司"},
		"卫生":    {"福州市第一医院", "厦门大学附属中山医院", "福建医科大学附属协和医院", "光泽县人民医院", "寿宁县医院"},
		"中小学教师": {"宁德市蕉城区实验小学", "福州第一中学", "厦门市集美区杏林中学", "寿宁县第一中学"},
		"会计":    {"泉州市财政局", "兴业银行股份有限公司", "福建省审计厅"},
		"经济":    {"兴业银行股份有限公司", "厦门市人力资源服务有限公司", "福建省投资开发集团有限责任公司"},
		"农业":    {"福建省农业科学院", "寿宁县农业农村局", "光泽县畜牧兽医站"},
		"":      {"福建省人民政府发展研究中心", "福州市鼓楼区人民政府"},
	}
)

// sampleHeader is the header Sample writes: the Chinese column names.
var sampleHeader = func() []string {
	h := make([]string, numFields)
	for i, f := range fields {
		h[i] = f.zh
	}
	return h
}()

// Sample returns a roster of n realistic, valid candidates from the
// default directory: the header row (Chinese column names) followed by n
// data rows. Names have two, three or four characters, ID numbers are
// distinct and valid, review dates lie within two years before now (in
// China Standard Time), some candidates come by the green channel and some
// are targeted at a county. The output depends only on n and the date of
// now; the first rows are the same whatever n. It holds for n up to about
// 13 million.
func Sample(n int, now time.Time) [][]string {
	out := make([][]string, 0, n+1)
	genSample(n, now, func(row []string) error {
		out = append(out, row)
		return nil
	})
	return out
}

// genSample passes the header and then n rows to emit, stopping at its
// first error.
func genSample(n int, now time.Time, emit func([]string) error) error {
	dir := directory.Default()
	series := dir.Series()
	rng := rand.New(rand.NewPCG(2026, 630))
	today := now.In(cert.ChinaTime)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	birthBase := time.Date(today.Year()-60, 1, 1, 0, 0, 0, 0, time.UTC)
	const birthDays = 13500 // about 37 years: candidates are 23 to 60
	if err := emit(append([]string(nil), sampleHeader...)); err != nil {
		return err
	}
	for i := range n {
		row := make([]string, numFields)
		// Name.
		given := func() string { return sampleGiven[rng.IntN(len(sampleGiven))] }
		switch p := rng.IntN(10); {
		case i == 0:
			row[fName] = "欧阳娜娜"
		case p < 3:
			row[fName] = sampleSurnames[rng.IntN(len(sampleSurnames))] + given()
		case p < 9:
			row[fName] = sampleSurnames[rng.IntN(len(sampleSurnames))] + given() + given()
		default:
			row[fName] = sampleCompound[rng.IntN(len(sampleCompound))] + given() + given()
		}
		// ID number: (birth date, sequence) is distinct for every i.
		q, seq := i/999, i%999+1
		birth := birthBase.AddDate(0, 0, (q*7919)%birthDays)
		id, err := MakeIDNumber(sampleRegions[rng.IntN(len(sampleRegions))], birth, seq)
		if err != nil {
			panic("roster: sample ID number: " + err.Error()) // cannot happen: inputs are in range
		}
		row[fIDNumber] = id
		// Series, specialty, level, title.
		s := &series[rng.IntN(len(series))]
		sp := s.Specialties[rng.IntN(len(s.Specialties))]
		levels := s.LevelsFor(sp)
		lv := levels[rng.IntN(len(levels))]
		row[fSeries], row[fSpecialty], row[fLevel], row[fTitle] = s.Name, sp, lv.Level, lv.Title
		senior := lv.Level == directory.LevelAssociateSenior || lv.Level == directory.LevelFullSenior
		grade := "中级"
		switch {
		case senior:
			grade = "高级"
		case lv.Level != directory.LevelIntermediate:
			grade = "初级"
		}
		if s.Name == "工程技术" {
			row[fCommittee] = "福建省工程技术人才职称评审委员会" + sp + "专业" + grade + "评审委员会"
		} else {
			row[fCommittee] = "福建省" + s.Name + "系列" + grade + "职称评审委员会"
		}
		// Review date and approval document.
		rd := today.AddDate(0, 0, -1-rng.IntN(730))
		row[fReviewDate] = rd.Format(time.DateOnly)
		row[fApprovalDoc] = fmt.Sprintf("闽人社文〔%d〕%d号", rd.Year(), 1+rng.IntN(300))
		// Route and scope.
		route := cert.RouteRegular
		switch p := rng.IntN(100); {
		case senior && p < 8:
			route = cert.RouteGreenChannel
		case p >= 88:
			route = cert.RouteTargeted
			row[fScope] = sampleCounties[rng.IntN(len(sampleCounties))]
		}
		row[fRoute] = route.Chinese()
		// Employer, optional.
		if rng.IntN(20) != 0 {
			emps, ok := sampleEmployers[s.Name]
			if !ok {
				emps = sampleEmployers[""]
			}
			row[fEmployer] = emps[rng.IntN(len(emps))]
		}
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

// WriteSampleCSV writes Sample(n, now) to w as UTF-8 CSV without a
// byte-order mark, one row at a time.
func WriteSampleCSV(w io.Writer, n int, now time.Time) error {
	cw := csvcell.NewWriter(w)
	err := genSample(n, now, cw.Write)
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		return fmt.Errorf("roster: writing sample: %w", err)
	}
	return nil
}
