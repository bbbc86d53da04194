package runner

import (
	"strings"
	"testing"
)

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	arn := "arn:aws:states:us-east-1:123456789012:execution:pay:ünï-1"
	tok := makeToken(key, arn, 42)
	p, ok := parseToken(tok)
	if !ok || p.arn != arn || p.taskID != 42 || !p.verify(key) {
		t.Fatalf("parseToken(%q) = %+v, %v; want the ARN, task 42 and a valid MAC", tok, p, ok)
	}
	if p.verify([]byte("another key")) {
		t.Error("a token verified with another execution's key")
	}
	forged := makeToken(key, arn, 43)
	p2, _ := parseToken(forged[:strings.LastIndexByte(forged, '.')] + tok[strings.LastIndexByte(tok, '.'):])
	if p2.verify(key) {
		t.Error("task 43 with task 42's MAC verified")
	}
}

func TestParseTokenRefusesGarbage(t *testing.T) {
	t.Parallel()
	for _, tok := range []string{"", "abc", "a.b", "YQ.1", "YQ.0.AAAAAAAAAAAAAAAAAAAAAA", "YQ.01.AAAAAAAAAAAAAAAAAAAAAA",
		"YQ.-1.AAAAAAAAAAAAAAAAAAAAAA", "YQ.1.AAAA", "!!.1.AAAAAAAAAAAAAAAAAAAAAA", ".1.AAAAAAAAAAAAAAAAAAAAAA"} {
		if p, ok := parseToken(tok); ok {
			t.Errorf("parseToken(%q) = %+v, want refusal", tok, p)
		}
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(makeToken([]byte("k"), "arn:aws:states:us-east-1:1:execution:m:e", 7))
	f.Add("YQ.1.AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		p, ok := parseToken(tok)
		if !ok {
			return
		}
		if again := makeToken([]byte("k"), p.arn, p.taskID); !strings.HasPrefix(again, tok[:strings.LastIndexByte(tok, '.')]) {
			t.Fatalf("parsed %q into %+v, which re-encodes as %q", tok, p, again)
		}
	})
}
