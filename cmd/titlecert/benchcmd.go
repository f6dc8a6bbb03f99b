package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/internal/datadir"
)

func newBenchCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "bench",
		Short: "Measure titlecert on this machine",
	}
	c.AddCommand(newBenchIssueCmd())
	return c
}

type benchIssueOptions struct {
	n, idHashCost int
	keep          bool
	dir           string
}

func newBenchIssueCmd() *cobra.Command {
	o := &benchIssueOptions{}
	c := &cobra.Command{
		Use:   "issue [--n 10000] [--id-hash-cost N]",
		Short: "Issue a synthetic batch into a throw-away data directory and report the rate",
		Long: `Generate a batch of synthetic candidates, issue it (checks, signatures,
QR codes, PDF files, store records) into a temporary data directory, print
certificates per second, the time spent in each stage and the peak memory
(RSS), then remove the temporary directory.

--id-hash-cost N measures an issuer that adds the optional ID hash (init
--id-hash-cost): scrypt is deliberately slow, and at N = 15 it alone bounds
the rate.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchIssue(cmd, o) },
	}
	f := c.Flags()
	f.IntVar(&o.n, "n", 10000, "number of certificates")
	f.IntVar(&o.idHashCost, "id-hash-cost", 0, fmt.Sprintf("add the optional holder ID hash at scrypt cost 2^N (%d..%d); 0: none, as init's default", cert.MinIDHashLogN, cert.MaxIDHashLogN))
	f.BoolVar(&o.keep, "keep", false, "keep the temporary directory and print where it is")
	f.StringVar(&o.dir, "dir", "", "create the temporary directory in this folder, e.g. on the disk the certificates will go to (default: $TMPDIR or /tmp)")
	return c
}

func runBenchIssue(cmd *cobra.Command, o *benchIssueOptions) error {
	if o.n < 1 || o.n > roster.DefaultMaxRows {
		return usagef("--n %d: use 1 to %d", o.n, roster.DefaultMaxRows)
	}
	if err := cert.CheckIDHashCost(o.idHashCost); err != nil {
		return usagef("--id-hash-cost: %v", err)
	}
	out := cmd.OutOrStdout()
	tmp, err := os.MkdirTemp(o.dir, "titlecert-bench-")
	if err != nil {
		if o.dir != "" {
			return usagef("--dir: %v", err)
		}
		return err
	}
	if o.keep {
		fmt.Fprintf(out, "keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	pass := []byte("bench passphrase, thrown away with the directory")
	d, err := datadir.Init(filepath.Join(tmp, "data"), datadir.Config{
		IssuerID: "bench", IssuerName: "福建省人力资源和社会保障厅", BaseURL: "https://verify.hrss.fj.gov.cn",
		IDHashCost: o.idHashCost,
	}, pass, nil, nil)
	if err != nil {
		return err
	}
	secrets, err := d.Unlock(pass)
	if err != nil {
		return err
	}
	now := time.Now()
	in := filepath.Join(tmp, "candidates.csv")
	if err := writeSample(in, o.n, now); err != nil {
		return err
	}
	renderer, err := pdf.NewRenderer()
	if err != nil {
		return err
	}
	st, err := d.OpenStore()
	if err != nil {
		return err
	}
	defer st.Close()
	hash := "no ID hash"
	if o.idHashCost != 0 {
		hash = fmt.Sprintf("ID hash cost 2^%d", o.idHashCost)
	}
	fmt.Fprintf(out, "issuing %d certificates on %d CPUs (GOMAXPROCS %d), %s\n",
		o.n, runtime.NumCPU(), runtime.GOMAXPROCS(0), hash)

	limitMemory()
	start := time.Now()
	stats := &batch.Stats{}
	is := &batch.Issuer{
		Store: st, Key: secrets.SigningKey, HolderHash: secrets.HolderHash, Renderer: renderer,
		Issuer: d.Config.Issuer(), IDHashCost: d.Config.IDHashCost,
		Now: func() time.Time { return now }, Operator: "bench", Stats: stats,
	}
	res, err := is.Issue(cmd.Context(), fileSource(in, roster.Options{
		Directory: d.Directory, Now: func() time.Time { return now }, CheckName: renderer.CheckText,
	}), filepath.Join(tmp, "out"))
	if err != nil {
		return refusal(in, err)
	}
	wall := time.Since(start)
	n := res.Count
	fmt.Fprintf(out, "issued %d certificates in %.2f s: %.0f certificates per second\n", n, wall.Seconds(), float64(n)/wall.Seconds())
	fmt.Fprintf(out, "CPU time per certificate, by stage (summed over workers; the second read of the file is not shown):\n")
	per := func(ns int64) string {
		return fmt.Sprintf("%8.3f ms", float64(ns)/1e6/float64(n))
	}
	stages := []struct {
		name string
		ns   int64
	}{
		{"read/check (file)", stats.Read.Load() - stats.Check.Load()},
		{"check (store)", stats.Check.Load()},
		{"ID hash", stats.Hash.Load()},
		{"sign", stats.Sign.Load()},
		{"QR", stats.QR.Load()},
		{"PDF", stats.PDF.Load()},
		{"write", stats.Write.Load()},
		{"store", stats.Store.Load()},
	}
	var total int64
	for _, s := range stages {
		if s.name == "ID hash" && o.idHashCost == 0 {
			continue
		}
		fmt.Fprintf(out, "  %-18s %s\n", s.name, per(s.ns))
		total += s.ns
	}
	fmt.Fprintf(out, "  %-18s %s\n", "total", per(total))
	if hwm := peakRSS(); hwm != "" {
		gc := debug.SetGCPercent(100)
		debug.SetGCPercent(gc)
		fmt.Fprintf(out, "peak RSS: %s (GOGC %d, Go soft memory limit %d MiB)\n", hwm, gc, debug.SetMemoryLimit(-1)>>20)
	}
	return nil
}

func writeSample(path string, n int, now time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := roster.WriteSampleCSV(w, n, now); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// peakRSS returns the process's peak resident set size (VmHWM) as Linux
// reports it, or "" elsewhere.
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(io.LimitReader(f, 1<<16))
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
