package sample

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
)

func TestIndexRange(t *testing.T) {
	for _, n := range []int64{1, 2, 3, 7, 8, 100, 131072} {
		seen := make(map[int64]bool)
		for range 2000 {
			v, err := Index(rand.Reader, n)
			if err != nil {
				t.Fatal(err)
			}
			if v < 0 || v >= n {
				t.Fatalf("Index(%d) = %d, out of range", n, v)
			}
			seen[v] = true
		}
		if n <= 100 && int64(len(seen)) != n {
			t.Errorf("Index(%d): saw %d distinct values in 2000 draws, want all %d", n, len(seen), n)
		}
	}
}

func TestIndexDeterministic(t *testing.T) {
	// 8 bytes per attempt, big-endian, masked to the next power of two:
	// 0x...05 & 7 = 5 is accepted for n = 6; 0x...07 & 7 = 7 is rejected.
	src := append(bytes.Repeat([]byte{0}, 7), 7)
	src = append(src, append(bytes.Repeat([]byte{0xff}, 7), 5)...)
	v, err := Index(bytes.NewReader(src), 6)
	if err != nil || v != 5 {
		t.Fatalf("Index = %d, %v; want 5, nil", v, err)
	}
}

func TestIndexErrors(t *testing.T) {
	if _, err := Index(rand.Reader, 0); err == nil {
		t.Error("Index(0): no error")
	}
	_, err := Index(bytes.NewReader([]byte{1, 2, 3}), 10)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short read: err = %v, want io.ErrUnexpectedEOF", err)
	}
}
