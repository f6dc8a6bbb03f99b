package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/store"
)

type listOptions struct {
	dataOptions
	batch, committee, status string
	json                     bool
	limit                    int
}

// listEntry is one line of `titlecert list --json`.
type listEntry struct {
	Number           string     `json:"number"`
	Name             string     `json:"name"`
	IDNumber         string     `json:"id_number_masked"`
	Title            string     `json:"title"`
	Series           string     `json:"series"`
	Specialty        string     `json:"specialty"`
	Level            string     `json:"level"`
	Committee        string     `json:"committee"`
	Status           string     `json:"status"`
	StatusReason     string     `json:"status_reason,omitempty"`
	StatusAt         *time.Time `json:"status_at,omitempty"`
	IssuedAt         time.Time  `json:"issued_at"`
	Batch            string     `json:"batch"`
	VerificationCode string     `json:"verification_code"`
}

func newListCmd() *cobra.Command {
	o := &listOptions{}
	c := &cobra.Command{
		Use:   "list --data DIR [--json]",
		Short: "List issued certificates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, st, err := openData(o.data)
			if err != nil {
				return err
			}
			defer st.Close()
			out := cmd.OutOrStdout()
			enc := json.NewEncoder(out)
			enc.SetEscapeHTML(false)
			// Columns padded by display width: a Chinese character takes
			// two columns of a terminal (tabwriter counts runes).
			rows := [][]string{{"NUMBER", "NAME", "TITLE", "STATUS", "ISSUED", "BATCH"}}
			n := 0
			err = st.List(cmd.Context(), store.Filter{BatchID: o.batch, Committee: o.committee, Status: o.status, Limit: o.limit}, func(c *store.Certificate) error {
				n++
				if o.json {
					return enc.Encode(listEntry{Number: c.Number, Name: c.HolderName, IDNumber: c.HolderIDMask, Title: c.Title,
						Series: c.Series, Specialty: c.Specialty, Level: c.Level, Committee: c.Committee, Status: c.Status,
						IssuedAt: c.IssuedAt, Batch: c.BatchID, VerificationCode: c.VerificationCode,
						StatusReason: c.StatusReason, StatusAt: timePtr(c.StatusAt)})
				}
				rows = append(rows, []string{c.Number, c.HolderName, c.Title, c.Status, c.IssuedAt.Format(time.DateOnly), c.BatchID})
				return nil
			})
			if err != nil {
				return err
			}
			if !o.json {
				if err := writeTable(out, rows); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%d certificate(s)\n", n)
			}
			return nil
		},
	}
	f := c.Flags()
	o.dataOptions.addFlags(c, "")
	f.BoolVar(&o.json, "json", false, "one JSON object per certificate")
	f.StringVar(&o.batch, "batch", "", "only this batch")
	f.StringVar(&o.committee, "committee", "", "only this committee")
	f.IntVar(&o.limit, "limit", 0, "at most this many")
	f.StringVar(&o.status, "status", "", "only certificates with this status: valid, revoked or suspended")
	return c
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// writeTable writes rows as columns two spaces apart, padded by display
// width (displayWidth, in verifycmd.go).
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, cell := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		b.Reset()
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(cell)+2))
			}
		}
		b.WriteByte('\n')
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}
