// Package datadir lays out and opens an issuer's data directory: its
// configuration, the sealed signing key and holder key, the public key set,
// the specialty directory and the store's database file.
//
//	DIR/config.json          issuer identity and settings (not secret)
//	DIR/directory.json       the specialty directory certificates are checked against
//	DIR/keys/KID.jwe         sealed private signing key(s), mode 0600
//	DIR/keys/jwks.json       public key set, what `titlecert keys export` writes
//	DIR/holder.key.jwe       sealed HMAC key that makes holder keys, mode 0600
//	DIR/titlecert.db         the SQLite store, mode 0600
//
// Init is the only place a store is created. A data directory whose store
// is missing or damaged is refused by Open and OpenStore with errors
// matching store.ErrMissing, store.ErrCorrupt or store.ErrOtherIssuer: an
// empty store in its place would hand out certificate numbers and
// status-list entries already issued. The fix is to restore the store from
// a backup.
//
// Keys live in a folder of their own, one file per kid, so that rotation
// adds a file and changes config.json's active kid without rewriting the
// others.
package datadir

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
	"github.com/titlecert/titlecert/cert/directory"
	"github.com/titlecert/titlecert/keys"
	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

// File names inside a data directory.
const (
	ConfigFile    = "config.json"
	DirectoryFile = "directory.json"
	KeysDir       = "keys"
	JWKSFile      = "jwks.json"
	HolderKeyFile = "holder.key.jwe"
	StoreFile     = "titlecert.db"
)

// Config is the issuer's configuration, DIR/config.json.
type Config struct {
	Version    int    `json:"version"`
	IssuerID   string `json:"issuer_id"`
	IssuerName string `json:"issuer_name"`
	BaseURL    string `json:"base_url"`
	Algorithm  string `json:"alg"`
	ActiveKID  string `json:"active_kid"`
	IDHashCost int    `json:"id_hash_cost"` // 0: certificates carry no ID hash

	CreatedAt time.Time `json:"created_at"`
}

// Issuer returns the issuer the configuration describes, which derives
// the addresses certificates carry (cert.Issuer).
func (c *Config) Issuer() cert.Issuer {
	return cert.Issuer{ID: c.IssuerID, Name: c.IssuerName, BaseURL: c.BaseURL}
}

// Check validates a configuration as init would: the issuer
// (cert.Issuer.Check: its id by cert.CheckIssuerID, the one rule,
// FORMAT.md §4 "iss"), then the ID hash cost.
func (c *Config) Check() error { return c.check(c.Issuer().Check) }

// check validates a configuration with checkIssuer as the check of its
// issuer: Open lets through a base URL that an older init accepted
// (cert.Issuer.CheckIssued), since certificates were issued with it.
func (c *Config) check(checkIssuer func() error) error {
	if err := checkIssuer(); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	if err := cert.CheckIDHashCost(c.IDHashCost); err != nil {
		return fmt.Errorf("datadir: id_hash_cost: %w", err)
	}
	return nil
}

// Dir is an opened data directory. Opening needs no passphrase; Unlock
// does.
type Dir struct {
	Path      string
	Config    Config
	Directory *directory.Directory
	PublicSet jose.JSONWebKeySet
}

// ErrNotDataDir reports a directory that was never initialised.
var ErrNotDataDir = errors.New("datadir: not a titlecert data directory (run titlecert init first)")

