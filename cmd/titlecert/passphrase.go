package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

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
// maxPassphraseFile bytes whatever the file is: a regular file's size says
// nothing about a device (/dev/zero, /dev/urandom) or a pipe, which can
// give bytes without end, so the read itself is bounded.
func readPassphraseFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, usagef("passphrase file: %v", err)
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > maxPassphraseFile {
		return nil, usagef("passphrase file %s is larger than 4 KiB: give a file that holds only the passphrase", file)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxPassphraseFile+1))
	if err != nil {
		return nil, usagef("passphrase file: %v", err)
	}
	if len(b) > maxPassphraseFile {
		return nil, usagef("passphrase file %s gives more than 4 KiB (a device or a pipe that does not end?): give a file that holds only the passphrase", file)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) == 0 {
		return nil, usagef("passphrase file %s is empty", file)
	}
	return b, nil
}
