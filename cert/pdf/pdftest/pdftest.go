// Package pdftest builds small PDF files by hand, for tests that need a
// PDF titlecert's renderer did not make: a plain page with attachments, a
// scanned page, a broken file.
package pdftest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/titlecert/titlecert/cert/pdf"
)

// File is a PDF 1.7 file being built: objects are numbered from 1 in the
// order they are added, and object 1 is the catalog.
type File struct {
	b    bytes.Buffer
	offs []int
}

// New starts a file.
func New() *File {
	f := &File{}
	f.b.WriteString("%PDF-1.7\n")
	return f
}

// Obj adds the next object, its body formatted as by fmt.Sprintf.
func (f *File) Obj(format string, args ...any) {
	f.offs = append(f.offs, f.b.Len())
	fmt.Fprintf(&f.b, "%d 0 obj\n", len(f.offs))
	fmt.Fprintf(&f.b, format, args...)
	f.b.WriteString("\nendobj\n")
}

// Stream adds the next object, a stream with the given dictionary entries
// (without /Length, which it adds) and data.
func (f *File) Stream(dict string, data []byte) {
	f.Obj("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// Bytes ends the file with its cross-reference table and trailer and
// returns it.
func (f *File) Bytes() []byte {
	xref := f.b.Len()
	fmt.Fprintf(&f.b, "xref\n0 %d\n0000000000 65535 f \n", len(f.offs)+1)
	for _, off := range f.offs {
		fmt.Fprintf(&f.b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&f.b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(f.offs)+1, xref)
	return f.b.Bytes()
}

var (
	rendererOnce sync.Once
	renderer     *pdf.Renderer
	rendererErr  error
)

// Renderer returns a Renderer shared by the tests of one test binary:
// making one parses the certificate font.
func Renderer(t testing.TB) *pdf.Renderer {
	t.Helper()
	rendererOnce.Do(func() { renderer, rendererErr = pdf.NewRenderer() })
	if rendererErr != nil {
		t.Fatal(rendererErr)
	}
	return renderer
}
