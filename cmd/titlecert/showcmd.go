package main

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

type showOptions struct {
	data, pdfOut   string
	jws, qr, first bool
}

func newShowCmd() *cobra.Command {
	o := &showOptions{}
	c := &cobra.Command{
		Use:   "show --data DIR [--jws | --qr | --pdf FILE] (NUMBER | --first)",
		Short: "Show an issued certificate, print its JWS or QR text, or render its PDF again",
		Long: `Show an issued certificate from the store. --jws and --qr print the signed
certificate or its QR text; --pdf renders the PDF again, byte-identical to the
issued file (use it to replace a lost file).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == o.first {
				return usagef("give a certificate NUMBER or --first")
			}
			d, st, err := openData(o.data)
			if err != nil {
				return err
			}
			defer st.Close()
			var rec *store.Certificate
			if o.first {
				err = st.List(cmd.Context(), store.Filter{Limit: 1}, func(c *store.Certificate) error { rec = c; return nil })
				if err == nil && rec == nil {
					err = fmt.Errorf("no certificate has been issued yet")
				}
			} else {
				rec, err = st.Certificate(cmd.Context(), args[0])
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case o.jws:
				fmt.Fprintln(out, rec.JWS)
				return nil
			case o.qr:
				fmt.Fprintln(out, cert.QRForm(rec.QRForm).Text(d.Config.BaseURL, rec.JWS)) // as printed on its PDF
				return nil
			}
			r := verify.CheckJWS(rec.JWS, verify.SourceJWS, verify.Options{Trust: d.PublicSet, Issuers: ownIssuers(d)})
			if o.pdfOut == "" {
				printResult(out, r)
				return nil
			}
			if r.Certificate == nil {
				return fmt.Errorf("certificate %s does not verify with the issuer's keys: %s", rec.Number, r.Reason)
			}
			renderer, err := pdf.NewRenderer()
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			// In the certificate's own QR text form: the bytes issued.
			if err := batch.Render(renderer, cert.QRForm(rec.QRForm), d.Config.BaseURL, d.Config.VerifyURL(), d.Config.IssuerName, rec.JWS, r.Certificate, &buf); err != nil {
				return err
			}
			return datadir.WriteFileAtomic(o.pdfOut, buf.Bytes(), 0o644)
		},
	}
	f := c.Flags()
	f.StringVar(&o.data, "data", "", "data directory")
	f.BoolVar(&o.jws, "jws", false, "print the compact JWS")
	f.BoolVar(&o.qr, "qr", false, "print the QR text")
	f.StringVar(&o.pdfOut, "pdf", "", "render the PDF again into this file")
	f.BoolVar(&o.first, "first", false, "the first certificate issued")
	c.MarkFlagRequired("data")
	c.MarkFlagsMutuallyExclusive("jws", "qr", "pdf")
	return c
}
