//go:build !race

package server

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// maxUploadAlloc is the most the server may allocate in all
// (runtime.MemStats.TotalAlloc, an upper bound of its peak heap growth)
// while it receives and checks one hostile upload: the body (at most
// MaxUpload, 20 MiB, read once) and the bounded decoding of package
// cert/pdf. The PDF bomb of the field case made it grow by 1.6 GB.
const maxUploadAlloc = 96 << 20

// Every hostile file of the field cases, sent to the real upload
// endpoint, is answered in bounded memory.
func TestUploadHostileMemory(t *testing.T) {
	f := newFixture(t, 1, "", nil)
	files, err := filepath.Glob("testdata/hostile/*")
	if err != nil || len(files) < 3 {
		t.Fatalf("hostile files: %v, %v", files, err)
	}
	want := map[string]int{
		"pdf-page-content-bomb.pdf": 200, // could not read
		"xlsx-cell-bomb.xlsx":       415, // not a PDF or image
		"qr-text-case-growth.txt":   415,
	}
	for i, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			body, ctype := multipartBody(t, "file", name, data)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			w := f.do("POST", "/v/upload", body, header("Content-Type", ctype), from(fmt.Sprintf("198.51.100.%d:1000", 10+i)))
			runtime.ReadMemStats(&after)
			n := after.TotalAlloc - before.TotalAlloc
			if code, ok := want[name]; !ok || w.Code != code {
				t.Errorf("answered %d, want %d", w.Code, code)
			}
			if w.Code == 200 && verdictClass(t, w.Body.String()) != "verdict-unreadable" {
				t.Errorf("verdict %s", verdictClass(t, w.Body.String()))
			}
			if n > maxUploadAlloc {
				t.Errorf("allocated %d MiB while receiving it, at most %d", n>>20, maxUploadAlloc>>20)
			}
			t.Logf("%s: %d KiB allocated, answer %d", name, n>>10, w.Code)
		})
	}
}
