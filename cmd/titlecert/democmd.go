package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store/publish"
	"github.com/titlecert/titlecert/verify"
	"github.com/titlecert/titlecert/verify/scan"
	"github.com/titlecert/titlecert/verify/statuslist"
)

func newDemoCmd() *cobra.Command {
	var dir string
	var n int
	var noServe bool
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole job on built-in defaults in a throw-away folder",
		Long: `demo creates a throw-away data directory with a sample issuing authority and
the built-in specialty directory, writes a spreadsheet of sample candidates,
issues their PDF certificates, verifies one offline and prints where
everything is.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if dir == "" {
				d, err := os.MkdirTemp("", "titlecert-demo-")
				if err != nil {
					return err
				}
				dir = d
			} else if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
			if n < 1 || n > 10000 {
				return usagef("--n must be 1..10000")
			}
			// A throw-away passphrase, kept beside the demo data so that the
			// commands printed below work. Never do this with real keys.
			pw := make([]byte, 18)
			rand.Read(pw)
			pass := base64.RawURLEncoding.EncodeToString(pw)
			passFile := filepath.Join(dir, "demo-passphrase.txt")
			if err := os.WriteFile(passFile, []byte(pass+"\n"), 0o600); err != nil {
				return err
			}
			data := filepath.Join(dir, "data")
			d, err := datadir.Init(data, datadir.Config{
				IssuerID: "demo-hrss", IssuerName: "示例省人力资源和社会保障厅（演示）",
				BaseURL: "http://127.0.0.1:8080", Algorithm: keys.EdDSA,
			}, []byte(pass), nil, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "1. data directory   %s (issuer %s, key %s)\n", data, d.Config.IssuerID, d.Config.ActiveKID)

			csvPath := filepath.Join(dir, "candidates.csv")
			f, err := os.Create(csvPath)
			if err != nil {
				return err
			}
			if err := roster.WriteSampleCSV(f, n, time.Now()); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(out, "2. candidates       %s (%d sample rows)\n", csvPath, n)

			fmt.Fprintf(out, "3. issuing...\n")
			pdfDir := filepath.Join(dir, "certificates")
			res, err := runIssue(cmd, &issueOptions{unlockOptions: unlockOptions{dataOptions{data}, passFile}, in: csvPath, out: pdfDir, operator: "demo"})
			if err != nil {
				return err
			}
			jwks := filepath.Join(dir, "jwks.json")
			pub, err := publicJWKS(d)
			if err != nil {
				return err
			}
			if err := datadir.WriteFileAtomic(jwks, pub, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(out, "4. public keys      %s\n", jwks)

			first := filepath.Join(pdfDir, res.First.File)
			// Signed status lists: what verifiers check revocation against.
			secrets, err := d.Unlock([]byte(pass))
			if err != nil {
				return err
			}
			st, err := d.OpenStore()
			if err != nil {
				return err
			}
			lists, _, err := publish.StatusLists(cmd.Context(), st, publish.Options{IssuerID: d.Config.IssuerID, URI: d.Config.Issuer().StatusURI,
				Key: secrets.SigningKey, Now: time.Now(), Validity: publish.DefaultValidity, TTL: publish.DefaultTTL})
			st.Close()
			if err != nil {
				return err
			}
			statusPath := filepath.Join(dir, "status.jwt")
			var sb strings.Builder
			for _, l := range lists {
				sb.WriteString(l.Token + "\n")
			}
			if err := datadir.WriteFileAtomic(statusPath, []byte(sb.String()), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(out, "5. status lists     %s (%d signed list(s), nothing revoked)\n", statusPath, len(lists))

			fmt.Fprintf(out, "6. verifying %s offline, with revocation:\n\n", first)
			trust, err := keys.ReadTrust(pub)
			if err != nil {
				return err
			}
			pinned := &verify.PinnedKeys{Keys: trust.Keys, Issuers: trust.Issuers}
			set := statuslist.NewSet(pinned, time.Now())
			if err := set.AddBundle([]byte(sb.String())); err != nil {
				return err
			}
			// As `verify --issuer-config DATA/config.json`: the PDF's printed
			// issuer name and addresses are checked against the issuer's own.
			po := &scan.PDFOptions{Issuers: []cert.Issuer{d.Config.Issuer()}}
			r, err := checkInputPDF(cmd.Context(), cmd.InOrStdin(), first, verify.Options{Trust: pinned, Status: set}, po)
			if err != nil {
				return err
			}
			printResult(out, r)
			if r.Status != verify.Valid {
				return silentError{exitFailed}
			}
			fmt.Fprintf(out, `
Everything is in %s. Try:
  go run ./cmd/titlecert verify --trust %s --status %s --issuer-config %s %s
  go run ./cmd/titlecert list --data %s
  go run ./cmd/titlecert revoke --data %s --reason fraud %s
  TITLECERT_PASSPHRASE=$(cat %s) go run ./cmd/titlecert status export --data %s --out %s   # then verify again
  TITLECERT_PASSPHRASE=$(cat %s) go run ./cmd/titlecert issue --data %s --in %s --out %s   # refused: already issued
`, dir, jwks, statusPath, filepath.Join(data, datadir.ConfigFile), first, data, data, res.First.Number, passFile, data, statusPath, passFile, data, csvPath, pdfDir)
			if noServe {
				return nil
			}
			qr := d.Config.Issuer().QRText(cert.QRFormCurrent, res.First.JWS)
			page := qr[strings.Index(qr, cert.QRPath):]
			fmt.Fprintf(out, "\n7. starting the verification server (Ctrl-C stops it)...\n")
			return runServe(cmd, &serveOptions{unlockOptions: unlockOptions{dataOptions{data}, passFile}, addr: "127.0.0.1:8080", fallback: true,
				ready: func(url string) {
					fmt.Fprintf(out, "\nOpen the page the QR code of %s opens:\n\n  %s%s\n\n", res.First.Number, url, page)
					fmt.Fprintf(out, "Look-up and upload form: %s/v   Download form: %s/download   Directory: %s/directory\n\n", url, url, url)
				}})
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "folder for the demo (default: a new temporary folder)")
	c.Flags().IntVar(&n, "n", 12, "number of sample candidates")
	c.Flags().BoolVar(&noServe, "no-serve", false, "stop after verifying, without starting the verification server")
	return c
}
