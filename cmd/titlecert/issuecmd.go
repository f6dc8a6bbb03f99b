package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/internal/datadir"
)

type issueOptions struct {
	unlockOptions
	in, out, encoding, operator string
	now                         func() time.Time
}

func newIssueCmd() *cobra.Command {
	o := &issueOptions{}
	c := &cobra.Command{
		Use:   "issue --data DIR --in FILE --out DIR",
		Short: "Issue one signed PDF certificate per candidate of a CSV or .xlsx file",
		Long: `Issue one signed PDF certificate per row of the candidates file (CSV in UTF-8,
with or without BOM, or GBK; or .xlsx). Every row is checked first; if any row
is wrong, every problem is listed by line and column and nothing is issued.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := runIssue(cmd, o)
			return err
		},
	}
	f := c.Flags()
	o.unlockOptions.addFlags(c, "data directory (from titlecert init)")
	f.StringVar(&o.in, "in", "", "candidates file: .csv or .xlsx")
	f.StringVar(&o.out, "out", "", "folder for the PDF files and the manifest")
	f.StringVar(&o.encoding, "encoding", "", "force the CSV encoding: utf-8 or gbk (default: detect)")
	f.StringVar(&o.operator, "operator", "", "who issues the batch, recorded with it (default: $USER)")
	for _, r := range []string{"in", "out"} {
		c.MarkFlagRequired(r)
	}
	return c
}

func runIssue(cmd *cobra.Command, o *issueOptions) (*batch.Result, error) {
	ctx := cmd.Context()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	d, err := datadir.Open(o.data)
	if err != nil {
		return nil, usageError{err}
	}
	if o.encoding != "" && !strings.EqualFold(o.encoding, "utf-8") && !strings.EqualFold(o.encoding, "utf8") && !strings.EqualFold(o.encoding, "gbk") && !strings.EqualFold(o.encoding, "gb18030") {
		return nil, usagef("--encoding %q: use utf-8 or gbk", o.encoding)
	}
	renderer, err := pdf.NewRenderer()
	if err != nil {
		return nil, err
	}
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	if err := checkInputFile(o.in, roster.DefaultMaxFileSize); err != nil {
		return nil, usagef("--in: %v", err)
	}
	src := fileSource(o.in, roster.Options{
		Encoding: o.encoding, Directory: d.Directory, Now: now, CheckName: renderer.CheckText,
	})
	// A file with problems is refused before the passphrase is asked for;
	// Issue checks it again, with the store, and then issues it.
	if err := precheck(src); err != nil {
		return nil, refusal(o.in, err)
	}
	pass, err := readPassphrase(o.passphraseFile, false)
	if err != nil {
		return nil, err
	}
	secrets, err := d.Unlock(pass)
	if err != nil {
		return nil, err
	}
	st, err := d.OpenStore()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	limitMemory()
	is := &batch.Issuer{
		Store: st, Key: secrets.SigningKey, HolderHash: secrets.HolderHash, Renderer: renderer,
		Issuer: d.Config.Issuer(), IDHashCost: d.Config.IDHashCost,
		Now: now, Operator: operatorName(o.operator),
	}
	bar := newProgress(stderr)
	is.Progress = bar.update
	start := time.Now()
	res, err := is.Issue(ctx, src, o.out)
	bar.finish()
	if err != nil {
		return res, refusal(o.in, err)
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "issued %d certificates in batch %s (%.1f per second)\n  PDFs:     %s\n  manifest: %s\n",
		res.Count, res.BatchID, float64(res.Count)/el.Seconds(), res.OutDir, res.Manifest)
	if res.RemovedStaging > 0 {
		fmt.Fprintf(stderr, "removed %d staging folder(s) left in %s by an interrupted batch (unrecorded certificates)\n", res.RemovedStaging, res.OutDir)
	}
	return res, nil
}

// checkInputFile checks that path is a readable file of at most max bytes.
// The file is read later, twice, streaming (batch.Source).
func checkInputFile(path string, max int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	if info.Size() > max {
		return fmt.Errorf("%s is %d bytes, at most %d accepted", path, info.Size(), max)
	}
	return nil
}

// fileSource is the candidates file at path, opened for each read.
func fileSource(path string, o roster.Options) batch.Source {
	return batch.Source{
		Name:    filepath.Base(path),
		Open:    func() (io.ReadCloser, error) { return os.Open(path) },
		Options: o,
	}
}

// precheck reads src once and checks its rows, streaming.
func precheck(src batch.Source) error {
	f, err := src.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	return roster.Scan(f, src.Name, src.Options, func(roster.Candidate) error { return nil })
}

// issueMemoryLimit is the Go runtime's soft memory limit while issuing.
// The batch streams, so little stays live; what allocates most is the
// optional ID hash: scrypt allocates 1 KiB × 2^cost (32 MiB at cost 15)
// for every certificate, and without a limit the collector lets the heap
// reach twice that per worker before it runs (211–220 MB peak RSS). The
// limit keeps the peak under 200 MB. Without the hash, a certificate
// leaves about 20 KB of garbage and the default GOGC does as well as a
// higher one (docs/BENCHMARKS.md).
const issueMemoryLimit = 128 << 20

// limitMemory sets issueMemoryLimit unless GOMEMLIMIT set a limit already.
func limitMemory() {
	if debug.SetMemoryLimit(-1) == math.MaxInt64 {
		debug.SetMemoryLimit(issueMemoryLimit)
	}
}

// refusal formats a roster.Errors as one line per problem.
func refusal(file string, err error) error {
	var re roster.Errors
	if errors.As(err, &re) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %d problem(s); nothing was issued / 未签发任何证书:", file, len(re))
		for _, e := range re {
			b.WriteString("\n  ")
			b.WriteString(e.Error())
		}
		return errors.New(b.String())
	}
	return err
}

// progress draws a bar on a terminal and nothing otherwise.
type progress struct {
	w    io.Writer
	tty  bool
	last time.Time
	drew bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) update(done, total int) {
	if !p.tty || total < 20 || (done != total && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last, p.drew = time.Now(), true
	const width = 30
	n := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total)
}

func (p *progress) finish() {
	if p.drew {
		fmt.Fprintln(p.w)
	}
}
