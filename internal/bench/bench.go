// Package bench drives the payment-workflow benchmark (Validate → SelectPsp
// → Charge → Parallel(NotifyEmail, NotifySms) → Persist, every Task an
// activity) against a Step Functions endpoint: it creates the activities
// and the state machine, starts executions keeping a fixed number in
// flight, answers every activity task from long-polling workers (Charge's
// through a separate "webhook" sender, as a PSP's callback would), and
// measures throughput, latencies and CPU.
//
// Completion is detected without polling each execution: the worker of the
// final activity (Persist) sends SendTaskSuccess and then asks
// DescribeExecution once, which normally already reports the end (again
// after 1, 2, 4… ms while it still says RUNNING). Executions that fail
// before reaching Persist are found by a sweep that lists the state
// machine's FAILED, TIMED_OUT and ABORTED executions once a second.
package bench

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sfnclient"
)

// Definition is the benchmark's state machine, the same text as
// examples/bench/payment-workflow.asl.json.
//
//go:embed payment-workflow.asl.json
var Definition []byte

// The activities of Definition with a special part.
const (
	WebhookActivity = "bench-charge"  // answered by the webhook sender
	FinalActivity   = "bench-persist" // its success ends an execution
)

// Setup is what Prepare created on the server.
type Setup struct {
	StateMachineARN string
	// Activities maps each activity's name in the definition to the ARN
	// of the activity made for it.
	Activities map[string]string
}

// Prepare creates the activities a definition uses (each Resource of the
// form arn:aws:states:…:activity:NAME, made as activity name-NAME) and a
// state machine called name, with the definition's activity ARNs replaced
// by those the server returned (its region and account may differ). A
// state machine of that name that exists already gets the definition by
// UpdateStateMachine.
//
// Each level of a run should have a Setup of its own: a worker that stops
// while its GetActivityTask is in flight may be handed a task it never
// sees (as on AWS, the task is then lost until it times out), so the next
// level's tasks must not go to the activities the last level's workers
// polled.
func Prepare(ctx context.Context, c *sfnclient.Client, definition []byte, name string) (*Setup, error) {
	resources, err := activityResources(definition)
	if err != nil {
		return nil, err
	}
	if len(resources) == 0 {
		return nil, errors.New("the definition uses no activity")
	}
	setup := &Setup{Activities: make(map[string]string)}
	def := string(definition)
	for _, res := range resources {
		a, err := wire.ParseARN(res, wire.ResourceActivity)
		if err != nil {
			return nil, fmt.Errorf("activity resource %q: %w", res, err)
		}
		var out wire.CreateActivityOutput
		if err := c.Call(ctx, wire.ActionCreateActivity, wire.CreateActivityInput{Name: name + "-" + a.Name}, &out); err != nil {
			return nil, fmt.Errorf("create activity %s-%s: %w", name, a.Name, err)
		}
		setup.Activities[a.Name] = out.ActivityArn
		old, _ := json.Marshal(res)
		repl, _ := json.Marshal(out.ActivityArn)
		def = strings.ReplaceAll(def, string(old), string(repl))
	}
	create := wire.CreateStateMachineInput{Name: name, Definition: def, RoleArn: "arn:aws:iam::123456789012:role/paystep-bench"}
	var out wire.CreateStateMachineOutput
	err = c.Call(ctx, wire.ActionCreateStateMachine, create, &out)
	switch {
	case err == nil:
		setup.StateMachineARN = out.StateMachineArn
	case sfnclient.Code(err) == wire.StateMachineAlreadyExists:
		arn, ferr := findStateMachine(ctx, c, name)
		if ferr != nil {
			return nil, ferr
		}
		if err := c.Call(ctx, wire.ActionUpdateStateMachine, wire.UpdateStateMachineInput{StateMachineArn: arn, Definition: def}, nil); err != nil {
			return nil, fmt.Errorf("update state machine %s: %w", name, err)
		}
		setup.StateMachineARN = arn
	default:
		return nil, fmt.Errorf("create state machine %s: %w", name, err)
	}
	return setup, nil
}

