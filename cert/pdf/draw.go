package pdf

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/qr"
)

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
