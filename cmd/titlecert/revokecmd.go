package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/store"
)

type statusChangeOptions struct {
	dataOptions
	reason, note, effective, operator          string
	committee, batch, reviewedFrom, reviewedTo string
	dryRun                                     bool
	now                                        func() time.Time
}

// newStatusChangeCmd builds revoke, suspend and reinstate, which differ in
// their action, default reason and whether bulk selection is offered.
func newStatusChangeCmd(action string) *cobra.Command {
	o := &statusChangeOptions{}
	var use, short, long, defReason string
	bulk := false
	switch action {
	case store.ActionRevoke:
		use, short, defReason, bulk = "revoke --data DIR (NUMBER... | --committee NAME | --batch ID) --reason CODE", "Revoke certificates permanently (撤销)", "", true
		long = `Revoke certificates permanently. Reason codes:
  misconduct        plagiarism, improper signature, academic dishonesty (学术不端)
  fraud             false application materials (弄虚作假)
  rights_withdrawn  the committee's review rights were withdrawn and its results declared invalid
  error             issued in error
  other

Bulk: --committee NAME (with --reviewed-from/--reviewed-until) or --batch ID
revokes every selected certificate in one transaction; --dry-run lists them
first. Revocation is recorded in the integrity archive and cannot be undone.
Publish the change with "titlecert status export".`
	case store.ActionSuspend:
		use, short, defReason = "suspend --data DIR NUMBER... [--note TEXT]", "Put certificates on hold during an investigation (reversible)", store.ReasonInvestigation
	case store.ActionReinstate:
		use, short, defReason = "reinstate --data DIR NUMBER... [--note TEXT]", "Lift a suspension", store.ReasonCleared
	}
	c := &cobra.Command{
		Use: use, Short: short, Long: long,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatusChange(cmd, o, action, args)
		},
	}
	f := c.Flags()
	o.dataOptions.addFlags(c, "")
	f.StringVar(&o.reason, "reason", defReason, "reason code")
	f.StringVar(&o.note, "note", "", "note for the integrity archive (never published)")
	f.StringVar(&o.effective, "effective", "", "date (YYYY-MM-DD) or time (RFC 3339) the change takes effect (default: now)")
	f.StringVar(&o.operator, "operator", "", "who decides (default: $USER)")
	f.BoolVar(&o.dryRun, "dry-run", false, "list what would change, change nothing")
	if bulk {
		f.StringVar(&o.committee, "committee", "", "every certificate reviewed by this committee")
		f.StringVar(&o.batch, "batch", "", "every certificate of this batch")
		f.StringVar(&o.reviewedFrom, "reviewed-from", "", "with --committee or --batch: reviewed on or after this date")
		f.StringVar(&o.reviewedTo, "reviewed-until", "", "with --committee or --batch: reviewed on or before this date")
	}
	return c
}

func runStatusChange(cmd *cobra.Command, o *statusChangeOptions, action string, args []string) error {
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	sel := store.Selection{Numbers: args, Committee: o.committee, BatchID: o.batch, ReviewedFrom: o.reviewedFrom, ReviewedUntil: o.reviewedTo}
	bulk := o.committee != "" || o.batch != ""
	switch {
	case len(args) > 0 && bulk:
		return usagef("give certificate numbers or --committee/--batch, not both")
	case len(args) == 0 && !bulk:
		return usagef("give the certificate numbers (or --committee NAME / --batch ID)")
	case !bulk && (o.reviewedFrom != "" || o.reviewedTo != ""):
		return usagef("--reviewed-from and --reviewed-until go with --committee or --batch")
	}
	for _, d := range []string{o.reviewedFrom, o.reviewedTo} {
		if d != "" {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return usagef("%q is not a date YYYY-MM-DD", d)
			}
		}
	}
	if o.reason == "" {
		return usagef("--reason is required: one of %s", strings.Join(store.RevocationReasons, ", "))
	}
	if !store.ValidReason(action, o.reason) {
		return usagef("--reason %q is not a reason code for %s (revoke: %s)", o.reason, action, strings.Join(store.RevocationReasons, ", "))
	}
	if err := checkNote(o.note); err != nil {
		return err
	}
	effective := now()
	if o.effective != "" {
		t, err := parseWhen(o.effective)
		if err != nil {
			return usageError{err}
		}
		if t.After(now().Add(time.Minute)) {
			return usagef("--effective %s is in the future: record the decision when it takes effect", o.effective)
		}
		effective = t
	}
	operator := operatorName(o.operator)
	if cert.ContainsIDNumber(operator) {
		return usagef("--operator (or the login name) contains a resident ID number: the archive of status changes is append-only and never keeps one; give another name")
	}
	_, st, err := openData(o.data)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := st.ChangeStatus(cmd.Context(), sel, store.StatusChange{
		Action: action, Reason: o.reason, Note: o.note, Effective: effective, Operator: operator,
		RecordedAt: now(), DryRun: o.dryRun,
	})
	if err != nil {
		var nf *store.NotFoundError
		var te *store.TransitionError
		switch {
		case errors.As(err, &nf):
			return fmt.Errorf("%s; nothing was changed", nf.Detail())
		case errors.As(err, &te):
			return fmt.Errorf("%s; nothing was changed", te.Detail())
		}
		return err
	}
	out := cmd.OutOrStdout()
	verb := map[string]string{store.ActionRevoke: "revoked", store.ActionSuspend: "suspended", store.ActionReinstate: "reinstated"}[action]
	if o.dryRun {
		fmt.Fprintf(out, "dry run: would have %s %d certificate(s):\n", verb, len(res.Changed))
	} else {
		fmt.Fprintf(out, "%s %d certificate(s) (reason %s, effective %s):\n", verb, len(res.Changed), o.reason, effective.In(cert.ChinaTime).Format("2006-01-02 15:04 UTC+8"))
	}
	printCerts(out, res.Changed)
	if len(res.Skipped) > 0 {
		fmt.Fprintf(out, "left alone %d certificate(s) not in a state to be %s:\n", len(res.Skipped), verb)
		for _, s := range res.Skipped {
			fmt.Fprintf(out, "  %s  %s  %s\n", s.Certificate.Number, s.Certificate.HolderName, s.Why)
		}
	}
	if !o.dryRun && len(res.Changed) > 0 {
		fmt.Fprintln(out, `publish it: titlecert status export --data `+o.data+` --out FILE`)
	}
	return nil
}

