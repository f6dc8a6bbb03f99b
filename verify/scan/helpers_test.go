package scan

import (
	"encoding/json"
	"os"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/titlecert/titlecert/cert"
)

// vector is the test vector of docs/FORMAT.md §12, signed with the RFC 8037
// test key.
type vector struct {
	JWS      string          `json:"jws"`
	QRText   string          `json:"qr_text"`       // legacy form
	QRLower  string          `json:"qr_text_lower"` // current form
	IDNumber string          `json:"id_number"`
	BaseURL  string          `json:"base_url"`
	Key      jose.JSONWebKey `json:"key"`
	Claims   *cert.Claims    `json:"claims"`
}

func loadVector(t testing.TB) vector {
	t.Helper()
	data, err := os.ReadFile("../../cert/testdata/vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vector
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
