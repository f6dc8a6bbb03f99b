package batch

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/titlecert/titlecert/store"
)

// uniqueCode makes j's verification code unique, in the store and in the
// batch: on the rare collision (50-bit codes) it signs again with a fresh
// jti. (The store's unique index is the last word, at commit.)
//
// seen holds a 64-bit hash of each code of the batch so far (8 bytes, not a
// string, per certificate); a hash collision only costs a needless
// re-signing.
func (p *pass2) uniqueCode(ctx context.Context, j *job, seen map[uint64]struct{}) error {
	for attempt := 0; ; attempt++ {
		code := j.rec.VerificationCode
		_, err := p.is.Store.ByVerificationCode(ctx, code)
		key := fnv64(code)
		if _, dup := seen[key]; !dup && errors.Is(err, store.ErrNotFound) {
			seen[key] = struct{}{}
			return nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("batch: %w", err)
		}
		if attempt > 10 {
			return errors.New("batch: could not find a unique verification code")
		}
		jti := make([]byte, 12)
		if _, err := io.ReadFull(p.rnd, jti); err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		j.claims.ID = base64.RawURLEncoding.EncodeToString(jti)
		// The ID hash is already in the claims: only sign and render again.
		if err := p.is.signAndRender(&j.c, j.claims, p.signer, p.staging, &j.rec); err != nil {
			return err
		}
	}
}

// fnv64 is the 64-bit FNV-1a hash of s: fixed, so that a given rand
// stream gives given certificates.
func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
