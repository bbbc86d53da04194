package engine

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paystep/paystep/internal/asl"
)

// Env carries what a step may not take from the world itself.
type Env struct {
	Now    time.Time
	Region string                                   // for event details; defaults to the execution ARN's region
	Rand   func() float64                           // [0,1): retry jitter and States.MathRandom; nil means 0.5
	UUID   func() string                            // States.UUID and map run ids; nil gives a fixed-format counter id
	Token  func(ex *Execution, taskID int64) string // task tokens; nil gives "<execution ARN>#<task id>"
}

// Result is what a step produced: the new history events, in order, and the
// effects the runner must perform once they are stored.
type Result struct {
	Events  []HistoryEvent
	Effects []Effect
}

// ErrTaskNotPending is returned for a task event whose task is no longer awaited.
var ErrTaskNotPending = errors.New("engine: task is not pending")

// ErrNotRunning is returned for an event to an execution that has ended.
var ErrNotRunning = errors.New("engine: execution is not running")

// ErrNotRedrivable is returned for EventRedrive to an execution that is
// running, succeeded, or ended before it entered a state.
var ErrNotRedrivable = errors.New("engine: execution is not redrivable")

// NewExecution prepares an execution that EventStart will start.
func NewExecution(arn, name, stateMachineARN, stateMachineName string, input json.RawMessage, now time.Time) *Execution {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	return &Execution{
		ARN:              arn,
		Name:             name,
		StateMachineARN:  stateMachineARN,
		StateMachineName: stateMachineName,
		Status:           StatusRunning,
		Input:            input,
		StartTime:        now,
		Frames:           map[int]*Frame{},
	}
}

// Step advances ex by one event. It changes ex in place and returns the
// history events and effects that follow. It reads no clock and does no I/O,
// so the same inputs always give the same outputs.
func Step(sm *asl.StateMachine, ex *Execution, ev Event, env Env) (Result, error) {
	if ev.Kind == EventRedrive {
		if !ex.Redrivable() {
			return Result{}, ErrNotRedrivable
		}
	} else if ex.Status.Terminal() {
		return Result{}, ErrNotRunning
	}
	s := &stepper{sm: sm, ex: ex, env: env, machines: map[int]*asl.StateMachine{}}
	if s.env.Region == "" {
		s.env.Region = arnRegion(ex.ARN)
	}
	if ex.Frames == nil {
		ex.Frames = map[int]*Frame{}
	}
	var err error
	switch ev.Kind {
	case EventStart:
		s.start()
	case EventTick:
		s.tick()
	case EventStop:
		s.stop(ev.Error, ev.Cause)
	case EventRedrive:
		s.redrive()
	default:
		err = s.taskEvent(ev)
	}
	s.drain()
	return s.res, err
}

type stepper struct {
	sm       *asl.StateMachine
	ex       *Execution
	env      Env
	res      Result
	stack    []int
	machines map[int]*asl.StateMachine
	execIn   any
	execInOK bool

	// failedFan is what a redrive keeps of the top-level Parallel or
	// inline Map state while a failed child fails that state.
	failedFan *RedriveFan
	// resume is the redrive point's Fan, for the first Parallel or Map
	// state resumeState the top-level frame starts in this step.
	resume      *RedriveFan
	resumeState string
}

// --- history ---

func (s *stepper) emit(f *Frame, typ string, details any) int64 {
	if f != nil && f.Quiet {
		return 0
	}
	s.ex.LastEventID++
	ev := HistoryEvent{ID: s.ex.LastEventID, Timestamp: s.env.Now, Type: typ}
	if f != nil {
		// Each event follows the one before it on its thread of control.
		ev.PreviousEventID = cmp.Or(f.Last, f.Entered)
		if ev.PreviousEventID == 0 || ev.PreviousEventID >= ev.ID {
			ev.PreviousEventID = ev.ID - 1
		}
		f.Last = ev.ID
	} else {
		ev.PreviousEventID = ev.ID - 1
	}
	if details != nil {
		ev.Details = encode(details)
	}
	s.res.Events = append(s.res.Events, ev)
	return ev.ID
}

// --- lifecycle ---

func (s *stepper) start() {
	ex := s.ex
	s.emit(nil, "ExecutionStarted", executionStartedDetails{
		Input: string(compact(ex.Input)), RoleArn: ex.RoleARN, StateMachineArn: ex.StateMachineARN,
	})
	in, err := decode(ex.Input)
	if err != nil {
		s.endExecution(StatusFailed, "ExecutionFailed", asl.ErrorRuntime, "the execution input is not valid JSON: "+err.Error())
		return
	}
	root := &Frame{ID: 0, Parent: -1, State: s.sm.StartAt, Input: in, Phase: phaseEnter}
	ex.Frames[0] = root
	ex.NextFrameID = 1
	if s.sm.TimeoutSeconds > 0 {
		s.addTimer(Timer{At: s.env.Now.Add(time.Duration(s.sm.TimeoutSeconds) * time.Second), Frame: -1, Kind: timerExecution})
	}
	s.push(0)
}

// redrive runs the execution again from its redrive point. A top-level
// Parallel or inline Map state with RedrivePoint.Fan runs only the branches
// or iterations that did not succeed: the history shows the state entered
// and started again (MapStateStarted with the full length), then the usual
// events of the rerun branches and iterations only (MapIterationStarted and
// the rest for each rerun iteration), and the state's output is the full
// ordered array, the kept results with the new ones. A state without Fan
// (or a distributed Map) runs whole again, and so does a branch or
// iteration holding a nested Parallel or Map.
func (s *stepper) redrive() {
	ex := s.ex
	p := ex.Redrive
	ex.Status = StatusRunning
	ex.Error, ex.Cause, ex.Output = "", "", nil
	ex.StopTime = time.Time{}
	ex.Redrive = nil
	ex.RedriveCount++
	s.emit(nil, "ExecutionRedriven", executionRedrivenDetails{RedriveCount: ex.RedriveCount})
	ex.Frames[0] = &Frame{ID: 0, Parent: -1, State: p.State, Input: p.Input, Vars: p.Vars, Phase: phaseEnter}
	s.resume, s.resumeState = p.Fan, p.State
	if ex.NextFrameID < 1 {
		ex.NextFrameID = 1
	}
	if s.sm.TimeoutSeconds > 0 {
		s.addTimer(Timer{At: s.env.Now.Add(time.Duration(s.sm.TimeoutSeconds) * time.Second), Frame: -1, Kind: timerExecution})
	}
	s.push(0)
}

