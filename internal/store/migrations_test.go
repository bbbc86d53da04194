package store_test

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMigrationsMatch checks that both backends have the same migrations,
// so a schema version means the same on either.
func TestMigrationsMatch(t *testing.T) {
	t.Parallel()
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	sqlite, postgres := names("sqlite/migrations"), names("postgres/migrations")
	if len(sqlite) == 0 {
		t.Fatal("no migrations in sqlite/migrations")
	}
	if diff := cmp.Diff(sqlite, postgres); diff != "" {
		t.Errorf("migration files differ (-sqlite +postgres):\n%s", diff)
	}
}
