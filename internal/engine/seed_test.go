package engine

import (
	"bytes"
	"os"
	"testing"

	"github.com/paystep/paystep/internal/sharedtest"
)

// readSeed003 returns the seed 003 definition, checking that the copy shipped
// in examples/ has not drifted from it.
func readSeed003(t *testing.T) string {
	t.Helper()
	seed, err := os.ReadFile(sharedtest.Path(t, "seeds", "003-state-machine.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	shipped, err := os.ReadFile("../../examples/seed003/state-machine.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(seed, shipped) {
		t.Error("examples/seed003/state-machine.asl.json differs from the seed 003 definition")
	}
	return string(seed)
}
