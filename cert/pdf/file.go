package pdf

import (
	"crypto/sha256"
	"strconv"
	"time"
)

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
