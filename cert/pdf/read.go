package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/titlecert/titlecert/cert"
)

// Reading untrusted PDFs in bounded memory.
//
// pdfcpu decodes a stream with its own 512 MiB default whenever one of its
// extraction functions asks (page content, attachments, images), whatever
// the configured limit, and decodes a stream again for every reference to
// it: a 510 KB file whose page content inflates to 500 MiB made a server
// grow by 1.6 GB. So titlecert uses pdfcpu only to parse the file's
// objects (api.ReadAndValidate, which keeps streams encoded) and decodes
// the few streams it needs itself (Doc): with an output cap for each
// stream (the filters of a chain are capped one by one), a budget for the
// whole file, and each object decoded at most once. Before that, Open
// inflates every Flate stream of the file to nowhere, in constant memory,
// and refuses a file whose streams inflate to more than
// MaxInflatedPerStream each or MaxInflatedTotal in all: this bounds what
// pdfcpu itself decodes while parsing (cross-reference and object
// streams, which it decodes with its default limit).

// Limits on what reading one PDF may decode.
const (
	// MaxInflatedPerStream bounds what one Flate stream of the file may
	// inflate to (checked before parsing, in constant memory).
	MaxInflatedPerStream = 48 << 20
	// MaxInflatedTotal bounds what all the Flate streams of one file may
	// inflate to together (checked before parsing).
	MaxInflatedTotal = 96 << 20
	// MaxDecodedTotal bounds the decoded bytes Doc keeps for one file: page
	// content, images and attached files together.
	MaxDecodedTotal = 64 << 20
	// MaxContentSize bounds one page's decoded content. A certificate's
	// page is about 150 KB.
	MaxContentSize = 8 << 20
	// MaxImageDataSize bounds one image's decoded samples (40 megapixels
	// of grey; 13 of RGB).
	MaxImageDataSize = 40 << 20
	// maxAttachmentSize is what is decoded of an embedded file to tell
	// whether it holds a certificate: a JWS and some trailing whitespace.
	maxAttachmentSize = cert.MaxJWSLen + 1024
	// maxNameTreeNodes bounds the nodes of the EmbeddedFiles name tree
	// that are visited, and maxAttachments the files looked at.
	maxNameTreeNodes = 1024
	maxAttachments   = 64
)

// ErrTooMuchData is returned (wrapped) for a PDF whose streams decompress
// to more than the limits above allow: a decompression bomb, never a
// certificate.
var ErrTooMuchData = errors.New("pdf: the PDF's compressed data expands beyond the limits of a certificate PDF")

// Doc is an untrusted PDF opened for reading the few things a verifier
// needs: its embedded files, its pages' content and images, its Author.
// Every stream is decoded on demand, at most once, within the limits
// above. A Doc is not safe for concurrent use.
type Doc struct {
	ctx     *model.Context
	left    int64 // of MaxDecodedTotal
	decoded map[int]decodedStream
	images  map[int]imageResult // by object number: each image object is read once
}

type imageResult struct {
	im Image
	ok bool
}

type decodedStream struct {
	data []byte
	err  error
}

// Open parses a PDF of at most MaxPDFSize bytes. It refuses input without
// a PDF header (ErrNotPDF), a larger one (ErrTooLarge), one whose streams
// inflate beyond the limits (ErrTooMuchData) and one pdfcpu cannot parse
// ("pdf: malformed PDF: ..."). Nothing is decoded but what parsing needs.
func Open(data []byte) (d *Doc, err error) {
	if len(data) > MaxPDFSize {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(data), MaxPDFSize)
	}
	// The header must appear in the first 1,024 bytes (ISO 32000-1, annex H).
	if !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return nil, ErrNotPDF
	}
	if err := preflight(data); err != nil {
		return nil, err
	}
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("pdf: malformed PDF: %v", p)
		}
	}()
	ctx, err := api.ReadAndValidate(bytes.NewReader(data), ReadConfig(model.EXTRACTATTACHMENTS, MaxImageDataSize))
	if err != nil {
		return nil, fmt.Errorf("pdf: malformed PDF: %w", err)
	}
	return &Doc{ctx: ctx, left: MaxDecodedTotal, decoded: map[int]decodedStream{}, images: map[int]imageResult{}}, nil
}

