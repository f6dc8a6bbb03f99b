package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/directory"
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/keys"
)

type initOptions struct {
	unlockOptions
	issuerID, issuerName, baseURL, alg, directoryFile string
	idHashCost                                        int
}

func newInitCmd() *cobra.Command {
	o := &initOptions{}
	c := &cobra.Command{
		Use:   "init --data DIR --issuer-id ID --issuer-name NAME --base-url URL",
		Short: "Create an issuer's data directory: store, configuration, sealed signing key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if entries, err := os.ReadDir(o.data); err == nil && len(entries) > 0 {
				return usagef("%s already exists and is not empty: choose a new --data folder", o.data)
			}
			var dirJSON []byte
			if o.directoryFile != "" {
				b, err := readCapped(o.directoryFile, directory.MaxSize)
				if err != nil {
					return usagef("--directory: %v", err)
				}
				dirJSON = b
			}
			pass, err := readPassphrase(o.passphraseFile, true)
			if err != nil {
				return err
			}
			d, err := datadir.Init(o.data, datadir.Config{
				IssuerID: o.issuerID, IssuerName: o.issuerName, BaseURL: o.baseURL,
				Algorithm: o.alg, IDHashCost: o.idHashCost,
			}, pass, dirJSON, nil)
			if err != nil {
				return usageError{err}
			}
			idHash := "none: the verification server confirms full ID numbers; offline, only the visible characters"
			if d.Config.IDHashCost != 0 {
				idHash = fmt.Sprintf("scrypt 2^%d in every certificate: full ID numbers can be confirmed offline", d.Config.IDHashCost)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "initialised %s\n  issuer:   %s (%s)\n  key:      %s %s (sealed in %s)\n  base URL: %s\n  ID hash:  %s\n",
				o.data, d.Config.IssuerName, d.Config.IssuerID, d.Config.Algorithm, d.Config.ActiveKID, datadir.KeysDir, d.Config.BaseURL, idHash)
			return nil
		},
	}
	f := c.Flags()
	o.unlockOptions.addFlags(c, "data directory to create (must not exist or be empty)")
	f.StringVar(&o.issuerID, "issuer-id", "", "short issuer identifier, e.g. fjhrss")
	f.StringVar(&o.issuerName, "issuer-name", "", "issuing authority's name, e.g. 福建省人力资源和社会保障厅")
	f.StringVar(&o.baseURL, "base-url", "", "public URL of the verification service, e.g. https://verify.hrss.fj.gov.cn")
	f.StringVar(&o.alg, "alg", keys.EdDSA, "signature algorithm: EdDSA or ES256")
	f.StringVar(&o.directoryFile, "directory", "", "specialty directory JSON (default: the built-in one)")
	f.IntVar(&o.idHashCost, "id-hash-cost", 0, fmt.Sprintf("add a salted scrypt hash of the holder's ID number to each certificate, at cost 2^N (%d..%d; %d takes about 55 ms per certificate), so that verifiers can confirm the full number offline; 0, the default, adds none: the full number is confirmed online", cert.MinIDHashLogN, cert.MaxIDHashLogN, cert.RecommendedIDHashLogN))
	for _, r := range []string{"issuer-id", "issuer-name", "base-url"} {
		c.MarkFlagRequired(r)
	}
	return c
}

// readCapped reads a file of at most max bytes, checking the size first.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, at most %d accepted", path, info.Size(), max)
	}
	b := make([]byte, info.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return b, nil
}
