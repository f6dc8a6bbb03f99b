package main

import (
	"bytes"
	"database/sql"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// storeTemplate initialises a data directory, issues one certificate, and
// returns the folder, the passphrase file and the candidates file.
func storeTemplate(t *testing.T) (dir, pass, csv string) {
	t.Helper()
	dir = t.TempDir()
	pass = filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("correct-horse-battery\n"), 0o600)
	csv = filepath.Join(dir, "c.csv")
	os.WriteFile(csv, []byte("姓名,身份证号,系列,专业,级别,评审委员会,评审日期,文号\n"+
		"张伟,11010519491231002X,工程技术,建筑工程,中级,福建省工程技术人才职称评审委员会,2025-06-30,闽人社文〔2025〕12号\n"), 0o644)
	for _, args := range [][]string{
		{"init", "--data", filepath.Join(dir, "data"), "--issuer-id", "fjhrss", "--issuer-name", "福建省人力资源和社会保障厅", "--base-url", "https://verify.example", "--passphrase-file", pass},
		{"init", "--data", filepath.Join(dir, "other"), "--issuer-id", "gdhrss", "--issuer-name", "广东省人力资源和社会保障厅", "--base-url", "https://verify.example", "--passphrase-file", pass},
		{"issue", "--data", filepath.Join(dir, "data"), "--in", csv, "--out", filepath.Join(dir, "out"), "--passphrase-file", pass},
		{"issue", "--data", filepath.Join(dir, "other"), "--in", csv, "--out", filepath.Join(dir, "out-other"), "--passphrase-file", pass},
	} {
		var stderr bytes.Buffer
		if code := run(args, nil, io.Discard, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args[0], code, stderr.String())
		}
	}
	return dir, pass, csv
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStoreRefusedByEveryCommand checks that every command that takes a
// data directory refuses one whose store is missing, damaged or another
// issuer's: exit 2, the store's path, and what to do. None makes a new
// store in its place.
func TestStoreRefusedByEveryCommand(t *testing.T) {
	tmpl, pass, csv := storeTemplate(t)
	db := func(data string) string { return filepath.Join(data, "titlecert.db") }
	variants := []struct {
		name   string
		damage func(t *testing.T, data string)
		msg    string
	}{
		{"missing", func(t *testing.T, data string) { os.Remove(db(data)) }, "titlecert.db does not exist"},
		{"wal left without its database", func(t *testing.T, data string) {
			os.Rename(db(data), db(data)+"-wal")
		}, "titlecert.db-wal is there"},
		{"zero length", func(t *testing.T, data string) { os.Truncate(db(data), 0) }, "is empty (0 bytes)"},
		{"zero length next to its wal", func(t *testing.T, data string) {
			os.Truncate(db(data), 0)
			os.WriteFile(db(data)+"-wal", []byte("log"), 0o600)
		}, "is empty (0 bytes), and a write-ahead log titlecert.db-wal is there"},
		{"replaced by a spreadsheet", func(t *testing.T, data string) { os.WriteFile(db(data), []byte("PK\x03\x04 not a database"), 0o600) }, "is not an SQLite database"},
		{"truncated", func(t *testing.T, data string) {
			fi, _ := os.Stat(db(data))
			os.Truncate(db(data), fi.Size()-4096)
		}, "is truncated"},
		{"another issuer's store", func(t *testing.T, data string) {
			b, err := os.ReadFile(db(filepath.Join(filepath.Dir(data), "other")))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(db(data), b, 0o600)
		}, `is the store of issuer "gdhrss", not "fjhrss"`},
		{"another issuer's store from before stores named their issuer", func(t *testing.T, data string) {
			b, err := os.ReadFile(db(filepath.Join(filepath.Dir(data), "other")))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(db(data), b, 0o600)
			sdb, err := sql.Open("sqlite", db(data))
			if err != nil {
				t.Fatal(err)
			}
			defer sdb.Close()
			if _, err := sdb.Exec(`DELETE FROM store_meta`); err != nil {
				t.Fatal(err)
			}
		}, `holds certificates of issuer "gdhrss", not "fjhrss"`},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			root := t.TempDir()
			copyTree(t, tmpl, root)
			data := filepath.Join(root, "data")
			v.damage(t, data)
			before, _ := os.ReadFile(db(data))
			_, statErr := os.Stat(db(data))
			for _, args := range [][]string{
				{"list", "--data", data},
				{"show", "--data", data, "--first"},
				{"issue", "--data", data, "--in", csv, "--out", filepath.Join(root, "out2"), "--passphrase-file", pass},
				{"revoke", "--data", data, "--reason", "fraud", "2026000001"},
				{"revocations", "--data", data},
				{"status", "export", "--data", data, "--out", filepath.Join(root, "s.jwt"), "--passphrase-file", pass},
				{"token", "create", "--data", data, "--name", "ops"},
				{"keys", "export", "--data", data, "--out", "-"},
				{"serve", "--data", data, "--addr", "127.0.0.1:0", "--passphrase-file", pass},
			} {
				var stdout, stderr bytes.Buffer
				code := run(args, nil, &stdout, &stderr)
				e := stderr.String()
				if code != exitUsage || !strings.Contains(e, db(data)) || !strings.Contains(e, v.msg) {
					t.Errorf("%s: exit %d, want 2 naming %s and saying %q:\n%s", args[0], code, db(data), v.msg, e)
					continue
				}
				want := "restore titlecert.db from the\n  latest backup"
				if strings.HasPrefix(v.name, "another issuer") {
					want = "Put this issuer's\n  titlecert.db back"
				}
				if !strings.Contains(e, want) {
					t.Errorf("%s: no advice %q:\n%s", args[0], want, e)
				}
				if strings.Contains(v.name, "wal") && !strings.Contains(e, "move titlecert.db-wal") {
					t.Errorf("%s: no advice about the WAL:\n%s", args[0], e)
				}
				if stdout.Len() != 0 {
					t.Errorf("%s: printed %q", args[0], stdout.String())
				}
			}
			// Nothing made a store in its place, or changed the file.
			after, err := os.ReadFile(db(data))
			if (statErr == nil) != (err == nil) || !bytes.Equal(before, after) {
				t.Fatalf("the store file changed: existed %v, exists %v", statErr == nil, err == nil)
			}
			if entries, _ := os.ReadDir(filepath.Join(root, "out2")); len(entries) != 0 {
				t.Fatalf("issue wrote %d files", len(entries))
			}
		})
	}
}
