package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/api"
	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/paytest"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/psptest"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/store/dbtest"
)

var start = psptest.Start

// env is the API served over real HTTP on 127.0.0.1, on a real store and
// the in-process sandbox PSP.
type env struct {
	*paytest.Env
	t      *testing.T
	h      *api.Handler
	srv    *httptest.Server
	sk, pk string
}

func newEnv(t *testing.T, st store.PaymentStore, wrap func(psp.Provider) psp.Provider) *env {
	t.Helper()
	e := &env{t: t, Env: paytest.NewEnv(t, st, paytest.EnvOptions{Wrap: wrap})}
	e.h = api.New(e.Service, st, api.Config{Clock: e.Clock})
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(e.srv.Close)
	sk, pk, created, err := api.DevelopmentKeys(t.Context(), st, e.IDs, e.Clock.Now())
	if err != nil || !created {
		t.Fatalf("DevelopmentKeys = %v, %v", created, err)
	}
	e.sk, e.pk = string(sk), string(pk)
	return e
}

type response struct{ paytest.Response }

// errorOf returns the error object's type, code and param.
func (r response) errorOf(t *testing.T) string {
	t.Helper()
	e, _ := r.JSON(t)["error"].(map[string]any)
	return fmt.Sprintf("%d %v/%v/%v", r.Status, e["type"], e["code"], e["param"])
}

// do makes a request with key (none when "") as a bearer token; header
// holds name, value pairs.
func (e *env) do(method, path, key, body string, header ...string) response {
	e.t.Helper()
	if key != "" {
		header = append(header, "Authorization", "Bearer "+key)
	}
	return response{paytest.Do(e.t, method, e.srv.URL+path, body, header...)}
}

func (e *env) createPayment(body string) string {
	e.t.Helper()
	r := e.do("POST", "/v1/payments", e.sk, body)
	if r.Status != 200 {
		e.t.Fatalf("POST /v1/payments = %d %s", r.Status, r.Body)
	}
	return r.JSON(e.t)["id"].(string)
}

