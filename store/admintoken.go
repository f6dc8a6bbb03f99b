package store

import (
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// HashAdminToken returns the SHA-256 of an admin API token, the form in which
// the store keeps it (AdminToken.Hash).
func HashAdminToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// AdminTokenPrefix starts every admin API token: "tc_" + base64url of 32 random
// bytes.
const AdminTokenPrefix = "tc_"

// NewAdminToken makes an admin API token from 32 bytes of rand (crypto/rand
// when nil). Show it once; keep only HashAdminToken of it (Store.CreateToken).
func NewAdminToken(rand io.Reader) (string, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("store: making an admin token: %w", err)
	}
	return AdminTokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}
