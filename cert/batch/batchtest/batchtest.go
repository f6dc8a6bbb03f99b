// Package batchtest sets up a sample issuer over a throw-away SQLite store:
// the fixture of the batch, server and browser tests and of the server's
// load test. Its keys and holder key are made for the occasion; nothing it
// makes is fit for real certificates (the ID hash has the minimum cost).
package batchtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"io"
	"path/filepath"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/batch"
	"github.com/titlecert/titlecert/cert/pdf"
	"github.com/titlecert/titlecert/cert/roster"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store/sqlite"
)

// The sample issuer.
const (
	IssuerID   = "fjhrss"
	IssuerName = "福建省人力资源和社会保障厅"
)

// Fixture is a sample issuer: a store in Dir, a fresh Ed25519 key and an
// Issuer wired to both. Callers may change the Issuer's fields (Now, Rand,
// ChunkSize, ...) before issuing.
type Fixture struct {
	Dir    string
	Store  *sqlite.Store
	Key    jose.JSONWebKey
	Issuer *batch.Issuer
}

// New makes a fixture whose store is dir/t.db, created with opts, and whose
// certificates point at baseURL. The caller closes Store.
func New(dir, baseURL string, r *pdf.Renderer, opts ...sqlite.Option) (*Fixture, error) {
	st, err := sqlite.Create(filepath.Join(dir, "t.db"), opts...)
	if err != nil {
		return nil, err
	}
	k, err := keys.Generate(keys.EdDSA, nil)
	if err != nil {
		st.Close()
		return nil, err
	}
	hk := []byte("batchtest holder key, not secret")
	return &Fixture{Dir: dir, Store: st, Key: k, Issuer: &batch.Issuer{
		Store: st, Key: k, Renderer: r,
		HolderHash: func(id string) []byte { m := hmac.New(sha256.New, hk); m.Write([]byte(id)); return m.Sum(nil) },
		Issuer:     cert.Issuer{ID: IssuerID, Name: IssuerName, BaseURL: baseURL},
	}}, nil
}

// Source is a batch source over an in-memory candidates file.
func Source(name string, data []byte, o roster.Options) batch.Source {
	return batch.Source{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, Options: o}
}
