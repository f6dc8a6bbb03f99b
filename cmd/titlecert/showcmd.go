package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/verify"
)

type showOptions struct {
	dataOptions
	pdfOut                string
	jws, qr, first, force bool
}

func newShowCmd() *cobra.Command {
	o := &showOptions{}
	c := &cobra.Command{
		Use:   "show --data DIR [--jws | --qr | --pdf FILE] (NUMBER | --first)",
		Short: "Show an issued certificate, print its JWS or QR text, or render its PDF again",
		Long: `Show an issued certificate from the store. --jws and --qr print the signed
certificate or its QR text; --pdf renders the PDF again, byte-identical to the
issued file (use it to replace a lost file). --pdf refuses to replace an
existing file unless --force is given.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == o.first {
				return usagef("give a certificate NUMBER or --first")
			}
			if o.force && o.pdfOut == "" {
				return usagef("--force goes with --pdf FILE")
			}
			if o.pdfOut != "" && !o.force {
				if err := refuseExisting(o.pdfOut); err != nil {
					return err
				}
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
				var nf *store.NotFoundError
				if errors.As(err, &nf) {
					// The store's fields, not its backend's text
					// ("sqlite: store: ...").
					err = errors.New(nf.Detail())
				}
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
				fmt.Fprintln(out, d.Config.Issuer().QRText(cert.QRForm(rec.QRForm), rec.JWS)) // as printed on its PDF
				return nil
			}
			r := verify.CheckJWS(rec.JWS, verify.SourceJWS, verify.Options{Trust: &verify.PinnedKeys{Keys: d.PublicSet, Issuers: ownIssuers(d)}})
			if o.pdfOut == "" {
				printResult(out, r)
				return nil
			}
			if r.Certificate == nil {
				return fmt.Errorf("certificate %s does not verify with the issuer's keys: %s", rec.Number, r.ReasonCode())
			}
			renderer, err := pdf.NewRenderer()
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			// In the certificate's own QR text form: the bytes issued.
			if err := renderer.RenderIssued(&buf, pdf.Issued{Issuer: d.Config.Issuer(), Form: cert.QRForm(rec.QRForm), JWS: rec.JWS, Claims: r.Certificate}); err != nil {
				return err
			}
			if o.force {
				return datadir.WriteFileAtomic(o.pdfOut, buf.Bytes(), 0o644)
			}
			return writeNew(o.pdfOut, buf.Bytes(), 0o644)
		},
	}
	f := c.Flags()
	o.dataOptions.addFlags(c, "")
	f.BoolVar(&o.jws, "jws", false, "print the compact JWS")
	f.BoolVar(&o.qr, "qr", false, "print the QR text")
	f.StringVar(&o.pdfOut, "pdf", "", "render the PDF again into this file")
	f.BoolVar(&o.first, "first", false, "the first certificate issued")
	f.BoolVar(&o.force, "force", false, "with --pdf, replace FILE if it exists")
	c.MarkFlagsMutuallyExclusive("jws", "qr", "pdf")
	return c
}

// refuseExisting is a usage error when path exists (a file, a folder or a
// link): a PDF rendered again must not silently replace a file.
func refuseExisting(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return usagef("%s exists: give another file name, or --force to replace it", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return usagef("--pdf: %v", err)
	}
	return nil
}

// writeNew writes data to path, which must not exist: it is created
// exclusively, so a file that appeared since refuseExisting is not
// replaced either. A partial file is removed.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		return refuseExisting(path)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