// succeed applies the PSP's payment.succeeded event for a payment, as the
// webhook intake does.
func (e *env) succeed(id string) {
	e.t.Helper()
	p, err := e.Service.Get(e.t.Context(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, _, err := e.Apply(e.t, e.Event(e.t, p, psp.EventPaymentSucceeded, "evt_ok_"+id)); err != nil {
		e.t.Fatal(err)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.Open(t, "sqlite").(store.PaymentStore), nil)
	for _, tc := range []struct {
		name, key string
	}{{"none", ""}, {"unknown", "sk_nope"}, {"not a key", "hello"}} {
		r := e.do("GET", "/v1/payments", tc.key, "")
		if r.errorOf(t) != "401 authentication_error/invalid_api_key/<nil>" || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s key: %s %s", tc.name, r.errorOf(t), r.Body)
		}
		if bytes.Contains(r.Body, []byte(`"data"`)) {
			t.Errorf("%s key: the 401 leaked data: %s", tc.name, r.Body)
		}
	}
	// Basic auth with the key as user name works too, as Stripe's clients send it.
	req, _ := http.NewRequest("GET", e.srv.URL+"/v1/payments", nil)
	req.SetBasicAuth(e.sk, "")
	resp, err := e.srv.Client().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("Basic auth: %v, %v", resp.Status, err)
	}
	resp.Body.Close()

	// A publishable key may create and confirm, nothing else.
	r := e.do("POST", "/v1/payments", e.pk, `{"amount":1050,"currency":"eur"}`)
	if r.Status != 200 {
		t.Fatalf("create with the publishable key: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	if r := e.do("POST", "/v1/payments/"+id+"/confirm", e.pk, `{"payment_method":"pm_card_visa"}`); r.Status != 200 {
		t.Errorf("confirm with the publishable key: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct{ method, path string }{{"GET", "/v1/payments"}, {"GET", "/v1/payments/" + id}, {"POST", "/v1/payments/" + id + "/cancel"},
		{"POST", "/v1/refunds"}, {"GET", "/v1/events"}, {"POST", "/v1/payments/" + id + "/confirm/x"}} {
		if r := e.do(c.method, c.path, e.pk, "{}"); r.errorOf(t) != "403 permission_error/secret_key_required/<nil>" {
			t.Errorf("%s %s with the publishable key: %s", c.method, c.path, r.errorOf(t))
		}
	}

	// Revoked keys stop working; the development keys are made once.
	keys, err := e.Store.APIKeyList(t.Context())
	if err != nil || len(keys) != 2 {
		t.Fatalf("APIKeyList = %v, %v", keys, err)
	}
	for _, k := range keys {
		if strings.Contains(k.Hash, e.sk) || strings.Contains(k.Hint, e.sk[3:]) || k.Hash == e.sk {
			t.Errorf("key %s is stored in the clear", k.ID)
		}
	}
	if _, _, created, err := api.DevelopmentKeys(t.Context(), e.Store, &idgen.Sequential{}, start); err != nil || created {
		t.Errorf("DevelopmentKeys again = %v, %v; want none made", created, err)
	}
	if err := e.Store.APIKeyRevoke(t.Context(), keys[0].ID, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/v1/payments", e.sk, ""); r.Status != 401 {
		t.Errorf("revoked key: %d", r.Status)
	}
	if s := fmt.Sprint(api.Secret("sk_live_x")); s != "[redacted]" {
		t.Errorf("Secret prints %q", s)
	}
}

func TestPaymentFlow(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		r := e.do("POST", "/v1/payments", e.sk, `{"amount":1050,"currency":"eur","customer":"cus_ada","description":"tea","metadata":{"order":"42"}}`)
		got := r.JSON(t)
		if r.Status != 200 || got["id"] != "pay_000001" || got["status"] != "created" || got["currency"] != "EUR" || got["amount"] != 1050.0 ||
			got["object"] != "payment" || got["capture_method"] != "automatic" || got["psp_reference"] == "" || r.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("create = %d %s", r.Status, r.Body)
		}
		id := got["id"].(string)
		r = e.do("POST", "/v1/payments/"+id+"/confirm", e.sk, `{"payment_method":"pm_card_visa","return_url":"https://shop.test/done"}`)
		if got := r.JSON(t); r.Status != 200 || got["status"] != "processing" || got["payment_method"].(map[string]any)["last4"] != "4242" {
			t.Fatalf("confirm = %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/v1/payments/"+id+"/capture", e.sk, ""); r.errorOf(t) != "400 invalid_request_error/payment_unexpected_state/<nil>" {
			t.Errorf("capture of an automatic payment = %s", r.errorOf(t))
		}
		e.succeed(id)
		r = e.do("GET", "/v1/payments/"+id, e.sk, "")
		got = r.JSON(t)
		if r.Status != 200 || got["status"] != "succeeded" || got["amount_captured"] != 1050.0 || len(got["transitions"].([]any)) != 3 {
			t.Fatalf("get = %d %s", r.Status, r.Body)
		}
		last := got["transitions"].([]any)[2].(map[string]any)
		if last["from"] != "processing" || last["to"] != "succeeded" || last["cause"] != "webhook" || last["psp_event_id"] != "evt_ok_"+id {
			t.Errorf("last transition = %v", last)
		}

		r = e.do("POST", "/v1/refunds", e.sk, `{"payment":"`+id+`","amount":600,"reason":"requested_by_customer"}`)
		ref := r.JSON(t)
		if r.Status != 200 || ref["status"] != "succeeded" || ref["amount"] != 600.0 || ref["payment"] != id {
			t.Fatalf("refund = %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/v1/refunds", e.sk, `{"payment":"`+id+`","amount":451}`); r.errorOf(t) != "400 invalid_request_error/refund_not_allowed/amount" {
			t.Errorf("refund beyond what remains = %s", r.errorOf(t))
		}
		if r := e.do("GET", "/v1/refunds/"+ref["id"].(string), e.sk, ""); r.Status != 200 || r.JSON(t)["status"] != "succeeded" {
			t.Errorf("get refund = %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/v1/refunds/re_nope", e.sk, ""); r.errorOf(t) != "404 invalid_request_error/resource_missing/<nil>" {
			t.Errorf("get missing refund = %s", r.errorOf(t))
		}
		if r := e.do("GET", "/v1/payments/pay_nope", e.sk, ""); r.errorOf(t) != "404 invalid_request_error/resource_missing/<nil>" {
			t.Errorf("get missing payment = %s", r.errorOf(t))
		}

		r = e.do("GET", "/v1/events?object_id="+id, e.sk, "")
		var types []string
		for _, ev := range r.JSON(t)["data"].([]any) {
			types = append(types, ev.(map[string]any)["type"].(string))
		}
		if fmt.Sprint(types) != "[payment.succeeded payment.processing payment.created]" {
			t.Errorf("events = %v (%s)", types, r.Body)
		}
		r = e.do("GET", "/v1/events?type=refund.succeeded", e.sk, "")
		data := r.JSON(t)["data"].([]any)
		if len(data) != 1 || data[0].(map[string]any)["data"].(map[string]any)["object"].(map[string]any)["payment_id"] != id {
			t.Errorf("refund events = %s", r.Body)
		}
	})
}

func TestListPayments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.Open(t, "sqlite").(store.PaymentStore), nil)
	for i := range 5 {
		e.Clock.Advance(time.Second)
		e.createPayment(fmt.Sprintf(`{"amount":%d,"currency":"usd","customer":"cus_%d"}`, 100+i, i%2))
	}
	var ids []string
	cursor := ""
	for range 5 {
		r := e.do("GET", "/v1/payments?limit=2&cursor="+cursor, e.sk, "")
		page := r.JSON(t)
		for _, p := range page["data"].([]any) {
			ids = append(ids, p.(map[string]any)["id"].(string))
		}
		if page["has_more"] != true {
			break
		}
		cursor = page["next_cursor"].(string)
	}
	if fmt.Sprint(ids) != "[pay_000005 pay_000004 pay_000003 pay_000002 pay_000001]" {
		t.Errorf("pages = %v", ids)
	}
	r := e.do("GET", "/v1/payments?customer=cus_1&status=created&created_after="+start.Add(2*time.Second).Format(time.RFC3339), e.sk, "")
	if data := r.JSON(t)["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != "pay_000004" {
		t.Errorf("filtered = %s", r.Body)
	}
	for q, want := range map[string]string{
		"limit=0":              "400 invalid_request_error/parameter_invalid/limit",
		"limit=x":              "400 invalid_request_error/parameter_invalid/limit",
		"status=paid":          "400 invalid_request_error/parameter_invalid/status",
		"created_after=monday": "400 invalid_request_error/parameter_invalid/created_after",
		"cursor=garbage":       "400 invalid_request_error/parameter_invalid/cursor",
	} {
		if got := e.do("GET", "/v1/payments?"+q, e.sk, "").errorOf(t); got != want {
			t.Errorf("?%s = %s, want %s", q, got, want)
		}
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.Open(t, "sqlite").(store.PaymentStore), nil)
	for _, tc := range []struct{ body, want string }{
		{`{"amount":1050,"currency":"eur","colour":"red"}`, "400 invalid_request_error/parameter_unknown/colour"},
		{`{"amount":10.5,"currency":"eur"}`, "400 invalid_request_error/parameter_invalid/amount"},
		{`{"amount":"1050","currency":"eur"}`, "400 invalid_request_error/parameter_invalid/amount"},
		{`{"amount":1050,"currency":"euro"}`, "400 invalid_request_error/parameter_invalid/currency"},
		{`{"amount":1050}`, "400 invalid_request_error/parameter_invalid/currency"},
		{`{"amount":0,"currency":"eur"}`, "400 invalid_request_error/parameter_invalid/amount"},
		{`{"amount":1050,"currency":"eur","capture_method":"later"}`, "400 invalid_request_error/parameter_invalid/capture_method"},
		{`{"amount":1050,`, "400 invalid_request_error/parameter_invalid/<nil>"},
		{`{"amount":1050,"currency":"eur"} {}`, "400 invalid_request_error/parameter_invalid/<nil>"},
		{`[1,2]`, "400 invalid_request_error/parameter_invalid/<nil>"},
		// Card numbers anywhere are refused before anything is stored or logged.
		{`{"amount":1050,"currency":"eur","description":"card 4242 4242 4242 4242"}`, "400 invalid_request_error/card_data_forbidden/description"},
		{`{"amount":1050,"currency":"eur","metadata":{"pan":"4000-0025-0000-3155"}}`, "400 invalid_request_error/card_data_forbidden/metadata[pan]"},
		{`{"amount":1050,"currency":"eur","card":{"number":4242424242424242}}`, "400 invalid_request_error/card_data_forbidden/card[number]"},
		{`{"amount":1050,"currency":"eur","4111111111111111":1}`, "400 invalid_request_error/card_data_forbidden/body"},
		{`not json 5555555555554444`, "400 invalid_request_error/card_data_forbidden/body"},
	} {
		if got := e.do("POST", "/v1/payments", e.sk, tc.body).errorOf(t); got != tc.want {
			t.Errorf("POST %s = %s, want %s", tc.body, got, tc.want)
		}
	}
	if got := e.do("GET", "/v1/payments?customer=4242424242424242", e.sk, "").errorOf(t); got != "400 invalid_request_error/card_data_forbidden/customer" {
		t.Errorf("card in the query = %s", got)
	}
	big := `{"amount":1050,"currency":"eur","description":"` + strings.Repeat("x", 70<<10) + `"}`
	if got := e.do("POST", "/v1/payments", e.sk, big).errorOf(t); got != "413 invalid_request_error/body_too_large/<nil>" {
		t.Errorf("large body = %s", got)
	}
	if got := e.do("DELETE", "/v1/nothing", e.sk, "").errorOf(t); got != "404 invalid_request_error/unknown_route/<nil>" {
		t.Errorf("unknown route = %s", got)
	}
	ps, _, err := e.Store.PaymentList(t.Context(), store.PaymentFilter{})
	if err != nil || len(ps) != 0 {
		t.Errorf("refused requests stored %d payments, %v", len(ps), err)
	}
	if n := e.Count.Calls("create"); n != 0 {
		t.Errorf("refused requests made %d PSP calls", n)
	}
}

