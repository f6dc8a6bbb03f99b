package sqlite_test

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/titlecert/titlecert/store"
	"github.com/titlecert/titlecert/store/sqlite"
	"github.com/titlecert/titlecert/store/storetest"
)

// openSQLite is the storetest.OpenFunc of this backend: a store on a file
// in a temporary folder, and a function that opens it again.
func openSQLite(t *testing.T, listSize int64) (store.Store, func(*testing.T) store.Store) {
	path := filepath.Join(t.TempDir(), "titlecert.db")
	s, err := sqlite.Create(path, sqlite.WithStatusListSize(listSize))
	if err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T) store.Store {
		t.Helper()
		s, err := sqlite.Open(path, sqlite.WithStatusListSize(listSize))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return s, open
}

func TestStore(t *testing.T) { storetest.Run(t, openSQLite) }

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "titlecert.db")
	s, err := sqlite.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Write something so that the WAL file exists too.
	if _, err := s.AllocateSeq(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", filepath.Base(p), mode)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{"", ":memory:", "file:x.db", filepath.Join(dir, "a?mode=ro")} {
		if s, err := sqlite.Open(path); !errors.Is(err, store.ErrInvalid) {
			if s != nil {
				s.Close()
			}
			t.Errorf("Open(%q): err = %v, want ErrInvalid", path, err)
		}
	}
	if _, err := sqlite.Open(filepath.Join(dir, "x.db"), sqlite.WithStatusListSize(0)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open with list size 0: err = %v, want ErrInvalid", err)
	}
	if _, err := sqlite.Create(filepath.Join(dir, "x.db"), sqlite.WithStatusListSize(0)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Create with list size 0: err = %v, want ErrInvalid", err)
	}
	if _, err := sqlite.Create(filepath.Join(dir, "no", "such", "dir.db")); err == nil {
		t.Error("Create in a missing directory succeeded")
	}
}

// TestTwoProcesses runs two processes that allocate from the same file at
// the same time: the numbers and entries they get must be disjoint.
func TestTwoProcesses(t *testing.T) {
	if path := os.Getenv("SQLITE_TEST_HELPER_DB"); path != "" {
		allocateAndPrint(t, path)
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "titlecert.db")
	// Create the schema first, so that the helpers race on allocation.
	s, err := sqlite.Create(path, sqlite.WithStatusListSize(64))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	const procs = 2
	var cmds [procs]*exec.Cmd
	var outs [procs]bytes.Buffer
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestTwoProcesses$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), "SQLITE_TEST_HELPER_DB="+path)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	seqs := make(map[int64]int)
	slots := make(map[string]int)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper %d: %v\n%s", i, err, outs[i].String())
		}
		for _, line := range strings.Split(outs[i].String(), "\n") {
			var n int64
			var list, idx int64
			switch {
			case strings.HasPrefix(line, "seq "):
				fmt.Sscanf(line, "seq %d", &n)
				if p, dup := seqs[n]; dup {
					t.Errorf("sequence number %d handed to helpers %d and %d", n, p, i)
				}
				seqs[n] = i
			case strings.HasPrefix(line, "slot "):
				fmt.Sscanf(line, "slot %d/%d", &list, &idx)
				key := fmt.Sprintf("%d/%d", list, idx)
				if p, dup := slots[key]; dup {
					t.Errorf("status slot %s handed to helpers %d and %d", key, p, i)
				}
				slots[key] = i
			}
		}
	}
	wantSeqs := 0
	for r := range helperRounds {
		wantSeqs += helperN(r)
	}
	if len(seqs) != procs*wantSeqs || len(slots) != procs*helperRounds {
		t.Errorf("got %d sequence numbers and %d slots, want %d and %d", len(seqs), len(slots), procs*wantSeqs, procs*helperRounds)
	}
}

const helperRounds = 100

// helperN is how many sequence numbers the helper allocates in round r.
func helperN(r int) int { return 1 + r%3 }

// allocateAndPrint is the helper process of TestTwoProcesses.
func allocateAndPrint(t *testing.T, path string) {
	s, err := sqlite.Open(path, sqlite.WithStatusListSize(64))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	for r := range helperRounds {
		n := helperN(r)
		first, err := s.AllocateSeq(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		for i := range int64(n) {
			fmt.Printf("seq %d\n", first+i)
		}
		slots, err := s.AllocateStatusSlots(ctx, 1, cryptorand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("slot %d/%d\n", slots[0].List, slots[0].Index)
	}
}

// BenchmarkIssue records batches of 1,000 certificates and reports the time
// per certificate.
func BenchmarkIssue(b *testing.B) {
	const batch = 1000
	s, err := sqlite.Create(filepath.Join(b.TempDir(), "titlecert.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	jws := strings.Repeat("x", 1500) // a typical compact JWS is 1-2 KB
	issued := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	n := 0
	certs := make([]store.Certificate, batch)
	for op := 0; b.Loop(); op++ {
		for i := range certs {
			n++
			h := sha256.Sum256(fmt.Appendf(nil, "holder %d", n))
			certs[i] = store.Certificate{
				Number:           fmt.Sprintf("2026%07d", n),
				Seq:              int64(n),
				HolderKey:        h[:],
				TitleKey:         "工程技术|建筑工程|中级",
				HolderName:       "李四",
				HolderIDMask:     "3501**********0314",
				Series:           "工程技术",
				Specialty:        "建筑工程",
				Level:            "中级",
				Title:            "工程师",
				Committee:        "福建省工程系列建筑专业中级职称评审委员会",
				ReviewDate:       "2026-02-15",
				StatusList:       int64(1 + n/65536),
				StatusIndex:      int64(n % 65536),
				JWS:              jws,
				JWSHash:          h[:],
				PDFHash:          h[:],
				VerificationCode: fmt.Sprintf("C%08d", n),
				IssuedAt:         issued,
			}
		}
		bt := store.Batch{ID: fmt.Sprintf("batch-%d", op), Source: "x.csv", CreatedAt: issued, Operator: "bench"}
		if err := s.Issue(ctx, bt, certs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/cert")
}
