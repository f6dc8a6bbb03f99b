package server

import (
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// HashToken returns the SHA-256 of an admin API token, the form in which
// the store keeps it (store.AdminToken.Hash).
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TokenPrefix starts every admin API token: "tc_" + base64url of 32 random
// bytes.
const TokenPrefix = "tc_"

// NewToken makes an admin API token from 32 bytes of rand (crypto/rand
// when nil). Show it once; keep only HashToken of it (store.CreateToken).
func NewToken(rand io.Reader) (string, error) {
	if rand == nil {
		rand = cryptorand.Reader
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("server: making a token: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}
