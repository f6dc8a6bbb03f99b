// Package server will be the verification server: the page a phone opens
// from a certificate's QR code, the JSON API, publication of keys and status
// lists, and citizens' downloads. It arrives with its own issue; until then
// it only fixes the route that QR codes point at, so that certificates issued
// today open the server of tomorrow.
package server

import "github.com/titlecert/titlecert/cert"

// CertificatePath is the path, under the issuer's base URL, of the page a
// certificate's QR code opens (matched case-insensitively).
const CertificatePath = cert.QRPath
