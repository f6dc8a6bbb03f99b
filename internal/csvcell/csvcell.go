// Package csvcell writes CSV files that spreadsheets open as data, never
// as formulas. Every CSV titlecert writes for people to open (batch
// manifests, sample rosters) goes through Writer.
//
// Security notes: Excel, LibreOffice and WPS run a cell that starts with
// '=', '+', '-' or '@' (and, in some versions, one that starts with a tab
// or a carriage return before such a character) as a formula, which can
// open links or, with DDE, run programs: "CSV injection". Names and
// committee names come from the issuer's spreadsheet and so from anyone
// who could edit it. Neutralize prefixes such a cell with an apostrophe,
// which spreadsheets read as "this cell is text" and do not display; the
// rest of the cell is unchanged, so the file stays readable by programs
// that strip a leading apostrophe.
package csvcell

import (
	"encoding/csv"
	"io"
	"strings"
)

// Neutralize returns s prefixed with an apostrophe if a spreadsheet would
// read it as a formula: its first character, or its first after leading
// spaces, tabs, carriage returns and line feeds, is '=', '+', '-', '@'
// (or their full-width forms), or it starts with a tab or a carriage
// return. Anything else is returned unchanged.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	if s[0] == '\t' || s[0] == '\r' {
		return "'" + s
	}
	t := strings.TrimLeft(s, " \t\r\n")
	for _, p := range []string{"=", "+", "-", "@", "＝", "＋", "－", "＠"} {
		if strings.HasPrefix(t, p) {
			return "'" + s
		}
	}
	return s
}

// Writer is a csv.Writer that neutralizes every cell (see Neutralize).
type Writer struct {
	w   *csv.Writer
	rec []string
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell neutralized; record is not modified.
// Errors are those of csv.Writer.Write.
func (w *Writer) Write(record []string) error {
	w.rec = w.rec[:0]
	for _, c := range record {
		w.rec = append(w.rec, Neutralize(c))
	}
	return w.w.Write(w.rec)
}

// Flush writes any buffered data to the underlying io.Writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error of a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
