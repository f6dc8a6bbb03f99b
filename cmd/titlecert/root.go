package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/titlecert/titlecert/store"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // a certificate is not valid, a batch was refused, an operation failed
	exitUsage  = 2 // bad flags or arguments, unreadable input
)

// usageError marks an error as the caller's (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// silentError carries an exit code for a failure already reported on
// stdout (a verification verdict).
type silentError struct{ code int }

func (e silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// run executes the CLI and maps errors to exit codes in one place.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && cmd == root {
		// The root runs nothing itself: an error it returns is cobra
		// refusing the command line ("unknown command").
		err = usageError{err}
	}
	return exitCode(err, stderr)
}

// exitCode reports err on stderr and maps it to the exit code: the one
// place that decides it, from the error's type alone.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var se silentError
	if errors.As(err, &se) {
		return se.code
	}
	fmt.Fprintln(stderr, "titlecert:", err)
	if advice := storeAdvice(err); advice != "" {
		fmt.Fprintln(stderr, advice)
		return exitUsage
	}
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailed
}

// typeUsageErrors makes every refusal of a command line by cobra a
// usageError, for c and its subcommands: bad flags (FlagErrorFunc),
// arguments refused by a command's Args, and required flags not given
// (checked in the root's PersistentPreRunE, which runs before cobra's own
// check; no subcommand sets its own).
func typeUsageErrors(c *cobra.Command) {
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	if args := c.Args; args != nil {
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	if c.HasParent() && c.HasSubCommands() && !c.Runnable() {
		// A group (keys, status, token): cobra would print its help and
		// exit 0 for "titlecert keys expor", so that a script's typo
		// passed for success.
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += " (did you mean " + strings.Join(s, ", ") + "?)"
			}
			return usageError{errors.New(msg)}
		}
	}
	for _, sub := range c.Commands() {
		typeUsageErrors(sub)
	}
}

// checkFlags is the root's PersistentPreRunE: cobra's checks of required
// flags and flag groups, typed as usage errors.
func checkFlags(cmd *cobra.Command, _ []string) error {
	if err := cmd.ValidateRequiredFlags(); err != nil {
		return usageError{err}
	}
	if err := cmd.ValidateFlagGroups(); err != nil {
		return usageError{err}
	}
	return nil
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "titlecert",
		Short: "Issue and verify electronic professional-title certificates (电子职称证书)",
		Long: `titlecert issues signed electronic professional-title certificates (电子职称证书)
as PDF files with a QR code, and verifies them offline.

Start with "titlecert demo".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newInitCmd(),
		newIssueCmd(),
		newListCmd(),
		newShowCmd(),
		newKeysCmd(),
		newVerifyCmd(),
		newStatusChangeCmd(store.ActionRevoke),
		newStatusChangeCmd(store.ActionSuspend),
		newStatusChangeCmd(store.ActionReinstate),
		newRevocationsCmd(),
		newStatusCmd(),
		newServeCmd(),
		newTokenCmd(),
		newDemoCmd(),
		newBenchCmd(),
	)
	root.PersistentPreRunE = checkFlags
	// cobra adds these when it runs; added now, they are typed too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	typeUsageErrors(root)
	return root
}

// operatorName is who is recorded as acting: the flag, else the login name.
func operatorName(flag string) string {
	if flag != "" {
		return flag
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}
