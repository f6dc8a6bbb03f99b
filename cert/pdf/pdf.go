// Package pdf renders a title certificate as a one-page A4 PDF, in Chinese
// with English labels, and reads the signed certificate back out of such a
// PDF.
//
// The PDF shows the claims, the verification code, the verification URL and
// the certificate's QR code (drawn as vector rectangles), and carries the
// compact JWS as the file attachment "certificate.jws", so that the PDF
// alone is enough to verify the certificate offline.
//
// Rendering is deterministic: the same Document always gives byte-identical
// output (dates come from the claims, never from the clock), so a
// certificate can be re-rendered and compared. Text is drawn with the
// embedded LXGW WenKai font (SIL OFL 1.1, see font/README.md), subset into
// each document (embed.go); Renderer.CheckText tells in advance whether a
// string can be drawn. The package writes the PDF itself (PDF 1.7, see
// writer.go and page.go): a page needs a few kinds of objects only, and a
// general-purpose PDF library cost more than ten times as much per page.
//
// Security notes: nothing printed on the page is trusted by a verifier.
// Only the signature of the attached or scanned JWS is; ExtractJWS and Doc
// return what a PDF holds as untrusted input for the verifier. Reading
// (Open, read.go) refuses inputs over MaxPDFSize and decompression bombs
// before parsing, decodes every stream itself with an output cap, at most
// once, within a budget per file (pdfcpu's own decoding ignores its
// configured limits), and never touches the file system. Render shows the
// masked ID number only: a Claims value never holds the full one.
package pdf

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
)

// AttachmentName is the file name of the JWS attached to a certificate PDF.
const AttachmentName = "certificate.jws"

// Document is what Render draws.
type Document struct {
	Claims           *cert.Claims
	JWS              string // compact JWS, embedded as the attachment "certificate.jws"
	QRText           string // what the QR code encodes (cert.QRText)
	VerificationCode string // cert.VerificationCode(JWS)
	VerifyURL        string // human-readable URL printed under the QR, e.g. https://verify.example.gov.cn/v
	IssuerName       string // e.g. 福建省人力资源和社会保障厅
	// QR is the QR code of QRText when the caller has encoded it already
	// (qr.Encode); Render encodes QRText when it is nil.
	QR *qr.Code
}

// Renderer draws certificates. It holds the font, parsed once, and the
// part of every PDF that does not depend on the Document; it is safe for
// concurrent use.
type Renderer struct {
	font     *fontFile
	cov      *coverage // what the font can draw
	fixed    []rune    // the characters of the fixed font; CID i+1 draws fixed[i]
	fixedCID []uint16  // the CID of each BMP character in the fixed font, 0 for none
	metrics  string    // the font descriptor's entries after /FontName

	// head is the start of every PDF: the header and the objects of the
	// fixed font, at offsets fixedOffs; headSum is its SHA-256.
	head      []byte
	fixedOffs [5]int
	headSum   [sha256.Size]byte
}

// header starts every PDF; the comment marks the file as binary.
const header = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"

// NewRenderer returns a Renderer using the embedded certificate font.
func NewRenderer() (*Renderer, error) {
	cov, err := parseCoverage(fontTTF)
	if err != nil {
		return nil, err
	}
	ff, err := parseFontFile(fontTTF)
	if err != nil {
		return nil, err
	}
	if err := ff.readCmap(cov); err != nil {
		return nil, err
	}
	r := &Renderer{font: ff, cov: cov, metrics: fontMetrics(ff), fixedCID: make([]uint16, 0x10000)}
	r.fixed = fixedRunes(cov)
	for i, c := range r.fixed {
		r.fixedCID[c] = uint16(i + 1)
	}
	pf := &pdfFile{b: []byte(header)}
	r.writeFont(pf, objFixedFont, r.fixed, fixedLevel, &fontScratch{})
	r.head = pf.b
	copy(r.fixedOffs[:], pf.offs[objFixedFont:])
	r.headSum = sha256.Sum256(r.head)
	return r, nil
}

