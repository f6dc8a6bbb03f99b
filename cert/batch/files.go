package batch

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"

	"github.com/titlecert/titlecert/internal/csvcell"
)

// outFile is a file written through a buffer (and, for the manifest, a
// CSV writer), synced when closed.
type outFile struct {
	f   *os.File
	w   *bufio.Writer
	csv *csvcell.Writer // neutralizes cells a spreadsheet would run
}

func newOutFile(path string, mode os.FileMode) (*outFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return nil, fmt.Errorf("batch: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	return &outFile{f: f, w: w, csv: csvcell.NewWriter(w)}, nil
}

// close flushes, syncs and closes the file.
func (o *outFile) close() error {
	o.csv.Flush()
	err := o.csv.Error()
	if err == nil {
		err = o.w.Flush()
	}
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("batch: writing %s: %w", filepath.Base(o.f.Name()), err)
	}
	return nil
}

// moveNew moves a file into place without ever replacing one: a hard link,
// which fails if dst exists, then removal of src.
func moveNew(src, dst string) error {
	if err := os.Link(src, dst); err != nil {
		return err
	}
	return os.Remove(src)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
