package cert_test

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"errors"
	"testing"

	"github.com/titlecert/titlecert/cert"
)

// FuzzDecodePayload feeds DecodePayload what a signed certificate's payload
// inflates to (raw false: the fuzzer writes the JSON and it is compressed
// with the dictionary) or the payload itself (raw true). It never panics;
// every error wraps ErrMalformed or ErrTooLarge; claims it decodes encode
// and decode again to the same claims (one reading).
// Seed corpus: testdata/fuzz/FuzzDecodePayload.
func FuzzDecodePayload(f *testing.F) {
	c := vectorClaims(f)
	js, err := json.Marshal(c)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(js, false)
	p, err := cert.EncodePayload(c)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p, true)
	f.Add([]byte(`{"v":1,"hn":"a","hn":"b"}`), false)
	f.Add([]byte(`{"v":1}{}`), false)
	f.Fuzz(func(t *testing.T, in []byte, raw bool) {
		payload := in
		if !raw {
			var buf bytes.Buffer
			w, err := flate.NewWriterDict(&buf, flate.BestSpeed, []byte(cert.Dictionary))
			if err != nil {
				t.Fatal(err)
			}
			w.Write(in)
			w.Close()
			payload = buf.Bytes()
		}
		got, err := cert.DecodePayload(payload)
		if err != nil {
			if !errors.Is(err, cert.ErrMalformed) && !errors.Is(err, cert.ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrTooLarge", err)
			}
			return
		}
		js1, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("decoded claims do not encode: %v", err)
		}
		p2, err := cert.EncodePayload(got)
		if err != nil {
			t.Fatal(err)
		}
		again, err := cert.DecodePayload(p2)
		if err != nil {
			t.Fatalf("claims decoded from %q do not decode once encoded again: %v", in, err)
		}
		js2, _ := json.Marshal(again)
		if !bytes.Equal(js1, js2) {
			t.Fatalf("two readings:\n%s\n%s", js1, js2)
		}
	})
}