// width returns the advance width of c in thousandths of the font size.
func (r *Renderer) width(c rune) int {
	if c >= 0x10000 {
		return 0
	}
	return r.font.width(int(r.font.gid[c]))
}

// inFixed reports whether the fixed font has c.
func (r *Renderer) inFixed(c rune) bool { return c < 0x10000 && r.fixedCID[c] != 0 }

// Limits on the Document fields that are not claims.
const (
	maxIssuerNameLen = 64
	maxVerifyURLLen  = 256
)

// scratch holds the buffers of one rendering, reused through scratchPool.
type scratch struct {
	pdf     pdfFile
	page    page
	content []byte
	packed  []byte
	runes   []rune
	font    fontScratch
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Render writes d as a one-page A4 PDF to w. It writes nothing if it fails.
//
// It refuses a Document whose claims do not validate (cert.Claims.Validate),
// whose VerificationCode is not cert.VerificationCode(JWS), whose QRText
// does not carry JWS, or that has a string the font cannot draw (the error
// wraps a *CharError and names the field). It also fails, rather than
// shrink the text below legibility, if the texts do not fit on the page.
func (r *Renderer) Render(w io.Writer, d Document) (err error) {
	if err := r.check(d); err != nil {
		return err
	}
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	out, err := r.renderSafe(d, s)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// renderSafe is render, turning a panic (a bug) into an error.
func (r *Renderer) renderSafe(d Document, s *scratch) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("pdf: rendering failed: %v", p)
		}
	}()
	return r.render(d, s)
}

