package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/paystep/paystep/internal/api"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/payment"
	"github.com/paystep/paystep/internal/paytask"
	"github.com/paystep/paystep/internal/store"
	"github.com/paystep/paystep/internal/webhook"
)

// MetricsConfig says where the metrics come from.
type MetricsConfig struct {
	// Counts counts the stored executions by status (store's
	// ExecutionCounts). nil leaves paystep_executions out.
	Counts func(ctx context.Context) (map[store.ExecutionStatus]int64, error)
	// Stats reads the runner's counters (runner's Stats). nil leaves them out.
	Stats func() runner.Stats
	// Payments reads the payment service's counters (payment.Service's
	// Stats): payment transitions, settled refunds, PSP calls. nil leaves
	// them out.
	Payments func() payment.Stats
	// Webhooks reads the webhook intake's counters (webhook.Intake's Stats).
	// nil leaves them out.
	Webhooks func() webhook.Stats
	// PaymentsAPI reads the /v1 API's counters (api.Handler's Stats): the
	// fate of idempotency keys. nil leaves them out.
	PaymentsAPI func() api.Stats
	// Resumptions reads the task-resumption dispatcher's counters
	// (paytask.Dispatcher's Stats). nil leaves them out.
	Resumptions func() paytask.DispatchStats
	// ResumptionsPending counts the task resumptions not yet delivered
	// (store's TaskResumptionCountUndelivered), at each scrape. nil leaves
	// paystep_task_resumptions_pending out.
	ResumptionsPending func(ctx context.Context) (int64, error)
	// CountTimeout bounds Counts and ResumptionsPending at each scrape.
	// Defaults to 5s.
	CountTimeout time.Duration
	Logger       *slog.Logger // Defaults to discarding.
	// NoProcess leaves out the Go runtime and process metrics (tests).
	NoProcess bool
}

// Metrics holds the server's Prometheus metrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the metrics; Handler serves them.
func NewMetrics(cfg MetricsConfig) *Metrics {
	if cfg.CountTimeout <= 0 {
		cfg.CountTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "paystep_api_requests_total",
			Help: "Step Functions API requests by action and HTTP status code.",
		}, []string{"action", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "paystep_api_request_duration_seconds",
			Help:    "Time to answer Step Functions API requests, by action.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
		}, []string{"action"}),
	}
	m.reg.MustRegister(m.requests, m.duration, &engineCollector{cfg: cfg}, &paymentCollector{cfg: cfg})
	if !cfg.NoProcess {
		m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

// ObserveRequest counts one API request.
func (m *Metrics) ObserveRequest(action string, status int, d time.Duration) {
	if action == "" {
		action = "unknown"
	}
	m.requests.WithLabelValues(action, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(action).Observe(d.Seconds())
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var (
	descExecutions = prometheus.NewDesc("paystep_executions",
		"Stored executions by status.", []string{"status"}, nil)
	descStarted = prometheus.NewDesc("paystep_executions_started_total",
		"Executions this process started.", nil, nil)
	descFinished = prometheus.NewDesc("paystep_executions_finished_total",
		"Executions this process ran to an end, by status.", []string{"status"}, nil)
	descTransitions = prometheus.NewDesc("paystep_transitions_total",
		"Execution steps committed by this process.", nil, nil)
	descBatches = prometheus.NewDesc("paystep_commit_batches_total",
		"Transactions committed by this process's runner (each holds many steps).", nil, nil)
	descEvents = prometheus.NewDesc("paystep_history_events_total",
		"History events written by this process.", nil, nil)
	descInvoked = prometheus.NewDesc("paystep_tasks_invoked_total",
		"Task resources invoked by this process.", nil, nil)
	descTaskLatency = prometheus.NewDesc("paystep_task_latency_seconds",
		"Time from a task being scheduled to its result being recorded.", nil, nil)
	descTimerLag = prometheus.NewDesc("paystep_timer_lag_seconds",
		"How late timers (Wait states, retries, timeouts) fired.", nil, nil)
	descCountErrors = prometheus.NewDesc("paystep_executions_count_up",
		"1 when the last count of executions by status succeeded, 0 when the store failed.", nil, nil)
)

// executionStatuses are written even when zero, so that a series does not
// vanish when its last execution moves on.
var executionStatuses = []store.ExecutionStatus{
	store.ExecutionRunning, store.ExecutionSucceeded, store.ExecutionFailed,
	store.ExecutionTimedOut, store.ExecutionAborted, store.ExecutionPendingRedrive,
}

// engineCollector reads the store's counts and the runner's counters at
// each scrape.
type engineCollector struct{ cfg MetricsConfig }

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descExecutions, descCountErrors, descStarted, descFinished, descTransitions,
		descBatches, descEvents, descInvoked, descTaskLatency, descTimerLag} {
		ch <- d
	}
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	if c.cfg.Counts != nil {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.CountTimeout)
		counts, err := c.cfg.Counts(ctx)
		cancel()
		if err != nil {
			c.cfg.Logger.Warn("metrics: count executions", "err", err)
			ch <- prometheus.MustNewConstMetric(descCountErrors, prometheus.GaugeValue, 0)
		} else {
			ch <- prometheus.MustNewConstMetric(descCountErrors, prometheus.GaugeValue, 1)
			statuses := slices.Clone(executionStatuses)
			for s := range counts {
				if !slices.Contains(statuses, s) {
					statuses = append(statuses, s)
				}
			}
			for _, s := range statuses {
				ch <- prometheus.MustNewConstMetric(descExecutions, prometheus.GaugeValue, float64(counts[s]), string(s))
			}
		}
	}
	if c.cfg.Stats == nil {
		return
	}
	st := c.cfg.Stats()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(descStarted, st.Started)
	for _, s := range executionStatuses {
		if s == store.ExecutionRunning || s == store.ExecutionPendingRedrive {
			continue
		}
		counter(descFinished, st.Finished[engine.Status(s)], string(s))
	}
	counter(descTransitions, st.Transitions)
	counter(descBatches, st.Batches)
	counter(descEvents, st.Events)
	counter(descInvoked, st.TasksInvoked)
	ch <- prometheus.MustNewConstSummary(descTaskLatency, st.TasksCompleted, st.TaskLatency.Seconds(), nil)
	ch <- prometheus.MustNewConstSummary(descTimerLag, st.TimersFired, st.TimerLag.Seconds(), nil)
}