// PageCount is the number of pages the file declares.
func (d *Doc) PageCount() int { return d.ctx.PageCount }

// Author is the Author of the file's document information dictionary
// (titlecert writes the issuer's name there), or "".
func (d *Doc) Author() string { return d.ctx.Author }

// decode returns the decoded data of the stream that o is or refers to,
// at most limit bytes (an error beyond). A stream referred to again is
// not decoded again. The decoded bytes count against the file's budget.
func (d *Doc) decode(o types.Object, limit int64) (data []byte, err error) {
	objNr := -1
	if ref, ok := o.(types.IndirectRef); ok {
		objNr = ref.ObjectNumber.Value()
		if c, ok := d.decoded[objNr]; ok {
			if c.err == nil && int64(len(c.data)) > limit {
				return nil, fmt.Errorf("%w: object %d decodes to more than %d bytes", ErrTooMuchData, objNr, limit)
			}
			return c.data, c.err
		}
		defer func() { d.decoded[objNr] = decodedStream{data, err} }()
	}
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("pdf: malformed stream: %v", p)
		}
	}()
	sd, _, err := d.ctx.DereferenceStreamDict(o)
	if err != nil {
		return nil, fmt.Errorf("pdf: malformed PDF: %w", err)
	}
	if sd == nil {
		return nil, nil
	}
	limit = min(limit, d.left)
	if limit <= 0 {
		return nil, fmt.Errorf("%w: more than %d MiB decoded from one file", ErrTooMuchData, MaxDecodedTotal>>20)
	}
	for _, f := range sd.FilterPipeline {
		switch f.Name {
		case "FlateDecode", "LZWDecode", "ASCIIHexDecode", "ASCII85Decode", "RunLengthDecode":
		default: // images (DCT, JPX, JBIG2, CCITT) are not decoded here
			return nil, fmt.Errorf("pdf: stream filter %s is not decoded", f.Name)
		}
	}
	s := *sd
	s.Content = nil
	// pdfcpu's filters honour an explicit limit: each filter of the
	// chain stops with an error past it.
	if err := s.DecodeWithLimit(limit); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTooMuchData, err)
	}
	if int64(len(s.Content)) > limit {
		return nil, fmt.Errorf("%w: a stream decodes to more than %d bytes", ErrTooMuchData, limit)
	}
	d.left -= int64(len(s.Content))
	return s.Content, nil
}

// Attachment is one embedded file of a PDF: an entry of its
// EmbeddedFiles name tree, a FileAttachment annotation of a page, or an
// associated file (/AF, PDF 2.0) of the catalog or a page.
type Attachment struct {
	Key      string // the name-tree key; "" for an annotation or an associated file
	FileName string // the file specification's /UF, else /F
	// Data is the file's content, nil when it is larger than a
	// certificate or could not be decoded (then Err says why).
	Data []byte
	Err  error
}

// Names lists the attachment's key and file names, without repetition
// (a file without either is "(unnamed)").
func (a Attachment) Names() []string {
	var names []string
	if a.Key != "" {
		names = append(names, a.Key)
	}
	if a.FileName != "" && a.FileName != a.Key {
		names = append(names, a.FileName)
	}
	if len(names) == 0 {
		names = append(names, "(unnamed)")
	}
	return names
}

// maxAnnotationPages bounds the pages whose annotations and associated
// files Attachments looks at; maxAnnotations the annotations.
const (
	maxAnnotationPages = 1024
	maxAnnotations     = 1 << 14
)

