// Package pdftest builds small PDF files by hand, for tests that need a
// PDF titlecert's renderer did not make: a plain page with attachments, a
// scanned page, a broken file.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
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

var (
	bombsMu sync.Mutex
	bombs   = map[[2]int64][]byte{}
)

// Bomb returns n zero bytes compressed with zlib, layers times over (a
// stream for /Filter [/FlateDecode ...] with as many filters): a
// decompression bomb. Bombs are made once per test binary, without
// holding n bytes in memory.
func Bomb(t testing.TB, n int64, layers int) []byte {
	t.Helper()
	bombsMu.Lock()
	defer bombsMu.Unlock()
	if b, ok := bombs[[2]int64{n, int64(layers)}]; ok {
		return b
	}
	var out bytes.Buffer
	var ws []*zlib.Writer
	var w io.Writer = &out
	for range layers {
		zw, err := zlib.NewWriterLevel(w, zlib.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, zw)
		w = zw
	}
	if _, err := io.CopyN(w, zeros{}, n); err != nil {
		t.Fatal(err)
	}
	for i := len(ws) - 1; i >= 0; i-- {
		if err := ws[i].Close(); err != nil {
			t.Fatal(err)
		}
	}
	bombs[[2]int64{n, int64(layers)}] = out.Bytes()
	return out.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