// check validates d before anything is drawn.
func (r *Renderer) check(d Document) error {
	c := d.Claims
	if c == nil {
		return errors.New("pdf: document has no claims")
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	if d.JWS == "" || len(d.JWS) > cert.MaxJWSLen {
		return fmt.Errorf("pdf: JWS is empty or longer than %d bytes", cert.MaxJWSLen)
	}
	if d.VerificationCode != cert.VerificationCode(d.JWS) {
		return errors.New("pdf: verification code does not match the JWS")
	}
	if got, err := cert.ParseQRText(d.QRText); err != nil || got != d.JWS {
		return errors.New("pdf: QR text does not carry the JWS")
	}
	if d.QR != nil && d.QR.Text() != d.QRText {
		return errors.New("pdf: the QR code does not encode the QR text")
	}
	if strings.TrimSpace(d.IssuerName) == "" {
		return errors.New("pdf: issuer name is missing")
	}
	if err := cert.CheckText(d.IssuerName, maxIssuerNameLen); err != nil {
		return fmt.Errorf("pdf: issuer name %w", err)
	}
	if err := cert.CheckText(d.VerifyURL, maxVerifyURLLen); err != nil {
		return fmt.Errorf("pdf: verify URL %w", err)
	}
	fields := []struct{ name, value string }{
		{"issuer name", d.IssuerName},
		{"verify URL", d.VerifyURL},
		{"verification code", d.VerificationCode},
		{"holder name", c.HolderName},
		{"ID number", c.HolderIDMask},
		{"series", c.Series},
		{"specialty", c.Specialty},
		{"level", c.Level},
		{"title", c.Title},
		{"committee", c.Committee},
		{"review date", c.ReviewDate},
		{"approval document", c.ApprovalDoc},
		{"scope", c.Scope},
		{"employer", c.Employer},
		{"number", c.Number},
	}
	for _, f := range fields {
		if err := r.CheckText(f.value); err != nil {
			var ce *CharError
			if errors.As(err, &ce) {
				return &fieldError{field: f.name, err: ce}
			}
			return fmt.Errorf("pdf: %s: %w", f.name, err)
		}
	}
	return nil
}

// Page geometry, in millimetres.
const (
	pageW   = 210.0
	pageH   = 297.0
	left    = 24.0  // left edge of the text
	right   = 186.0 // right edge of the text
	labelW  = 45.0  // label column
	ptToMM  = 25.4 / 72
	minSize = 8.0 // smallest font size, in points, for any claim
	lineGap = 1.3 // line height as a multiple of the font size
	rowGap  = 2.6 // between two rows of the table, in mm
)

type rgb struct{ r, g, b int }

var (
	red   = rgb{158, 27, 32}
	ink   = rgb{30, 30, 30}
	grey  = rgb{105, 105, 105}
	paleR = rgb{253, 238, 236}
)

// centered draws s centred on the page.
func (p *page) centered(y float64, s string, bold bool) {
	p.text((pageW-p.width(s))/2, y, s, bold)
}

// row is one line of the certificate's table: a Chinese label, its English
// translation and the value.
type row struct {
	zh, en string
	value  string
	sub    string  // optional English gloss of the value, drawn small below it
	size   float64 // preferred size of the value, in points
	bold   bool
	color  rgb
	shade  bool // emphasise with a pale red background
}

// placed is a row laid out at a given size.
type placed struct {
	row
	size   float64
	lines  []string
	sub    []string // lines of row.sub at subSize
	gap    float64  // space below the row, included in height
	height float64
}

// labelZH and labelEN are the label font sizes, in points.
const (
	labelZH = 11.0
	labelEN = 7.5
)

// layout wraps the value of each row into width w, at its preferred size
// times scale or smaller, down to minSize, on at most two lines if it can.
// The space between rows shrinks with scale too, down to half.
func (p *page) layout(rows []row, w, scale float64) ([]placed, float64) {
	out := make([]placed, 0, len(rows))
	total := 0.0
	gap := rowGap * math.Max(0.5, math.Min(1, scale))
	for _, r := range rows {
		pref := math.Max(minSize, math.Round(r.size*scale*2)/2)
		size, lines := p.fit(r.value, w, pref, 2)
		pl := placed{row: r, size: size, lines: lines, gap: gap}
		if r.sub != "" {
			p.size(subSize)
			pl.sub = p.wrap(r.sub, w)
		}
		pl.height = rowHeight(size, len(lines), len(pl.sub)) + gap
		out = append(out, pl)
		total += pl.height
	}
	return out, total
}

// firstBaseline is the distance from a row's top to its first baseline.
func firstBaseline(size float64) float64 {
	return 0.88 * math.Max(size, labelZH) * ptToMM
}

// subSize is the size of the English gloss under a value, in points.
const subSize = 8.5

func rowHeight(size float64, n, sub int) float64 {
	value := firstBaseline(size) + float64(n-1)*size*lineGap*ptToMM + 0.25*size*ptToMM
	if sub > 0 {
		value += float64(sub) * subSize * lineGap * ptToMM
	}
	label := firstBaseline(size) + labelEN*lineGap*ptToMM + 0.25*labelEN*ptToMM
	return math.Max(value, label)
}

// fit returns the largest size from pref down to minSize, in half points,
// at which s wraps into at most maxLines lines of width w, and those lines.
// If none does, it returns minSize and as many lines as needed.
func (p *page) fit(s string, w, pref float64, maxLines int) (float64, []string) {
	for size := pref; ; size -= 0.5 {
		if size < minSize {
			size = minSize
		}
		p.size(size)
		lines := p.wrap(s, w)
		if len(lines) <= maxLines || size == minSize {
			return size, lines
		}
	}
}

// drawRows draws laid-out rows from y and returns the y below them.
func (p *page) drawRows(rows []placed, x, y, labelW, valueW float64) float64 {
	for _, r := range rows {
		b := y + firstBaseline(r.size)
		if r.shade {
			p.setFillColor(paleR)
			p.rect(x-2, y-1.2, labelW+valueW+4, r.height-r.gap+2.4, true)
		}
		p.size(labelZH)
		p.color(ink)
		p.text(x, b, r.zh, false)
		p.size(labelEN)
		p.color(grey)
		p.text(x, b+labelEN*lineGap*ptToMM, r.en, false)
		p.size(r.size)
		p.color(r.color)
		for i, l := range r.lines {
			p.text(x+labelW, b+float64(i)*r.size*lineGap*ptToMM, l, r.bold)
		}
		sb := b + float64(len(r.lines)-1)*r.size*lineGap*ptToMM + 0.25*r.size*ptToMM
		p.size(subSize)
		if r.color == ink {
			p.color(grey)
		}
		for i, l := range r.sub {
			p.text(x+labelW, sb+float64(i+1)*subSize*lineGap*ptToMM, l, false)
		}
		y += r.height
	}
	return y
}

// Line breaking: a line never starts with closing punctuation and never
// ends with opening punctuation; Latin words are kept whole unless a word
// alone is wider than the line.
const (
	noLineStart = "，。、；：？！）》」』〕】〉”’,.;:?!)]}%·…—"
	noLineEnd   = "（《「『〔【〈“‘([{"
)

// breakable reports whether a line may break on either side of r, as
// between two Chinese characters.
func breakable(r rune) bool {
	return r >= 0x2E80 || unicode.Is(unicode.Han, r)
}

// units splits s into the pieces line breaking keeps together: a Chinese
// character (with the closing punctuation after it), a Latin word, a space.
// Opening punctuation sticks to what follows it. The units are consecutive
// substrings of s.
func units(s string) []string { return appendUnits(nil, s) }

// appendUnits appends the units of s to out.
func appendUnits(out []string, s string) []string {
	start, end := 0, 0 // the current unit is s[start:end]
	var last rune      // its last character
	open := false      // it ends with opening punctuation
	flush := func() {
		if end > start {
			out = append(out, s[start:end])
		}
		start = end
	}
	for i, c := range s {
		next := i + utf8.RuneLen(c)
		switch {
		case c == ' ':
			flush()
			out = append(out, " ")
			start = next
			open = false
		case strings.ContainsRune(noLineStart, c):
		case strings.ContainsRune(noLineEnd, c):
			if !open {
				flush()
			}
			open = true
		case breakable(c):
			if !open {
				flush()
			}
			open = false
		default: // part of a Latin word or a number
			if !open && end > start && breakable(last) {
				flush()
			}
			open = false
		}
		end, last = next, c
	}
	flush()
	return out
}

// wrap breaks s into lines no wider than w at the current font size. The
// lines are substrings of s.
func (p *page) wrap(s string, w float64) []string {
	var lines []string
	start, end := -1, 0 // the current line is s[start:end], empty if start < 0
	lw := 0.0
	emit := func() {
		if start >= 0 {
			if t := strings.TrimRight(s[start:end], " "); t != "" {
				lines = append(lines, t)
			}
		}
		start = -1
		lw = 0
	}
	pos := 0
	p.units = appendUnits(p.units[:0], s)
	for _, u := range p.units {
		us := pos // u is s[us:pos]
		pos += len(u)
		uw := p.width(u)
		if u == " " && start < 0 {
			continue
		}
		if lw+uw <= w {
			if start < 0 {
				start = us
			}
			end = pos
			lw += uw
			continue
		}
		if start >= 0 {
			emit()
			if u == " " {
				continue
			}
		}
		if uw <= w {
			start, end = us, pos
			lw = uw
			continue
		}
		// A unit wider than the line: break it between characters.
		for i, c := range u {
			cw := p.runeWidth(c)
			if lw+cw > w && start >= 0 {
				emit()
			}
			if start < 0 {
				start = us + i
			}
			end = us + i + utf8.RuneLen(c)
			lw += cw
		}
	}
	emit()
	return lines
}

// routeEnglish names the routes in English.
var routeEnglish = map[cert.Route]string{
	cert.RouteRegular:      "Regular review",
	cert.RouteGreenChannel: "Green channel",
	cert.RouteTargeted:     "Targeted evaluation, targeted use",
}

// chineseDate formats t as 2026年7月1日.
func chineseDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

func (r *Renderer) render(d Document, s *scratch) ([]byte, error) {
	c := d.Claims
	issued := c.IssuedTime().In(cert.ChinaTime) // dates printed on certificates
	code := d.QR
	if code == nil {
		var err error
		if code, err = qr.Encode(d.QRText); err != nil {
			return nil, fmt.Errorf("pdf: QR code: %w", err)
		}
	}
	s.runes = r.docRunes(s.runes, d)
	p := &s.page
	p.reset(r, s.runes)
	if err := r.draw(p, d, code, issued); err != nil {
		return nil, err
	}
	if p.err != nil {
		return nil, p.err // from CheckText, already prefixed
	}
	s.content = p.content(s.content[:0])
	return r.file(d, issued, s), nil
}

// draw lays out and draws the page.
func (r *Renderer) draw(p *page, d Document, code *qr.Code, issued time.Time) error {
	c := d.Claims
	// Frame.
	p.setDrawColor(red)
	p.setLineWidth(1.4)
	p.rect(9, 9, pageW-18, pageH-18, false)
	p.setLineWidth(0.35)
	p.rect(12.5, 12.5, pageW-25, pageH-25, false)
	for _, xy := range [...][2]float64{{12.5, 12.5}, {pageW - 12.5, 12.5}, {12.5, pageH - 12.5}, {pageW - 12.5, pageH - 12.5}} {
		p.setFillColor(red)
		p.rect(xy[0]-1.6, xy[1]-1.6, 3.2, 3.2, true)
	}

	// Heading.
	p.color(red)
	size, lines := p.fit(d.IssuerName, right-left, 15, 1)
	for i, l := range lines {
		p.centered(29-float64(len(lines)-1-i)*size*lineGap*ptToMM, l, false)
	}
	p.size(27)
	p.centered(44, "专业技术职务任职资格证书", true)
	p.size(13)
	p.color(grey)
	p.centered(52.5, "Professional Title Certificate", false)
	p.setLineWidth(0.6)
	p.line(left, 57.5, right, 57.5)
	p.setLineWidth(0.2)
	p.line(left, 58.6, right, 58.6)

	// Footer, bottom up.
	footerW := right - left
	p.color(grey)
	notes := []string{
		"本证书为电子证书，由发证机关数字签名，PDF 内附签名文件 " + AttachmentName + "；请扫描二维码或凭验证码核验，以核验结果为准。",
		"This electronic certificate is digitally signed by the issuer; the signed file " + AttachmentName + " is attached to this PDF. Scan the QR code or use the verification code to verify it; the verification result prevails.",
	}
	var footer []string
	footerSize := 7.5
	for _, n := range notes {
		_, ls := p.fit(n, footerW, footerSize, 3)
		footer = append(footer, ls...)
	}
	p.size(footerSize)
	footerLine := footerSize * lineGap * ptToMM
	footerTop := pageH - 17 - float64(len(footer))*footerLine
	p.setDrawColor(red)
	p.setLineWidth(0.2)
	p.line(left, footerTop-1.5, right, footerTop-1.5)
	for i, l := range footer {
		p.text(left, footerTop+footerSize*0.88*ptToMM+1+float64(i)*footerLine, l, false)
	}

	// Bottom block: issue facts on the left, the QR code on the right.
	side := float64(code.Size())
	qrW := math.Min(55, math.Max(40, side*0.5)) // mm
	qrPt := math.Ceil(qrW/ptToMM/side*20) / 20  // module size, a multiple of 0.05 pt
	qrW = qrPt * side * ptToMM
	captionH := 10.0
	qrBlockH := qrW + captionH
	leftW := right - left - qrW - 8
	bottom := []row{
		{zh: "证书编号", en: "Certificate No.", value: c.Number, size: 13, color: ink},
		{zh: "签发日期", en: "Date of issue", value: chineseDate(issued) + "（" + issued.Format("2006-01-02") + "）", size: 12, color: ink},
		{zh: "发证机关", en: "Issued by", value: d.IssuerName, size: 12, color: ink},
		{zh: "验证码", en: "Verification code", value: d.VerificationCode, size: 16, bold: true, color: red},
	}
	if d.VerifyURL != "" {
		bottom = append(bottom, row{zh: "核验网址", en: "Verify at", value: d.VerifyURL, size: 11, color: ink})
	}
	bottomRows, bottomH := p.layout(bottom, leftW-labelW, 1)
	blockH := math.Max(bottomH, qrBlockH)
	blockTop := footerTop - 6 - blockH

	// The claims, shrunk until they fit above the bottom block.
	rows := []row{
		{zh: "姓名", en: "Name", value: c.HolderName, size: 17, bold: true, color: ink},
		{zh: "身份证号", en: "ID No.", value: c.HolderIDMask, size: 13, color: ink},
		{zh: "资格名称", en: "Title", value: c.Title, size: 16, bold: true, color: red},
		{zh: "系列", en: "Series", value: c.Series, size: 13, color: ink},
		{zh: "专业", en: "Specialty", value: c.Specialty, size: 13, color: ink},
		{zh: "级别", en: "Level", value: c.Level, size: 13, color: ink},
		{zh: "评审委员会", en: "Committee", value: c.Committee, size: 13, color: ink},
		{zh: "评审日期", en: "Review date", value: c.ReviewDate, size: 13, color: ink},
		{zh: "文号", en: "Approval document", value: c.ApprovalDoc, size: 13, color: ink},
		{zh: "评价方式", en: "Route", value: c.Route.Chinese(), sub: routeEnglish[c.Route], size: 13, color: ink},
	}
	if c.Route == cert.RouteTargeted {
		rows = append(rows, row{zh: "适用地区", en: "Valid only in", value: "限定在" + c.Scope + "基层岗位使用", sub: "Valid only for grass-roots posts in the region named above", size: 13, bold: true, color: red, shade: true})
	}
	if c.Employer != "" {
		rows = append(rows, row{zh: "工作单位", en: "Employer", value: c.Employer, size: 13, color: ink})
	}
	top := 66.0
	valueW := right - left - labelW
	var placedRows []placed
	for scale := 1.0; ; scale -= 0.05 {
		var h float64
		placedRows, h = p.layout(rows, valueW, scale)
		if top+h <= blockTop-4 {
			break
		}
		if scale < 0.4 {
			return errors.New("pdf: the certificate's texts do not fit on one page")
		}
	}
	p.drawRows(placedRows, left, top, labelW, valueW)

	p.setDrawColor(red)
	p.setLineWidth(0.2)
	p.line(left, blockTop-3, right, blockTop-3)
	p.drawRows(bottomRows, left, blockTop+(blockH-bottomH)/2, labelW, leftW-labelW)

	// The QR code, one rectangle per horizontal run of dark modules. The
	// origin is on whole points and the module size a multiple of 0.05 pt,
	// so every edge is exact in the content stream's 0.01 pt and
	// neighbouring runs meet without hairline gaps.
	qx := math.Round((right-qrW)/ptToMM) * ptToMM
	qy := math.Round((blockTop+(blockH-qrBlockH)/2)/ptToMM) * ptToMM
	p.qrCode(qx, qy, qrPt, code)
	p.size(11)
	p.color(ink)
	cx := qx + qrW/2
	capY := qy + qrW + 5.2
	p.text(cx-p.width("扫码验证")/2, capY, "扫码验证", false)
	p.size(8)
	p.color(grey)
	p.text(cx-p.width("Scan to verify")/2, capY+3.8, "Scan to verify", false)

	return nil
}

// file returns the PDF of a page whose content stream is s.content, in
// s.pdf's buffer.
func (r *Renderer) file(d Document, issued time.Time, s *scratch) []byte {
	c := d.Claims
	pf := &s.pdf
	pf.offs = [len(pf.offs)]int{}
	pf.b = append(pf.b[:0], r.head...)
	copy(pf.offs[objFixedFont:], r.fixedOffs[:])
	last := objEmbedded
	if len(s.runes) > 0 {
		last = objDocFont + 4
	}

	pf.begin(objCatalog)
	pf.b = append(pf.b, "<< /Type /Catalog /Pages "...)
	pf.b = appendRef(pf.b, objPages)
	pf.b = append(pf.b, " /Names << /EmbeddedFiles << /Names [("+AttachmentName+") "...)
	pf.b = appendRef(pf.b, objFilespec)
	pf.b = append(pf.b, "] >> >> /Lang (zh-CN) >>"...)
	pf.end()

	pf.begin(objPages)
	pf.b = append(pf.b, "<< /Type /Pages /Kids ["...)
	pf.b = appendRef(pf.b, objPage)
	pf.b = append(pf.b, "] /Count 1 /MediaBox [0 0 "...)
	pf.b = appendNum(pf.b, pageWPt, 2)
	pf.b = append(pf.b, ' ')
	pf.b = appendNum(pf.b, pageHPt, 2)
	pf.b = append(pf.b, "] >>"...)
	pf.end()

	pf.begin(objPage)
	pf.b = append(pf.b, "<< /Type /Page /Parent "...)
	pf.b = appendRef(pf.b, objPages)
	pf.b = append(pf.b, " /Resources << /Font << /F1 "...)
	pf.b = appendRef(pf.b, objFixedFont)
	if len(s.runes) > 0 {
		pf.b = append(pf.b, " /F2 "...)
		pf.b = appendRef(pf.b, objDocFont)
	}
	pf.b = append(pf.b, " >> >> /Contents "...)
	pf.b = appendRef(pf.b, objContents)
	pf.b = append(pf.b, " >>"...)
	pf.end()

	pf.begin(objInfo)
	pf.b = append(pf.b, "<< /Title "...)
	pf.b = appendTextString(pf.b, "专业技术职务任职资格证书 "+c.Number+" / Professional Title Certificate")
	pf.b = append(pf.b, " /Author "...)
	pf.b = appendTextString(pf.b, d.IssuerName)
	pf.b = append(pf.b, " /Subject "...)
	pf.b = appendTextString(pf.b, c.HolderName+" "+c.Title)
	pf.b = append(pf.b, " /Creator (titlecert) /Producer (titlecert) /CreationDate "...)
	pf.b = appendDate(pf.b, issued)
	pf.b = append(pf.b, " /ModDate "...)
	pf.b = appendDate(pf.b, issued)
	pf.b = append(pf.b, " >>"...)
	pf.end()

	s.packed = deflate(s.packed[:0], s.content, contentLevel)
	pf.stream(objContents, len(s.packed))
	pf.b = append(pf.b, " /Filter /FlateDecode"...)
	endStream(pf, s.packed)

	pf.begin(objFilespec)
	pf.b = append(pf.b, "<< /Type /Filespec /F ("+AttachmentName+") /UF "...)
	pf.b = appendTextString(pf.b, AttachmentName)
	pf.b = append(pf.b, " /Desc "...)
	pf.b = appendTextString(pf.b, "签名证书 / signed certificate (compact JWS)")
	pf.b = append(pf.b, " /EF << /F "...)
	pf.b = appendRef(pf.b, objEmbedded)
	pf.b = append(pf.b, " >> >>"...)
	pf.end()

	pf.stream(objEmbedded, len(d.JWS))
	pf.b = append(pf.b, " /Type /EmbeddedFile /Subtype /application#2Fjose /Params << /Size "...)
	pf.b = strconv.AppendInt(pf.b, int64(len(d.JWS)), 10)
	pf.b = append(pf.b, " >>"...)
	endStream(pf, d.JWS)

	if len(s.runes) > 0 {
		r.writeFont(pf, objDocFont, s.runes, fontLevel, &s.font)
	}

	// The file identifier is a hash of the file's body: of head, through
	// headSum, and of what follows.
	h := sha256.New()
	h.Write(r.headSum[:])
	h.Write(pf.b[len(r.head):])
	var id [sha256.Size]byte
	pf.finish(last, h.Sum(id[:0])[:16])
	return pf.b
}

// Objects of a certificate PDF, by number.
const (
	objCatalog   = 1 + iota
	objPages     // the page tree
	objPage      // the page
	objInfo      // the document information dictionary
	objFixedFont // the fixed font: five objects, see writeFont
	_
	_
	_
	_
	objContents // the page's content stream
	objFilespec // the attachment's file specification
	objEmbedded // the attachment
	objDocFont  // the document's font, when it needs one: five objects
	_
	_
	_
	_
	lastObj = objDocFont + 4
)
