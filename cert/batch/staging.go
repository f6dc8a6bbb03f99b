package batch

import (
	"os"
	"path/filepath"
	"time"
)

// StaleStaging is how long a staging folder must have been untouched before
// Issue takes it for the leftover of a crashed batch and removes it. A
// running batch writes into its folder every few milliseconds.
const StaleStaging = time.Hour

// recordedMarker marks a staging folder whose batch was recorded but whose
// files could not all be moved into place.
const recordedMarker = "RECORDED-MOVE-INTO-PLACE.txt"

// removeStaleStaging removes the staging folders a crashed batch left in
// outDir: they hold signed PDFs that were never recorded, whose status
// entries read as valid, and must not be handed out.
func removeStaleStaging(outDir string, now time.Time) int {
	matches, _ := filepath.Glob(filepath.Join(outDir, ".staging-*"))
	n := 0
	for _, m := range matches {
		info, err := os.Lstat(m)
		if err != nil || !info.IsDir() || now.Sub(info.ModTime()) < StaleStaging {
			continue
		}
		if _, err := os.Lstat(filepath.Join(m, recordedMarker)); err == nil {
			continue
		}
		if os.RemoveAll(m) == nil {
			n++
		}
	}
	return n
}