// Attachments returns every embedded file a reader can open from the
// document (at most 64), whatever its names: the entries of the
// EmbeddedFiles name tree in tree order, then the catalog's associated
// files (/AF), then, page by page, the files of FileAttachment
// annotations (/FS) and the page's associated files. A file
// specification reached twice counts once. The content of each is
// decoded up to a certificate's size; a larger file, or one that cannot
// be decoded, has nil Data and an Err. An error means the tree itself
// cannot be read, or the document has more than 1,024 pages or 16,384
// annotations to look through.
func (d *Doc) Attachments() (out []Attachment, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("pdf: malformed PDF: %v", p)
		}
	}()
	root, err := d.ctx.Catalog()
	if err != nil {
		return nil, fmt.Errorf("pdf: malformed PDF: %w", err)
	}
	specs := map[int]bool{} // file specifications already counted, by object number
	add := func(key string, o types.Object) {
		if len(out) >= maxAttachments {
			return
		}
		if ref, ok := o.(types.IndirectRef); ok {
			if specs[ref.ObjectNumber.Value()] {
				return
			}
			specs[ref.ObjectNumber.Value()] = true
		}
		out = append(out, d.attachment(key, o))
	}
	if err := d.nameTree(root, add); err != nil {
		return nil, err
	}
	associated := func(dict types.Dict) {
		if af, err := d.ctx.DereferenceArray(dict["AF"]); err == nil {
			for _, o := range af {
				add("", o)
			}
		}
	}
	associated(root)
	if d.ctx.PageCount > maxAnnotationPages {
		return nil, fmt.Errorf("pdf: malformed PDF: %d pages, at most %d are looked through for attachments", d.ctx.PageCount, maxAnnotationPages)
	}
	annots := 0
	for n := 1; n <= d.ctx.PageCount; n++ {
		page, _, _, err := d.ctx.PageDict(n, false)
		if err != nil || page == nil {
			continue
		}
		associated(page)
		arr, err := d.ctx.DereferenceArray(page["Annots"])
		if err != nil {
			continue
		}
		for _, a := range arr {
			if annots++; annots > maxAnnotations {
				return nil, fmt.Errorf("pdf: malformed PDF: more than %d annotations", maxAnnotations)
			}
			annot, err := d.ctx.DereferenceDict(a)
			if err != nil || annot == nil {
				continue
			}
			if st, err := d.ctx.DereferenceName(annot["Subtype"], model.V10, nil); err != nil || st.Value() != "FileAttachment" {
				continue
			}
			if annot["FS"] != nil {
				add("", annot["FS"])
			}
			associated(annot)
		}
	}
	return out, nil
}

