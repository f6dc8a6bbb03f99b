package redact

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestIDNumbers(t *testing.T) {
	const m = IDMark
	for _, tc := range []struct{ in, want string }{
		// The shapes a holder types.
		{"11010519491231002X", m},
		{"11010519491231002x", m},
		{"350102198001011233", m},
		{"110105491231002", m}, // 15-digit number issued before 1999
		{"１１０１０５１９４９１２３１００２Ｘ", m},
		{"１１０１０５１９４９１２３１００２ｘ", m},
		{"110105 19491231 002X", m},
		{"110105-1949-1231-002X", m},
		{"110105－19491231－002X", m},           // full-width hyphen-minus
		{"110105\u300019491231\u3000002X", m}, // ideographic space
		{"110105\u00a019491231\u200b002X", m}, // no-break and zero-width space
		{"1101 0519 4912 3100 2X", m},
		{"1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 X", m},
		{"110105 - 19491231 - 002X", m},
		{"110105.19491231.002X", m},
		// Separators of break-it F10: / , : + 、 ‧ and · in ASCII and full width.
		{"350102/19800101/0060", m},
		{"350102,19800101,0060", m},
		{"350102, 19800101, 0060", m},
		{"1101051949: 12310021", m},
		{"350102:19800101:0060", m},
		{"350102+19800101+0060", m},
		{"350102、19800101、0060", m},
		{"350102‧19800101‧0060", m},
		{"350102·19800101·0060", m},
		{"350102／19800101／0060", m},
		{"３５０１０２，１９８００１０１，００６０", m},
		{"ID 350102/19800101/0060 申请", "ID " + m + " 申请"},
		// Quoted by %q in a store's error message.
		{`certificate "110105\t19491231002X"`, `certificate "` + m + `"`},
		{`"110105\u300019491231\u3000002X"`, `"` + m + `"`},
		{`"110105\u00a019491231\u200b002X"`, `"` + m + `"`},
		{`"110105\x0919491231002X"`, `"` + m + `"`},
		{`"1101051949\u4e2d12310021"`, `"1101051949\u4e2d12310021"`}, // 中 is no separator
		{" 11010519491231002X ", " " + m + " "},
		// Inside other text.
		{`certificate "11010519491231002X": database is closed`, `certificate "` + m + `": database is closed`},
		{"number=11010519491231002X&x=1", "number=" + m + "&x=1"},
		{"身份证11010519491231002X号", "身份证" + m + "号"},
		{"2026000001 11010519491231002X", "2026000001 " + m},
		{"a 11010519491231002X b 350102198001011233", "a " + m + " b " + m},
		{"12345678901234567890123", m}, // a longer run is removed whole
		{"1101051949123100", m},        // 16 digits: a mistyped number is still one
		// Left alone.
		{"2026000001", "2026000001"},
		{"2026000001, 2026000002, 2026000003", "2026000001, 2026000002, 2026000003"},
		{"2026000001 2026000002", "2026000001 2026000002"},
		{"11010519491231", "11010519491231"}, // 14 digits
		{"2026-07-01T02:00:00Z", "2026-07-01T02:00:00Z"},
		{"download.denied", "download.denied"},
		{"2026000001, 2026000002, 2026000003, 2026000004", "2026000001, 2026000002, 2026000003, 2026000004"},
		{"12:30:45 12:30:45", "12:30:45 12:30:45"},
		{"", ""},
		{"\xff\xfe1101051949123100\xff", "\xff\xfe" + m + "\xff"},
	} {
		if got := IDNumbers(tc.in); got != tc.want {
			t.Errorf("IDNumbers(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAddresses(t *testing.T) {
	const m = AddressMark
	for _, tc := range []struct{ in, want string }{
		{"http: TLS handshake error from 127.0.0.1:54321: remote error: tls: bad certificate", "http: TLS handshake error from " + m + ": remote error: tls: bad certificate"},
		{"http: TLS handshake error from [2001:db8::1]:443: EOF", "http: TLS handshake error from " + m + ": EOF"},
		{"read tcp 127.0.0.1:8443->192.0.2.7:50000: read: connection reset by peer", "read tcp " + m + "->" + m + ": read: connection reset by peer"},
		{"from [fe80::1%eth0]:5", "from " + m},
		{"from ::ffff:192.0.2.1 again", "from " + m + " again"},
		{"peer 2001:db8::7: EOF", "peer " + m + ": EOF"},
		{"198.51.100.4", m},
		// Left alone.
		{"at 12:30:45 the list was signed", "at 12:30:45 the list was signed"},
		{"go1.26.8", "go1.26.8"},
		{"tls: first record does not look like a TLS handshake", "tls: first record does not look like a TLS handshake"},
	} {
		if got := Addresses(tc.in); got != tc.want {
			t.Errorf("Addresses(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(Handler(slog.NewJSONHandler(&buf, nil), IDNumbers))
	const id = "11010519491231002X"
	l = l.With("with", "n="+id)
	l.WithGroup("g").Error("failed for "+id,
		"err", errors.New("sqlite: certificate \""+id+"\": closed"),
		"s", stringer{id}, "plain", "2026000001", "n", 42,
		slog.Group("inner", "v", id), id, "as a key")
	out := buf.String()
	if strings.Contains(out, id) || strings.Contains(out, "1101051949") {
		t.Fatalf("an ID number was logged: %s", out)
	}
	for _, want := range []string{`"msg":"failed for [ID number removed]"`, `"with":"n=[ID number removed]"`,
		`"err":"sqlite: certificate \"[ID number removed]\": closed"`, `"s":"[ID number removed]"`,
		`"plain":"2026000001"`, `"n":42`, `"inner":{"v":"[ID number removed]"}`, `"[ID number removed]":"as a key"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in %s", want, out)
		}
	}
}

func FuzzIDNumbers(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("110105 19491231 002X 2026000001")
	f.Fuzz(func(t *testing.T, s string) {
		out := IDNumbers(s)
		if IDNumbers(out) != out {
			t.Fatalf("not idempotent: %q -> %q", s, out)
		}
		if hasDigitRun(out) && strings.Count(out, IDMark) == 0 && out != s {
			t.Fatalf("changed without a mark: %q -> %q", s, out)
		}
	})
}
