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
	err := root.ExecuteContext(ctx)
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
	if errors.As(err, &ue) || isFlagError(err) {
		return exitUsage
	}
	return exitFailed
}

func isFlagError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown flag") || strings.HasPrefix(s, "unknown shorthand flag") ||
		strings.HasPrefix(s, "unknown command") || strings.Contains(s, "flag needs an argument") ||
		strings.HasPrefix(s, "invalid argument") || strings.HasPrefix(s, "required flag") ||
		strings.HasPrefix(s, "accepts ") || strings.HasPrefix(s, "requires at least")
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
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
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
