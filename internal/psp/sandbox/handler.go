package sandbox

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

const (
	maxBody         = 64 << 10
	maxIdemKeyLen   = 255
	idempotencyTTL  = 24 * time.Hour
	maxMetadataKeys = 50
)

func (s *Sandbox) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/payment_methods", s.handleTokenize)
	mux.HandleFunc("GET /v1/payment_methods/{id}", s.api(s.handleGetMethod))
	mux.HandleFunc("POST /v1/payment_intents", s.api(s.handleCreate))
	mux.HandleFunc("GET /v1/payment_intents/{id}", s.api(s.handleGetIntent))
	mux.HandleFunc("POST /v1/payment_intents/{id}/confirm", s.api(s.handleConfirm))
	mux.HandleFunc("POST /v1/payment_intents/{id}/capture", s.api(s.handleCapture))
	mux.HandleFunc("POST /v1/payment_intents/{id}/cancel", s.api(s.handleCancel))
	mux.HandleFunc("POST /v1/refunds", s.api(s.handleCreateRefund))
	mux.HandleFunc("GET /v1/refunds/{id}", s.api(s.handleGetRefund))
	mux.HandleFunc("GET /v1/events/{id}", s.api(s.handleGetEvent))
	mux.HandleFunc("GET /3ds/{id}/{challenge}", s.handleChallengePage)
	mux.HandleFunc("POST /3ds/{id}/{challenge}", s.handleChallengeAnswer)
	mux.HandleFunc("GET /3ds.css", handleCSS)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, &wireError{Error: wireCardError{Type: string(psp.ErrorTypeInvalidRequest),
			Message: fmt.Sprintf("Unrecognized request URL (%s: %s).", r.Method, r.URL.Path)}})
	})
	return mux
}

// params is a request's form parameters, tracking which were read so the
// rest can be refused as unknown, as Stripe does.
type params struct {
	v    url.Values
	used map[string]bool
}

func (p *params) get(key string) string {
	p.used[key] = true
	return p.v.Get(key)
}

func (p *params) has(key string) bool {
	p.used[key] = true
	_, ok := p.v[key]
	return ok
}

func (p *params) int(key string) (int64, bool, *apiError) {
	if !p.has(key) {
		return 0, false, nil
	}
	n, err := parseInt(key, p.get(key))
	return n, true, err
}

// prefixed returns the values of keys "<name>[<sub>]" by sub.
func (p *params) prefixed(name string) map[string]string {
	out := map[string]string{}
	for k := range p.v {
		if sub, ok := strings.CutPrefix(k, name+"["); ok && strings.HasSuffix(sub, "]") {
			p.used[k] = true
			out[strings.TrimSuffix(sub, "]")] = p.v.Get(k)
		}
	}
	return out
}

func (p *params) metadata() (map[string]string, *apiError) {
	md := p.prefixed("metadata")
	if len(md) > maxMetadataKeys {
		return nil, badParam("metadata", "Invalid metadata: at most %d keys, got %d.", maxMetadataKeys, len(md))
	}
	for k, v := range md {
		if k == "" || len(k) > 40 || len(v) > 500 {
			return nil, badParam("metadata["+clip(k)+"]", "Invalid metadata: keys are 1 to 40 characters, values at most 500.")
		}
	}
	if len(md) == 0 {
		return nil, nil
	}
	return md, nil
}

// expand reads expand[] (or stripe-go's expand[0], expand[1], …).
func (p *params) expand() map[string]bool {
	out := map[string]bool{}
	for k, vs := range p.v {
		if k == "expand" || k == "expand[]" || (strings.HasPrefix(k, "expand[") && strings.HasSuffix(k, "]")) {
			p.used[k] = true
			for _, v := range vs {
				out[v] = true
			}
		}
	}
	return out
}

func (p *params) unknown() *apiError {
	var extra []string
	for k := range p.v {
		if !p.used[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	sort.Strings(extra)
	return &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest, Code: "parameter_unknown", Param: extra[0],
		Message: fmt.Sprintf("Received unknown parameter: %s", clip(extra[0])), validation: true}
}

func readParams(r *http.Request, w http.ResponseWriter) (*params, *apiError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return nil, &apiError{Status: http.StatusBadRequest, Type: psp.ErrorTypeInvalidRequest,
			Message: "Invalid request body: " + err.Error(), validation: true}
	}
	v := r.Form
	if r.Method == http.MethodPost {
		v = r.PostForm
		for k, vs := range r.URL.Query() { // expand may come in the query
			v[k] = append(v[k], vs...)
		}
	}
	return &params{v: v, used: map[string]bool{}}, nil
}

