//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A passphrase file is read through a bound whatever it is: a device or a
// pipe that never ends is refused after 4 KiB, with a message that says
// what to give instead.
func TestReadPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("regular", func(t *testing.T) {
		for _, tc := range []struct{ name, content, want string }{
			{"plain", "correct horse", "correct horse"},
			{"newline", "correct horse\n", "correct horse"},
			{"crlf", "correct horse\r\n", "correct horse"},
			{"at the limit", strings.Repeat("p", maxPassphraseFile), strings.Repeat("p", maxPassphraseFile)},
		} {
			got, err := readPassphraseFile(write(tc.name, []byte(tc.content)))
			if err != nil || string(got) != tc.want {
				t.Errorf("%s: %q, %v", tc.name, got, err)
			}
		}
	})
	for _, tc := range []struct{ name, file, want string }{
		{"too large", write("big", bytes.Repeat([]byte("p"), maxPassphraseFile+1)), "is larger than 4 KiB"},
		{"empty", write("empty", nil), "is empty"},
		{"only a newline", write("nl", []byte("\n")), "is empty"},
		{"missing", filepath.Join(dir, "nope"), "passphrase file: stat"},
		{"/dev/zero", "/dev/zero", "is not a regular file (a character device)"},
		{"/dev/urandom", "/dev/urandom", "is not a regular file (a character device)"},
		{"/dev/null", "/dev/null", "is not a regular file (a character device)"},
		{"directory", dir, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readPassphraseFile(tc.file)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if _, ok := err.(usageError); !ok {
				t.Fatalf("%T is not a usage error", err)
			}
		})
	}
	fifo := func(t *testing.T, write func(*os.File)) string {
		p := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			w, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer w.Close()
			write(w)
		}()
		t.Cleanup(func() { <-done })
		return p
	}
	t.Run("endless pipe", func(t *testing.T) {
		p := fifo(t, func(w *os.File) {
			chunk := bytes.Repeat([]byte("p"), 1024)
			for { // until the reader closes its end (EPIPE)
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		})
		_, err := readPassphraseFile(p)
		if err == nil || !strings.Contains(err.Error(), "gives more than 4 KiB (a pipe that does not end?)") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("pipe", func(t *testing.T) {
		p := fifo(t, func(w *os.File) { w.WriteString("from a pipe\n") })
		got, err := readPassphraseFile(p)
		if err != nil || string(got) != "from a pipe" {
			t.Fatalf("%q, %v", got, err)
		}
	})
}

// A named pipe nobody opens for writing (breakit F15: a mistyped path in a
// cron job) blocks open(2); SIGINT and SIGTERM end the wait with an error
// instead of being swallowed by the CLI's signal context.
func TestReadPassphraseFileSignal(t *testing.T) {
	for _, s := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(s.String(), func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "fifo")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			// Keep the test process alive whatever reaches it first.
			safety := make(chan os.Signal, 16)
			signal.Notify(safety, s)
			defer signal.Stop(safety)
			errc := make(chan error, 1)
			go func() {
				_, err := readPassphraseFile(p)
				errc <- err
			}()
			// The reader registers for signals at some point after it
			// starts: send until it answers, a bounded number of times.
			var err error
			for i := 0; ; i++ {
				if i == 400 {
					t.Fatal("readPassphraseFile still waiting after 400 signals")
				}
				syscall.Kill(os.Getpid(), s)
				select {
				case err = <-errc:
				case <-time.After(50 * time.Millisecond):
					continue
				}
				break
			}
			if err == nil || !strings.Contains(err.Error(), "interrupted while waiting") {
				t.Fatalf("got %v", err)
			}
			if _, ok := err.(usageError); !ok {
				t.Fatalf("%T is not a usage error", err)
			}
			// Let the stuck open(2) go, so the goroutine ends.
			if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		})
	}
}

// The pipe a shell's process substitution or `cmd | titlecert ...
// --passphrase-file /dev/stdin` gives is a pipe already open: it is read.
func TestReadPassphraseFileOpenPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w.WriteString("from process substitution\n")
	w.Close()
	got, err := readPassphraseFile(fmt.Sprintf("/dev/fd/%d", r.Fd()))
	if err != nil || string(got) != "from process substitution" {
		t.Fatalf("%q, %v", got, err)
	}
}
