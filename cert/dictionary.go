package cert

// Dictionary is the preset DEFLATE dictionary of format version 1 (RFC
// 1951 with a preset dictionary, as zlib's deflateSetDictionary). It holds
// the claims' JSON skeleton and the words certificates repeat: province
// names and abbreviations, the national series, specialties, levels and
// title names, and the vocabulary of committees, approval documents and
// employers. It halves the compressed payload of a typical certificate,
// which keeps the QR code small.
//
// The bytes are part of the format: they never change within a format
// version. docs/FORMAT.md reproduces them with their SHA-256 (DictionarySHA256).
// Strings used most often come last, where back-references are shortest.
const Dictionary = "" +
	"北京市天津市河北省山西省内蒙古自治区辽宁省吉林省黑龙江省上海市江苏省浙江省安徽省江西省山东省河南省湖北省湖南省广东省广西壮族自治区海南省重庆市四川省贵州省云南省西藏自治区陕西省甘肃省青海省宁夏回族自治区新疆维吾尔自治区" +
	"京津冀晋蒙辽吉黑沪苏浙皖赣鲁豫鄂湘粤桂琼渝川黔滇藏陕甘青宁新" +
	"农业畜牧兽医水产农业技术推广高等学校教师中等职业学校教师实验技术图书资料文物博物出版新闻广播电视艺术体育工艺美术翻译律师公证统计审计船舶民用航空飞行技术档案群众文化社会工作技工院校教师" +
	"有限公司股份有限公司集团研究所研究院设计院勘察设计院建设局教育局卫生健康委员会人民医院中医院妇幼保健院疾病预防控制中心乡镇卫生院社区卫生服务中心小学中学第一中学实验学校大学学院职业技术学院" +
	"住房和城乡建设农业农村交通运输水利自然资源生态环境" +
	"工程技术会计经济中小学教师卫生建筑工程电子信息大数据区块链工程云计算集成电路人工智能人力资源管理金融财政税收语文数学英语物理化学生物临床医学护理药学" +
	"员级助理级中级副高级正高级技术员助理工程师高级工程师正高级工程师助理会计师高级会计师正高级会计师助理经济师高级经济师正高级经济师" +
	"三级教师二级教师一级教师高级教师正高级教师医士医师主治医师副主任医师主任医师护士护师主管护师副主任护师主任护师" +
	"人力资源和社会保障厅人力资源和社会保障局职称改革工作领导小组专业技术人才职称评审委员会专业高级评审委员会中级评审委员会" +
	"人社文〔2025〕人社文〔2026〕人社〔2026〕号县市区省" +
	`{"v":1,"iss":"","num":"2026","iat":17,"jti":"","hn":"","hid":"**********","hih":{"ln":15,"s":"","h":""},` +
	`"ser":"工程技术","spe":"","lvl":"中级","tn":"工程师","cm":"评审委员会","cmi":"","rd":"2026-","doc":"人社文〔2026〕号",` +
	`"rt":"green_channel","rt":"targeted","sc":"","emp":"","rt":"regular",` +
	`"status":{"status_list":{"idx":,"uri":"https://`

// DictionarySHA256 is the hex SHA-256 of Dictionary's UTF-8 bytes.
const DictionarySHA256 = "123861505a7c5aab9a65d72e717736ae20337f654f43146d0f4e01f7ad4f0cc2"
