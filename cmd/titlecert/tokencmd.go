package main

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/store"
)

func newTokenCmd() *cobra.Command {
	c := &cobra.Command{Use: "token", Short: "Manage API tokens for issuer administration"}
	c.AddCommand(newTokenCreateCmd())
	return c
}

var tokenNamePattern = regexp.MustCompile(`^[\p{L}\p{N}._-]{1,64}$`)

func newTokenCreateCmd() *cobra.Command {
	var o dataOptions
	var name string
	c := &cobra.Command{
		Use:   "create --data DIR --name NAME",
		Short: "Create a bearer token for /api/v1/admin; it is printed once and only its hash is kept",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !tokenNamePattern.MatchString(name) {
				return usagef("--name must be 1-64 letters, digits, '.', '_' or '-'")
			}
			if cert.ContainsIDNumber(name) {
				return usagef("--name contains a resident ID number: the name is recorded with every action in the append-only archive; give another name")
			}
			_, st, err := openData(o.data)
			if err != nil {
				return err
			}
			defer st.Close()
			tok, err := store.NewAdminToken(nil)
			if err != nil {
				return err
			}
			now := time.Now()
			if err := st.CreateToken(cmd.Context(), store.AdminToken{Name: name, Hash: store.HashAdminToken(tok), CreatedAt: now}); err != nil {
				if errors.Is(err, store.ErrExists) {
					return usagef("a token named %q exists already", name)
				}
				return err
			}
			if err := st.Audit(cmd.Context(), store.AuditEntry{At: now, Actor: operatorName(""), Action: "token.create", Detail: name}); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			fmt.Fprintf(cmd.ErrOrStderr(), "token %q created; it is shown only now: keep it secret (Authorization: Bearer TOKEN)\n", name)
			return nil
		},
	}
	o.addFlags(c, "")
	c.Flags().StringVar(&name, "name", "", "who or what uses the token (recorded with every action)")
	c.MarkFlagRequired("name")
	return c
}
