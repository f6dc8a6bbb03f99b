package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/keys"
)

func newKeysCmd() *cobra.Command {
	c := &cobra.Command{Use: "keys", Short: "Manage the issuer's keys"}
	c.AddCommand(newKeysExportCmd())
	return c
}

func newKeysExportCmd() *cobra.Command {
	var o dataOptions
	var out string
	c := &cobra.Command{
		Use:   "export --data DIR --out FILE",
		Short: "Write the public key set (JWKS) that verifiers pin, each key naming this issuer",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := datadir.Open(o.data)
			if err != nil {
				return usageError{err}
			}
			// The keys do not need the store, but a data directory whose
			// store is missing or damaged is not to be used until it is
			// restored: say so here too.
			st, err := d.OpenStore()
			if err != nil {
				return err
			}
			st.Close()
			jwks, err := publicJWKS(d)
			if err != nil {
				return err
			}
			if out == "-" {
				_, err = cmd.OutOrStdout().Write(jwks)
				return err
			}
			if err := datadir.WriteFileAtomic(out, jwks, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d public key(s) to %s\n", len(d.PublicSet.Keys), out)
			return nil
		},
	}
	o.addFlags(c, "")
	c.Flags().StringVar(&out, "out", "", "file to write, or - for standard output")
	c.MarkFlagRequired("out")
	return c
}

// publicJWKS returns the data directory's public key set as verifiers pin
// it: public members only, and each key naming the issuer it signs for
// (keys.IssuerMember), so that a verifier trusting several issuers never
// lets one issuer's key vouch for another's certificates.
func publicJWKS(d *datadir.Dir) ([]byte, error) {
	raw, err := d.PublicJWKS()
	if err != nil {
		return nil, err
	}
	// Re-checked on the way out: what leaves is public keys only.
	return keys.BindTrust(raw, d.Config.IssuerID)
}

// ownIssuers binds every key of the data directory to its issuer, for
// verify.Options.Trust (keys.Trust.Issuers).
func ownIssuers(d *datadir.Dir) map[string]string {
	m := make(map[string]string, len(d.PublicSet.Keys))
	for _, k := range d.PublicSet.Keys {
		m[k.KeyID] = d.Config.IssuerID
	}
	return m
}