var (
	descPaymentMoves = prometheus.NewDesc("paystep_payment_transitions_total",
		"Payment transitions this process committed, by PSP, from and to status (from \"none\" for a new payment).",
		[]string{"psp", "from", "to"}, nil)
	descRefunds = prometheus.NewDesc("paystep_refunds_settled_total",
		"Refunds this process settled, by PSP and status.", []string{"psp", "status"}, nil)
	descPSPCalls = prometheus.NewDesc("paystep_psp_call_duration_seconds",
		"PSP calls this process made and their latency, by PSP, operation and outcome (succeeded, failed, unknown).",
		[]string{"psp", "operation", "outcome"}, nil)
	descWebhooks = prometheus.NewDesc("paystep_webhooks_total",
		"Webhook requests answered, by provider (\"unknown\" for one not configured) and outcome "+
			"(applied, ignored, duplicate, refused, bad_signature, bad_request, unknown_provider, error).",
		[]string{"provider", "outcome"}, nil)
	descIdempotency = prometheus.NewDesc("paystep_idempotency_requests_total",
		"/v1 POSTs carrying an Idempotency-Key, by what became of the key "+
			"(stored, released, replayed, in_use, mismatch, invalid).", []string{"outcome"}, nil)
	descResumptions = prometheus.NewDesc("paystep_task_resumptions_total",
		"Task-token resumptions this process's dispatcher handled, by result "+
			"(delivered; not_awaited: delivered to no waiting task; retried: an attempt failed).", []string{"result"}, nil)
	descResumptionsPending = prometheus.NewDesc("paystep_task_resumptions_pending",
		"Task-token resumptions in the outbox not yet delivered.", nil, nil)
	descResumptionsUp = prometheus.NewDesc("paystep_task_resumptions_count_up",
		"1 when the last count of undelivered resumptions succeeded, 0 when the store failed.", nil, nil)
)

// paymentCollector reads the payment side's counters at each scrape.
type paymentCollector struct{ cfg MetricsConfig }

func (c *paymentCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPaymentMoves, descRefunds, descPSPCalls, descWebhooks, descIdempotency,
		descResumptions, descResumptionsPending, descResumptionsUp} {
		ch <- d
	}
}

func (c *paymentCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	if c.cfg.Payments != nil {
		st := c.cfg.Payments()
		for m, n := range st.Moves {
			from := string(m.From)
			if from == "" {
				from = "none"
			}
			counter(descPaymentMoves, n, m.PSP, from, string(m.To))
		}
		for r, n := range st.Refunds {
			counter(descRefunds, n, r.PSP, string(r.Status))
		}
		for call, cs := range st.Calls {
			buckets := make(map[float64]uint64, len(payment.CallBuckets))
			for i, b := range payment.CallBuckets {
				buckets[b] = cs.Buckets[i]
			}
			ch <- prometheus.MustNewConstHistogram(descPSPCalls, cs.Count, cs.Seconds, buckets, call.PSP, call.Op, call.Outcome.String())
		}
	}
	if c.cfg.Webhooks != nil {
		for k, n := range c.cfg.Webhooks() {
			counter(descWebhooks, n, k.Provider, string(k.Outcome))
		}
	}
	if c.cfg.PaymentsAPI != nil {
		st := c.cfg.PaymentsAPI()
		for _, o := range []string{api.IdempotencyStored, api.IdempotencyReleased, api.IdempotencyReplayed,
			api.IdempotencyInUse, api.IdempotencyMismatch, api.IdempotencyInvalid} {
			counter(descIdempotency, st.Idempotency[o], o)
		}
	}
	if c.cfg.Resumptions != nil {
		st := c.cfg.Resumptions()
		counter(descResumptions, st.Delivered, "delivered")
		counter(descResumptions, st.NotAwaited, "not_awaited")
		counter(descResumptions, st.Retried, "retried")
	}
	if c.cfg.ResumptionsPending != nil {
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.CountTimeout)
		n, err := c.cfg.ResumptionsPending(ctx)
		cancel()
		if err != nil {
			c.cfg.Logger.Warn("metrics: count undelivered task resumptions", "err", err)
			ch <- prometheus.MustNewConstMetric(descResumptionsUp, prometheus.GaugeValue, 0)
			return
		}
		ch <- prometheus.MustNewConstMetric(descResumptionsUp, prometheus.GaugeValue, 1)
		ch <- prometheus.MustNewConstMetric(descResumptionsPending, prometheus.GaugeValue, float64(n))
	}
}
