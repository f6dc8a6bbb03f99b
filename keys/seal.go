package keys

import (
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// PBES2Count is the PBKDF2-SHA512 iteration count used by Seal (OWASP's
// 2023 recommendation for PBKDF2-HMAC-SHA512 is 210,000).
const PBES2Count = 210_000

// maxPBES2Count bounds what Open accepts, so that a crafted file cannot
// make it spin for minutes.
const maxPBES2Count = 2_000_000

// MaxSealedLen bounds a sealed file accepted by Open.
const MaxSealedLen = 64 << 10

// MinPassphraseLen is the shortest passphrase Seal accepts.
const MinPassphraseLen = 8

// Seal encrypts plaintext under passphrase as a compact JWE
// (PBES2-HS512+A256KW, A256GCM) with content type cty.
func Seal(plaintext []byte, cty string, passphrase []byte) ([]byte, error) {
	if len(passphrase) < MinPassphraseLen {
		return nil, fmt.Errorf("keys: passphrase too short: at least %d characters", MinPassphraseLen)
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{
		Algorithm:  jose.PBES2_HS512_A256KW,
		Key:        passphrase,
		PBES2Count: PBES2Count,
	}, (&jose.EncrypterOptions{}).WithContentType(jose.ContentType(cty)))
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return nil, fmt.Errorf("keys: encrypting: %w", err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return []byte(s + "\n"), nil
}

// Unseal decrypts data made by Seal. A wrong passphrase (or any tampering)
// gives ErrWrongPassphrase.
func Unseal(data []byte, cty string, passphrase []byte) ([]byte, error) {
	if len(data) > MaxSealedLen {
		return nil, fmt.Errorf("%w: sealed file larger than %d bytes", ErrBadKey, MaxSealedLen)
	}
	obj, err := jose.ParseEncryptedCompact(string(trimSpace(data)),
		[]jose.KeyAlgorithm{jose.PBES2_HS512_A256KW}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: not a sealed key file: %v", ErrBadKey, err)
	}
	if got := obj.Header.ExtraHeaders[jose.HeaderContentType]; got != cty {
		return nil, fmt.Errorf("%w: sealed content is %v, want %s", ErrBadKey, got, cty)
	}
	if p2c, ok := obj.Header.ExtraHeaders["p2c"].(float64); !ok || p2c < 1000 || p2c > maxPBES2Count {
		return nil, fmt.Errorf("%w: unacceptable PBES2 iteration count", ErrBadKey)
	}
	out, err := obj.Decrypt(passphrase)
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return out, nil
}

// Content types of sealed files.
const (
	ctyJWK    = "jwk+json"
	ctySecret = "titlecert-secret"
)

// SealKey encrypts private key k under passphrase (see Seal).
func SealKey(k jose.JSONWebKey, passphrase []byte) ([]byte, error) {
	if k.IsPublic() {
		return nil, fmt.Errorf("%w: not a private key", ErrBadKey)
	}
	js, err := k.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("keys: encoding key: %w", err)
	}
	return Seal(js, ctyJWK, passphrase)
}

// OpenKey decrypts a key sealed by SealKey and checks that it is a private
// EdDSA or ES256 key whose "kid" is its thumbprint.
func OpenKey(data, passphrase []byte) (jose.JSONWebKey, error) {
	js, err := Unseal(data, ctyJWK, passphrase)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(js); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	if k.IsPublic() {
		return jose.JSONWebKey{}, fmt.Errorf("%w: sealed key is not private", ErrBadKey)
	}
	want, err := FromPrivate(k.Key)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if want.KeyID != k.KeyID {
		return jose.JSONWebKey{}, fmt.Errorf("%w: kid is not the key's thumbprint", ErrBadKey)
	}
	return want, nil
}

// SealSecret encrypts a random secret (such as the issuer's holder key).
func SealSecret(secret, passphrase []byte) ([]byte, error) {
	return Seal(secret, ctySecret, passphrase)
}

// OpenSecret decrypts a secret sealed by SealSecret.
func OpenSecret(data, passphrase []byte) ([]byte, error) {
	return Unseal(data, ctySecret, passphrase)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}
