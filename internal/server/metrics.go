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

	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/engine/runner"
	"github.com/paystep/paystep/internal/store"
)

// MetricsConfig says where the metrics come from.
type MetricsConfig struct {
	// Counts counts the stored executions by status (store's
	// ExecutionCounts). nil leaves paystep_executions out.
	Counts func(ctx context.Context) (map[store.ExecutionStatus]int64, error)
	// Stats reads the runner's counters (runner's Stats). nil leaves them out.
	Stats func() runner.Stats
	// CountTimeout bounds Counts at each scrape. Defaults to 5s.
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
	m.reg.MustRegister(m.requests, m.duration, &engineCollector{cfg: cfg})
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
