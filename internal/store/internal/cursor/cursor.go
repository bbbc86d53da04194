// Package cursor encodes the opaque page cursors of the stores' List methods.
package cursor

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/paystep/paystep/internal/store"
)

// Encode returns the cursor for v, which must marshal to JSON.
func Encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cursor: %v", err)) // the stores pass plain values
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode reads a cursor made by Encode into v, or returns store.ErrInvalidCursor.
func Decode(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return fmt.Errorf("cursor %q: %w", s, store.ErrInvalidCursor)
	}
	return nil
}
