package cert

import (
	"crypto/elliptic"
	"math/big"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// ECDSA signatures are malleable: if (r, s) is a valid ES256 signature, so
// is (r, n−s), and anyone can compute it without the key. Two texts would
// then carry one signed certificate and give two verification codes (§7 of
// docs/FORMAT.md hashes the whole JWS). titlecert therefore
//
//   - signs ES256 with a low S only (s ≤ n/2, as Bitcoin's BIP 62/146 and
//     Ethereum's EIP-2 require), so every certificate and status list it
//     signs from now on is in canonical form (CanonicalJWS returns it
//     unchanged);
//   - still accepts a high S, because about half of the ES256 certificates
//     issued before this rule carry one, and they must keep verifying;
//   - identifies a certificate by what both twins share: offline by the
//     code of its canonical form (CanonicalCode), online by the issuer's
//     record of the number, which holds the JWS as issued.
//
// Ed25519 (EdDSA) signatures are not malleable: crypto/ed25519 refuses an S
// that is not reduced modulo the group order, so an EdDSA JWS is its own
// canonical form.

var (
	p256N     = elliptic.P256().Params().N
	p256HalfN = new(big.Int).Rsh(p256N, 1)
)

// lowS normalises a 64-byte ES256 signature R||S in place to S ≤ n/2 and
// reports whether it changed it. Other lengths are left alone.
func lowS(sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	s := new(big.Int).SetBytes(sig[32:])
	if s.Cmp(p256HalfN) <= 0 {
		return false
	}
	s.Sub(p256N, s)
	s.FillBytes(sig[32:])
	return true
}

// lowSSigner signs as its jose.Signer (an ES256 one), then puts every
// signature in low-S form (the other of the two valid signatures for the
// same R).
type lowSSigner struct{ jose.Signer }

func (s lowSSigner) Sign(payload []byte) (*jose.JSONWebSignature, error) {
	obj, err := s.Signer.Sign(payload)
	if err != nil {
		return nil, err
	}
	for i := range obj.Signatures {
		lowS(obj.Signatures[i].Signature)
	}
	return obj, nil
}

// SigningInput returns the part of a compact JWS that its signature covers
// (header "." payload): the same for a certificate and its ES256 twin.
func SigningInput(jws string) string {
	if i := strings.LastIndexByte(jws, '.'); i >= 0 {
		return jws[:i]
	}
	return jws
}

// CanonicalJWS returns the canonical text of a compact JWS whose header
// algorithm is alg: for ES256, the signature with S replaced by n−S when S
// is above n/2; otherwise (EdDSA, or anything it cannot parse) jws itself.
// It does not verify the signature; call it on a verified JWS.
func CanonicalJWS(jws string, alg string) string {
	if alg != string(jose.ES256) {
		return jws
	}
	i := strings.LastIndexByte(jws, '.')
	if i < 0 {
		return jws
	}
	sig, err := strictB64.DecodeString(jws[i+1:])
	if err != nil || !lowS(sig) {
		return jws
	}
	return jws[:i+1] + b64.EncodeToString(sig)
}

// CanonicalCode is VerificationCode of CanonicalJWS(jws, alg): one code for
// a certificate and its ES256 twin. It equals the printed code of every
// EdDSA certificate and of every ES256 certificate signed with a low S (all
// of them from this version of titlecert on); for an ES256 certificate
// issued earlier with a high S the printed code is that of the high-S text,
// which only the issuer's record can tell from its twin (docs/FORMAT.md
// §7).
func CanonicalCode(jws, alg string) string {
	return VerificationCode(CanonicalJWS(jws, alg))
}
