// Package api is paystep's own REST API under /v1: payments, refunds and
// events, in snake_case JSON with errors as
// {"error":{"type","code","message","param"}}, behind API keys, with
// Stripe's Idempotency-Key semantics on every POST.
//
// Mount it on the server for everything under /v1/:
//
//	h := api.New(paymentService, store, api.Config{Clock: clk, Logger: logger})
//	srv.Handle("/v1/", h)
//
// and call h.PurgeIdempotencyKeys(ctx) now and then (hourly) to drop keys
// older than Config.IdempotencyTTL. On a first start, api.DevelopmentKeys
// makes the development key pair to print.
package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/cardscan"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/money"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/payment/paywire"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/store"
)

// Config configures the handler.
type Config struct {
	Clock  clock.Clock  // Defaults to clock.System{}.
	Logger *slog.Logger // Defaults to discarding.
	// MaxBodyBytes limits request bodies. Defaults to 64 KiB.
	MaxBodyBytes int64
	// IdempotencyTTL is how long an Idempotency-Key and its response are
	// kept at least. Defaults to 24h.
	IdempotencyTTL time.Duration
	// InFlightTimeout is how long a request with an Idempotency-Key may stay
	// unanswered before it is taken for lost (its node crashed) and the key
	// may be used again. Defaults to 2 minutes, well beyond a PSP call.
	InFlightTimeout time.Duration
}

// Handler serves /v1.
type Handler struct {
	svc *payment.Service
	st  store.PaymentStore
	clk clock.Clock
	log *slog.Logger
	cfg Config
	mux *http.ServeMux

	mu    sync.Mutex
	stats Stats
}

// Stats counts what the handler did since it was made, for metrics.
type Stats struct {
	// Idempotency counts the POSTs carrying an Idempotency-Key by what
	// became of the key (the Idempotency… outcomes).
	Idempotency map[string]uint64
}

// What became of an Idempotency-Key, in Stats.
const (
	IdempotencyStored   = "stored"   // a first request: its response is kept for replays
	IdempotencyReleased = "released" // a first request whose response is not kept (5xx, 409, 429): the key may be used again
	IdempotencyReplayed = "replayed" // a repeat, answered with the kept response
	IdempotencyInUse    = "in_use"   // a repeat while the first still runs (409)
	IdempotencyMismatch = "mismatch" // a repeat with other parameters (400)
	IdempotencyInvalid  = "invalid"  // not a valid key (400)
)

// Stats returns the counts so far. The result is a copy.
func (h *Handler) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Stats{Idempotency: maps.Clone(h.stats.Idempotency)}
}

func (h *Handler) countIdempotency(outcome string) {
	h.mu.Lock()
	h.stats.Idempotency[outcome]++
	h.mu.Unlock()
}

// New returns the /v1 handler over the payment service and its store.
func New(svc *payment.Service, st store.PaymentStore, cfg Config) *Handler {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 64 << 10
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.InFlightTimeout <= 0 {
		cfg.InFlightTimeout = 2 * time.Minute
	}
	h := &Handler{svc: svc, st: st, clk: cfg.Clock, log: cfg.Logger, cfg: cfg, mux: http.NewServeMux(),
		stats: Stats{Idempotency: map[string]uint64{}}}
	h.mux.HandleFunc("POST /v1/payments", h.createPayment)
	h.mux.HandleFunc("GET /v1/payments", h.listPayments)
	h.mux.HandleFunc("GET /v1/payments/{id}", h.getPayment)
	h.mux.HandleFunc("POST /v1/payments/{id}/confirm", h.confirm)
	h.mux.HandleFunc("POST /v1/payments/{id}/capture", h.capture)
	h.mux.HandleFunc("POST /v1/payments/{id}/cancel", h.cancel)
	h.mux.HandleFunc("POST /v1/refunds", h.createRefund)
	h.mux.HandleFunc("GET /v1/refunds/{id}", h.getRefund)
	h.mux.HandleFunc("GET /v1/events", h.listEvents)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, &apiError{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "unknown_route",
			Message: fmt.Sprintf("no %s %s in the API", r.Method, r.URL.Path)})
	})
	return h
}