// nameTree gives each entry of the EmbeddedFiles name tree to add.
func (d *Doc) nameTree(root types.Dict, add func(key string, spec types.Object)) error {
	names, err := d.ctx.DereferenceDict(root["Names"])
	if err != nil || names == nil {
		return nil
	}
	tree, err := d.ctx.DereferenceDict(names["EmbeddedFiles"])
	if err != nil || tree == nil {
		return nil
	}
	seen := map[int]bool{}
	visited := 0
	var walk func(node types.Dict, depth int) error
	walk = func(node types.Dict, depth int) error {
		visited++
		if visited > maxNameTreeNodes || depth > 32 {
			return fmt.Errorf("pdf: malformed PDF: the EmbeddedFiles name tree is too large or too deep")
		}
		if kv, err := d.ctx.DereferenceArray(node["Names"]); err == nil {
			for i := 0; i+1 < len(kv); i += 2 {
				key, _ := d.ctx.DereferenceStringOrHexLiteral(kv[i], model.V10, nil)
				add(key, kv[i+1])
			}
		}
		kids, err := d.ctx.DereferenceArray(node["Kids"])
		if err != nil {
			return nil
		}
		for _, k := range kids {
			ref, ok := k.(types.IndirectRef)
			if !ok || seen[ref.ObjectNumber.Value()] {
				continue
			}
			seen[ref.ObjectNumber.Value()] = true
			kid, err := d.ctx.DereferenceDict(ref)
			if err != nil || kid == nil {
				continue
			}
			if err := walk(kid, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(tree, 0)
}

// attachment reads one file specification.
func (d *Doc) attachment(key string, o types.Object) Attachment {
	a := Attachment{Key: key}
	spec, err := d.ctx.DereferenceDict(o)
	if err != nil || spec == nil {
		a.Err = fmt.Errorf("pdf: attachment %q: no file specification", key)
		return a
	}
	for _, k := range []string{"F", "UF"} {
		if s, err := d.ctx.DereferenceStringOrHexLiteral(spec[k], model.V10, nil); err == nil && s != "" {
			a.FileName = s // /UF, when present, wins
		}
	}
	ef, err := d.ctx.DereferenceDict(spec["EF"])
	if err != nil || ef == nil {
		a.Err = fmt.Errorf("pdf: attachment %q: no embedded file", key)
		return a
	}
	stream := ef["F"]
	if stream == nil {
		stream = ef["UF"]
	}
	if stream == nil {
		a.Err = fmt.Errorf("pdf: attachment %q: no embedded file", key)
		return a
	}
	a.Data, a.Err = d.decode(stream, maxAttachmentSize)
	if a.Err != nil {
		a.Data = nil
	}
	return a
}

// PageContent returns the decoded content of page n (from 1): its content
// streams in order, separated by a newline, at most MaxContentSize bytes.
func (d *Doc) PageContent(n int) (content []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			content, err = nil, fmt.Errorf("pdf: malformed PDF: %v", p)
		}
	}()
	page, _, _, err := d.ctx.PageDict(n, false)
	if err != nil || page == nil {
		return nil, fmt.Errorf("pdf: page %d: %v", n, err)
	}
	var refs []types.Object
	switch c := page["Contents"].(type) {
	case types.IndirectRef:
		o, err := d.ctx.Dereference(c)
		if err != nil {
			return nil, fmt.Errorf("pdf: page %d: %w", n, err)
		}
		if a, ok := o.(types.Array); ok {
			refs = a
		} else {
			refs = []types.Object{c}
		}
	case types.Array:
		refs = c
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("pdf: page %d: contents of type %T", n, c)
	}
	var b []byte
	for _, r := range refs {
		data, err := d.decode(r, MaxContentSize-int64(len(b)))
		if err != nil {
			return nil, fmt.Errorf("pdf: page %d: content: %w", n, err)
		}
		b = append(append(b, data...), '\n')
	}
	return b, nil
}

// Image is an image XObject of a page: either the JPEG file a DCTDecode
// stream holds, or grey samples, one byte a pixel, row by row.
type Image struct {
	// Object is the image's object number, the same for every page and
	// name that refers to it (a hostile file names one large image many
	// times): a caller scans each Object once. 0 for a direct object.
	Object        int
	Width, Height int
	JPEG          []byte // a JPEG file, when the image is one
	Gray          []byte // else Width×Height luminance samples
}

// PageImages returns the image XObjects that page n's resources name
// directly, in a form a QR decoder can use: JPEG files as they are, and
// 1- and 8-bit grey, RGB and CMYK samples as grey. Images of more than
// maxPixels pixels, in other forms, or whose data cannot be decoded are
// left out. An image object named several times is returned once per
// page (Image.Object tells it apart across pages) and read once per Doc
// (with the maxPixels of the first call that reads it: callers pass one
// bound).
func (d *Doc) PageImages(n int, maxPixels int64) (imgs []Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			imgs, err = nil, fmt.Errorf("pdf: malformed PDF: %v", p)
		}
	}()
	_, _, inh, err := d.ctx.PageDict(n, false)
	if err != nil || inh == nil || inh.Resources == nil {
		return nil, err
	}
	xobjs, err := d.ctx.DereferenceDict(inh.Resources["XObject"])
	if err != nil || xobjs == nil {
		return nil, nil
	}
	seen := map[int]bool{}
	for _, name := range slices.Sorted(maps.Keys(xobjs)) {
		if len(imgs) >= 16 {
			break
		}
		o := xobjs[name]
		ref, isRef := o.(types.IndirectRef)
		if !isRef {
			if im, ok := d.image(o, maxPixels); ok {
				imgs = append(imgs, im)
			}
			continue
		}
		nr := ref.ObjectNumber.Value()
		if seen[nr] {
			continue
		}
		seen[nr] = true
		c, done := d.images[nr]
		if !done {
			c.im, c.ok = d.image(o, maxPixels)
			c.im.Object = nr
			d.images[nr] = c
		}
		if c.ok {
			imgs = append(imgs, c.im)
		}
	}
	return imgs, nil
}