func printCerts(w io.Writer, certs []*store.Certificate) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range certs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", c.Number, c.HolderName, c.Title, c.Committee, c.ReviewDate)
	}
	tw.Flush()
}

func checkNote(note string) error {
	if len(note) > 1000 {
		return usagef("--note is longer than 1,000 bytes")
	}
	for _, r := range note {
		if r < 0x20 && r != '\n' || r == 0x7f {
			return usagef("--note contains a control character")
		}
	}
	if cert.ContainsIDNumber(note) {
		return usagef("--note contains a resident ID number: the archive of status changes is append-only and never keeps one; leave it out")
	}
	return nil
}

// parseWhen reads YYYY-MM-DD (midnight China time) or RFC 3339.
func parseWhen(s string) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, cert.ChinaTime); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither a date YYYY-MM-DD nor an RFC 3339 time", s)
	}
	return t, nil
}

// archiveEntry is one line of `titlecert revocations --json`.
type archiveEntry struct {
	ID          int64     `json:"id"`
	Number      string    `json:"number"`
	Action      string    `json:"action"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Reason      string    `json:"reason"`
	Note        string    `json:"note,omitempty"`
	Operator    string    `json:"operator"`
	EffectiveAt time.Time `json:"effective_at"`
	RecordedAt  time.Time `json:"recorded_at"`
}

func newRevocationsCmd() *cobra.Command {
	var o dataOptions
	var number string
	var asJSON bool
	c := &cobra.Command{
		Use:   "revocations --data DIR [--json] [--number N]",
		Short: "List the integrity archive: every revocation, suspension and reinstatement",
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
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(tw, "RECORDED\tNUMBER\tACTION\tREASON\tEFFECTIVE\tOPERATOR\tNOTE")
			}
			n := 0
			err = st.Events(cmd.Context(), store.EventFilter{Number: number}, func(e *store.Event) error {
				n++
				if asJSON {
					return enc.Encode(archiveEntry{e.ID, e.Number, e.Action, e.FromStatus, e.ToStatus, e.Reason, e.Note, e.Operator, e.EffectiveAt, e.RecordedAt})
				}
				_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.RecordedAt.In(cert.ChinaTime).Format("2006-01-02 15:04"),
					e.Number, e.Action, e.Reason, e.EffectiveAt.In(cert.ChinaTime).Format("2006-01-02"), e.Operator, strings.ReplaceAll(e.Note, "\n", " "))
				return err
			})
			if err != nil {
				return err
			}
			if !asJSON {
				tw.Flush()
				fmt.Fprintf(cmd.ErrOrStderr(), "%d entr%s\n", n, map[bool]string{true: "y", false: "ies"}[n == 1])
			}
			return nil
		},
	}
	o.addFlags(c, "")
	c.Flags().BoolVar(&asJSON, "json", false, "one JSON object per entry")
	c.Flags().StringVar(&number, "number", "", "only this certificate")
	return c
}
