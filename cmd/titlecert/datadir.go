package main

import (
	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/store/sqlite"
)

// openData opens the data directory at path and its store. A missing or
// damaged data directory is the caller's mistake (exit 2).
func openData(path string) (*datadir.Dir, *sqlite.Store, error) {
	d, err := datadir.Open(path)
	if err != nil {
		return nil, nil, usageError{err}
	}
	st, err := sqlite.Open(d.StorePath())
	if err != nil {
		return nil, nil, err
	}
	return d, st, nil
}

// unlockData is openData for commands that sign: it also reads the
// passphrase (from passFile, the environment or a prompt) and decrypts the
// issuer's secrets. The store is opened last, so a wrong passphrase leaves
// nothing open.
func unlockData(path, passFile string) (*datadir.Dir, *datadir.Secrets, *sqlite.Store, error) {
	d, err := datadir.Open(path)
	if err != nil {
		return nil, nil, nil, usageError{err}
	}
	pass, err := readPassphrase(passFile, false)
	if err != nil {
		return nil, nil, nil, err
	}
	secrets, err := d.Unlock(pass)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := sqlite.Open(d.StorePath())
	if err != nil {
		return nil, nil, nil, err
	}
	return d, secrets, st, nil
}