func (s *stepper) stop(errName, cause string) {
	s.endExecution(StatusAborted, "ExecutionAborted", errName, cause)
}

func (s *stepper) endExecution(status Status, eventType, errName, cause string) {
	ex := s.ex
	if root := ex.Frames[0]; root != nil && root.Parent == -1 {
		ex.Redrive = &RedrivePoint{State: root.State, Input: root.Input, Vars: root.Vars}
		switch {
		case root.Fan != nil: // stopped or timed out with branches running
			ex.Redrive.Fan = s.redriveFan(root, nil)
		case s.failedFan != nil: // a branch or iteration failed the state
			ex.Redrive.Fan = s.failedFan
		case s.resume != nil && root.State == s.resumeState: // redriven, failed before resuming
			ex.Redrive.Fan = s.resume
		}
	}
	ex.Status = status
	ex.Error, ex.Cause = errName, cause
	ex.StopTime = s.env.Now
	s.emit(nil, eventType, errorDetails{Error: errName, Cause: cause})
	s.dropAll()
}

func (s *stepper) succeedExecution(output any) {
	ex := s.ex
	out := encode(output)
	ex.Status = StatusSucceeded
	ex.Output = out
	ex.StopTime = s.env.Now
	s.emit(nil, "ExecutionSucceeded", executionSucceededDetails{Output: string(out)})
	s.dropAll()
}

// dropAll forgets every frame and timer, cancelling pending tasks.
func (s *stepper) dropAll() {
	ids := make([]int, 0, len(s.ex.Frames))
	for id := range s.ex.Frames {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if t := s.ex.Frames[id].Task; t != nil {
			s.res.Effects = append(s.res.Effects, Effect{Cancel: t})
		}
	}
	clear(s.ex.Frames)
	s.ex.Timers = nil
	s.stack = nil
}

// --- the work loop ---

func (s *stepper) push(id int) { s.stack = append(s.stack, id) }

func (s *stepper) drain() {
	for len(s.stack) > 0 && s.ex.Status == StatusRunning {
		id := s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		f := s.ex.Frames[id]
		if f == nil {
			continue
		}
		switch f.Phase {
		case phaseStart:
			p := s.ex.Frames[f.Parent]
			if p != nil && p.Fan != nil && p.Fan.Map && !f.Quiet {
				f.Entered = s.emit(p, "MapIterationStarted", mapIterationDetails{Name: p.State, Index: f.Index})
			}
			f.Phase = phaseEnter
			s.enter(f)
		case phaseEnter:
			s.enter(f)
		}
	}
}

func (s *stepper) machineOf(f *Frame) *asl.StateMachine {
	if f.Parent < 0 {
		return s.sm
	}
	if m, ok := s.machines[f.ID]; ok {
		return m
	}
	p := s.ex.Frames[f.Parent]
	if p == nil {
		return nil
	}
	pm := s.machineOf(p)
	if pm == nil {
		return nil
	}
	st := pm.States[p.State]
	var m *asl.StateMachine
	switch {
	case st == nil:
	case st.Type == asl.TypeParallel && f.Index < len(st.Branches):
		m = st.Branches[f.Index]
	case st.Type == asl.TypeMap:
		m = st.Processor
	}
	s.machines[f.ID] = m
	return m
}

func (s *stepper) stateOf(f *Frame) *asl.State {
	m := s.machineOf(f)
	if m == nil {
		return nil
	}
	return m.States[f.State]
}

// --- entering and attempting states ---

func (s *stepper) enter(f *Frame) {
	st := s.stateOf(f)
	if st == nil {
		s.frameFailed(f, asl.ErrorRuntime, fmt.Sprintf("the state %q does not exist", f.State))
		return
	}
	in, ok := f.encodedInput()
	if !ok {
		in = encode(f.Input)
		f.cacheInput(in)
	}
	id := s.emit(f, string(st.Type)+"StateEntered", stateEnteredDetails{Name: st.Name, Input: string(in)})
	if id != 0 {
		f.Entered = id
	}
	f.EnteredAt = s.env.Now
	f.Retries = nil
	f.RetryN = 0
	f.Phase = phaseBlocked
	s.attempt(f, st)
}

func (s *stepper) attempt(f *Frame, st *asl.State) {
	f.Phase = phaseBlocked
	effective, err := s.path(f, st, st.InputPath, f.Input, "InputPath", f.Input)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	// Only a Wait state reads its effective input again, when its timer
	// fires; the others are done with it within this step, and the
	// snapshot is smaller without it.
	f.Effective = nil
	if st.Type == asl.TypeWait {
		f.Effective = effective
	}
	switch st.Type {
	case asl.TypePass:
		result := effective
		if jsonataState(st) {
			s.finishJSONata(f, st, nil, false, st.Assign, st.Output, st.Next, st.End)
			return
		}
		if st.Parameters != nil {
			if result, err = st.Parameters.Eval(s.aslEnv(f, st, effective, argumentsField(st), "")); err != nil {
				s.failEval(f, st, err)
				return
			}
		}
		if st.HasResult {
			result = st.Result
		}
		s.complete(f, st, result)
	case asl.TypeChoice:
		s.choose(f, st, effective)
	case asl.TypeWait:
		s.wait(f, st, effective)
	case asl.TypeSucceed:
		if jsonataState(st) {
			s.finishJSONata(f, st, nil, false, nil, st.Output, "", true)
			return
		}
		output, err := s.path(f, st, st.OutputPath, effective, "OutputPath", effective)
		if err != nil {
			s.failEval(f, st, err)
			return
		}
		s.transition(f, st, output, nil, "", true)
	case asl.TypeFail:
		s.failState(f, st, effective)
	case asl.TypeTask:
		s.startTask(f, st, effective)
	case asl.TypeParallel:
		s.startParallel(f, st, effective)
	case asl.TypeMap:
		s.startMap(f, st, effective)
	default:
		s.frameFailed(f, asl.ErrorRuntime, fmt.Sprintf("unsupported state type %q", st.Type))
	}
}

// complete finishes a state that produced result: Assign, ResultSelector,
// ResultPath, OutputPath, then the transition.
func (s *stepper) complete(f *Frame, st *asl.State, result any) {
	if jsonataState(st) {
		s.finishJSONata(f, st, result, true, st.Assign, st.Output, st.Next, st.End)
		return
	}
	assigned, err := s.assign(f, st, st.Assign, result)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	if st.ResultSelector != nil {
		if result, err = st.ResultSelector.Eval(s.aslEnv(f, st, result, "ResultSelector", "")); err != nil {
			s.failEval(f, st, err)
			return
		}
	}
	combined, err := s.resultPath(f, st, st.ResultPath, f.Input, result)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	output, err := s.path(f, st, st.OutputPath, combined, "OutputPath", combined)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	s.transition(f, st, output, assigned, st.Next, st.End)
}

