// Package sharedtest locates the project's shared folder (the conformance
// data, seeds and benchmark beside the repository) for tests.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared folder: $PAYSTEP_SHARED, or "../shared" beside the
// module root. It fails the test when the folder is missing, because the
// suites that need it must not pass by running nothing.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("PAYSTEP_SHARED"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(dir, "..", "shared")
			if _, err := os.Stat(shared); err != nil {
				t.Fatalf("the shared folder is missing beside the repository (set PAYSTEP_SHARED): %v", err)
			}
			return shared
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the working directory")
		}
	}
}

// Path joins elem onto Dir.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{Dir(t)}, elem...)...)
}
