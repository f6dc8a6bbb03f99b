package roster

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bounds of an xlsx candidates workbook, from what one can hold rather
// than from the file's size: a zip archive of a few hundred kilobytes can
// inflate to gigabytes, and excelize holds a cell's whole text, and the
// shared strings, in memory.
//
// A cell of a roster holds at most cert.MaxTextLen (128) characters, a few
// hundred bytes of XML even with every character escaped; a row of
// numFields such cells takes well under xlsxRowBytes. Every workbook also
// carries styles, a theme and document properties, in xlsxBaseBytes.
const (
	xlsxBaseBytes  = 8 << 20  // parts every workbook has, plus room for a logo
	xlsxRowBytes   = 4 << 10  // XML of one row, shared strings included
	xlsxMaxRun     = 64 << 10 // longest text or tag in any XML part
	xlsxMaxEntries = 1000     // files in the archive
	xlsxMaxRatio   = 100      // inflated bytes per byte of the file, beyond xlsxBaseBytes
)

// xlsxUnzipLimit is the most XML an xlsx roster of o.MaxRows rows can
// inflate to: xlsxBaseBytes + MaxRows × xlsxRowBytes, and never more than
// the old bound of eight times the file cap.
func xlsxUnzipLimit(o Options) int64 {
	return min(xlsxBaseBytes+int64(o.MaxRows)*xlsxRowBytes, max(o.MaxFileSize*8, xlsxBaseBytes))
}

// errXLSXBomb is wrapped by the error for a workbook that inflates beyond
// what a roster can hold.
var errXLSXBomb = errors.New("roster: xlsx 文件解压后远大于一份名单能有的内容（可能是恶意文件） / the xlsx file inflates to far more than a roster can hold (a hostile file?)")

// checkXLSXArchive checks an xlsx archive before excelize opens it, in
// memory bounded by a few inflate buffers whatever the archive holds:
//   - at most xlsxMaxEntries files, whose declared sizes add up to at most
//     limit (archive/zip refuses an entry that inflates beyond its
//     declared size, and so does excelize, which reads it again), and to
//     at most xlsxBaseBytes plus xlsxMaxRatio times the file's size (real
//     workbooks deflate 5 to 20 times; bombs, a thousand);
//   - every XML part inflated, as a stream, to check that no text and no
//     tag is longer than xlsxMaxRun (no cell can be), and to count the
//     worksheets' rows;
//   - the whole, at most xlsxBaseBytes plus xlsxRowBytes per row found:
//     what that many rows can hold.
//
// A damaged archive is left to excelize, which says so.
func checkXLSXArchive(data []byte, limit int64) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil // not a zip: excelize reports the damage
	}
	if len(zr.File) > xlsxMaxEntries {
		return fmt.Errorf("%w: %d files in the archive", errXLSXBomb, len(zr.File))
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if declared > uint64(limit) {
			return fmt.Errorf("%w: more than %d bytes uncompressed", errXLSXBomb, limit)
		}
	}
	if ratio := uint64(xlsxBaseBytes) + xlsxMaxRatio*uint64(len(data)); declared > ratio {
		return fmt.Errorf("%w: %d bytes inflate to %d", errXLSXBomb, len(data), declared)
	}
	var sc xmlScan
	buf := make([]byte, 32<<10)
	for _, f := range zr.File {
		name := strings.ToLower(f.Name)
		if !strings.HasSuffix(name, ".xml") && !strings.HasSuffix(name, ".rels") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil
		}
		sc.sheet = strings.HasPrefix(name, "xl/worksheets/")
		sc.reset()
		for {
			n, rerr := rc.Read(buf)
			if err := sc.write(buf[:n]); err != nil {
				rc.Close()
				return fmt.Errorf("%w: %s: %v", errXLSXBomb, f.Name, err)
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				rc.Close()
				return nil // damaged: excelize says so
			}
		}
		rc.Close()
	}
	if hold := int64(xlsxBaseBytes) + int64(max(sc.rows, 1))*xlsxRowBytes; int64(declared) > hold {
		return fmt.Errorf("%w: %d bytes of XML for %d rows", errXLSXBomb, declared, sc.rows)
	}
	return nil
}

// xmlScan measures the longest text and tag of an XML stream and counts
// <row> elements, byte by byte, without holding any of it.
type xmlScan struct {
	sheet bool // count rows
	rows  int
	inTag bool
	run   int     // bytes of the current text or tag
	name  [8]byte // start of the current tag's name
	nlen  int
	named bool // the tag name is complete
}

func (s *xmlScan) reset() { s.inTag, s.run, s.nlen, s.named = false, 0, 0, false }

func (s *xmlScan) write(p []byte) error {
	for _, c := range p {
		switch {
		case c == '<':
			s.inTag, s.run, s.nlen, s.named = true, 0, 0, false
			continue
		case c == '>' && s.inTag:
			s.endName()
			s.inTag, s.run = false, 0
			continue
		}
		s.run++
		if s.run > xlsxMaxRun {
			if s.inTag {
				return fmt.Errorf("a tag longer than %d bytes", xlsxMaxRun)
			}
			return fmt.Errorf("a text longer than %d bytes, far more than a cell holds", xlsxMaxRun)
		}
		if s.inTag && !s.named {
			if c == ' ' || c == '/' || c == '\t' || c == '\n' || c == '\r' {
				s.endName()
			} else if s.nlen < len(s.name) {
				s.name[s.nlen] = c
				s.nlen++
			} else {
				s.named = true // too long to be "row"
				s.nlen = len(s.name) + 1
			}
		}
	}
	return nil
}

// endName ends the current tag's name and counts it if it is a row.
func (s *xmlScan) endName() {
	if s.named {
		return
	}
	s.named = true
	if !s.sheet || s.nlen > len(s.name) {
		return
	}
	n := s.name[:s.nlen]
	if bytes.Equal(n, []byte("row")) || bytes.HasSuffix(n, []byte(":row")) {
		s.rows++
	}
}
