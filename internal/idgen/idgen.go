// Package idgen makes the IDs of paystep's objects ("pay_…", "re_…",
// "evt_…"). Domain code receives a Generator instead of calling a random
// source, so tests can use Sequential and get stable IDs.
package idgen

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
)

// Generator makes IDs with a prefix, such as New("pay") = "pay_…".
type Generator interface {
	New(prefix string) string
}

// Random makes IDs of 26 base32 characters from crypto/rand (130 bits).
type Random struct{}

// New returns prefix_ and 26 random lower-case base32 characters.
func (Random) New(prefix string) string { return prefix + "_" + strings.ToLower(rand.Text()) }

// Sequential makes prefix_000001, prefix_000002, … counting each prefix on
// its own. The zero value is ready to use; it is safe for concurrent use.
type Sequential struct {
	mu sync.Mutex
	n  map[string]int
}

// New returns the next ID for prefix.
func (s *Sequential) New(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[string]int{}
	}
	s.n[prefix]++
	return fmt.Sprintf("%s_%06d", prefix, s.n[prefix])
}
