//go:build linux

package batch

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncStaging makes every file written into dir durable before the batch
// is recorded: one syncfs(2) of dir's file system rather than an fsync per
// PDF (which cost about 1 ms each, as much as rendering the page). Since
// Linux 5.8 syncfs reports write-back errors of the file system.
func syncStaging(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
