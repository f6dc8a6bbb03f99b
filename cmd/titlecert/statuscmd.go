package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/publish"
)

func newStatusCmd() *cobra.Command {
	c := &cobra.Command{Use: "status", Short: "Publish signed status lists (revocations)"}
	c.AddCommand(newStatusExportCmd())
	return c
}

type statusExportOptions struct {
	unlockOptions
	out, dir      string
	validity, ttl time.Duration
	now           func() time.Time
}

func newStatusExportCmd() *cobra.Command {
	o := &statusExportOptions{}
	c := &cobra.Command{
		Use:   "export --data DIR (--out FILE | --dir DIR)",
		Short: "Sign the current status lists: one statuslist+jwt per list",
		Long: `Sign the current status lists (IETF Token Status List, 2 bits per certificate:
0 valid, 1 revoked, 2 suspended) with the issuer key. --out writes them all into
one file, one token per line, for "titlecert verify --status FILE"; --dir writes
one file per list at the path of its URI (DIR/s/1, DIR/s/2, ...), for a web
server or CDN. Entries reserved more than 24 hours ago by a batch that never
completed (a crash before the store recorded it) are published as revoked
with reason "unrecorded", so the files that batch left behind do not verify. Verifiers treat a list as unusable after its expiry (--validity),
so export again well before then, and after every revocation.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (o.out == "") == (o.dir == "") {
				return usagef("give --out FILE or --dir DIR")
			}
			if o.validity < time.Hour || o.validity > 90*24*time.Hour {
				return usagef("--validity must be between 1h and 2160h (90 days)")
			}
			if o.ttl <= 0 || o.ttl > o.validity {
				return usagef("--ttl must be positive and at most --validity")
			}
			d, secrets, st, err := unlockData(o.data, o.passphraseFile)
			if err != nil {
				return err
			}
			defer st.Close()
			now := time.Now
			if o.now != nil {
				now = o.now
			}
			toks, stats, err := publish.StatusLists(cmd.Context(), st, publish.Options{
				IssuerID: d.Config.IssuerID, URI: d.Config.Issuer().StatusURI, Key: secrets.SigningKey,
				Now: now(), Validity: o.validity, TTL: o.ttl,
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if o.out != "" {
				var buf bytes.Buffer
				for _, t := range toks {
					buf.WriteString(t.Token)
					buf.WriteByte('\n')
				}
				if err := datadir.WriteFileAtomic(o.out, buf.Bytes(), 0o644); err != nil {
					return err
				}
			} else {
				for _, t := range toks {
					path := filepath.Join(o.dir, "s", strconv.FormatInt(t.ID, 10))
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						return err
					}
					if err := datadir.WriteFileAtomic(path, []byte(t.Token), 0o644); err != nil {
						return err
					}
				}
			}
			unrecorded := ""
			if n := stats[store.ReasonUnrecorded]; n > 0 {
				unrecorded = fmt.Sprintf(", %d unrecorded (reserved by a batch that never completed)", n)
			}
			fmt.Fprintf(out, "signed %d status list(s): %d revoked, %d suspended%s; valid until %s\n",
				len(toks), stats[store.StatusRevoked], stats[store.StatusSuspended], unrecorded, now().Add(o.validity).In(cert.ChinaTime).Format("2006-01-02 15:04 UTC+8"))
			return nil
		},
	}
	f := c.Flags()
	o.unlockOptions.addFlags(c, "")
	f.StringVar(&o.out, "out", "", "write all lists to this file, one per line")
	f.StringVar(&o.dir, "dir", "", "write one file per list under this folder (s/ID)")
	f.DurationVar(&o.validity, "validity", publish.DefaultValidity, "how long verifiers may use the lists (exp = now + validity)")
	f.DurationVar(&o.ttl, "ttl", publish.DefaultTTL, "how long verifiers may cache a list before fetching it again")
	return c
}