// Init creates a data directory at path, which must not exist or be empty:
// a new signing key for cfg.Algorithm, a holder key, both sealed under
// passphrase, the public key set, the directory (dirJSON, or the built-in
// one when nil) and a new, empty store bound to cfg.IssuerID. config.json
// is written last, so a directory that has one has everything else. On
// failure nothing is left behind.
func Init(path string, cfg Config, passphrase []byte, dirJSON []byte, rnd io.Reader) (d *Dir, err error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = keys.EdDSA
	}
	cfg.Version = 1
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if dirJSON != nil {
		if _, err := directory.Parse(dirJSON); err != nil {
			return nil, err
		}
	} else {
		dirJSON = directory.Default().Bytes()
	}
	if len(passphrase) < keys.MinPassphraseLen {
		return nil, fmt.Errorf("datadir: the passphrase must have at least %d characters", keys.MinPassphraseLen)
	}
	if entries, err := os.ReadDir(path); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("datadir: %s already exists and is not empty", path)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	k, err := keys.Generate(cfg.Algorithm, rnd)
	if err != nil {
		return nil, err
	}
	cfg.ActiveKID = k.KeyID
	holder := make([]byte, 32)
	if _, err := io.ReadFull(rnd, holder); err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	sealedKey, err := keys.SealKey(k, passphrase)
	if err != nil {
		return nil, err
	}
	sealedHolder, err := keys.SealSecret(holder, passphrase)
	if err != nil {
		return nil, err
	}
	jwks, err := keys.MarshalPublic(k)
	if err != nil {
		return nil, err
	}
	cfgJSON, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	created := false
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		created = true
	}
	defer func() {
		if err != nil {
			if created {
				os.RemoveAll(path)
			} else {
				for _, f := range []string{ConfigFile, DirectoryFile, KeysDir, HolderKeyFile, StoreFile, StoreFile + "-wal", StoreFile + "-shm"} {
					os.RemoveAll(filepath.Join(path, f))
				}
			}
		}
	}()
	if err := os.MkdirAll(filepath.Join(path, KeysDir), 0o700); err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{filepath.Join(KeysDir, k.KeyID+".jwe"), sealedKey, 0o600},
		{HolderKeyFile, sealedHolder, 0o600},
		{filepath.Join(KeysDir, JWKSFile), jwks, 0o644},
		{DirectoryFile, dirJSON, 0o644},
		{ConfigFile, append(cfgJSON, '\n'), 0o644},
	}
	for _, f := range files {
		if f.name == ConfigFile {
			st, err := sqlite.Create(filepath.Join(path, StoreFile), sqlite.WithIssuer(cfg.IssuerID))
			if err != nil {
				return nil, fmt.Errorf("datadir: creating the store: %w", err)
			}
			if err := st.Close(); err != nil {
				return nil, fmt.Errorf("datadir: creating the store: %w", err)
			}
		}
		if err := WriteFileAtomic(filepath.Join(path, f.name), f.data, f.mode); err != nil {
			return nil, err
		}
	}
	return Open(path)
}

// Open reads a data directory's configuration, directory and public keys,
// and makes the cheap checks of its store file (sqlite.CheckFile): a
// missing store gives an error matching store.ErrMissing, an empty or
// non-SQLite one store.ErrCorrupt. OpenStore checks the store fully.
func Open(path string) (*Dir, error) {
	raw, err := os.ReadFile(filepath.Join(path, ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotDataDir, path)
	} else if err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	d := &Dir{Path: path}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d.Config); err != nil {
		return nil, fmt.Errorf("datadir: %s: %w", ConfigFile, err)
	}
	if err := d.Config.check(d.Config.Issuer().CheckIssued); err != nil {
		return nil, err
	}
	dj, err := os.ReadFile(filepath.Join(path, DirectoryFile))
	if err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	if d.Directory, err = directory.Parse(dj); err != nil {
		return nil, err
	}
	jwks, err := os.ReadFile(filepath.Join(path, KeysDir, JWKSFile))
	if err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	if d.PublicSet, err = keys.ParseTrust(jwks); err != nil {
		return nil, err
	}
	if err := sqlite.CheckFile(d.StorePath()); err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	return d, nil
}

// StorePath is the path of the SQLite store.
func (d *Dir) StorePath() string { return filepath.Join(d.Path, StoreFile) }

