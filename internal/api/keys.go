package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/store"
)

// KeyKind is what a key may do.
type KeyKind string

// The kinds of keys.
const (
	// SecretKey ("sk_…") is for servers: every /v1 call.
	SecretKey KeyKind = "secret"
	// PublishableKey ("pk_…") is for the pay page: it may only create and
	// confirm payments.
	PublishableKey KeyKind = "publishable"
)

func (k KeyKind) prefix() string {
	if k == PublishableKey {
		return "pk_"
	}
	return "sk_"
}

// Secret is an API key in the clear. It never prints its value: use
// string(s) where it must be shown, once, to its owner.
type Secret string

// LogValue redacts the key.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// String redacts the key.
func (Secret) String() string { return "[redacted]" }

// hashKey is what is stored of a key: its SHA-256, hex. Keys carry 130
// random bits, so a plain hash cannot be reversed by guessing.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// CreateKey makes a new key of kind, stores its hash and returns the key
// itself, which is shown once and never again.
func CreateKey(ctx context.Context, q store.PaymentQueries, kind KeyKind, name string, ids idgen.Generator, now time.Time) (Secret, *store.APIKey, error) {
	if kind != SecretKey && kind != PublishableKey {
		return "", nil, fmt.Errorf("api key kind %q: want secret or publishable", kind)
	}
	key := kind.prefix() + strings.ToLower(rand.Text()) + strings.ToLower(rand.Text())[:6]
	rec := &store.APIKey{
		ID: ids.New("key"), Kind: string(kind), Name: name, Hint: kind.prefix() + "…" + key[len(key)-4:],
		Hash: hashKey(key), CreatedAt: now.UTC().Truncate(time.Microsecond),
	}
	if err := q.APIKeyCreate(ctx, rec); err != nil {
		return "", nil, fmt.Errorf("create %s key: %w", kind, err)
	}
	return Secret(key), rec, nil
}

// DevelopmentKeys makes a secret and a publishable key when the store has
// no keys at all, as on a server's first start, and returns them (created
// true); otherwise it returns created false and no keys.
func DevelopmentKeys(ctx context.Context, st store.PaymentStore, ids idgen.Generator, now time.Time) (sk, pk Secret, created bool, err error) {
	err = st.PaymentInTx(ctx, func(q store.PaymentTx) error {
		keys, err := q.APIKeyList(ctx)
		if err != nil || len(keys) > 0 {
			return err
		}
		if sk, _, err = CreateKey(ctx, q, SecretKey, "development", ids, now); err != nil {
			return err
		}
		pk, _, err = CreateKey(ctx, q, PublishableKey, "development", ids, now)
		created = err == nil
		return err
	})
	if err != nil {
		return "", "", false, err
	}
	return sk, pk, created, nil
}

// keyFrom reads the key of a request: "Authorization: Bearer <key>", or
// the key as the Basic user name, as Stripe's clients send it.
func keyFrom(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if k, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(k)
	}
	if user, _, ok := r.BasicAuth(); ok {
		return user
	}
	return ""
}

// authenticate returns the valid key the request carries.
func (h *Handler) authenticate(r *http.Request) (*store.APIKey, error) {
	key := keyFrom(r)
	if !strings.HasPrefix(key, "sk_") && !strings.HasPrefix(key, "pk_") {
		return nil, errNoKey
	}
	k, err := h.st.APIKeyGetByHash(r.Context(), hashKey(key))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoKey
	}
	if err != nil {
		return nil, err
	}
	if !k.RevokedAt.IsZero() && !k.RevokedAt.After(h.clk.Now()) {
		return nil, errNoKey
	}
	return k, nil
}

var errNoKey = errors.New("no valid API key")