func TestDecline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.Open(t, "sqlite").(store.PaymentStore), nil)
	id := e.createPayment(`{"amount":1050,"currency":"eur"}`)
	r := e.do("POST", "/v1/payments/"+id+"/confirm", e.sk, `{"payment_method":"pm_card_visa_chargeDeclinedInsufficientFunds"}`)
	body := r.JSON(t)["error"].(map[string]any)
	if r.Status != 402 || body["type"] != "card_error" || body["code"] != "card_declined" || body["decline_code"] != "insufficient_funds" {
		t.Fatalf("declined confirm = %d %s", r.Status, r.Body)
	}
	p := body["payment"].(map[string]any)
	if p["status"] != "created" || p["last_payment_error"].(map[string]any)["decline_code"] != "insufficient_funds" {
		t.Errorf("payment in the error = %v", p)
	}
	if r := e.do("POST", "/v1/payments/"+id+"/confirm", e.sk, `{}`); r.errorOf(t) != "400 invalid_request_error/parameter_invalid/payment_method" {
		t.Errorf("confirm without a method = %s", r.errorOf(t))
	}
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		body := `{"amount":1050,"currency":"eur","metadata":{"a":"1","b":"2"}}`
		first := e.do("POST", "/v1/payments", e.sk, body, "Idempotency-Key", "order-42")
		if first.Status != 200 || first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("first = %d %s", first.Status, first.Body)
		}
		// The same parameters, written differently, replay the response.
		again := e.do("POST", "/v1/payments", e.sk, `{ "metadata": {"b":"2","a":"1"}, "currency":"eur", "amount":1050 }`, "Idempotency-Key", "order-42")
		if again.Status != 200 || again.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.Body, first.Body) {
			t.Errorf("replay = %d %q %s", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
		}
		if n := e.Count.Calls("create"); n != 1 {
			t.Errorf("%d PSP creates, want 1", n)
		}
		if got := e.do("POST", "/v1/payments", e.sk, `{"amount":2000,"currency":"eur"}`, "Idempotency-Key", "order-42").errorOf(t); got != "400 idempotency_error/idempotency_key_reused/Idempotency-Key" {
			t.Errorf("other parameters = %s", got)
		}
		id := first.JSON(t)["id"].(string)
		if got := e.do("POST", "/v1/payments/"+id+"/cancel", e.sk, ``, "Idempotency-Key", "order-42").errorOf(t); got != "400 idempotency_error/idempotency_key_reused/Idempotency-Key" {
			t.Errorf("other endpoint = %s", got)
		}
		// Keys are per API key: another key's same key is its own.
		sk2, _, err := api.CreateKey(t.Context(), e.Store, api.SecretKey, "other", idgen.Random{}, start)
		if err != nil {
			t.Fatal(err)
		}
		if r := e.do("POST", "/v1/payments", string(sk2), body, "Idempotency-Key", "order-42"); r.Status != 200 || r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("same key under another API key = %d %q", r.Status, r.Header.Get("Idempotent-Replayed"))
		}
		// Errors a client made are kept and replayed too.
		bad := e.do("POST", "/v1/payments", e.sk, `{"amount":-1,"currency":"eur"}`, "Idempotency-Key", "bad-1")
		if replay := e.do("POST", "/v1/payments", e.sk, `{"amount":-1,"currency":"eur"}`, "Idempotency-Key", "bad-1"); bad.Status != 400 ||
			replay.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(replay.Body, bad.Body) {
			t.Errorf("replayed 400 = %d %q", replay.Status, replay.Header.Get("Idempotent-Replayed"))
		}
		if got := e.do("POST", "/v1/payments", e.sk, body, "Idempotency-Key", strings.Repeat("k", 256)).errorOf(t); got != "400 invalid_request_error/parameter_invalid/Idempotency-Key" {
			t.Errorf("long key = %s", got)
		}
		// Keys live 24 hours at least, then go.
		e.Clock.Advance(23 * time.Hour)
		if n, err := e.h.PurgeIdempotencyKeys(t.Context()); err != nil || n != 0 {
			t.Errorf("purge after 23h = %d, %v", n, err)
		}
		e.Clock.Advance(2 * time.Hour)
		if n, err := e.h.PurgeIdempotencyKeys(t.Context()); err != nil || n != 3 {
			t.Errorf("purge after 25h = %d, %v; want 3", n, err)
		}
		if r := e.do("POST", "/v1/payments", e.sk, body, "Idempotency-Key", "order-42"); r.Status != 200 || r.Header.Get("Idempotent-Replayed") != "" || r.JSON(t)["id"] == id {
			t.Errorf("after purge = %d %s", r.Status, r.Body)
		}
	})
}