// OpenStore opens the data directory's existing store with opts, and binds
// it to the configuration's issuer. It never creates a store. It returns
// sqlite.Open's errors, wrapped (the store missing, damaged: store.ErrMissing,
// store.ErrCorrupt), and an error matching store.ErrOtherIssuer when the
// store records another issuer or, for a store made before stores recorded
// their issuer, its certificates name another.
func (d *Dir) OpenStore(opts ...sqlite.Option) (*sqlite.Store, error) {
	st, err := sqlite.Open(d.StorePath(), opts...)
	if err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	ctx := context.Background()
	bound, err := st.Issuer(ctx)
	var other error // issuedHere's own error, returned as it is
	if err == nil && bound == "" {
		// A store made before stores recorded their issuer: its
		// certificates say whose it is before it is bound to this one.
		err = st.List(ctx, store.Filter{Limit: 1}, func(c *store.Certificate) error {
			other = d.issuedHere(c)
			return other
		})
	}
	if err == nil {
		err = st.BindIssuer(ctx, d.Config.IssuerID)
	}
	if err != nil {
		st.Close()
		if other != nil {
			return nil, other
		}
		return nil, fmt.Errorf("datadir: %w", err)
	}
	return st, nil
}

// issuedHere returns an error matching store.ErrOtherIssuer when c was
// signed for another issuer than the configuration's.
func (d *Dir) issuedHere(c *store.Certificate) error {
	obj, err := cert.ParseCompact(c.JWS)
	if err != nil {
		return nil // an unreadable token says nothing about the store's issuer
	}
	cl, err := cert.DecodePayload(obj.UnsafePayloadWithoutVerification())
	if err != nil || cl.Issuer == d.Config.IssuerID {
		return nil
	}
	return fmt.Errorf("datadir: %s holds certificates of issuer %q, not %q: %w", d.StorePath(), cl.Issuer, d.Config.IssuerID, store.ErrOtherIssuer)
}

// PublicJWKS returns the public key set as written for verifiers.
func (d *Dir) PublicJWKS() ([]byte, error) {
	return os.ReadFile(filepath.Join(d.Path, KeysDir, JWKSFile))
}

// Secrets are what Unlock decrypts.
type Secrets struct {
	SigningKey jose.JSONWebKey
	HolderKey  []byte
}

// HolderKey returns the keyed hash that identifies a holder in the store:
// HMAC-SHA256(holder key, normalized ID number). It lets the issuer find
// duplicates without storing ID numbers.
func (s *Secrets) HolderHash(idNumber string) []byte {
	m := hmac.New(sha256.New, s.HolderKey)
	m.Write([]byte(cert.NormalizeIDNumber(idNumber)))
	return m.Sum(nil)
}

// Unlock decrypts the active signing key and the holder key. Each unseal
// is a keys.PBES2Count-iteration PBKDF2 derivation, the start-up cost of
// every signing command, so the two run at once (on two cores, the time
// of one). When both fail, the signing key's error is returned, as when
// they ran one after the other.
func (d *Dir) Unlock(passphrase []byte) (*Secrets, error) {
	sealed, err := os.ReadFile(filepath.Join(d.Path, KeysDir, d.Config.ActiveKID+".jwe"))
	if err != nil {
		return nil, fmt.Errorf("datadir: reading the signing key: %w", err)
	}
	var holder []byte
	holderErr := make(chan error, 1)
	go func() {
		sh, err := os.ReadFile(filepath.Join(d.Path, HolderKeyFile))
		if err != nil {
			holderErr <- fmt.Errorf("datadir: reading the holder key: %w", err)
			return
		}
		holder, err = keys.OpenSecret(sh, passphrase)
		holderErr <- err
	}()
	k, err := keys.OpenKey(sealed, passphrase)
	herr := <-holderErr
	if err != nil {
		return nil, err
	}
	if k.KeyID != d.Config.ActiveKID {
		return nil, fmt.Errorf("datadir: key file holds %s, config names %s", k.KeyID, d.Config.ActiveKID)
	}
	if herr != nil {
		return nil, herr
	}
	return &Secrets{SigningKey: k, HolderKey: holder}, nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder, fsynced and renamed, so readers see the old or the new file,
// never a part.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("datadir: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("datadir: writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("datadir: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	return nil
}
