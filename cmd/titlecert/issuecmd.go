package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/store/sqlite"
)

type issueOptions struct {
	data, in, out, encoding, passphraseFile, operator string
	now                                               func() time.Time
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
	f.StringVar(&o.data, "data", "", "data directory (from titlecert init)")
	f.StringVar(&o.in, "in", "", "candidates file: .csv or .xlsx")
	f.StringVar(&o.out, "out", "", "folder for the PDF files and the manifest")
	f.StringVar(&o.encoding, "encoding", "", "force the CSV encoding: utf-8 or gbk (default: detect)")
	f.StringVar(&o.passphraseFile, "passphrase-file", "", "file holding the key passphrase (default: $"+passphraseEnv+")")
	f.StringVar(&o.operator, "operator", "", "who issues the batch, recorded with it (default: $USER)")
	for _, r := range []string{"data", "in", "out"} {
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
	raw, err := readCapped(o.in, roster.DefaultMaxFileSize)
	if err != nil {
		return nil, usagef("--in: %v", err)
	}
	cands, err := roster.Read(bytes.NewReader(raw), filepath.Base(o.in), roster.Options{
		Encoding: o.encoding, Directory: d.Directory, Now: now, CheckName: renderer.CheckText,
	})
	if err != nil {
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
	st, err := sqlite.Open(d.StorePath())
	if err != nil {
		return nil, err
	}
	defer st.Close()
	operator := operatorName(o.operator)
	sum := sha256.Sum256(raw)
	is := &batch.Issuer{
		Store: st, Key: secrets.SigningKey, HolderHash: secrets.HolderHash, Renderer: renderer,
		IssuerID: d.Config.IssuerID, IssuerName: d.Config.IssuerName, BaseURL: d.Config.BaseURL,
		VerifyURL: d.Config.VerifyURL(), StatusURI: d.Config.StatusURI, IDHashCost: d.Config.IDHashCost,
		Now: now, Operator: operator,
	}
	bar := newProgress(stderr, len(cands))
	is.Progress = bar.update
	start := time.Now()
	res, err := is.Issue(ctx, cands, o.out, filepath.Base(o.in), sum[:])
	bar.finish()
	if err != nil {
		return res, refusal(o.in, err)
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "issued %d certificates in batch %s (%.1f per second)\n  PDFs:     %s\n  manifest: %s\n",
		len(res.Issued), res.BatchID, float64(len(res.Issued))/el.Seconds(), res.OutDir, res.Manifest)
	return res, nil
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
	w     io.Writer
	tty   bool
	total int
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && total >= 20 {
		p.tty = true
	}
	return p
}

func (p *progress) update(done, total int) {
	if !p.tty || (done != total && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	const width = 30
	n := done * width / total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total)
}

func (p *progress) finish() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
