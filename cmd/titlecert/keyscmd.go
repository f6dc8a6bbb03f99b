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
	var data, out string
	c := &cobra.Command{
		Use:   "export --data DIR --out FILE",
		Short: "Write the public key set (JWKS) that verifiers pin",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := datadir.Open(data)
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
			jwks, err := d.PublicJWKS()
			if err != nil {
				return err
			}
			// Re-check on the way out: what leaves is public keys only.
			if _, err := keys.ParseTrust(jwks); err != nil {
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
	c.Flags().StringVar(&data, "data", "", "data directory")
	c.Flags().StringVar(&out, "out", "", "file to write, or - for standard output")
	c.MarkFlagRequired("data")
	c.MarkFlagRequired("out")
	return c
}
