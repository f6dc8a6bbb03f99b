package sqlite_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
)

func Example() {
	dir, err := os.MkdirTemp("", "titlecert")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := sqlite.Create(filepath.Join(dir, "titlecert.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	// Reserve a number and a status-list entry, then record the batch.
	seq, err := s.AllocateSeq(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	slots, err := s.AllocateStatusSlots(ctx, 1, rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	holder := sha256.Sum256([]byte("an HMAC of the ID number, in real use"))
	c := store.Certificate{
		Number:           fmt.Sprintf("2026%06d", seq),
		Seq:              seq,
		HolderKey:        holder[:],
		TitleKey:         "工程技术|建筑工程|中级",
		HolderName:       "李四",
		Title:            "工程师",
		StatusList:       slots[0].List,
		StatusIndex:      slots[0].Index,
		VerificationCode: "7KQ2-M9XD",
		IssuedAt:         time.Now(),
	}
	b := store.Batch{ID: "2026-03-A", Source: "passed.csv", CreatedAt: time.Now(), Operator: "admin"}
	if err := s.Issue(ctx, b, []store.Certificate{c}); err != nil {
		log.Fatal(err)
	}

	got, err := s.ByVerificationCode(ctx, "7KQ2-M9XD")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Number, got.HolderName, got.Title, got.Status, got.StatusList)
	// Output: 2026000001 李四 工程师 valid 1
}
