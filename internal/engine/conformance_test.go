package engine_test

import (
	"testing"

	"github.com/paystep/paystep/internal/conformancetest"
)

// TestConformanceASL runs every case of asl-dev.jsonl in-process
// (conformancetest.RunLocal) and compares it with what AWS recorded; it logs
// the passes by feature and fails below a 97% pass rate.
func TestConformanceASL(t *testing.T) {
	t.Parallel()
	var tally conformancetest.Tally
	for _, c := range conformancetest.Load(t) {
		tally.Add(&c, conformancetest.CheckLocal(&c))
	}
	tally.Log(t, "asl-dev")
	if tally.Total == 0 || tally.Rate() < 0.97 {
		t.Errorf("conformance pass rate %.1f%% is below 97%%", 100*tally.Rate())
	}
}
