package sandbox_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/psp/sandbox"
)

func (e *env) post(t *testing.T, path, key, form string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/sandbox"+path, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+string(apiKey))
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header
}

func TestIdempotencyLikeStripe(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Config{})
	status, first, h := e.post(t, "/v1/payment_intents", "key-1", "amount=100&currency=eur&metadata[a]=1&metadata[b]=2")
	if status != 200 || h.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first POST = %d %s", status, first)
	}
	// Same parameters in another order: replayed, marked.
	status, again, h := e.post(t, "/v1/payment_intents", "key-1", "metadata[b]=2&currency=eur&amount=100&metadata[a]=1")
	if status != 200 || again != first || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay = %d %s (replayed %q); want the first answer, marked", status, again, h.Get("Idempotent-Replayed"))
	}
	// Other parameters, or another endpoint: refused.
	for _, tc := range []struct{ path, form string }{
		{"/v1/payment_intents", "amount=101&currency=eur&metadata[a]=1&metadata[b]=2"},
		{"/v1/refunds", "payment_intent=pi_0001"},
	} {
		status, body, _ := e.post(t, tc.path, "key-1", tc.form)
		if status != 400 || !strings.Contains(body, `"type":"idempotency_error"`) || !strings.Contains(body, "same parameters") {
			t.Errorf("POST %s with a used key = %d %s; want 400 idempotency_error", tc.path, status, body)
		}
	}
	// A validation error is not stored: the key stays usable.
	status, body, _ := e.post(t, "/v1/payment_intents", "key-2", "amount=-1&currency=eur")
	if status != 400 || !strings.Contains(body, `"param":"amount"`) {
		t.Fatalf("invalid amount = %d %s", status, body)
	}
	if status, body, _ := e.post(t, "/v1/payment_intents", "key-2", "amount=5&currency=eur"); status != 200 {
		t.Errorf("key reused after a validation error = %d %s; want 200", status, body)
	}
	// Keys live 24 hours.
	e.clk.Advance(24*time.Hour + time.Second)
	e.post(t, "/v1/payment_intents", "key-3", "amount=7&currency=eur") // prunes expired keys
	if status, body, _ := e.post(t, "/v1/payment_intents", "key-1", "amount=999&currency=eur"); status != 200 {
		t.Errorf("key reused after 24h = %d %s; want a fresh request", status, body)
	}
}
