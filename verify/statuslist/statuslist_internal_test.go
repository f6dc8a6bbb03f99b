package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"testing"
)

// The 2-bit example of draft-ietf-oauth-status-list §4.1: entry 0 in the
// least significant bits of byte 0.
func TestIETFBitOrder(t *testing.T) {
	want := []uint8{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}
	l := &List{b: []byte{0xC9, 0x44, 0xF9}, n: 12}
	for i, w := range want {
		if v, ok := l.Get(int64(i)); !ok || v != w {
			t.Fatalf("entry %d = %d, want %d", i, v, w)
		}
	}
	l2 := &List{b: make([]byte, 3), n: 12}
	for i, w := range want {
		l2.Set(i, w)
	}
	if !bytes.Equal(l2.b, l.b) {
		t.Fatalf("Set wrote % x, want % x", l2.b, l.b)
	}
	// The draft's lst for these bytes inflates to them.
	raw, _ := base64.RawURLEncoding.DecodeString("eNo76fITAAPfAgc")
	r, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	got.ReadFrom(r)
	if !bytes.Equal(got.Bytes(), l.b) {
		t.Fatalf("draft lst inflates to % x", got.Bytes())
	}
	// ... but a list that short is refused: it would reveal which
	// certificate is checked.
	if _, err := Decode("eNo76fITAAPfAgc"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short list accepted: %v", err)
	}
}

func TestListRoundTripAndLimits(t *testing.T) {
	if _, err := New(MinSize - 4); err == nil {
		t.Fatal("list below the size floor accepted")
	}
	if _, err := New(MinSize + 1); err == nil {
		t.Fatal("size not a multiple of 4 accepted")
	}
	l, err := New(MinSize)
	if err != nil {
		t.Fatal(err)
	}
	set := map[int]uint8{0: Revoked, 1: Suspended, 7: Revoked, MinSize - 1: Suspended, 65536: Revoked}
	for i, v := range set {
		if err := l.Set(i, v); err != nil {
			t.Fatal(err)
		}
	}
	if l.Set(MinSize, 1) == nil || l.Set(0, 4) == nil {
		t.Fatal("out-of-range Set accepted")
	}
	lst, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(lst)
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != MinSize {
		t.Fatalf("len %d", back.Len())
	}
	for i := 0; i < MinSize; i++ {
		v, _ := back.Get(int64(i))
		if v != set[i] {
			t.Fatalf("entry %d = %d, want %d", i, v, set[i])
		}
	}
	if _, ok := back.Get(MinSize); ok {
		t.Fatal("Get beyond the end")
	}
	// A small lst that inflates beyond the cap is refused.
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	w.Write(make([]byte, MaxEntries/4+1))
	w.Close()
	if _, err := Decode(base64.RawURLEncoding.EncodeToString(buf.Bytes())); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("bomb: %v", err)
	}
	for _, bad := range []string{"!!", "AAAA"} {
		if _, err := Decode(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%q): %v", bad, err)
		}
	}
}