// blockingConfirm holds confirmations until release is closed.
type blockingConfirm struct {
	psp.Provider
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingConfirm) Confirm(ctx context.Context, p psp.ConfirmParams) (*psp.Intent, error) {
	b.once.Do(func() { close(b.entered) })
	<-b.release
	return b.Provider.Confirm(ctx, p)
}

func TestIdempotencyInFlight(t *testing.T) {
	t.Parallel()
	block := &blockingConfirm{entered: make(chan struct{}), release: make(chan struct{})}
	e := newEnv(t, dbtest.Open(t, "sqlite").(store.PaymentStore), func(p psp.Provider) psp.Provider { block.Provider = p; return block })
	id := e.createPayment(`{"amount":1050,"currency":"eur"}`)
	done := make(chan response)
	go func() {
		done <- e.do("POST", "/v1/payments/"+id+"/confirm", e.sk, `{"payment_method":"pm_card_visa"}`, "Idempotency-Key", "c1")
	}()
	select {
	case <-block.entered:
	case <-time.After(30 * time.Second):
		t.Fatal("the first confirmation never reached the PSP")
	}
	if got := e.do("POST", "/v1/payments/"+id+"/confirm", e.sk, `{"payment_method":"pm_card_visa"}`, "Idempotency-Key", "c1").errorOf(t); got != "409 idempotency_error/idempotency_key_in_use/Idempotency-Key" {
		t.Errorf("while in flight = %s", got)
	}
	close(block.release)
	first := <-done
	if first.Status != 200 {
		t.Fatalf("first = %d %s", first.Status, first.Body)
	}
	if r := e.do("POST", "/v1/payments/"+id+"/confirm", e.sk, `{"payment_method":"pm_card_visa"}`, "Idempotency-Key", "c1"); r.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(r.Body, first.Body) {
		t.Errorf("after = %d %s", r.Status, r.Body)
	}

	// A key left in flight by a crashed node frees up after InFlightTimeout.
	keys, _ := e.Store.APIKeyList(t.Context())
	if _, err := e.Store.IdempotencyBegin(t.Context(), &store.IdempotencyKey{Scope: keys[0].ID, Key: "orphan", Method: "POST", Path: "/v1/payments",
		RequestHash: "whatever it was", CreatedAt: e.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	body := `{"amount":1050,"currency":"eur"}`
	if got := e.do("POST", "/v1/payments", e.sk, body, "Idempotency-Key", "orphan").errorOf(t); got != "400 idempotency_error/idempotency_key_reused/Idempotency-Key" {
		t.Errorf("orphan with other parameters = %s", got)
	}
	e.Clock.Advance(3 * time.Minute)
	if r := e.do("POST", "/v1/payments", e.sk, body, "Idempotency-Key", "orphan"); r.Status != 200 {
		t.Errorf("orphan after the timeout = %d %s", r.Status, r.Body)
	}
	want := map[string]uint64{api.IdempotencyStored: 2, api.IdempotencyInUse: 1, api.IdempotencyReplayed: 1, api.IdempotencyMismatch: 1}
	if got := e.h.Stats().Idempotency; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Stats().Idempotency = %v, want %v", got, want)
	}
}

// TestConcurrentConfirmsOneKey sends 100 confirmations of one payment with
// one Idempotency-Key at once: the PSP sees one call; every answer is the
// first one's response, replayed, or a 409 while it ran.
func TestConcurrentConfirmsOneKey(t *testing.T) {
	t.Parallel()
	paytest.ForEachBackend(t, func(t *testing.T, st store.PaymentStore) {
		e := newEnv(t, st, nil)
		id := e.createPayment(`{"amount":1050,"currency":"eur"}`)
		const n = 100
		results := make(chan response, n)
		var wg sync.WaitGroup
		startLine := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-startLine
				results <- e.do("POST", "/v1/payments/"+id+"/confirm", e.sk, `{"payment_method":"pm_card_visa"}`, "Idempotency-Key", "pay-once")
			})
		}
		close(startLine)
		wg.Wait()
		close(results)
		var ok, busy int
		var body []byte
		for r := range results {
			switch r.Status {
			case 200:
				ok++
				if body != nil && !bytes.Equal(body, r.Body) {
					t.Errorf("two different 200 bodies:\n%s\n%s", body, r.Body)
				}
				body = r.Body
			case 409:
				busy++
			default:
				t.Errorf("confirm = %d %s", r.Status, r.Body)
			}
		}
		if calls := e.Count.Calls("confirm"); calls != 1 || ok < 1 || ok+busy != n {
			t.Errorf("%d PSP confirmations, %d answered 200, %d 409; want 1 call", calls, ok, busy)
		}
		in, err := e.Fake.Retrieve(t.Context(), mustPSPRef(t, e, id))
		if err != nil || in.AmountReceived != 1050 {
			t.Errorf("at the PSP: %d received, %v", in.AmountReceived, err)
		}
	})
}

