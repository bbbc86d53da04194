// Package sandbox is paystep's built-in payment service provider: a
// simulator of Stripe's PaymentIntents API, served as an http.Handler (the
// server mounts it at /sandbox/), and a psp.Provider client for it.
//
// It speaks Stripe's wire format (form-encoded requests, Stripe-shaped JSON
// objects and errors, Idempotency-Key, expand[]), knows Stripe's test cards
// (package testcard), has a tokenisation endpoint so card numbers never reach
// paystep, a 3-D Secure challenge page, optional asynchronous processing, and
// delivers events signed like Stripe's to a webhook URL with retries.
//
// State lives in a Store. paystep serve gives it the database it uses
// (SQLite, or PostgreSQL shared by several nodes; tables sandbox_*), so that
// payment intents, payment methods (brand, last four digits and expiry: the
// card number ends with tokenisation), refunds, idempotency keys, processing
// still to finish and webhooks still to deliver survive a restart or a
// SIGKILL, and nodes sharing a database are one sandbox: a payment created
// through one is confirmed through another. Each API call runs in one
// transaction, committed before the answer, and locks the objects it changes
// so that concurrent calls on one payment take turns. Waiting is data:
// processing and webhook redeliveries are rows with a due time, and RunDue,
// called by Run's loop or by tests, claims what is due and performs it, so
// with several nodes each job runs once and each delivery is made by one
// node at a time. Without a Store (unit tests, psptest's Fake) the state
// lives in memory and ends with the process.
package sandbox

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/psp"
	"github.com/paystep/paystep/internal/psp/stripesig"
	"github.com/paystep/paystep/internal/psp/testcard"
)

// Name is the sandbox's provider name: webhooks arrive at /webhooks/sandbox.
const Name = "sandbox"

// APIVersion is the Stripe API version the sandbox's objects and events follow.
const APIVersion = "2024-06-20"

// Config configures a Sandbox. The zero value works: state in memory,
// synchronous processing, no webhook delivery, any API key accepted.
type Config struct {
	// Store keeps the state. Defaults to memory, lost with the process.
	Store  Store
	Clock  clock.Clock  // Defaults to clock.System{}.
	Logger *slog.Logger // Defaults to discarding.
	// NewID returns a fresh object ID with the given prefix ("pi", "pm",
	// "evt", …). Defaults to the prefix, "_" and 24 random letters and digits.
	// Sandboxes sharing a Store must not make the same IDs.
	NewID func(prefix string) string

	// APIKey, when set, is the secret key API calls must present as
	// "Authorization: Bearer <key>". Tokenisation and the 3-D Secure page
	// need no key, as they are called from the customer's browser.
	APIKey stripesig.Secret
	// BaseURL is the sandbox's public URL, where it is mounted
	// ("http://127.0.0.1:8080/sandbox"); 3-D Secure redirect URLs start with
	// it. Defaults to "/sandbox" (a relative URL).
	BaseURL string

	// ProcessingDelay, when positive, makes confirmations and refunds
	// asynchronous: they answer "processing" (refunds "pending") and settle
	// that long later, announced by webhook. Zero settles at once, as
	// Stripe does for cards.
	ProcessingDelay time.Duration

	// WebhookURL receives every event as Stripe would send it; empty
	// delivers nothing (events are still kept and retrievable).
	WebhookURL string
	// WebhookSecret signs the deliveries ("whsec_…"). Required with WebhookURL.
	WebhookSecret stripesig.Secret
	// HTTPClient sends the deliveries. Defaults to a client with no
	// redirects followed.
	HTTPClient *http.Client
	// DeliveryTimeout bounds one delivery attempt. Defaults to 10s. A node
	// claims a few due deliveries at a time for as long as they may take;
	// if it dies meanwhile, they are due again when that claim runs out.
	DeliveryTimeout time.Duration
	// RetryBase is the wait before the first redelivery; each later one
	// waits twice as long, up to RetryMax. Default 10s and 1h.
	RetryBase, RetryMax time.Duration
	// MaxAttempts is how many times an event is offered before it is
	// dropped. Defaults to 16 (about a day with the default backoff).
	MaxAttempts int
	// PollInterval is how often Run looks for due work when nothing wakes it.
	// Defaults to 250ms.
	PollInterval time.Duration

	// KeepEvents is how many of the latest events stay retrievable
	// (Events, GET /v1/events/{id}); older ones are forgotten so a
	// long-running server does not grow without bound. Defaults to 10000.
	KeepEvents int

	// DuplicateEvents (a test mode) delivers every event twice.
	DuplicateEvents bool
	// ReorderEvents (a test mode) delivers each batch of due events in
	// reverse order, so later events arrive before earlier ones.
	ReorderEvents bool
}

// Sandbox is the simulated PSP. It is an http.Handler for its API; mount it
// under its BaseURL with the prefix stripped:
//
//	mux.Handle("/sandbox/", http.StripPrefix("/sandbox", sb))
type Sandbox struct {
	cfg   Config
	clk   clock.Clock
	log   *slog.Logger
	store Store
	mux   *http.ServeMux
	wake  chan struct{}
}