func (d *Doc) image(o types.Object, maxPixels int64) (Image, bool) {
	sd, _, err := d.ctx.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return Image{}, false
	}
	if st := sd.Dict.Subtype(); st == nil || *st != "Image" {
		return Image{}, false
	}
	w, h := sd.IntEntry("Width"), sd.IntEntry("Height")
	if w == nil || h == nil || *w <= 0 || *h <= 0 || int64(*w)*int64(*h) > maxPixels {
		return Image{}, false
	}
	im := Image{Width: *w, Height: *h}
	if fp := sd.FilterPipeline; len(fp) > 0 && fp[len(fp)-1].Name == "DCTDecode" {
		// The file size a JPEG of these dimensions may have; the JPEG's
		// own header is checked again before it is decoded.
		if len(fp) == 1 {
			im.JPEG = sd.Raw
			return im, len(sd.Raw) > 0
		}
		s := *sd
		s.FilterPipeline = fp[:len(fp)-1]
		jpg, err := d.decode(s, MaxImageDataSize)
		if err != nil {
			return Image{}, false
		}
		im.JPEG = jpg
		return im, len(jpg) > 0
	}
	bpc := 8
	mask := false
	if b, ok := sd.Dict["ImageMask"].(types.Boolean); ok && b.Value() {
		mask, bpc = true, 1
	} else if b := sd.IntEntry("BitsPerComponent"); b != nil {
		bpc = *b
	}
	comps := 1
	if !mask {
		if comps = d.components(sd.Dict["ColorSpace"]); comps == 0 {
			return Image{}, false
		}
	}
	if bpc != 1 && bpc != 8 || bpc == 1 && comps != 1 {
		return Image{}, false
	}
	rowBytes := (int64(*w)*int64(comps)*int64(bpc) + 7) / 8
	need := rowBytes * int64(*h)
	if need > MaxImageDataSize {
		return Image{}, false
	}
	data, err := d.decode(o, need+int64(*h)) // predictors add a byte a row
	if err != nil || int64(len(data)) < need {
		return Image{}, false
	}
	// 0 is black: in grey, and in an image mask (painted with the fill
	// colour, black on a certificate); a Decode array of [1 0] inverts.
	invert := false
	if dec, ok := sd.Dict["Decode"].(types.Array); ok && len(dec) >= 2 {
		if a, ok := dec[0].(types.Integer); ok && a.Value() == 1 {
			invert = !invert
		} else if a, ok := dec[0].(types.Float); ok && a.Value() == 1 {
			invert = !invert
		}
	}
	g := make([]byte, *w**h)
	for y := 0; y < *h; y++ {
		row := data[int64(y)*rowBytes:]
		for x := 0; x < *w; x++ {
			var v byte
			switch {
			case bpc == 1:
				v = 0
				if row[x/8]&(0x80>>(x%8)) != 0 {
					v = 255
				}
			case comps == 1:
				v = row[x]
			case comps == 3:
				p := row[3*x:]
				v = byte((299*int(p[0]) + 587*int(p[1]) + 114*int(p[2])) / 1000)
			case comps == 4:
				p := row[4*x:]
				k := 255 - int(p[3])
				r, gg, b := (255-int(p[0]))*k/255, (255-int(p[1]))*k/255, (255-int(p[2]))*k/255
				v = byte((299*r + 587*gg + 114*b) / 1000)
			}
			if invert {
				v = 255 - v
			}
			g[y**w+x] = v
		}
	}
	im.Gray = g
	return im, true
}

// components is the number of colour components of a colour space: 1, 3
// or 4, or 0 for one that is not read here (Indexed, Separation, ...).
func (d *Doc) components(o types.Object) int {
	o, err := d.ctx.Dereference(o)
	if err != nil {
		return 0
	}
	switch cs := o.(type) {
	case types.Name:
		switch cs {
		case "DeviceGray", "G", "CalGray":
			return 1
		case "DeviceRGB", "RGB", "CalRGB":
			return 3
		case "DeviceCMYK", "CMYK":
			return 4
		}
	case types.Array:
		if len(cs) == 0 {
			return 0
		}
		name, _ := cs[0].(types.Name)
		switch name {
		case "CalGray":
			return 1
		case "CalRGB":
			return 3
		case "ICCBased":
			if len(cs) < 2 {
				return 0
			}
			sd, _, err := d.ctx.DereferenceStreamDict(cs[1])
			if err != nil || sd == nil {
				return 0
			}
			if n := sd.IntEntry("N"); n != nil && (*n == 1 || *n == 3 || *n == 4) {
				return *n
			}
		}
	}
	return 0
}

