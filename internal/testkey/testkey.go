// Package testkey holds the fixed, public test key of RFC 8037 Appendix A.
// It signs the test vectors of docs/FORMAT.md and must never be trusted
// outside tests.
package testkey

import (
	"crypto/ed25519"
	"encoding/base64"
)

// RFC 8037 Appendix A.1: the Ed25519 private key "d" and public key "x".
const (
	D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	// Thumbprint is the RFC 7638 thumbprint from Appendix A.3.
	Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
)

// Ed25519 returns the RFC 8037 test private key.
func Ed25519() ed25519.PrivateKey {
	seed, err := base64.RawURLEncoding.DecodeString(D)
	if err != nil {
		panic(err)
	}
	return ed25519.NewKeyFromSeed(seed)
}