func mustPSPRef(t *testing.T, e *env, id string) string {
	t.Helper()
	p, err := e.Service.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.PSPReference
}

func TestManualCaptureAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.Open(t, "sqlite").(store.PaymentStore), nil)
	id := e.createPayment(`{"amount":1050,"currency":"eur","capture_method":"manual"}`)
	if r := e.do("POST", "/v1/payments/"+id+"/confirm", e.sk, `{"payment_method":"pm_card_visa"}`); r.JSON(t)["status"] != "requires_capture" {
		t.Fatalf("confirm = %s", r.Body)
	}
	if got := e.do("POST", "/v1/payments/"+id+"/capture", e.sk, `{"amount_to_capture":5000}`).errorOf(t); got != "400 invalid_request_error/parameter_invalid/amount_to_capture" {
		t.Errorf("capture too much = %s", got)
	}
	if r := e.do("POST", "/v1/payments/"+id+"/capture", e.sk, `{"amount_to_capture":700}`); r.Status != 200 || r.JSON(t)["status"] != "requires_capture" {
		t.Errorf("capture = %d %s", r.Status, r.Body)
	}
	id2 := e.createPayment(`{"amount":300,"currency":"jpy"}`)
	if r := e.do("POST", "/v1/payments/"+id2+"/cancel", e.sk, ``); r.Status != 200 || r.JSON(t)["status"] != "created" {
		t.Errorf("cancel at the PSP = %d %s; want it created until the PSP's event", r.Status, r.Body)
	}
	if got := e.do("POST", "/v1/payments/"+id2+"/cancel", e.sk, `{"reason":"x"}`).errorOf(t); got != "400 invalid_request_error/parameter_unknown/reason" {
		t.Errorf("cancel with a reason = %s", got)
	}
}