// preflight inflates, to nowhere and in constant memory, every stream of
// data whose filters begin with FlateDecode (through all the FlateDecode
// filters of its chain), and refuses the file when one inflates to more
// than MaxInflatedPerStream or all together to more than
// MaxInflatedTotal. Cross-reference and object streams, which pdfcpu
// decodes itself while parsing, must be Flate-compressed or not at all.
//
// Streams are found by their keyword, their dictionary read loosely
// between the last "obj" keyword and "stream" (names with #xx escapes
// decoded). Each "obj" gives at most one stream, so the dictionaries
// read are disjoint and the work is linear in the file's size, plus
// MaxInflatedTotal of inflation.
func preflight(data []byte) error {
	var total int64
	var inf inflater
	lastObj, used := -1, -1 // the last "obj" keyword seen, and the last one given a stream
	objAt := 0              // where to look for the next "obj"
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte("stream"))
		if j < 0 {
			return nil
		}
		at := i + j
		i = at + len("stream")
		if at >= 3 && string(data[at-3:at]) == "end" {
			continue
		}
		for {
			k := bytes.Index(data[objAt:at], []byte("obj"))
			if k < 0 {
				break
			}
			if objAt+k < 3 || string(data[objAt+k-3:objAt+k]) != "end" {
				lastObj = objAt + k
			}
			objAt += k + len("obj")
		}
		if lastObj < 0 || lastObj == used {
			continue
		}
		used = lastObj
		p := i
		if p < len(data) && data[p] == '\r' {
			p++
		}
		if p < len(data) && data[p] == '\n' {
			p++
		}
		if p == i {
			continue
		}
		dict := unescapeNames(data[lastObj:at])
		filters := filterNames(dict)
		special := bytes.Contains(dict, []byte("/XRef")) || bytes.Contains(dict, []byte("/ObjStm"))
		flates := 0
		for _, f := range filters {
			if f != "FlateDecode" && f != "Fl" {
				break
			}
			flates++
		}
		if special && flates != len(filters) {
			return fmt.Errorf("pdf: malformed PDF: a cross-reference or object stream with filters %s", strings.Join(filters, ", "))
		}
		if flates == 0 {
			continue
		}
		n, err := inf.size(data[p:], flates, min(MaxInflatedPerStream, MaxInflatedTotal-total))
		if err != nil {
			return err
		}
		total += n
	}
}

// inflater inflates through layers of zlib, reusing its readers.
type inflater struct {
	readers []io.ReadCloser
	src     bytes.Reader
}

// size inflates data through n zlib layers and counts the output, up to
// limit (an error beyond). Damaged data ends the count: parsing will
// report it, or skip the stream.
func (f *inflater) size(data []byte, n int, limit int64) (int64, error) {
	f.src.Reset(data)
	var r io.Reader = &f.src
	for i := range n {
		if i < len(f.readers) {
			if err := f.readers[i].(zlib.Resetter).Reset(r, nil); err != nil {
				return 0, nil
			}
		} else {
			zr, err := zlib.NewReader(r)
			if err != nil {
				return 0, nil
			}
			f.readers = append(f.readers, zr)
		}
		r = f.readers[i]
	}
	c, _ := io.Copy(io.Discard, io.LimitReader(r, limit+1))
	if c > limit {
		return c, fmt.Errorf("%w (a stream inflates to more than %d MiB, or all of them to more than %d MiB)", ErrTooMuchData, MaxInflatedPerStream>>20, MaxInflatedTotal>>20)
	}
	return c, nil
}

// filterNames returns the names of the /Filter entry of a dictionary's
// text: one name or an array of names.
func filterNames(dict []byte) []string {
	i := bytes.LastIndex(dict, []byte("/Filter"))
	if i < 0 {
		return nil
	}
	rest := bytes.TrimLeft(dict[i+len("/Filter"):], " \t\r\n\f\x00")
	var names []string
	array := len(rest) > 0 && rest[0] == '['
	if array {
		rest = rest[1:]
	}
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n\f\x00")
		if len(rest) == 0 || rest[0] != '/' {
			return names
		}
		e := 1
		for e < len(rest) && !isPDFSpace(rest[e]) && !bytes.ContainsRune([]byte("()<>[]{}/%"), rune(rest[e])) {
			e++
		}
		names = append(names, string(rest[1:e]))
		rest = rest[e:]
		if !array {
			return names
		}
	}
}

// unescapeNames decodes #xx escapes (ISO 32000-1 §7.3.5).
func unescapeNames(b []byte) []byte {
	if bytes.IndexByte(b, '#') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if v, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return out
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0
}
