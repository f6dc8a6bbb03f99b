package main

import (
	"encoding/csv"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/titlecert/titlecert/internal/testtool"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"titlecert": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	// qrtext.txtar and scan.txtar make their checks only [exec:pdftotext]
	// and [exec:pdftoppm]: under CI=true, where they are installed, a
	// missing one fails here instead.
	testtool.Find(t, "pdftotext")
	testtool.Find(t, "pdftoppm")
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// globcp GLOB DEST copies the first file matching GLOB to DEST.
			"globcp": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: globcp GLOB DEST")
				}
				m, err := filepath.Glob(ts.MkAbs(args[0]))
				ts.Check(err)
				if len(m) == 0 {
					ts.Fatalf("no file matches %s", args[0])
				}
				sort.Strings(m)
				data, err := os.ReadFile(m[0])
				ts.Check(err)
				ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
			},
			// cutfile FILE N cuts FILE to N bytes, or by -N bytes (a truncated copy).
			"cutfile": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 2 {
					ts.Fatalf("usage: cutfile FILE N")
				}
				n, err := strconv.ParseInt(args[1], 10, 64)
				ts.Check(err)
				if n < 0 {
					fi, err := os.Stat(ts.MkAbs(args[0]))
					ts.Check(err)
					n += fi.Size()
				}
				ts.Check(os.Truncate(ts.MkAbs(args[0]), n))
			},
			// gbk SRC DST re-encodes a UTF-8 file as GBK, as Chinese Excel saves CSV.
			"gbk": func(ts *testscript.TestScript, neg bool, args []string) {
				data, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(ts.ReadFile(args[0])))
				ts.Check(err)
				ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o644))
			},
			// xlsx [-1904] SRC DST writes the rows of CSV file SRC into the first
			// sheet of a workbook; -1904 sets the 1904 date system, as Excel for
			// Mac does.
			"xlsx": func(ts *testscript.TestScript, neg bool, args []string) {
				date1904 := len(args) > 0 && args[0] == "-1904"
				if date1904 {
					args = args[1:]
				}
				rows, err := csv.NewReader(strings.NewReader(ts.ReadFile(args[0]))).ReadAll()
				ts.Check(err)
				f := excelize.NewFile()
				if date1904 {
					ts.Check(f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
				}
				for i, row := range rows {
					cell, _ := excelize.CoordinatesToCellName(1, i+1)
					vals := make([]any, len(row))
					for j, v := range row {
						vals[j] = v
					}
					ts.Check(f.SetSheetRow("Sheet1", cell, &vals))
				}
				ts.Check(f.SaveAs(ts.MkAbs(args[1])))
			},
			// exitcode N PROG ARGS... runs PROG as exec does and checks that
			// its exit status is N.
			"exitcode": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exitcode N PROG ARGS...")
				}
				want, err := strconv.Atoi(args[0])
				ts.Check(err)
				got := 0
				var ee *exec.ExitError
				if err := ts.Exec(args[1], args[2:]...); errors.As(err, &ee) {
					got = ee.ExitCode()
				} else if err != nil {
					ts.Fatalf("%v", err)
				}
				if got != want {
					ts.Fatalf("exit status %d, want %d", got, want)
				}
			},
		},
		Setup: func(e *testscript.Env) error {
			e.Setenv("TITLECERT_PASSPHRASE", "")
			return nil
		},
	})
}
