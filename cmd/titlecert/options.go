package main

import "github.com/spf13/cobra"

// dataOptions is --data, the issuer's data directory, which every command
// working on one takes (required). Commands embed it in their options.
type dataOptions struct{ data string }

// addFlags declares --data on c; usage says what the folder must be ("" for
// "data directory").
func (o *dataOptions) addFlags(c *cobra.Command, usage string) {
	if usage == "" {
		usage = "data directory"
	}
	c.Flags().StringVar(&o.data, "data", "", usage)
	c.MarkFlagRequired("data")
}

// unlockOptions is --data and --passphrase-file, for the commands that
// unseal the issuer's keys (see readPassphrase).
type unlockOptions struct {
	dataOptions
	passphraseFile string
}

// addFlags declares --data (see dataOptions.addFlags) and
// --passphrase-file on c.
func (o *unlockOptions) addFlags(c *cobra.Command, usage string) {
	o.dataOptions.addFlags(c, usage)
	c.Flags().StringVar(&o.passphraseFile, "passphrase-file", "", "file holding the key passphrase (default: $"+passphraseEnv+")")
}
