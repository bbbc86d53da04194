package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paystep/paystep/internal/store/dbtest"
)

// TestKeys creates, lists and revokes keys on a real database, as the
// server would read them.
func TestKeys(t *testing.T) {
	t.Parallel()
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := filepath.Join(t.TempDir(), "paystep.db")
			if backend == "postgres" {
				db = dbtest.PostgresURL(t)
			}
			code, out, errs := runMain(t, "keys", "create", "--db", db, "--kind", "publishable", "--name", "pay-page", "-o", "json")
			if code != 0 {
				t.Fatalf("keys create = %d: %s", code, errs)
			}
			var made keyJSON
			if err := json.Unmarshal([]byte(out), &made); err != nil {
				t.Fatalf("keys create -o json printed %q: %v", out, err)
			}
			if !strings.HasPrefix(made.Key, "pk_") || !strings.HasPrefix(made.ID, "key_") || made.Hint != "pk_…"+made.Key[len(made.Key)-4:] || made.Name != "pay-page" {
				t.Errorf("keys create = %+v", made)
			}
			code, out, errs = runMain(t, "keys", "create", "--db", db, "--name", "billing")
			if code != 0 || !strings.Contains(out, "sk_") || !strings.Contains(out, "shown this once") {
				t.Fatalf("keys create (table) = %d %q %q", code, out, errs)
			}

			code, out, _ = runMain(t, "keys", "revoke", made.ID, "--db", db)
			if code != 0 || !strings.Contains(out, "Revoked "+made.ID) {
				t.Errorf("keys revoke = %d %q", code, out)
			}
			code, out, _ = runMain(t, "keys", "list", "--db", db, "-o", "json")
			var list []keyJSON
			if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil {
				t.Fatalf("keys list -o json = %d %q: %v", code, out, err)
			}
			if len(list) != 2 || list[0].ID != made.ID || list[0].RevokedAt == "" || list[1].Kind != "secret" || list[1].RevokedAt != "" || list[0].Key != "" {
				t.Errorf("keys list = %+v; want the revoked publishable key, then the secret one, no keys shown", list)
			}
			code, out, _ = runMain(t, "keys", "list", "--db", db)
			if code != 0 || !strings.Contains(out, "ID") || !strings.Contains(out, "pay-page") || strings.Contains(out, made.Key) {
				t.Errorf("keys list = %d %q", code, out)
			}
			code, _, errs = runMain(t, "keys", "revoke", "key_missing", "--db", db)
			if code != 1 || !strings.Contains(errs, `no API key has the ID "key_missing"`) {
				t.Errorf("keys revoke key_missing = %d %q", code, errs)
			}
		})
	}
}

func TestKeysUsage(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "p.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"keys"}, "missing sub-command"},
		{[]string{"keys", "rotate"}, `unknown sub-command "rotate"`},
		{[]string{"keys", "create", "--db", db, "--kind", "admin"}, "--kind must be secret or publishable"},
		{[]string{"keys", "create", "--db", db, "-o", "yaml"}, "-o must be table or json"},
		{[]string{"keys", "revoke", "--db", db}, "want one KEY_ID"},
		{[]string{"keys", "list", "--db", db, "extra"}, "want no arguments"},
	} {
		code, _, errs := runMain(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%q = %d %q, want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if code, out, _ := runMain(t, "keys", "--help"); code != 0 || !strings.Contains(out, "paystep keys create --kind secret") {
		t.Errorf("keys --help = %d %q", code, out)
	}
}
