package main

import (
	"errors"

	"github.com/titlecert/titlecert/internal/datadir"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

// openData opens the data directory at path and its store. A missing or
// damaged data directory is the caller's mistake (exit 2), and so is a
// missing or damaged store (run maps store.ErrMissing, ErrCorrupt and
// ErrOtherIssuer to exit 2 with what to do).
func openData(path string) (*datadir.Dir, *sqlite.Store, error) {
	d, err := datadir.Open(path)
	if err != nil {
		return nil, nil, usageError{err}
	}
	st, err := d.OpenStore()
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
	st, err := d.OpenStore()
	if err != nil {
		return nil, nil, nil, err
	}
	return d, secrets, st, nil
}

// storeAdvice says what to do about a store that is missing, damaged or
// another issuer's ("" for any other error). No command creates a store in
// an initialised data directory: an empty one would hand out certificate
// numbers and status-list entries already issued.
func storeAdvice(err error) string {
	switch {
	case errors.Is(err, store.ErrOtherIssuer):
		return `titlecert: the store (titlecert.db) records another issuer than the data directory's config.json:
  it was copied or restored from another issuer's data directory. Put this issuer's
  titlecert.db back (from its backup), or use the data directory the store belongs to.`
	case errors.Is(err, store.ErrMissing), errors.Is(err, store.ErrCorrupt):
		wal := ""
		if errors.Is(err, sqlite.ErrWALLeft) {
			wal = `
  First move titlecert.db-wal (and titlecert.db-shm) aside, keeping them: applied to a
  restored copy, a log of another state of the store would damage it.`
		}
		return `titlecert: the store (titlecert.db) records every certificate number and status-list entry
  ever handed out; no command makes a new one in an initialised data directory, because
  it would hand them out again.` + wal + `
  Stop every titlecert process using this data directory, restore titlecert.db from the
  latest backup (see "Backups" in docs/DEPLOYMENT.md) and run the command again.
  If this data directory never issued anything, remove it and run titlecert init again.`
	}
	return ""
}