// apiHandler serves one API call on t: a write transaction for POST, a
// read of the stored state otherwise.
type apiHandler func(t *txn, r *http.Request, p *params) (status int, body any, err *apiError)

// api wraps an API handler with the API key check, parameter parsing,
// idempotency, the transaction and rendering.
func (s *Sandbox) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Request-Id", s.cfg.NewID("req"))
		if s.cfg.APIKey != "" {
			key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.APIKey)) != 1 {
				writeJSON(w, http.StatusUnauthorized, &wireError{Error: wireCardError{Type: string(psp.ErrorTypeAuthentication),
					Message: "Invalid API Key provided: pass the sandbox's secret key as \"Authorization: Bearer <key>\"."}})
				return
			}
		}
		s.serve(w, r, h)
	}
}

func (s *Sandbox) serve(w http.ResponseWriter, r *http.Request, h apiHandler) {
	p, perr := readParams(r, w)
	if perr != nil {
		writeJSON(w, perr.Status, renderBareError(perr))
		return
	}
	idemKey := r.Header.Get("Idempotency-Key")
	if len(idemKey) > maxIdemKeyLen {
		writeJSON(w, http.StatusBadRequest, &wireError{Error: wireCardError{Type: string(psp.ErrorTypeInvalidRequest),
			Message: fmt.Sprintf("Idempotency-Key is %d characters long; at most %d are allowed.", len(idemKey), maxIdemKeyLen)}})
		return
	}
	write := r.Method == http.MethodPost
	if !write {
		idemKey = "" // reads need no key and are never replayed
	}
	// The request's fingerprint is a hash: a tokenisation's carries the
	// card number, which must not be stored.
	sum := sha256.Sum256([]byte(r.Method + " " + r.URL.Path + "?" + p.v.Encode()))
	fingerprint := hex.EncodeToString(sum[:])

	// Once begun, the call runs to its end even if the caller hangs up.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), opTimeout)
	defer cancel()
	var (
		status   int
		raw      []byte
		replayed bool
		err      error
	)
	run := func(t *txn) error {
		status, raw, replayed = 0, nil, false
		if idemKey != "" {
			e, err := t.q.SandboxIdempotencyGet(ctx, idemKey)
			switch {
			case err == nil && t.now.Sub(e.CreatedAt) <= idempotencyTTL:
				if e.Fingerprint != fingerprint {
					status, raw = http.StatusBadRequest, mustJSON(&wireError{Error: wireCardError{Type: string(psp.ErrorTypeIdempotency),
						Message: fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request.", clip(idemKey))}})
					return nil
				}
				status, raw, replayed = e.Status, e.Body, true
				return nil
			case err != nil && !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		st, body, aerr := h(t, r, p) // handlers refuse unknown parameters before acting
		if t.err != nil {
			return t.err
		}
		var out any = body
		if aerr != nil {
			st, out = aerr.Status, t.renderError(aerr)
		}
		status, raw = st, mustJSON(out)
		if idemKey != "" && (aerr == nil || !aerr.validation) {
			if _, err := t.q.SandboxIdempotencyDeleteBefore(ctx, t.now.Add(-idempotencyTTL)); err != nil {
				return err
			}
			return t.q.SandboxIdempotencyPut(ctx, &store.SandboxIdempotency{Key: idemKey, Fingerprint: fingerprint, Status: status, Body: raw, CreatedAt: t.now})
		}
		return nil
	}
	if !write {
		var rerr error
		if err = s.view(ctx, func(t *txn) { rerr = run(t) }); err == nil {
			err = rerr
		}
	} else {
		// A conflict — the same key stored meanwhile by a concurrent call,
		// or a deadlock — rolls the call back: run it again, to replay
		// the other's answer or to act on what it left.
		for range 3 {
			if err = s.update(ctx, run); !errors.Is(err, store.ErrExists) && !errors.Is(err, store.ErrConflict) {
				break
			}
		}
	}
	if err != nil {
		s.log.ErrorContext(ctx, "sandbox call failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeJSON(w, errStorage.Status, renderBareError(errStorage))
		return
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeRaw(w, status, raw)
}

func mustJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sandbox: marshal %T: %v", v, err))
	}
	return raw
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sandbox: marshal %T: %v", v, err))
	}
	writeRaw(w, status, raw)
}

func writeRaw(w http.ResponseWriter, status int, raw []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(raw)
	w.Write([]byte("\n"))
}

func (s *Sandbox) handleTokenize(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Request-Id", s.cfg.NewID("req"))
	s.serve(w, r, func(t *txn, r *http.Request, p *params) (int, any, *apiError) {
		typ := p.get("type")
		number, month, year, cvc := p.get("card[number]"), p.get("card[exp_month]"), p.get("card[exp_year]"), p.get("card[cvc]")
		p.prefixed("billing_details")
		p.prefixed("billing_details[address]")
		if err := p.unknown(); err != nil {
			return 0, nil, err
		}
		if typ != "" && typ != "card" {
			return 0, nil, badParam("type", "Invalid type: the sandbox tokenises cards only (type=card).")
		}
		m, err := t.tokenize(number, month, year, cvc)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, t.renderMethod(m), nil
	})
}

func (s *Sandbox) handleGetMethod(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	m, err := t.lookupMethod(r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, t.renderMethod(m), nil
}

func (s *Sandbox) handleCreate(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	var cp createParams
	amount, ok, err := p.int("amount")
	if err != nil {
		return 0, nil, err
	}
	if !ok {
		return 0, nil, missingParam("amount")
	}
	cp.Amount = amount
	if !p.has("currency") {
		return 0, nil, missingParam("currency")
	}
	cp.Currency = p.get("currency")
	cp.CaptureMethod = psp.CaptureMethod(p.get("capture_method"))
	cp.Description = p.get("description")
	cp.Customer = p.get("customer")
	cp.PaymentMethod = p.get("payment_method")
	cp.ReturnURL = p.get("return_url")
	switch c := p.get("confirm"); c {
	case "", "false":
	case "true":
		cp.Confirm = true
	default:
		return 0, nil, badParam("confirm", "Invalid boolean: %q.", clip(c))
	}
	p.prefixed("payment_method_types") // only cards are simulated
	p.prefixed("automatic_payment_methods")
	expand := p.expand()
	md, err := p.metadata()
	if err != nil {
		return 0, nil, err
	}
	cp.Metadata = md
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	in, err := t.createIntent(cp)
	return t.intentResult(in, err, expand)
}

func (t *txn) intentResult(in *intent, err *apiError, expand map[string]bool) (int, any, *apiError) {
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, t.renderIntent(in, expand), nil
}

func (s *Sandbox) handleGetIntent(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	expand := p.expand()
	p.get("client_secret")
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	in, err := t.getIntent(r.PathValue("id"))
	return t.intentResult(in, err, expand)
}

func (s *Sandbox) handleConfirm(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	pm, ret := p.get("payment_method"), p.get("return_url")
	expand := p.expand()
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	in, err := t.confirm(r.PathValue("id"), pm, ret)
	return t.intentResult(in, err, expand)
}

func (s *Sandbox) handleCapture(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	amount, ok, err := p.int("amount_to_capture")
	if err != nil {
		return 0, nil, err
	}
	expand := p.expand()
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	in, err := t.capture(r.PathValue("id"), amount, ok)
	return t.intentResult(in, err, expand)
}

func (s *Sandbox) handleCancel(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	reason := p.get("cancellation_reason")
	expand := p.expand()
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	in, err := t.cancel(r.PathValue("id"), reason)
	return t.intentResult(in, err, expand)
}

func (s *Sandbox) handleCreateRefund(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	amount, ok, err := p.int("amount")
	if err != nil {
		return 0, nil, err
	}
	pi, reason := p.get("payment_intent"), p.get("reason")
	md, err := p.metadata()
	if err != nil {
		return 0, nil, err
	}
	p.expand()
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	re, err := t.createRefund(pi, amount, ok, reason, md)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, t.renderRefund(re), nil
}

func (s *Sandbox) handleGetRefund(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	p.expand()
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	re, err := t.getRefund(r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, t.renderRefund(re), nil
}

func (s *Sandbox) handleGetEvent(t *txn, r *http.Request, p *params) (int, any, *apiError) {
	if err := p.unknown(); err != nil {
		return 0, nil, err
	}
	ev, err := t.q.SandboxEventGet(t.ctx, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil, notFound("event", "id", r.PathValue("id"))
	}
	if err != nil {
		return 0, nil, t.fail(err)
	}
	return http.StatusOK, json.RawMessage(ev.Body), nil
}
