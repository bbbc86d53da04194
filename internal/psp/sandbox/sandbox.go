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
// State lives in memory, behind one mutex. The sandbox is a simulator for
// development and tests in a single process: memory keeps it fast,
// deterministic and free of a second database, and nothing real is lost on a
// restart (paystep then sees resource_missing when it settles a payment,
// which is exactly what a PSP that forgot a payment would say). Waiting is
// data: processing and webhook redeliveries carry a due time, and RunDue,
// called by Run's loop or by tests, performs what is due.
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

// Config configures a Sandbox. The zero value works: synchronous processing,
// no webhook delivery, any API key accepted.
type Config struct {
	Clock  clock.Clock  // Defaults to clock.System{}.
	Logger *slog.Logger // Defaults to discarding.
	// NewID returns a fresh object ID with the given prefix ("pi", "pm",
	// "evt", …). Defaults to the prefix, "_" and 24 random letters and digits.
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
	// DeliveryTimeout bounds one delivery attempt. Defaults to 10s.
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
	cfg     Config
	clk     clock.Clock
	log     *slog.Logger
	mux     *http.ServeMux
	wake    chan struct{}
	mu      sync.Mutex
	intents map[string]*intent
	methods map[string]*method
	refunds map[string]*refund
	charges map[string]string // charge ID → intent ID
	events  []*event
	byEvent map[string]*event
	idem    map[string]*idemEntry
	jobs    []job
	queue   []delivery
}

type intent struct {
	ID                 string
	Amount             int64
	AmountCapturable   int64
	AmountReceived     int64
	AmountRefunded     int64
	Currency           string // lower case, as Stripe writes it
	Status             psp.Status
	CaptureMethod      psp.CaptureMethod
	PaymentMethod      string // attached method, "" after a decline
	Description        string
	Customer           string
	Metadata           map[string]string
	Created            int64
	LastError          *cardError
	ReturnURL          string
	Challenge          string // secret part of the 3-D Secure URL
	Authenticated      bool
	CanceledAt         int64
	CancellationReason string
	LatestCharge       string
	ClientSecret       string
}

type method struct {
	ID       string
	Brand    string
	Last4    string
	Funding  string
	ExpMonth int
	ExpYear  int
	Card     testcard.Card
	Created  int64
}

type refund struct {
	ID            string
	Intent        string
	Charge        string
	Amount        int64
	Currency      string
	Status        psp.RefundStatus
	Reason        string
	FailureReason string
	Metadata      map[string]string
	Created       int64
}

type jobKind int

const (
	jobSettleCharge jobKind = iota + 1 // a processing intent reaches its outcome
	jobSettleRefund                    // a pending refund succeeds
	jobFailRefund                      // a succeeded refund fails (the refund-failure test card)
)

type job struct {
	due  time.Time
	kind jobKind
	ref  string
}

type event struct {
	ID      string
	Type    string
	Created int64
	Body    []byte
}

type delivery struct {
	ev      *event
	due     time.Time
	attempt int // attempts made so far
}

type idemEntry struct {
	fingerprint string
	status      int
	body        []byte
	at          time.Time
}

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
	s := &Sandbox{
		cfg:     cfg,
		clk:     cfg.Clock,
		log:     cfg.Logger,
		wake:    make(chan struct{}, 1),
		intents: map[string]*intent{},
		methods: map[string]*method{},
		refunds: map[string]*refund{},
		charges: map[string]string{},
		byEvent: map[string]*event{},
		idem:    map[string]*idemEntry{},
	}
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