// transition leaves st with output and moves to next, or ends the frame.
func (s *stepper) transition(f *Frame, st *asl.State, output any, assigned map[string]any, next string, end bool) {
	out := encode(output)
	if len(out) > MaxPayloadBytes {
		s.frameFailed(f, asl.ErrorDataLimitExceeded, fmt.Sprintf(
			"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.Name))
		return
	}
	details := stateExitedDetails{Name: st.Name, Output: string(out)}
	if len(assigned) > 0 {
		if f.Vars == nil {
			f.Vars = make(map[string]any, len(assigned))
		}
		details.AssignedVariables = make(map[string]string, len(assigned))
		for k, v := range assigned {
			f.Vars[k] = v
			details.AssignedVariables[k] = string(encode(v))
		}
		details.AssignedVariablesDetails = &dataDetails{}
	}
	s.emit(f, string(st.Type)+"StateExited", details)
	f.Effective = nil
	f.Retries = nil
	f.RetryN = 0
	if end || next == "" {
		s.frameSucceeded(f, output)
		return
	}
	f.State = next
	f.Input = output
	f.cacheInput(out)
	f.Phase = phaseEnter
	s.push(f.ID)
}

// --- Choice, Wait, Fail ---

func (s *stepper) choose(f *Frame, st *asl.State, effective any) {
	env := s.aslEnv(f, st, effective, "Choices", "")
	for _, rule := range st.Choices {
		ok, err := rule.Match(env)
		if err != nil {
			s.failEval(f, st, err)
			return
		}
		if ok {
			if jsonataState(st) {
				out := rule.Output
				if out == nil {
					out = st.Output
				}
				s.finishJSONata(f, st, nil, false, rule.Assign, out, rule.Next, false)
				return
			}
			s.finishSimple(f, st, effective, rule.Assign, rule.Next)
			return
		}
	}
	if st.Default != "" {
		if jsonataState(st) {
			s.finishJSONata(f, st, nil, false, st.Assign, st.Output, st.Default, false)
			return
		}
		s.finishSimple(f, st, effective, st.Assign, st.Default)
		return
	}
	s.frameFailed(f, asl.ErrorNoChoiceMatched, s.prefix(f, st)+"No Matches!")
}

// finishSimple ends a state without a result (Choice, Wait): Assign sees the
// effective input, and the output is the effective input through OutputPath.
func (s *stepper) finishSimple(f *Frame, st *asl.State, effective any, assign *asl.Template, next string) {
	if jsonataState(st) {
		s.finishJSONata(f, st, nil, false, assign, st.Output, next, st.End)
		return
	}
	assigned, err := s.assign(f, st, assign, effective)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	output, err := s.path(f, st, st.OutputPath, effective, "OutputPath", effective)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	s.transition(f, st, output, assigned, next, st.End)
}

func (s *stepper) wait(f *Frame, st *asl.State, effective any) {
	due, err := s.waitUntil(f, st, effective)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	if !due.After(s.env.Now) {
		s.finishSimple(f, st, effective, st.Assign, st.Next)
		return
	}
	id := s.addTimer(Timer{At: due, Frame: f.ID, Kind: timerWait})
	f.Wait = &waiting{TimerID: id}
}

func (s *stepper) waitUntil(f *Frame, st *asl.State, effective any) (time.Time, error) {
	env := s.aslEnv(f, st, effective, "", "")
	switch {
	case st.Seconds != nil:
		env.Field = "Seconds"
		v, err := st.Seconds.Eval(env)
		if err != nil {
			return time.Time{}, err
		}
		n, ok := toInt(v)
		if !ok || n < 0 {
			return time.Time{}, &asl.EvalError{Name: evalErrorName(st), Cause: fmt.Sprintf("The Seconds field must be a non-negative integer: %s", encode(v))}
		}
		return s.env.Now.Add(time.Duration(n) * time.Second), nil
	case st.SecondsPath != nil:
		v, err := s.path(f, st, st.SecondsPath, effective, "SecondsPath", nil)
		if err != nil {
			return time.Time{}, err
		}
		n, ok := toInt(v)
		if !ok || n < 0 {
			return time.Time{}, &asl.EvalError{Name: asl.ErrorRuntime, Cause: fmt.Sprintf(
				"The SecondsPath parameter does not reference a valid non-negative integer: %s == %s", st.SecondsPath.Source, encode(v))}
		}
		return s.env.Now.Add(time.Duration(n) * time.Second), nil
	case st.Timestamp != nil:
		env.Field = "Timestamp"
		v, err := st.Timestamp.Eval(env)
		if err != nil {
			return time.Time{}, err
		}
		str, _ := v.(string)
		t, ok := parseTimestamp(str)
		if !ok {
			return time.Time{}, &asl.EvalError{Name: evalErrorName(st), Cause: fmt.Sprintf(
				"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: %s", str)}
		}
		return t, nil
	case st.TimestampPath != nil:
		v, err := s.path(f, st, st.TimestampPath, effective, "TimestampPath", nil)
		if err != nil {
			return time.Time{}, err
		}
		str, _ := v.(string)
		t, ok := parseTimestamp(str)
		if !ok {
			return time.Time{}, &asl.EvalError{Name: asl.ErrorRuntime, Cause: fmt.Sprintf(
				"The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s",
				st.TimestampPath.Source, plain(v))}
		}
		return t, nil
	}
	return s.env.Now, nil
}

func (s *stepper) failState(f *Frame, st *asl.State, effective any) {
	errName, err := s.failField(f, st, st.Error, st.ErrorPath, "ErrorPath", effective)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	cause, err := s.failField(f, st, st.Cause, st.CausePath, "CausePath", effective)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	s.frameFailed(f, errName, cause)
}

func (s *stepper) failField(f *Frame, st *asl.State, lit *asl.Template, path *asl.Path, field string, effective any) (string, error) {
	var v any
	var err error
	switch {
	case lit != nil:
		v, err = lit.Eval(s.aslEnv(f, st, effective, strings.TrimSuffix(field, "Path"), ""))
	case path != nil:
		v, err = s.path(f, st, path, effective, field, nil)
	default:
		return "", nil
	}
	if err != nil {
		return "", err
	}
	str, ok := v.(string)
	if !ok && v != nil {
		return "", &asl.EvalError{Name: evalErrorName(st), Cause: fmt.Sprintf("The %s field must resolve to a string: %s", field, encode(v))}
	}
	return str, nil
}

// --- failures, retries and catchers ---

// failEval fails st with an evaluation error.
func (s *stepper) failEval(f *Frame, st *asl.State, err error) {
	name, cause, field := asl.ErrorRuntime, err.Error(), ""
	var ee *asl.EvalError
	if errors.As(err, &ee) {
		name, cause, field = ee.Name, ee.Cause, ee.Field
	}
	if jsonataState(st) {
		cause = s.prefix(f, st) + cause
		s.emit(f, "EvaluationFailed", evaluationFailedDetails{Error: name, Cause: cause, Location: field, State: st.Name})
		s.failWith(f, st, name, cause, false)
		return
	}
	s.failWith(f, st, name, s.prefix(f, st)+cause, true)
}

func (s *stepper) prefix(f *Frame, st *asl.State) string {
	return fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", st.Name, f.Entered)
}

// fail handles an error raised by st: Task, Parallel and Map states retry
// and catch; other states fail their frame.
func (s *stepper) fail(f *Frame, st *asl.State, name, cause string) {
	s.failWith(f, st, name, cause, false)
}

// failWith is fail; evalFailure marks an error of evaluating the state's own
// fields, after which AWS writes no MapStateFailed event.
func (s *stepper) failWith(f *Frame, st *asl.State, name, cause string, evalFailure bool) {
	switch st.Type {
	case asl.TypeTask, asl.TypeParallel, asl.TypeMap:
	default:
		s.frameFailed(f, name, cause)
		return
	}
	s.cancelChildren(f)
	f.Task = nil
	for i, r := range st.Retry {
		if !asl.MatchError(r.ErrorEquals, name) {
			continue
		}
		if f.Retries == nil {
			f.Retries = make([]int, len(st.Retry))
		}
		if int64(f.Retries[i]) < r.MaxAttempts {
			f.Retries[i]++
			f.RetryN++
			f.Phase = phaseBlocked
			s.addTimer(Timer{At: s.env.Now.Add(s.backoff(r, f.Retries[i])), Frame: f.ID, Kind: timerRetry})
			return
		}
		break
	}
	switch st.Type {
	case asl.TypeMap:
		if !evalFailure {
			s.emit(f, "MapStateFailed", nil)
		}
	case asl.TypeParallel:
		s.emit(f, "ParallelStateFailed", nil)
	}
	errorOutput := map[string]any{"Error": name, "Cause": cause}
	for _, c := range st.Catch {
		if !asl.MatchError(c.ErrorEquals, name) {
			continue
		}
		if jsonataState(st) {
			s.catchJSONata(f, st, c, errorOutput)
			return
		}
		assigned, err := s.assign(f, st, c.Assign, errorOutput)
		if err != nil {
			s.frameFailed(f, asl.ErrorRuntime, s.prefix(f, st)+evalCause(err))
			return
		}
		out, err := s.resultPath(f, st, c.ResultPath, f.Input, errorOutput)
		if err != nil {
			s.frameFailed(f, asl.ErrorRuntime, s.prefix(f, st)+evalCause(err))
			return
		}
		s.transition(f, st, out, assigned, c.Next, false)
		return
	}
	s.frameFailed(f, name, cause)
}

func evalCause(err error) string {
	var ee *asl.EvalError
	if errors.As(err, &ee) {
		return ee.Cause
	}
	return err.Error()
}

// backoff is the delay before retry attempt n (1-based) of r.
func (s *stepper) backoff(r *asl.Retrier, n int) time.Duration {
	interval := r.IntervalSeconds
	if interval <= 0 {
		interval = 1
	}
	rate := r.BackoffRate
	if rate < 1 {
		rate = 1
	}
	secs := float64(interval) * math.Pow(rate, float64(n-1))
	if r.MaxDelaySeconds > 0 && secs > float64(r.MaxDelaySeconds) {
		secs = float64(r.MaxDelaySeconds)
	}
	if secs > 99999999 {
		secs = 99999999
	}
	if r.JitterStrategy == "FULL" {
		secs *= s.rand()
	}
	return time.Duration(secs * float64(time.Second))
}

func (s *stepper) rand() float64 {
	if s.env.Rand == nil {
		return 0.5
	}
	return s.env.Rand()
}

// --- frames ending ---

func (s *stepper) frameSucceeded(f *Frame, output any) {
	if f.Parent < 0 {
		s.succeedExecution(output)
		return
	}
	p := s.ex.Frames[f.Parent]
	s.removeFrame(f)
	if p == nil || p.Fan == nil {
		return
	}
	fan := p.Fan
	if fan.Map && !fan.Distributed {
		s.emit(p, "MapIterationSucceeded", mapIterationDetails{Name: p.State, Index: f.Index})
	}
	fan.Results[f.Index] = output
	fan.Finished++
	fan.Running--
	fan.Children = slices.DeleteFunc(fan.Children, func(id int) bool { return id == f.ID })
	s.fanProgress(p)
}

func (s *stepper) frameFailed(f *Frame, name, cause string) {
	if f.Parent < 0 {
		s.endExecution(StatusFailed, "ExecutionFailed", name, cause)
		return
	}
	p := s.ex.Frames[f.Parent]
	s.removeFrame(f)
	if p == nil || p.Fan == nil {
		return
	}
	fan := p.Fan
	fan.Running--
	fan.Children = slices.DeleteFunc(fan.Children, func(id int) bool { return id == f.ID })
	if fan.Map && !fan.Distributed {
		s.emit(p, "MapIterationFailed", mapIterationDetails{Name: p.State, Index: f.Index})
	}
	pst := s.stateOf(p)
	if fan.Distributed {
		fan.Failed++
		fan.Finished++
		if fan.FirstError == "" {
			fan.FirstError, fan.FirstCause = name, cause
		}
		if s.tolerated(fan) {
			s.fanProgress(p)
			return
		}
		s.emit(p, "MapRunFailed", errorDetails{Error: asl.ErrorExceedToleratedFailureThreshold, Cause: "The specified tolerated failure threshold was exceeded"})
		p.Fan = nil
		s.fail(p, pst, asl.ErrorExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")
		return
	}
	if p.Parent < 0 {
		s.failedFan = s.redriveFan(p, f)
	}
	s.cancelChildren(p)
	p.Fan = nil
	s.fail(p, pst, name, cause)
	s.failedFan = nil
}

// redriveFan is what a redrive of the top-level frame p, blocked in a
// Parallel or inline Map state, keeps: the children that succeeded with
// their results, and the others (failed, the one failing now, still
// running, not started) with a Map iteration's input. nil for a
// distributed Map, which runs whole again.
func (s *stepper) redriveFan(p *Frame, failing *Frame) *RedriveFan {
	fan := p.Fan
	if fan == nil || fan.Distributed {
		return nil
	}
	inputs := make(map[int]any, fan.Running+1)
	childInput := func(c *Frame) {
		var v any
		if fan.Map && c.MapItem != nil {
			v = c.MapItem.Value
		}
		inputs[c.Index] = v
	}
	if failing != nil {
		childInput(failing)
	}
	for _, id := range fan.Children {
		if c := s.ex.Frames[id]; c != nil {
			childInput(c)
		}
	}
	if len(fan.Rerun) > 0 {
		for _, i := range fan.Rerun {
			inputs[i] = fan.Items[i]
		}
	} else {
		for i := fan.Started; i < fan.Total; i++ {
			inputs[i] = fan.Items[i]
		}
	}
	r := &RedriveFan{Total: fan.Total}
	for i := range fan.Total {
		in, again := inputs[i]
		if !again {
			r.Done = append(r.Done, RedriveBranch{Index: i, Value: fan.Results[i]})
			continue
		}
		if !fan.Map {
			in = nil
		}
		r.Rerun = append(r.Rerun, RedriveBranch{Index: i, Value: in})
	}
	return r
}

// resumeFan fills fan, a new fan-out of the top-level frame f, from the
// redrive point's Fan: the kept results count as finished and only the
// others start. It reports false (and leaves fan alone) when there is no
// such Fan or it does not fit, and the state runs whole.
func (s *stepper) resumeFan(f *Frame, fan *fanOut) bool {
	r := s.resume
	if r == nil || f.Parent >= 0 || f.State != s.resumeState {
		return false
	}
	s.resume = nil
	if r.Total != fan.Total || len(r.Done)+len(r.Rerun) != fan.Total {
		return false
	}
	seen := make([]bool, fan.Total)
	for _, list := range [][]RedriveBranch{r.Done, r.Rerun} {
		for _, b := range list {
			if b.Index < 0 || b.Index >= fan.Total || seen[b.Index] {
				return false
			}
			seen[b.Index] = true
		}
	}
	for _, b := range r.Done {
		fan.Results[b.Index] = b.Value
		fan.Items[b.Index] = nil
	}
	fan.Rerun = make([]int, 0, len(r.Rerun))
	for _, b := range r.Rerun {
		if fan.Map {
			fan.Items[b.Index] = b.Value
		}
		fan.Rerun = append(fan.Rerun, b.Index)
	}
	slices.Sort(fan.Rerun)
	fan.Started = len(r.Done)
	fan.Finished = len(r.Done)
	return true
}

func (s *stepper) tolerated(fan *fanOut) bool {
	if fan.TolCount >= 0 && fan.Failed <= fan.TolCount {
		return true
	}
	if fan.HasPercent && fan.Total > 0 && float64(fan.Failed)*100/float64(fan.Total) <= fan.TolPercent {
		return true
	}
	return false
}

// cancelChildren drops every running child of f.
func (s *stepper) cancelChildren(f *Frame) {
	if f.Fan == nil {
		return
	}
	for _, id := range f.Fan.Children {
		if c := s.ex.Frames[id]; c != nil {
			s.removeFrame(c)
		}
	}
	f.Fan = nil
}

// removeFrame deletes f and its descendants, cancelling their tasks and timers.
func (s *stepper) removeFrame(f *Frame) {
	if f.Fan != nil {
		for _, id := range f.Fan.Children {
			if c := s.ex.Frames[id]; c != nil {
				s.removeFrame(c)
			}
		}
	}
	if f.Task != nil {
		s.res.Effects = append(s.res.Effects, Effect{Cancel: f.Task})
		f.Task = nil
	}
	s.ex.Timers = slices.DeleteFunc(s.ex.Timers, func(t Timer) bool { return t.Frame == f.ID })
	delete(s.ex.Frames, f.ID)
	delete(s.machines, f.ID)
}

// --- Parallel and Map ---

func (s *stepper) startParallel(f *Frame, st *asl.State, effective any) {
	input := effective
	if st.Parameters != nil {
		var err error
		if input, err = st.Parameters.Eval(s.aslEnv(f, st, effective, argumentsField(st), "")); err != nil {
			s.failEval(f, st, err)
			return
		}
	}
	s.emit(f, "ParallelStateStarted", nil)
	n := len(st.Branches)
	items := make([]any, n)
	for i := range items {
		items[i] = input
	}
	f.Fan = &fanOut{Items: items, Total: n, Results: make([]any, n), TolCount: -1}
	s.resumeFan(f, f.Fan)
	s.fanProgress(f)
}

func (s *stepper) startMap(f *Frame, st *asl.State, effective any) {
	maxConc, err := s.intField(f, st, st.MaxConcurrency, st.MaxConcurrencyPath, "MaxConcurrency", effective)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	var items []any
	if st.ItemReader == nil && jsonataState(st) {
		if items, err = s.jsonataItems(f, st); err != nil {
			s.failEval(f, st, err)
			return
		}
	} else if st.ItemReader == nil {
		raw := effective
		if st.ItemsPath != nil {
			if raw, err = s.path(f, st, st.ItemsPath, effective, "ItemsPath", nil); err != nil {
				s.failEval(f, st, err)
				return
			}
		}
		var ok bool
		if items, ok = raw.([]any); !ok {
			s.failEval(f, st, &asl.EvalError{Name: asl.ErrorRuntime, Cause: fmt.Sprintf(
				"Invalid path '%s': The ItemsPath field must reference a JSON array, but it references: %s", pathSource(st.ItemsPath), encode(raw))})
			return
		}
	}
	s.emit(f, "MapStateStarted", mapStateStartedDetails{Length: len(items)})
	distributed := st.Processor != nil && st.Processor.Mode == "DISTRIBUTED"
	fan := &fanOut{Map: true, Distributed: distributed, Total: len(items), Results: make([]any, len(items)), MaxConc: int(maxConc), TolCount: -1}
	if distributed {
		if st.ToleratedFailureCount != nil || st.ToleratedFailureCountPath != nil {
			n, err := s.intField(f, st, st.ToleratedFailureCount, st.ToleratedFailureCountPath, "ToleratedFailureCount", effective)
			if err != nil {
				s.failEval(f, st, err)
				return
			}
			fan.TolCount = int(n)
		}
		if st.ToleratedFailurePercentage != nil || st.ToleratedFailurePercentagePath != nil {
			pct, err := s.percentField(f, st, effective)
			if err != nil {
				s.failEval(f, st, err)
				return
			}
			fan.TolPercent, fan.HasPercent = pct, true
		}
		s.emit(f, "MapRunStarted", mapRunStartedDetails{MapRunArn: s.mapRunARN(st)})
	}
	selector := st.ItemSelector
	fan.Items = make([]any, len(items))
	if !distributed && s.resumeFan(f, fan) {
		// The iterations to run again keep the inputs they had.
		f.Fan = fan
		s.fanProgress(f)
		return
	}
	for i, item := range items {
		if selector == nil {
			fan.Items[i] = item
			continue
		}
		env := s.aslEnv(f, st, effective, "ItemSelector", "")
		env.Context = s.context(f, st, "", &mapItem{Index: i, Value: item})
		v, err := selector.Eval(env)
		if err != nil {
			s.failEval(f, st, err)
			return
		}
		fan.Items[i] = v
	}
	f.Fan = fan
	s.fanProgress(f)
}

// fanProgress starts what the concurrency limit allows and finishes the
// state when every child has ended.
func (s *stepper) fanProgress(p *Frame) {
	fan := p.Fan
	st := s.stateOf(p)
	var started []int
	for fan.Started < fan.Total && (fan.MaxConc <= 0 || fan.Running < fan.MaxConc) {
		i := fan.Started
		if len(fan.Rerun) > 0 {
			i, fan.Rerun = fan.Rerun[0], fan.Rerun[1:]
		}
		fan.Started++
		fan.Running++
		c := &Frame{ID: s.ex.NextFrameID, Parent: p.ID, Index: i, Input: fan.Items[i], Phase: phaseEnter, Quiet: fan.Distributed || p.Quiet}
		s.ex.NextFrameID++
		c.Entered, c.Last = p.Entered, p.Last
		if fan.Map {
			c.Phase = phaseStart
			c.MapItem = &mapItem{Index: i, Value: fan.Items[i]}
		}
		fan.Items[i] = nil // the child holds it now: keep it once in the snapshot
		s.ex.Frames[c.ID] = c
		if m := s.machineOf(c); m != nil {
			c.State = m.StartAt
		}
		fan.Children = append(fan.Children, c.ID)
		started = append(started, c.ID)
	}
	for i := len(started) - 1; i >= 0; i-- {
		s.push(started[i])
	}
	if fan.Finished < fan.Total {
		return
	}
	results := fan.Results
	if fan.Distributed && fan.Failed > 0 {
		results = slices.DeleteFunc(slices.Clone(results), func(v any) bool { return v == nil })
	}
	p.Fan = nil
	if fan.Map {
		if fan.Distributed {
			s.emit(p, "MapRunSucceeded", nil)
		}
		s.emit(p, "MapStateSucceeded", nil)
	}
	s.complete(p, st, results)
}

func (s *stepper) mapRunARN(st *asl.State) string {
	label := st.Label
	if label == "" {
		label = st.Name
	}
	id := s.uuid()
	parts := strings.SplitN(s.ex.ARN, ":", 7)
	if len(parts) == 7 {
		return fmt.Sprintf("arn:aws:states:%s:%s:mapRun:%s/%s:%s", parts[3], parts[4], s.ex.StateMachineName, label, id)
	}
	return "mapRun:" + label + ":" + id
}

func (s *stepper) uuid() string {
	if s.env.UUID != nil {
		return s.env.UUID()
	}
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.ex.LastEventID)
}

func (s *stepper) intField(f *Frame, st *asl.State, lit *asl.Template, path *asl.Path, field string, effective any) (int64, error) {
	var v any
	var err error
	switch {
	case lit != nil:
		if v, err = lit.Eval(s.aslEnv(f, st, effective, field, "")); err != nil {
			return 0, err
		}
	case path != nil:
		if v, err = s.path(f, st, path, effective, field+"Path", nil); err != nil {
			return 0, err
		}
	default:
		return 0, nil
	}
	n, ok := toInt(v)
	if str, isStr := v.(string); isStr && path != nil {
		n, ok = parseIntString(str)
	}
	if !ok {
		if path != nil {
			return 0, &asl.EvalError{Name: asl.ErrorRuntime, Cause: fmt.Sprintf(
				"The %sPath field refers to value %s which is not a valid integer: %s", field, encode(v), path.Source)}
		}
		return 0, &asl.EvalError{Name: evalErrorName(st), Cause: fmt.Sprintf("The %s field must be an integer: %s", field, encode(v))}
	}
	if n < 0 {
		return 0, &asl.EvalError{Name: asl.ErrorRuntime, Cause: field + " cannot be negative."}
	}
	return n, nil
}

func (s *stepper) percentField(f *Frame, st *asl.State, effective any) (float64, error) {
	var v any
	var err error
	if st.ToleratedFailurePercentage != nil {
		v, err = st.ToleratedFailurePercentage.Eval(s.aslEnv(f, st, effective, "ToleratedFailurePercentage", ""))
	} else {
		v, err = s.path(f, st, st.ToleratedFailurePercentagePath, effective, "ToleratedFailurePercentagePath", nil)
	}
	if err != nil {
		return 0, err
	}
	pct, ok := toFloat(v)
	if !ok {
		src := ""
		if st.ToleratedFailurePercentagePath != nil {
			src = st.ToleratedFailurePercentagePath.Source
		}
		return 0, &asl.EvalError{Name: asl.ErrorRuntime, Cause: fmt.Sprintf(
			"The ToleratedFailurePercentagePath field refers to value %s which is not a valid float: %s", encode(v), src)}
	}
	if pct < 0 || pct > 100 {
		return 0, &asl.EvalError{Name: asl.ErrorRuntime, Cause: "ToleratedFailurePercentage must be between 0 and 100."}
	}
	return pct, nil
}

// --- Task ---

func (s *stepper) startTask(f *Frame, st *asl.State, effective any) {
	s.ex.NextTaskID++
	id := s.ex.NextTaskID
	token := s.token(id)
	params := effective
	var err error
	if st.Parameters != nil {
		if params, err = st.Parameters.Eval(s.aslEnv(f, st, effective, argumentsField(st), token)); err != nil {
			s.failEval(f, st, err)
			return
		}
	}
	timeout, err := s.intField(f, st, st.TimeoutSeconds, st.TimeoutSecondsPath, "TimeoutSeconds", effective)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	heartbeat, err := s.intField(f, st, st.HeartbeatSeconds, st.HeartbeatSecondsPath, "HeartbeatSeconds", effective)
	if err != nil {
		s.failEval(f, st, err)
		return
	}
	input := encodeFor(f, params)
	t := &Task{ID: id, Frame: f.ID, Resource: st.Resource, Kind: classify(st.Resource), Token: token, Input: input,
		TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat}
	rtype, res := serviceParts(st.Resource)
	switch t.Kind {
	case ResourceActivity:
		s.emit(f, "ActivityScheduled", activityScheduledDetails{Resource: st.Resource, Input: string(input), TimeoutInSeconds: timeout, HeartbeatInSeconds: heartbeat})
	case ResourceLambda:
		s.emit(f, "LambdaFunctionScheduled", lambdaScheduledDetails{Resource: st.Resource, Input: string(input), TimeoutInSeconds: timeout})
		s.emit(f, "LambdaFunctionStarted", nil)
		t.Started = true
	default:
		s.emit(f, "TaskScheduled", taskScheduledDetails{ResourceType: rtype, Resource: res, Region: s.env.Region,
			Parameters: string(input), TimeoutInSeconds: timeout, HeartbeatInSeconds: heartbeat})
		s.emit(f, "TaskStarted", taskResourceDetails{ResourceType: rtype, Resource: res})
		t.Started = true
	}
	if timeout > 0 {
		t.TimeoutTimer = s.addTimer(Timer{At: s.env.Now.Add(time.Duration(timeout) * time.Second), Frame: f.ID, Kind: timerTaskTimeout, Task: id})
	}
	if heartbeat > 0 {
		t.HeartbeatTimer = s.addTimer(Timer{At: s.env.Now.Add(time.Duration(heartbeat) * time.Second), Frame: f.ID, Kind: timerHeartbeat, Task: id})
	}
	f.Task = t
	s.res.Effects = append(s.res.Effects, Effect{Invoke: t})
}

func (s *stepper) token(id int64) string {
	if s.env.Token != nil {
		return s.env.Token(s.ex, id)
	}
	return fmt.Sprintf("%s#%d", s.ex.ARN, id)
}

func (s *stepper) findTask(id int64) (*Frame, *Task) {
	for _, f := range s.ex.Frames {
		if f.Task != nil && f.Task.ID == id {
			return f, f.Task
		}
	}
	return nil, nil
}

func (s *stepper) taskEvent(ev Event) error {
	f, t := s.findTask(ev.TaskID)
	if t == nil {
		return ErrTaskNotPending
	}
	st := s.stateOf(f)
	rtype, res := serviceParts(t.Resource)
	switch ev.Kind {
	case EventTaskStarted:
		if !t.Started {
			t.Started = true
			if t.Kind == ResourceActivity {
				s.emit(f, "ActivityStarted", activityStartedDetails{WorkerName: ev.WorkerName})
			}
		}
		return nil
	case EventTaskSubmitted:
		if !t.Submitted { // a resource called again after a crash may accept the call twice
			t.Submitted = true
			s.emit(f, "TaskSubmitted", taskSucceededDetails{ResourceType: rtype, Resource: res, Output: string(compact(ev.Output))})
		}
		return nil
	case EventTaskHeartbeat:
		if t.HeartbeatSeconds > 0 {
			s.removeTimer(t.HeartbeatTimer)
			t.HeartbeatTimer = s.addTimer(Timer{At: s.env.Now.Add(time.Duration(t.HeartbeatSeconds) * time.Second), Frame: f.ID, Kind: timerHeartbeat, Task: t.ID})
		}
		return nil
	case EventTaskSucceeded:
		s.clearTask(f, t)
		out := compact(ev.Output)
		if len(out) == 0 {
			out = []byte("null")
		}
		s.emitTaskEnd(f, t, "Succeeded", string(out), "", "")
		if len(out) > MaxPayloadBytes {
			s.fail(f, st, asl.ErrorDataLimitExceeded, fmt.Sprintf(
				"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.Name))
			return nil
		}
		result, err := decode(out)
		if err != nil {
			s.fail(f, st, asl.ErrorRuntime, s.prefix(f, st)+"the task result is not valid JSON: "+err.Error())
			return nil
		}
		s.complete(f, st, result)
	case EventTaskFailed:
		s.clearTask(f, t)
		s.emitTaskEnd(f, t, "Failed", "", ev.Error, ev.Cause)
		s.fail(f, st, ev.Error, ev.Cause)
	}
	return nil
}

func (s *stepper) clearTask(f *Frame, t *Task) {
	s.removeTimer(t.TimeoutTimer)
	s.removeTimer(t.HeartbeatTimer)
	f.Task = nil
}

// emitTaskEnd writes the Succeeded, Failed or TimedOut event of t's kind.
func (s *stepper) emitTaskEnd(f *Frame, t *Task, outcome, output, errName, cause string) {
	rtype, res := serviceParts(t.Resource)
	var prefix string
	switch t.Kind {
	case ResourceActivity:
		prefix = "Activity"
	case ResourceLambda:
		prefix = "LambdaFunction"
	default:
		prefix = "Task"
	}
	var details any
	switch {
	case outcome == "Succeeded" && t.Kind != ResourceActivity && t.Kind != ResourceLambda:
		details = taskSucceededDetails{ResourceType: rtype, Resource: res, Output: output}
	case outcome == "Succeeded":
		details = outputDetails{Output: output}
	case t.Kind != ResourceActivity && t.Kind != ResourceLambda:
		details = taskFailedDetails{ResourceType: rtype, Resource: res, Error: errName, Cause: cause}
	default:
		details = errorDetails{Error: errName, Cause: cause}
	}
	s.emit(f, prefix+outcome, details)
}

// --- timers ---

func (s *stepper) addTimer(t Timer) int64 {
	s.ex.NextTimerID++
	t.ID = s.ex.NextTimerID
	i, _ := slices.BinarySearchFunc(s.ex.Timers, t, func(a, b Timer) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	s.ex.Timers = slices.Insert(s.ex.Timers, i, t)
	return t.ID
}

func (s *stepper) removeTimer(id int64) {
	if id == 0 {
		return
	}
	s.ex.Timers = slices.DeleteFunc(s.ex.Timers, func(t Timer) bool { return t.ID == id })
}

func (s *stepper) tick() {
	for len(s.ex.Timers) > 0 && !s.ex.Timers[0].At.After(s.env.Now) && s.ex.Status == StatusRunning {
		t := s.ex.Timers[0]
		s.ex.Timers = s.ex.Timers[1:]
		s.fire(t)
		s.drain()
	}
}

func (s *stepper) fire(t Timer) {
	if t.Kind == timerExecution {
		s.endExecution(StatusTimedOut, "ExecutionTimedOut", asl.ErrorTimeout, "")
		return
	}
	f := s.ex.Frames[t.Frame]
	if f == nil {
		return
	}
	st := s.stateOf(f)
	switch t.Kind {
	case timerWait:
		f.Wait = nil
		s.finishSimple(f, st, f.Effective, st.Assign, st.Next)
	case timerRetry:
		s.attempt(f, st)
	case timerTaskTimeout, timerHeartbeat:
		task := f.Task
		if task == nil || task.ID != t.Task {
			return
		}
		name := asl.ErrorTimeout
		if t.Kind == timerHeartbeat {
			name = asl.ErrorHeartbeatTimeout
		}
		s.clearTask(f, task)
		s.res.Effects = append(s.res.Effects, Effect{Cancel: task})
		s.emitTaskEnd(f, task, "TimedOut", "", name, "")
		s.fail(f, st, name, "")
	}
}

// --- data flow helpers ---

func (s *stepper) aslEnv(f *Frame, st *asl.State, input any, field, token string) *asl.Env {
	return &asl.Env{
		Input:       input,
		ContextFunc: func() any { return s.context(f, st, token, nil) },
		Var:         s.vars(f),
		Vars:        func() map[string]any { return s.visibleVars(f) },
		Now:         s.env.Now,
		UUID:        s.uuid,
		Rand:        s.randRange,
		Field:       field,
	}
}

func (s *stepper) randRange(lo, hi int64) int64 {
	if hi < lo {
		lo, hi = hi, lo
	}
	return lo + int64(s.rand()*float64(hi-lo+1))
}

func (s *stepper) vars(f *Frame) func(string) (any, bool) {
	return func(name string) (any, bool) {
		for c := f; c != nil; {
			if v, ok := c.Vars[name]; ok {
				return v, true
			}
			if c.Parent < 0 {
				break
			}
			c = s.ex.Frames[c.Parent]
		}
		return nil, false
	}
}

func (s *stepper) executionInput() any {
	if !s.execInOK {
		s.execIn, _ = decode(s.ex.Input)
		s.execInOK = true
	}
	return s.execIn
}

// context builds the context object ($$) for f in st.
func (s *stepper) context(f *Frame, st *asl.State, token string, item *mapItem) map[string]any {
	ex := s.ex
	c := map[string]any{
		"Execution": map[string]any{
			"Id":           ex.ARN,
			"Input":        s.executionInput(),
			"Name":         ex.Name,
			"RoleArn":      ex.RoleARN,
			"StartTime":    isoTime(ex.StartTime),
			"RedriveCount": json.Number(fmt.Sprint(ex.RedriveCount)),
		},
		"StateMachine": map[string]any{"Id": ex.StateMachineARN, "Name": ex.StateMachineName},
	}
	state := map[string]any{"EnteredTime": isoTime(f.EnteredAt), "Name": st.Name}
	switch st.Type {
	case asl.TypeTask, asl.TypeParallel, asl.TypeMap:
		state["RetryCount"] = json.Number(fmt.Sprint(f.RetryN))
	}
	c["State"] = state
	if token != "" {
		c["Task"] = map[string]any{"Token": token}
	}
	if item == nil {
		for a := f; a != nil; {
			if a.MapItem != nil {
				item = a.MapItem
				break
			}
			if a.Parent < 0 {
				break
			}
			a = ex.Frames[a.Parent]
		}
	}
	if item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": json.Number(fmt.Sprint(item.Index)), "Value": item.Value}}
	}
	return c
}

// path evaluates a path field; nil means def, an explicit null the empty object.
func (s *stepper) path(f *Frame, st *asl.State, p *asl.Path, input any, field string, def any) (any, error) {
	if p == nil {
		return def, nil
	}
	if p.Null {
		return map[string]any{}, nil
	}
	return p.Eval(s.aslEnv(f, st, input, field, ""))
}

func (s *stepper) resultPath(f *Frame, st *asl.State, p *asl.Path, input, result any) (any, error) {
	switch {
	case p == nil:
		return result, nil
	case p.Null:
		return input, nil
	}
	return p.Set(input, result)
}

func (s *stepper) assign(f *Frame, st *asl.State, t *asl.Template, input any) (map[string]any, error) {
	if t == nil {
		return nil, nil
	}
	return t.AssignVars(s.aslEnv(f, st, input, "Assign", ""))
}

// --- small helpers ---

func pathSource(p *asl.Path) string {
	if p == nil {
		return "$"
	}
	return p.Source
}

func classify(resource string) ResourceKind {
	switch {
	case strings.HasPrefix(resource, "arn:aws:states:") && strings.Contains(resource, ":activity:"):
		return ResourceActivity
	case strings.HasPrefix(resource, "arn:aws:lambda:") && strings.Contains(resource, ":function:"):
		return ResourceLambda
	case strings.HasPrefix(resource, "arn:aws:states:::"):
		return ResourceService
	}
	return ResourceCustom
}

// serviceParts splits "arn:aws:states:::lambda:invoke.waitForTaskToken" into
// ("lambda", "invoke.waitForTaskToken"); other resources give ("custom", resource).
func serviceParts(resource string) (string, string) {
	if rest, ok := strings.CutPrefix(resource, "arn:aws:states:::"); ok {
		if svc, action, ok := strings.Cut(rest, ":"); ok {
			return svc, action
		}
		return rest, ""
	}
	return "custom", resource
}

func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) == 5 {
		return parts[3]
	}
	return ""
}

func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), true
		}
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), true
		}
	case int:
		return int64(n), true
	case int64:
		return n, true
	}
	return 0, false
}

func parseIntString(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// plain renders v for a cause: strings bare, anything else as JSON.
func plain(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return string(encode(v))
}

// encode marshals v compactly without HTML escaping, like AWS, as
// encoding/json would (see jsonenc.go).
func encode(v any) []byte {
	bp := encodeBuffers.Get().(*[]byte)
	e := jsonEnc{b: (*bp)[:0]}
	e.value(v)
	out := []byte("null")
	if e.err == nil {
		out = bytes.Clone(e.b) // one allocation of the right size
	}
	if cap(e.b) <= 64<<10 {
		*bp = e.b[:0]
		encodeBuffers.Put(bp)
	}
	return out
}

// encodeBuffers are encode's scratch buffers.
var encodeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func compact(raw json.RawMessage) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return raw
	}
	return buf.Bytes()
}

// decode parses JSON keeping numbers exact.
func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}
