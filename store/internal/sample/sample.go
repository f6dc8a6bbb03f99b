// Package sample draws uniformly distributed indexes from a caller's source
// of random bytes, the same way in every store backend, so that a backend's
// choice of status-list entries depends only on the bytes it is given.
package sample

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Index returns an integer uniformly distributed in [0, n), reading 8 bytes
// from rand per attempt and rejecting values outside the range (at most
// half of the attempts, on average). It returns an error if n <= 0 or if
// reading rand fails.
func Index(rand io.Reader, n int64) (int64, error) {
	if n <= 0 {
		return 0, errors.New("sample: range must be positive")
	}
	mask := uint64(1)<<bits.Len64(uint64(n-1)) - 1
	var buf [8]byte
	for {
		if _, err := io.ReadFull(rand, buf[:]); err != nil {
			return 0, fmt.Errorf("sample: reading random bytes: %w", err)
		}
		if v := binary.BigEndian.Uint64(buf[:]) & mask; v < uint64(n) {
			return int64(v), nil
		}
	}
}
