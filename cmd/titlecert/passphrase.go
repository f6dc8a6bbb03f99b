package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"
)

// passphraseEnv names the environment variable that may hold the
// passphrase; --passphrase-file is the alternative.
const passphraseEnv = "TITLECERT_PASSPHRASE"

// readPassphrase returns the passphrase from --passphrase-file, the
// environment or, on a terminal, a prompt (asked twice when confirm).
func readPassphrase(file string, confirm bool) ([]byte, error) {
	if file != "" {
		info, err := os.Stat(file)
		if err != nil {
			return nil, usagef("passphrase file: %v", err)
		}
		if info.Size() > 4096 {
			return nil, usagef("passphrase file %s is larger than 4 KiB", file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usagef("passphrase file: %v", err)
		}
		b = bytes.TrimRight(b, "\r\n")
		if len(b) == 0 {
			return nil, usagef("passphrase file %s is empty", file)
		}
		return b, nil
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
