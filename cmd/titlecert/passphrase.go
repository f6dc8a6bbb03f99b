package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// passphraseEnv names the environment variable that may hold the
// passphrase; --passphrase-file is the alternative.
const passphraseEnv = "TITLECERT_PASSPHRASE"

// maxPassphraseFile is the most --passphrase-file may hold, newline
// included.
const maxPassphraseFile = 4096

// readPassphrase returns the passphrase from --passphrase-file, the
// environment or, on a terminal, a prompt (asked twice when confirm).
func readPassphrase(file string, confirm bool) ([]byte, error) {
	if file != "" {
		return readPassphraseFile(file)
	}
	if p := os.Getenv(passphraseEnv); p != "" {
		return []byte(p), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, usagef("no passphrase: set %s or use --passphrase-file", passphraseEnv)
	}
	fmt.Fprint(os.Stderr, "Passphrase 口令: ")
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return nil, err
	}
	if confirm {
		fmt.Fprint(os.Stderr, "Again 再次输入: ")
		q, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(p, q) {
			return nil, errors.New("the two passphrases differ")
		}
	}
	return p, nil
}

// readPassphraseFile reads a passphrase from file, at most
// maxPassphraseFile bytes. It takes a regular file or a pipe (a named one,
// or the /dev/fd/N of a shell's process substitution, or /dev/stdin when
// stdin is a pipe) and refuses anything else before opening it: a device
// (/dev/zero, a terminal) or a socket is never a passphrase file. The read
// itself is bounded too, since a pipe can give bytes without end. Opening
// a named pipe waits for a writer and reading it for the bytes: SIGINT or
// SIGTERM ends that wait with an error (the CLI's own signal handling
// would otherwise only cancel a context nobody looks at while the
// command is stuck in open(2) or read(2)).
func readPassphraseFile(file string) ([]byte, error) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	stop := make(chan struct{})
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sig:
			close(stop)
		case <-done:
		}
	}()
	return readPassphraseFileStop(file, stop)
}

// readPassphraseFileStop is readPassphraseFile, giving up when stop is
// closed.
func readPassphraseFileStop(file string, stop <-chan struct{}) ([]byte, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, usagef("passphrase file: %v", err)
	}
	if err := passphraseFileKind(file, info); err != nil {
		return nil, err
	}
	type result struct {
		b   []byte
		err error
	}
	// Open and read in a goroutine: open(2) of a named pipe blocks until a
	// writer comes, and no deadline reaches it. If stop comes first, the
	// goroutine is left behind, stuck until the process exits, which the
	// error makes it do.
	res := make(chan result, 1)
	go func() {
		b, err := readPassphraseFrom(file)
		res <- result{b, err}
	}()
	select {
	case r := <-res:
		return r.b, r.err
	case <-stop:
		return nil, usagef("passphrase file %s: interrupted while waiting for a writer or for its bytes (a named pipe nobody writes to?)", file)
	}
}

// passphraseFileKind refuses what is neither a regular file nor a pipe.
func passphraseFileKind(file string, info os.FileInfo) error {
	switch m := info.Mode(); {
	case m.IsRegular():
		if info.Size() > maxPassphraseFile {
			return usagef("passphrase file %s is larger than 4 KiB: give a file that holds only the passphrase", file)
		}
		return nil
	case m&os.ModeNamedPipe != 0:
		return nil
	case m.IsDir():
		return usagef("passphrase file %s is a directory: give a file that holds only the passphrase", file)
	default:
		return usagef("passphrase file %s is not a regular file (%s): give a file that holds only the passphrase, or a pipe", file, kindName(m))
	}
}

func kindName(m os.FileMode) string {
	switch {
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.Type().String()
}

func readPassphraseFrom(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, usagef("passphrase file: %v", err)
	}
	defer f.Close()
	// The file may have been swapped between the Stat and the Open.
	if info, err := f.Stat(); err != nil {
		return nil, usagef("passphrase file: %v", err)
	} else if err := passphraseFileKind(file, info); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPassphraseFile+1))
	if err != nil {
		return nil, usagef("passphrase file: %v", err)
	}
	if len(b) > maxPassphraseFile {
		return nil, usagef("passphrase file %s gives more than 4 KiB (a pipe that does not end?): give a file that holds only the passphrase", file)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) == 0 {
		return nil, usagef("passphrase file %s is empty", file)
	}
	return b, nil
}
