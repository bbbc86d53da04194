package sandbox

import (
	"testing"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/storetest"
)

// The memory store keeps the contract the database backends keep.
func TestMemStore(t *testing.T) {
	t.Parallel()
	storetest.RunSandbox(t, func(t *testing.T) store.SandboxStore { return newMemStore() })
}
