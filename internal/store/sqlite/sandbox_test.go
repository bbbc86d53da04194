package sqlite_test

import (
	"testing"

	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/storetest"
)

func TestSandboxStore(t *testing.T) {
	t.Parallel()
	storetest.RunSandbox(t, func(t *testing.T) store.SandboxStore { return openTemp(t) })
}
