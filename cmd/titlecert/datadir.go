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
