package main

import (
	"strings"
	"testing"
)

// The list table lines up in a terminal: a Chinese character takes two
// columns (breakit F16), where tabwriter counted one.
func TestWriteTableDisplayWidth(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "李娜": 4, "阿依古丽·买买提": 15, "２０２６": 8} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
	var b strings.Builder
	if err := writeTable(&b, [][]string{{"NUMBER", "NAME", "STATUS"}, {"2026000001", "李娜", "valid"}, {"2026000002", "阿依古丽·买买提", "revoked"}}); err != nil {
		t.Fatal(err)
	}
	want := "NUMBER      NAME             STATUS\n" +
		"2026000001  李娜             valid\n" +
		"2026000002  阿依古丽·买买提  revoked\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}