// activityResources lists the distinct activity ARNs of a definition's
// Task states, nested ones included, in order of appearance.
func activityResources(definition []byte) ([]string, error) {
	var root any
	if err := json.Unmarshal(definition, &root); err != nil {
		return nil, fmt.Errorf("definition: %w", err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["Resource"].(string); ok && v["Type"] == "Task" && strings.Contains(r, ":activity:") && !slices.Contains(out, r) {
				out = append(out, r)
			}
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys) // a stable order for a stable setup
			for _, k := range keys {
				walk(v[k])
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(root)
	return out, nil
}

func findStateMachine(ctx context.Context, c *sfnclient.Client, name string) (string, error) {
	in := wire.ListStateMachinesInput{MaxResults: wire.MaxResultsLimit}
	for {
		var out wire.ListStateMachinesOutput
		if err := c.Call(ctx, wire.ActionListStateMachines, in, &out); err != nil {
			return "", fmt.Errorf("find state machine %s: %w", name, err)
		}
		for _, sm := range out.StateMachines {
			if sm.Name == name {
				return sm.StateMachineArn, nil
			}
		}
		if out.NextToken == "" {
			return "", fmt.Errorf("state machine %s exists but is not listed", name)
		}
		in.NextToken = out.NextToken
	}
}

// Config configures one level of the benchmark.
type Config struct {
	Client      *sfnclient.Client // Required.
	Setup       *Setup            // Required: from Prepare.
	Executions  int               // How many to run. Required.
	Concurrency int               // How many in flight. Required.
	// Workers is the number of pollers per activity, and of webhook
	// senders. Defaults to Concurrency.
	Workers int
	// RunID prefixes execution names, which must be new on the server.
	// Defaults to a random one.
	RunID string
	// Timeout bounds the level. Defaults to 10 minutes.
	Timeout time.Duration
	// Sweep is how often executions that failed before the final activity
	// are looked for. Defaults to 1s.
	Sweep time.Duration
	// ServerCPU, when set, reads the server's CPU time before and after.
	ServerCPU func() (time.Duration, error)
	// ClientCPU, when set, reads the driver's CPU time before and after.
	ClientCPU func() (time.Duration, error)
	// Progress, when set, is called about once a second.
	Progress func(Progress)
	// Now is a monotonic clock for latencies. Defaults to time.Now.
	Now    func() time.Time
	Logger *slog.Logger // Defaults to discarding.
}

// Progress is a look at a running level.
type Progress struct {
	Concurrency int
	Elapsed     time.Duration
	Started     int
	Completed   int // ended, any status
	Failed      int // ended other than SUCCEEDED
}

// Result holds one level's figures.
type Result struct {
	Concurrency int
	Executions  int // asked for
	Started     int
	Succeeded   int
	Failed      int // ended FAILED, TIMED_OUT or ABORTED
	// Duration runs from the first StartExecution to the last completion.
	Duration time.Duration
	// PerSecond is completed executions (any status) per second.
	PerSecond float64
	// StartToEnd runs from sending StartExecution to seeing the execution
	// ended; WebhookToEnd from sending Charge's SendTaskSuccess to the same.
	StartToEnd   Latency
	WebhookToEnd Latency
	// ServerCPU and ClientCPU are the CPU time spent during the level; zero
	// when not measured.
	ServerCPU time.Duration
	ClientCPU time.Duration
	// Calls counts API calls by action; Errors counts failed calls.
	Calls  map[string]int64
	Errors int64
}

// ServerCPUPerExecution is ServerCPU divided by the executions completed.
func (r Result) ServerCPUPerExecution() time.Duration {
	return perExecution(r.ServerCPU, r.Succeeded+r.Failed)
}

// ClientCPUPerExecution is ClientCPU divided by the executions completed.
func (r Result) ClientCPUPerExecution() time.Duration {
	return perExecution(r.ClientCPU, r.Succeeded+r.Failed)
}

func perExecution(d time.Duration, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return d / time.Duration(n)
}

// execution is the driver's record of one execution. Times are offsets
// from the level's start.
type execution struct {
	arn      string
	start    time.Duration
	webhook  atomic.Int64 // when Charge's success was sent; -1 until then
	end      time.Duration
	status   string
	finished atomic.Bool
	done     chan struct{} // closed when the execution ended
}

// level runs one level.
type level struct {
	cfg      Config
	log      *slog.Logger
	t0       time.Time
	prefix   string // execution names: prefix + index
	idPrefix string // payment ids: idPrefix + index
	execs    []execution
	started  atomic.Int64
	ended    atomic.Int64
	failed   atomic.Int64
	errors   atomic.Int64
	calls    sync.Map // action → *atomic.Int64
}

// Run runs one level: it starts cfg.Executions executions with
// cfg.Concurrency in flight and returns their figures. An error leaves
// the figures of what did finish.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Client == nil || cfg.Setup == nil {
		return Result{}, errors.New("bench: Client and Setup are required")
	}
	if cfg.Executions <= 0 || cfg.Concurrency <= 0 {
		return Result{}, fmt.Errorf("bench: executions (%d) and concurrency (%d) must be positive", cfg.Executions, cfg.Concurrency)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = cfg.Concurrency
	}
	if cfg.RunID == "" {
		cfg.RunID = randomID()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.Sweep <= 0 {
		cfg.Sweep = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	smARN, err := wire.ParseARN(cfg.Setup.StateMachineARN, wire.ResourceStateMachine)
	if err != nil {
		return Result{}, fmt.Errorf("bench: state machine: %w", err)
	}
	l := &level{cfg: cfg, log: cfg.Logger, prefix: fmt.Sprintf("%s-c%d-", cfg.RunID, cfg.Concurrency)}
	l.idPrefix = "pay_" + strings.ReplaceAll(l.prefix, "-", "_")
	l.execs = make([]execution, cfg.Executions)
	for i := range l.execs {
		e := &l.execs[i]
		exARN := smARN
		exARN.Type, exARN.Qualifier = wire.ResourceExecution, l.prefix+strconv.Itoa(i)
		e.arn = exARN.String()
		e.webhook.Store(-1)
		e.done = make(chan struct{})
	}
	return l.run(ctx)
}

func (l *level) run(ctx context.Context) (Result, error) {
	cfg := l.cfg
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	workCtx, stopWork := context.WithCancel(ctx)
	// The clock starts before any goroutine that reads it (progress).
	serverCPU0, clientCPU0 := l.cpu()
	l.t0 = cfg.Now()
	var workers sync.WaitGroup
	webhooks := make(chan webhook, cfg.Concurrency)
	for name, arn := range cfg.Setup.Activities {
		for w := range cfg.Workers {
			worker := fmt.Sprintf("%s-%d", name, w)
			workers.Go(func() { l.poll(workCtx, name, arn, worker, webhooks) })
		}
	}
	for range cfg.Workers {
		workers.Go(func() { l.sendWebhooks(workCtx, webhooks) })
	}
	workers.Go(func() { l.sweep(workCtx) })
	if cfg.Progress != nil {
		workers.Go(func() { l.progress(workCtx) })
	}

	var next atomic.Int64
	var starters sync.WaitGroup
	var startErr error
	var errOnce sync.Once
	for range cfg.Concurrency {
		starters.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(l.execs) || ctx.Err() != nil {
					return
				}
				if err := l.start(ctx, i); err != nil {
					if ctx.Err() == nil { // a start cut short by the timeout is the timeout
						errOnce.Do(func() { startErr = err; cancel() })
					}
					return
				}
				select {
				case <-l.execs[i].done:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	starters.Wait()
	elapsed := l.since()
	serverCPU1, clientCPU1 := l.cpu()
	stopWork()
	workers.Wait()

	res := l.result(elapsed)
	res.ServerCPU, res.ClientCPU = serverCPU1-serverCPU0, clientCPU1-clientCPU0
	switch {
	case startErr != nil:
		return res, fmt.Errorf("start execution: %w", startErr)
	case ctx.Err() != nil:
		return res, fmt.Errorf("%d of %d executions did not end within %s", len(l.execs)-res.Succeeded-res.Failed, len(l.execs), cfg.Timeout)
	}
	return res, nil
}

func (l *level) since() time.Duration { return l.cfg.Now().Sub(l.t0) }

func (l *level) cpu() (server, client time.Duration) {
	read := func(f func() (time.Duration, error), what string) time.Duration {
		if f == nil {
			return 0
		}
		d, err := f()
		if err != nil {
			l.log.Warn("cannot read cpu time", "of", what, "err", err)
		}
		return d
	}
	return read(l.cfg.ServerCPU, "server"), read(l.cfg.ClientCPU, "client")
}

// call sends one action and counts it.
func (l *level) call(ctx context.Context, action string, in, out any) error {
	n, ok := l.calls.Load(action)
	if !ok {
		n, _ = l.calls.LoadOrStore(action, new(atomic.Int64))
	}
	n.(*atomic.Int64).Add(1)
	err := l.cfg.Client.Call(ctx, action, in, out)
	if err != nil && ctx.Err() == nil {
		l.errors.Add(1)
	}
	return err
}

// input is about 200 bytes, like a payment request.
func (l *level) input(i int) string {
	return fmt.Sprintf(`{"payment_id":"%s%08d","amount":%d,"currency":"EUR","merchant":"acct_bench_%04d_merchant_of_record_for_the_payment_workflow_benchmark_run"}`,
		l.idPrefix, i, 1000+i%9000, i%10000)
}

func (l *level) start(ctx context.Context, i int) error {
	e := &l.execs[i]
	e.start = l.since()
	in := wire.StartExecutionInput{StateMachineArn: l.cfg.Setup.StateMachineARN, Name: l.prefix + strconv.Itoa(i), Input: l.input(i)}
	var out wire.StartExecutionOutput
	if err := l.call(ctx, wire.ActionStartExecution, in, &out); err != nil {
		return err
	}
	if out.ExecutionArn != e.arn {
		return fmt.Errorf("execution %d: the server named it %s, want %s", i, out.ExecutionArn, e.arn)
	}
	l.started.Add(1)
	return nil
}

// index finds the execution a task belongs to from the payment_id of its
// input (the state input carries the execution input's members along). It
// looks for the member's text first and decodes the input only when that
// fails, to keep the driver's CPU low.
func (l *level) index(input string) (int, bool) {
	id := ""
	const key = `"payment_id":"`
	if k := strings.Index(input, key); k >= 0 {
		rest := input[k+len(key):]
		if end := strings.IndexByte(rest, '"'); end >= 0 {
			id = rest[:end]
		}
	}
	if id == "" {
		var in struct {
			PaymentID string `json:"payment_id"`
		}
		if err := json.Unmarshal([]byte(input), &in); err != nil {
			return 0, false
		}
		id = in.PaymentID
	}
	digits, ok := strings.CutPrefix(id, l.idPrefix)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || i >= len(l.execs) {
		return 0, false
	}
	return i, true
}

// results are the activities' answers, small JSON objects.
var results = map[string]string{
	"bench-validate":     `{"valid":true}`,
	"bench-select-psp":   `{"psp":"sandbox","reason":"default"}`,
	WebhookActivity:      `{"status":"succeeded","psp_payment_id":"pi_bench"}`,
	"bench-notify-email": `{"sent":"email"}`,
	"bench-notify-sms":   `{"sent":"sms"}`,
	FinalActivity:        `{"persisted":true}`,
}

func result(activity string) string {
	if r, ok := results[activity]; ok {
		return r
	}
	return `{"ok":true}`
}

// poll long-polls one activity and answers its tasks until ctx ends.
func (l *level) poll(ctx context.Context, name, arn, worker string, webhooks chan<- webhook) {
	backoff := 10 * time.Millisecond
	for ctx.Err() == nil {
		var task wire.GetActivityTaskOutput
		if err := l.call(ctx, wire.ActionGetActivityTask, wire.GetActivityTaskInput{ActivityArn: arn, WorkerName: worker}, &task); err != nil {
			if ctx.Err() != nil {
				return
			}
			l.log.Warn("GetActivityTask failed", "activity", name, "err", err)
			sleep(ctx, backoff)
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 10 * time.Millisecond
		if task.TaskToken == "" {
			continue
		}
		i, ok := l.index(task.Input)
		if !ok {
			// Not ours (a task left over from another run): answer it
			// anyway so it does not linger.
			l.log.Debug("answering a task of another run", "activity", name)
			_ = l.call(ctx, wire.ActionSendTaskSuccess, wire.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: result(name)}, nil)
			continue
		}
		if name == WebhookActivity {
			select {
			case webhooks <- webhook{i, task.TaskToken}:
			case <-ctx.Done():
				return
			}
			continue
		}
		if err := l.call(ctx, wire.ActionSendTaskSuccess, wire.SendTaskSuccessInput{TaskToken: task.TaskToken, Output: result(name)}, nil); err != nil {
			l.log.Warn("SendTaskSuccess failed", "activity", name, "execution", l.execs[i].arn, "err", err)
			continue
		}
		if name == FinalActivity {
			l.awaitEnd(ctx, i)
		}
	}
}

// webhook is a Charge task handed from its poller to a webhook sender.
type webhook struct {
	index int
	token string
}

// sendWebhooks answers Charge's tasks as the PSP's webhook would.
func (l *level) sendWebhooks(ctx context.Context, webhooks <-chan webhook) {
	for {
		select {
		case <-ctx.Done():
			return
		case w := <-webhooks:
			e := &l.execs[w.index]
			e.webhook.Store(int64(l.since()))
			in := wire.SendTaskSuccessInput{TaskToken: w.token, Output: result(WebhookActivity)}
			if err := l.call(ctx, wire.ActionSendTaskSuccess, in, nil); err != nil && ctx.Err() == nil {
				l.log.Warn("webhook SendTaskSuccess failed", "execution", e.arn, "err", err)
			}
		}
	}
}

// awaitEnd asks once whether execution i has ended, and again after 1, 2,
// 4… ms (at most 250 ms apart) while it has not.
func (l *level) awaitEnd(ctx context.Context, i int) {
	e := &l.execs[i]
	wait := time.Millisecond
	for ctx.Err() == nil && !e.finished.Load() {
		var out wire.DescribeExecutionOutput
		err := l.call(ctx, wire.ActionDescribeExecution, wire.DescribeExecutionInput{ExecutionArn: e.arn, IncludedData: wire.IncludedDataMetadataOnly}, &out)
		if err == nil && out.Status != wire.ExecutionStatusRunning && out.Status != "" {
			l.finish(i, out.Status)
			return
		}
		if err != nil && ctx.Err() == nil {
			l.log.Warn("DescribeExecution failed", "execution", e.arn, "err", err)
		}
		sleep(ctx, wait)
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// finish records that execution i ended with status; only the first call
// counts.
func (l *level) finish(i int, status string) {
	e := &l.execs[i]
	if !e.finished.CompareAndSwap(false, true) {
		return
	}
	e.end = l.since()
	e.status = status
	if status != wire.ExecutionStatusSucceeded {
		l.failed.Add(1)
	}
	l.ended.Add(1)
	close(e.done)
}

// sweep finds executions that ended before their final activity.
func (l *level) sweep(ctx context.Context) {
	ticker := time.NewTicker(l.cfg.Sweep)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		for _, status := range []string{wire.ExecutionStatusFailed, wire.ExecutionStatusTimedOut, wire.ExecutionStatusAborted} {
			in := wire.ListExecutionsInput{StateMachineArn: l.cfg.Setup.StateMachineARN, StatusFilter: status, MaxResults: wire.MaxResultsLimit}
			for ctx.Err() == nil {
				var out wire.ListExecutionsOutput
				if err := l.call(ctx, wire.ActionListExecutions, in, &out); err != nil {
					break
				}
				for _, ex := range out.Executions {
					if rest, ok := strings.CutPrefix(ex.Name, l.prefix); ok {
						if i, err := strconv.Atoi(rest); err == nil && i >= 0 && i < len(l.execs) {
							l.finish(i, ex.Status)
						}
					}
				}
				if out.NextToken == "" {
					break
				}
				in.NextToken = out.NextToken
			}
		}
	}
}

func (l *level) progress(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			l.cfg.Progress(Progress{
				Concurrency: l.cfg.Concurrency,
				Elapsed:     l.since(),
				Started:     int(l.started.Load()),
				Completed:   int(l.ended.Load()),
				Failed:      int(l.failed.Load()),
			})
		}
	}
}

func (l *level) result(elapsed time.Duration) Result {
	res := Result{
		Concurrency: l.cfg.Concurrency,
		Executions:  len(l.execs),
		Started:     int(l.started.Load()),
		Calls:       make(map[string]int64),
		Errors:      l.errors.Load(),
	}
	var startToEnd, webhookToEnd []time.Duration
	var last time.Duration
	for i := range l.execs {
		e := &l.execs[i]
		if !e.finished.Load() {
			continue
		}
		if e.status == wire.ExecutionStatusSucceeded {
			res.Succeeded++
		} else {
			res.Failed++
		}
		last = max(last, e.end)
		startToEnd = append(startToEnd, e.end-e.start)
		if w := time.Duration(e.webhook.Load()); w >= 0 {
			webhookToEnd = append(webhookToEnd, e.end-w)
		}
	}
	res.Duration = last
	if res.Succeeded+res.Failed == 0 {
		res.Duration = elapsed
	}
	if res.Duration > 0 {
		res.PerSecond = float64(res.Succeeded+res.Failed) / res.Duration.Seconds()
	}
	res.StartToEnd = Summarize(startToEnd)
	res.WebhookToEnd = Summarize(webhookToEnd)
	l.calls.Range(func(k, v any) bool {
		res.Calls[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return res
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func randomID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "bench-" + hex.EncodeToString(b[:])
}
