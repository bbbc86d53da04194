package sfnapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/sfnapi"
	"github.com/paystep/paystep/internal/sigv4"
)

func TestParseAccessKeys(t *testing.T) {
	t.Parallel()
	want := map[string]sigv4.Secret{"AKIDONE": "secret/one+x", "AKIDTWO": "two"}
	for _, tc := range []struct{ name, in string }{
		{"json", `{"AKIDONE": "secret/one+x", "AKIDTWO": "two"}`},
		{"json with spaces", "\n  {\"AKIDONE\":\"secret/one+x\",\n\"AKIDTWO\":\"two\"}\n"},
		{"lines", "AKIDONE secret/one+x\nAKIDTWO two\n"},
		{"lines with comments", "# keys of the ops team\n\nAKIDONE\tsecret/one+x\n   # rotated 2030-01-02\nAKIDTWO   two"},
		{"CRLF lines", "AKIDONE secret/one+x\r\nAKIDTWO two\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := sfnapi.ParseAccessKeys([]byte(tc.in))
			if err != nil {
				t.Fatalf("ParseAccessKeys(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseAccessKeys(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestParseAccessKeysErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", "no access keys"},
		{"# only a comment\n", "no access keys"},
		{"{}", "no access keys"},
		{"AKID", "line 1: want ACCESS_KEY_ID SECRET_ACCESS_KEY, got 1 fields"},
		{"AKID s1\nAKID s2", `line 2: access key "AKID" appears twice`},
		{"AKID s1 extra", "line 1: want ACCESS_KEY_ID SECRET_ACCESS_KEY, got 3 fields"},
		{"AK/ID s1", `line 1: access key ID "AK/ID"`},
		{`{"AKID": 5}`, `access key "AKID": the secret must be a JSON string`},
		{`{"AKID": ""}`, `access key "AKID": an empty secret`},
		{`{"": "x"}`, "an empty access key ID"},
		{`{"AKID": "a", "AKID": "b"}`, `access key "AKID" appears twice`},
		{`{"AKID": "a"`, "access keys JSON"},
		{`{"AKID": "a"} x`, "unexpected data after the object"},
	} {
		_, err := sfnapi.ParseAccessKeys([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseAccessKeys(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
	// Errors never show a secret.
	_, err := sfnapi.ParseAccessKeys([]byte("AKID topsecret extra"))
	if err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("ParseAccessKeys error %v shows the secret", err)
	}
}

func FuzzParseAccessKeys(f *testing.F) {
	for _, s := range []string{`{"A":"b"}`, "A b\n# c\nD e", "", "{", `{"A":1}`, "A b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		keys, err := sfnapi.ParseAccessKeys([]byte(in))
		if err != nil {
			return
		}
		if len(keys) == 0 {
			t.Fatal("no keys and no error")
		}
		// Whatever parsed comes back the same written as JSON.
		m := map[string]string{}
		for id, secret := range keys {
			if id == "" || secret == "" {
				t.Fatalf("empty key %q or secret", id)
			}
			m[id] = string(secret)
		}
		text, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		again, err := sfnapi.ParseAccessKeys(text)
		if err != nil {
			t.Fatalf("reparse %s: %v", text, err)
		}
		if diff := cmp.Diff(keys, again); diff != "" {
			t.Fatalf("reparse %s (-first +again):\n%s", text, diff)
		}
	})
}
