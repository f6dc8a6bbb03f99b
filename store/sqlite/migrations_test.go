package sqlite

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

// TestMigrationsUnchanged pins each schema step's bytes as they were when
// the step shipped (they were Go string literals in sqlite.go before they
// became files): stores already at a version never run its step again, so
// an edited step would leave old and new stores with different schemas.
// A new step appends a line here; an old line never changes.
func TestMigrationsUnchanged(t *testing.T) {
	want := []string{
		"48802692a9eababbc703a0ff0ffeff202bbcaa80268db7a4e8dde0ded96e2489", // 0001_issuance.sql
		"34d0f4d79d8f2d89881282ff71308dbc8111dea79cf2d87b93b7bdcd8ed6da9f", // 0002_revocation.sql
		"cc186202aac4dc284eeee7047e57480e7b8a0fd343433c91e349c5165b629f45", // 0003_server.sql
		"dd6c4500238a463d861f2cf8d0857aee15c015257f77d7d41c11f9c577c64696", // 0004_reservations.sql
		"5e65fe20ba551ab3464126e11a38f8e41c365d20025f1b0c72e58c49b563b9dc", // 0005_qr_form.sql
	}
	if len(migrations) != len(want) {
		t.Fatalf("%d migrations embedded, want %d (a new step appends its hash here)", len(migrations), len(want))
	}
	for i, m := range migrations {
		sum := sha256.Sum256([]byte(m))
		if got := hex.EncodeToString(sum[:]); got != want[i] {
			t.Errorf("migration %d: sha256 %s, want %s: shipped steps are never edited", i+1, got, want[i])
		}
	}
}