// The objects, stored as JSON (Store); nothing here is ever a card number.

type intent struct {
	ID                 string            `json:"id"`
	Amount             int64             `json:"amount"`
	AmountCapturable   int64             `json:"amount_capturable"`
	AmountReceived     int64             `json:"amount_received"`
	AmountRefunded     int64             `json:"amount_refunded"`
	Currency           string            `json:"currency"` // lower case, as Stripe writes it
	Status             psp.Status        `json:"status"`
	CaptureMethod      psp.CaptureMethod `json:"capture_method"`
	PaymentMethod      string            `json:"payment_method,omitempty"` // attached method, "" after a decline
	Description        string            `json:"description,omitempty"`
	Customer           string            `json:"customer,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	Created            int64             `json:"created"`
	LastError          *cardError        `json:"last_error,omitempty"`
	ReturnURL          string            `json:"return_url,omitempty"`
	Challenge          string            `json:"challenge,omitempty"` // secret part of the 3-D Secure URL
	Authenticated      bool              `json:"authenticated,omitempty"`
	CanceledAt         int64             `json:"canceled_at,omitempty"`
	CancellationReason string            `json:"cancellation_reason,omitempty"`
	LatestCharge       string            `json:"latest_charge,omitempty"`
	ClientSecret       string            `json:"client_secret"`
}

// method is a payment method: what may be shown of the card, and how the
// test card it came from behaves.
type method struct {
	ID          string `json:"id"`
	Brand       string `json:"brand"`
	Last4       string `json:"last4"`
	Funding     string `json:"funding"`
	ExpMonth    int    `json:"exp_month"`
	ExpYear     int    `json:"exp_year"`
	Created     int64  `json:"created"`
	Behaviour   string `json:"behaviour"` // see behaviourOf
	Code        string `json:"code,omitempty"`
	DeclineCode string `json:"decline_code,omitempty"`
	Message     string `json:"message,omitempty"`
}

// The behaviours of test cards, as stored.
const (
	behaviourSucceeds                  = "succeeds"
	behaviourDeclines                  = "declines"
	behaviourAuthenticates             = "authenticates"
	behaviourAuthenticatesThenDeclines = "authenticates_then_declines"
	behaviourRefundFails               = "refund_fails"
)

func behaviourOf(b testcard.Behaviour) string {
	switch b {
	case testcard.Declines:
		return behaviourDeclines
	case testcard.Authenticates:
		return behaviourAuthenticates
	case testcard.AuthenticatesThenDeclines:
		return behaviourAuthenticatesThenDeclines
	case testcard.RefundFails:
		return behaviourRefundFails
	}
	return behaviourSucceeds
}

// newMethod makes a method of card c, keeping none of its number but the
// last four digits.
func newMethod(id, number string, c testcard.Card, expMonth, expYear int, created int64) *method {
	return &method{ID: id, Brand: c.Brand, Last4: number[len(number)-4:], Funding: c.Funding, ExpMonth: expMonth, ExpYear: expYear,
		Created: created, Behaviour: behaviourOf(c.Behaviour), Code: c.Code, DeclineCode: c.DeclineCode, Message: c.Message}
}

type refund struct {
	ID            string            `json:"id"`
	Intent        string            `json:"intent"`
	Charge        string            `json:"charge"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Status        psp.RefundStatus  `json:"status"`
	Reason        string            `json:"reason,omitempty"`
	FailureReason string            `json:"failure_reason,omitempty"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	Created       int64             `json:"created"`
}

// The kinds of jobs: processing that finishes later.
const (
	jobSettleCharge = "settle_charge" // a processing intent reaches its outcome
	jobSettleRefund = "settle_refund" // a pending refund succeeds
	jobFailRefund   = "fail_refund"   // a succeeded refund fails (the refund-failure test card)
)

// New returns a sandbox configured by cfg.
func New(cfg Config) *Sandbox {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NewID == nil {
		cfg.NewID = randomID
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "/sandbox"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.DeliveryTimeout <= 0 {
		cfg.DeliveryTimeout = 10 * time.Second
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 10 * time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = time.Hour
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 16
	}
	if cfg.KeepEvents <= 0 {
		cfg.KeepEvents = 10000
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	if cfg.Store == nil {
		cfg.Store = newMemStore()
	}
	s := &Sandbox{cfg: cfg, clk: cfg.Clock, log: cfg.Logger, store: cfg.Store, wake: make(chan struct{}, 1)}
	s.mux = s.routes()
	return s
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func randomID(prefix string) string {
	var b [24]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return prefix + "_" + string(b[:])
}

// Sequential returns a NewID function giving "pi_0001", "pi_0002", … per
// prefix, for tests that want stable IDs.
func Sequential() func(prefix string) string {
	var mu sync.Mutex
	n := map[string]int{}
	return func(prefix string) string {
		mu.Lock()
		defer mu.Unlock()
		n[prefix]++
		return fmt.Sprintf("%s_%04d", prefix, n[prefix])
	}
}

// ServeHTTP serves the sandbox's API and pages.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Sandbox) now() time.Time { return s.clk.Now() }

func (s *Sandbox) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