// PurgeIdempotencyKeys deletes the idempotency keys older than
// Config.IdempotencyTTL and returns how many.
func (h *Handler) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	n, err := h.st.IdempotencyDeleteBefore(ctx, h.clk.Now().Add(-h.cfg.IdempotencyTTL))
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}

// apiError is an error response.
type apiError struct {
	Status      int
	Type        string
	Code        string
	DeclineCode string
	Message     string
	Param       string
	Payment     *paymentJSON
}

func (e *apiError) Error() string { return e.Message }

// ServeHTTP authenticates the request, refuses card data, applies
// idempotency to POSTs and routes it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	key, err := h.authenticate(r)
	if err != nil {
		if !errors.Is(err, errNoKey) {
			h.log.ErrorContext(r.Context(), "authenticating a request", "err", err, "path", r.URL.Path)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="paystep"`)
		h.writeError(w, r, &apiError{Status: http.StatusUnauthorized, Type: "authentication_error", Code: "invalid_api_key",
			Message: "a valid API key is required: Authorization: Bearer sk_…"})
		return
	}
	if KeyKind(key.Kind) == PublishableKey && !publishableMay(r) {
		h.writeError(w, r, &apiError{Status: http.StatusForbidden, Type: "permission_error", Code: "secret_key_required",
			Message: "a publishable key may only create and confirm payments"})
		return
	}
	for name, vs := range r.URL.Query() {
		for _, v := range vs {
			if cardscan.Contains(v) {
				h.writeError(w, r, cardError(name))
				return
			}
		}
	}
	if r.Method != http.MethodPost {
		h.mux.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.writeError(w, r, &apiError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Code: "body_too_large",
				Message: fmt.Sprintf("the body is larger than %d bytes", h.cfg.MaxBodyBytes)})
			return
		}
		h.writeError(w, r, &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: "the body could not be read"})
		return
	}
	canonical, param := inspect(body)
	if param != "" {
		h.writeError(w, r, cardError(param))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	idem := r.Header.Get("Idempotency-Key")
	if idem == "" {
		h.mux.ServeHTTP(w, r)
		return
	}
	h.idempotent(w, r, key, idem, canonical)
}

// publishableMay reports whether a publishable key may make r.
func publishableMay(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	if r.URL.Path == "/v1/payments" {
		return true
	}
	id, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/v1/payments/"), "/confirm")
	return ok && id != "" && !strings.Contains(id, "/") && strings.HasPrefix(r.URL.Path, "/v1/payments/")
}

func cardError(param string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "card_data_forbidden", Param: param,
		Message: "the request holds what looks like a card number; card data goes to the PSP's tokeniser, and paystep takes only its payment-method token"}
}

// inspect looks through a JSON body for card numbers, in keys and values,
// and returns its canonical form (keys sorted, no spaces) for idempotency,
// or the parameter that holds a card number. A body that is not JSON is
// scanned whole and returned as is; decoding reports it later.
func inspect(body []byte) (canonical []byte, cardParam string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if cardscan.Contains(body) {
			return nil, "body"
		}
		return body, ""
	}
	if p := findCard("", v); p != "" {
		return nil, p
	}
	b, err := json.Marshal(v)
	if err != nil {
		return body, ""
	}
	return b, ""
}

func findCard(path string, v any) string {
	at := func(k string) string {
		if path == "" {
			return k
		}
		return path + "[" + k + "]"
	}
	switch v := v.(type) {
	case string:
		if cardscan.Contains(v) {
			return firstOf(path, "body")
		}
	case json.Number:
		if cardscan.Contains(v.String()) {
			return firstOf(path, "body")
		}
	case []any:
		for i, e := range v {
			if p := findCard(at(strconv.Itoa(i)), e); p != "" {
				return p
			}
		}
	case map[string]any:
		for k, e := range v {
			if cardscan.Contains(k) {
				return firstOf(path, "body")
			}
			if p := findCard(at(k), e); p != "" {
				return p
			}
		}
	}
	return ""
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// idempotent runs a POST carrying an Idempotency-Key: the first request
// runs and its response is stored; later ones with the same key replay it
// (Idempotent-Replayed: true), or are refused while it runs (409) or when
// their parameters differ (400).
func (h *Handler) idempotent(w http.ResponseWriter, r *http.Request, key *store.APIKey, idem string, canonical []byte) {
	if len(idem) > 255 || strings.IndexFunc(idem, func(c rune) bool { return c < 0x21 || c > 0x7e }) >= 0 {
		h.countIdempotency(IdempotencyInvalid)
		h.writeError(w, r, &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "parameter_invalid",
			Param: "Idempotency-Key", Message: "want 1 to 255 printable ASCII characters without spaces"})
		return
	}
	ctx := context.WithoutCancel(r.Context())
	sum := sha256.Sum256([]byte(r.Method + "\n" + r.URL.Path + "\n" + string(canonical)))
	rec := &store.IdempotencyKey{Scope: key.ID, Key: idem, Method: r.Method, Path: r.URL.Path,
		RequestHash: hex.EncodeToString(sum[:]), CreatedAt: h.clk.Now()}
	w.Header().Set("Idempotency-Key", idem)
	for try := 0; ; try++ {
		stored, err := h.st.IdempotencyBegin(ctx, rec)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrExists) {
			h.fail(w, r, err)
			return
		}
		switch {
		case try == 0 && stored.Status == 0 && !stored.CreatedAt.After(h.clk.Now().Add(-h.cfg.InFlightTimeout)):
			// Its node died with it in flight: the key is free again.
			if err := h.st.IdempotencyRelease(ctx, stored.Scope, stored.Key, stored.CreatedAt); err != nil && !errors.Is(err, store.ErrNotFound) {
				h.fail(w, r, err)
				return
			}
			continue
		case stored.RequestHash != rec.RequestHash:
			h.countIdempotency(IdempotencyMismatch)
			h.writeError(w, r, &apiError{Status: http.StatusBadRequest, Type: "idempotency_error", Code: "idempotency_key_reused",
				Param: "Idempotency-Key", Message: fmt.Sprintf("the key was first used for %s %s with other parameters; use a new key for a new request", stored.Method, stored.Path)})
			return
		case stored.Status != 0:
			h.countIdempotency(IdempotencyReplayed)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(stored.Status)
			w.Write(stored.Body)
			return
		}
		h.countIdempotency(IdempotencyInUse)
		h.writeError(w, r, &apiError{Status: http.StatusConflict, Type: "idempotency_error", Code: "idempotency_key_in_use",
			Param: "Idempotency-Key", Message: "a request with this key is still being processed; retry it later"})
		return
	}
	rw := &recorder{header: w.Header(), status: http.StatusOK}
	done := false
	defer func() {
		if !done { // the handler panicked: the key may be used again
			h.st.IdempotencyRelease(ctx, rec.Scope, rec.Key, rec.CreatedAt)
		}
	}()
	h.mux.ServeHTTP(rw, r)
	w.WriteHeader(rw.status)
	w.Write(rw.body.Bytes())
	var err error
	if rw.status >= 500 || rw.status == http.StatusConflict || rw.status == http.StatusTooManyRequests {
		// Nothing worth replaying: the request may be made again.
		err = h.st.IdempotencyRelease(ctx, rec.Scope, rec.Key, rec.CreatedAt)
		h.countIdempotency(IdempotencyReleased)
	} else {
		err = h.st.IdempotencyFinish(ctx, rec.Scope, rec.Key, rw.status, rw.body.Bytes(), h.clk.Now())
		h.countIdempotency(IdempotencyStored)
	}
	done = true
	if err != nil {
		h.log.ErrorContext(ctx, "storing an idempotent response", "err", err, "path", r.URL.Path)
	}
}

// recorder keeps a response for idempotency.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// decode reads a JSON body into v, refusing unknown fields and trailing
// data. An empty body is {}.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Message: "the body could not be read"}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	bad := func(param, format string, args ...any) error {
		return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "parameter_invalid", Param: param, Message: fmt.Sprintf(format, args...)}
	}
	if err := dec.Decode(v); err != nil {
		var (
			syn *json.SyntaxError
			typ *json.UnmarshalTypeError
		)
		switch {
		case errors.As(err, &syn):
			return bad("", "the body is not valid JSON: %v at offset %d", syn, syn.Offset)
		case errors.As(err, &typ):
			return bad(typ.Field, "%s: want %s, got %s", typ.Field, typ.Type, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "parameter_unknown", Param: field,
				Message: fmt.Sprintf("unknown parameter %q", field)}
		case errors.Is(err, io.ErrUnexpectedEOF):
			return bad("", "the body is not valid JSON: it ends early")
		}
		return bad("", "the body is not a JSON object: %v", err)
	}
	if dec.More() {
		return bad("", "the body holds more than one JSON value")
	}
	return nil
}

func (h *Handler) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("api: marshal response: %v", err)) // wire types always marshal
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	h.writeJSON(w, e.Status, errorJSON{Error: errorBody{Type: e.Type, Code: e.Code, DeclineCode: e.DeclineCode,
		Message: e.Message, Param: e.Param, Payment: e.Payment}})
}

// fail maps an error to its response, once, here. p, when given, is the
// payment the error is about, returned beside it.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, p ...*payment.Payment) {
	e := h.classify(r, err)
	if len(p) > 0 && p[0] != nil && (e.Status == http.StatusPaymentRequired || e.Status == http.StatusBadRequest || e.Status == http.StatusBadGateway) {
		pj := toPaymentJSON(p[0], nil)
		e.Payment = &pj
	}
	h.writeError(w, r, e)
}

func (h *Handler) classify(r *http.Request, err error) *apiError {
	invalid := func(code, param, msg string) *apiError {
		return &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: code, Param: param, Message: msg}
	}
	if e, ok := errors.AsType[*apiError](err); ok {
		return e
	}
	if e, ok := errors.AsType[*payment.InvalidError](err); ok {
		return invalid("parameter_invalid", e.Param, e.Param+": "+e.Message)
	}
	if e, ok := errors.AsType[*payment.StateError](err); ok {
		return invalid("payment_unexpected_state", "", e.Error())
	}
	if e, ok := errors.AsType[*payment.RefundError](err); ok {
		return invalid("refund_not_allowed", "amount", e.Error())
	}
	if e, ok := errors.AsType[*psp.Error](err); ok && e.Outcome == psp.Failed {
		switch e.Type {
		case psp.ErrorTypeCard:
			return &apiError{Status: http.StatusPaymentRequired, Type: "card_error", Code: e.Code, DeclineCode: e.DeclineCode,
				Message: firstOf(e.Message, "the card was declined")}
		case psp.ErrorTypeInvalidRequest:
			return invalid(firstOf(e.Code, "psp_invalid_request"), e.Param, "the PSP refused the request: "+firstOf(e.Message, e.Code))
		}
		h.log.WarnContext(r.Context(), "PSP call failed", "err", err, "path", r.URL.Path)
		return &apiError{Status: http.StatusBadGateway, Type: "api_error", Code: "psp_unavailable", Message: "the PSP could not be reached; nothing was charged, try again"}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Type: "invalid_request_error", Code: "resource_missing", Message: "no such " + resourceOf(r)}
	case errors.Is(err, store.ErrInvalidCursor):
		return invalid("parameter_invalid", "cursor", "the cursor is not one a list returned")
	case errors.Is(err, store.ErrConflict):
		return &apiError{Status: http.StatusConflict, Type: "invalid_request_error", Code: "payment_busy",
			Message: "another operation on this payment is under way; retry shortly"}
	}
	h.log.ErrorContext(r.Context(), "API request failed", "err", err, "method", r.Method, "path", r.URL.Path)
	return &apiError{Status: http.StatusInternalServerError, Type: "api_error", Code: "internal", Message: "an internal error occurred"}
}

func resourceOf(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/v1/refunds") {
		return "refund"
	}
	return "payment"
}

func (h *Handler) createPayment(w http.ResponseWriter, r *http.Request) {
	var in createPaymentRequest
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.Currency == "" {
		h.fail(w, r, &payment.InvalidError{Param: "currency", Message: "required: an ISO 4217 code such as eur"})
		return
	}
	cur, err := money.ParseCurrency(in.Currency)
	if err != nil {
		h.fail(w, r, &payment.InvalidError{Param: "currency", Message: err.Error()})
		return
	}
	p, err := h.svc.Create(r.Context(), payment.CreateParams{
		Amount: money.New(in.Amount, cur), Customer: in.Customer, Description: in.Description, Metadata: in.Metadata,
		CaptureMethod: payment.CaptureMethod(in.CaptureMethod), PSP: in.PSP,
	})
	if err != nil {
		h.fail(w, r, err, p)
		return
	}
	h.writePayment(w, p)
}

// writePayment answers with p: 200, or 202 while a PSP call's outcome is
// being settled.
func (h *Handler) writePayment(w http.ResponseWriter, p *payment.Payment) {
	status := http.StatusOK
	if p.Pending != "" {
		status = http.StatusAccepted
	}
	h.writeJSON(w, status, toPaymentJSON(p, nil))
}

func (h *Handler) getPayment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	p, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	log, err := h.svc.Log(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeJSON(w, http.StatusOK, toPaymentJSON(p, log))
}

// pageLimit reads ?limit=, 1 to 100, 10 by default.
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 10, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return 0, &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "parameter_invalid", Param: "limit",
			Message: fmt.Sprintf("limit %q: want 1 to 100", v)}
	}
	return n, nil
}

func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, &apiError{Status: http.StatusBadRequest, Type: "invalid_request_error", Code: "parameter_invalid", Param: name,
			Message: fmt.Sprintf("%s %q: want an RFC 3339 time such as 2030-01-02T03:04:05Z", name, v)}
	}
	return t, nil
}

func (h *Handler) listPayments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := payment.ListParams{Customer: q.Get("customer"), Status: q.Get("status"), Cursor: q.Get("cursor")}
	if f.Status != "" && !payment.Status(f.Status).Valid() {
		h.fail(w, r, &payment.InvalidError{Param: "status", Message: fmt.Sprintf("unknown status %q", f.Status)})
		return
	}
	var err error
	if f.Limit, err = pageLimit(r); err == nil {
		if f.CreatedAfter, err = timeParam(r, "created_after"); err == nil {
			f.CreatedBefore, err = timeParam(r, "created_before")
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ps, next, err := h.svc.List(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := listJSON[paymentJSON]{Object: "list", Data: []paymentJSON{}, HasMore: next != "", NextCursor: next}
	for _, p := range ps {
		out.Data = append(out.Data, toPaymentJSON(p, nil))
	}
	h.writeJSON(w, http.StatusOK, out)
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request) {
	var in confirmRequest
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.Confirm(r.Context(), r.PathValue("id"), payment.ConfirmParams{PaymentMethod: in.PaymentMethod, ReturnURL: in.ReturnURL})
	if err != nil {
		h.fail(w, r, err, p)
		return
	}
	h.writePayment(w, p)
}

func (h *Handler) capture(w http.ResponseWriter, r *http.Request) {
	var in captureRequest
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.Capture(r.Context(), r.PathValue("id"), in.AmountToCapture)
	if err != nil {
		h.fail(w, r, err, p)
		return
	}
	h.writePayment(w, p)
}

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	var in cancelRequest
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.svc.Cancel(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, p)
		return
	}
	h.writePayment(w, p)
}

func (h *Handler) createRefund(w http.ResponseWriter, r *http.Request) {
	var in createRefundRequest
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	if in.Payment == "" {
		h.fail(w, r, &payment.InvalidError{Param: "payment", Message: "required: the ID of the payment to refund"})
		return
	}
	re, err := h.svc.Refund(r.Context(), payment.RefundParams{PaymentID: in.Payment, Amount: in.Amount, Reason: in.Reason, Metadata: in.Metadata})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if re.Pending {
		status = http.StatusAccepted
	}
	h.writeJSON(w, status, paywire.NewRefund(re))
}

func (h *Handler) getRefund(w http.ResponseWriter, r *http.Request) {
	re, err := h.svc.GetRefund(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeJSON(w, http.StatusOK, paywire.NewRefund(re))
}

func (h *Handler) listEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.DomainEventFilter{Type: q.Get("type"), ObjectID: q.Get("object_id"), Cursor: q.Get("cursor")}
	var err error
	if f.Limit, err = pageLimit(r); err != nil {
		h.fail(w, r, err)
		return
	}
	evs, next, err := h.st.DomainEventList(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := listJSON[eventJSON]{Object: "list", Data: []eventJSON{}, HasMore: next != "", NextCursor: next}
	for _, e := range evs {
		out.Data = append(out.Data, toEventJSON(e))
	}
	h.writeJSON(w, http.StatusOK, out)
}

var _ http.Handler = (*Handler)(nil)
