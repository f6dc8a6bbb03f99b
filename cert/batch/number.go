package batch

import (
	"fmt"
	"time"

	"github.com/titlecert/titlecert/cert"
)

// Number formats a certificate number: the year of issue (in China, UTC+8) and the sequence
// number, at least six digits ("2026000042"). Sequence numbers are unique
// per issuer, so numbers are too.
func Number(issued time.Time, seq int64) string {
	return fmt.Sprintf("%d%06d", issued.In(cert.ChinaTime).Year(), seq)
}

// FileName is the PDF file name of a certificate.
func FileName(number string) string { return number + ".pdf" }
