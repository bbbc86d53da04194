package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchMachine is a 20-state Pass/Choice/Map machine: a chain of Pass and
// Choice states around a Map whose iterations run two Pass states.
func benchMachine() string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := 0; i < 16; i++ {
		next := fmt.Sprintf("S%d", i+1)
		if i == 15 {
			next = "Fan"
		}
		if i%4 == 3 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":%d,"Next":%q}],"Default":%q},`, i, i, next, next)
			continue
		}
		fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Parameters":{"n.$":"$.n","order.$":"$.order","step":%d},"Next":%q},`, i, i, next)
	}
	b.WriteString(`"Fan":{"Type":"Map","ItemsPath":"$.order.lines","ResultPath":"$.lines","ItemProcessor":{"StartAt":"L1","States":{
		"L1":{"Type":"Pass","Parameters":{"sku.$":"$.sku","minor.$":"$.minor"},"Next":"L2"},
		"L2":{"Type":"Pass","End":true}}},"Next":"Last"},`)
	b.WriteString(`"Last":{"Type":"Succeed"}}}`)
	return b.String()
}

func BenchmarkStepTransitions(b *testing.B) {
	sm := mustLoad(b, benchMachine())
	input := json.RawMessage(`{"n":7,"order":{"id":"ord_1","lines":[{"sku":"tea","minor":450},{"sku":"cup","minor":1200},{"sku":"pot","minor":3000}]}}`)
	env := Env{Now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	transitions := 0
	b.ReportAllocs()
	for b.Loop() {
		ex := NewExecution("arn:aws:states:eu-west-1:1:execution:bench:e", "e", "arn:aws:states:eu-west-1:1:stateMachine:bench", "bench", input, env.Now)
		res, err := Step(sm, ex, Event{Kind: EventStart}, env)
		if err != nil || ex.Status != StatusSucceeded {
			b.Fatalf("Step: %v, status %s %s", err, ex.Status, ex.Cause)
		}
		transitions = 0
		for _, e := range res.Events {
			if strings.HasSuffix(e.Type, "StateEntered") {
				transitions++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*transitions), "ns/transition")
	b.ReportMetric(float64(transitions), "transitions/op")
}

// BenchmarkPaymentWorkflowSteps runs the shared benchmark's workflow (five
// activity Tasks, a Parallel of two) through Step one event at a time, as
// the runner does, marshalling the execution after every step as the
// runner's snapshot does. One op is one execution.
func BenchmarkPaymentWorkflowSteps(b *testing.B) {
	sm := mustLoad(b, paymentWorkflow)
	input := json.RawMessage(`{"payment_id":"pay_bench_00000001","amount":1050,"currency":"EUR","merchant":"acct_bench_0001_merchant_of_record_for_the_payment_workflow_benchmark_run"}`)
	results := map[string]json.RawMessage{
		"bench-validate": json.RawMessage(`{"valid":true}`), "bench-select-psp": json.RawMessage(`{"psp":"sandbox","reason":"default"}`),
		"bench-charge": json.RawMessage(`{"status":"succeeded","psp_payment_id":"pi_bench"}`), "bench-notify-email": json.RawMessage(`{"sent":"email"}`),
		"bench-notify-sms": json.RawMessage(`{"sent":"sms"}`), "bench-persist": json.RawMessage(`{"persisted":true}`),
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	env := Env{Now: now}
	b.ReportAllocs()
	events, bytes := 0, 0
	cpu0 := processCPU()
	var buf []byte
	for b.Loop() {
		events, bytes = 0, 0
		ex := NewExecution("arn:aws:states:us-east-1:123456789012:execution:bench:e", "e", "arn:aws:states:us-east-1:123456789012:stateMachine:bench", "bench", input, now)
		step := func(ev Event) {
			res, err := Step(sm, ex, ev, env)
			if err != nil {
				b.Fatal(err)
			}
			events += len(res.Events)
			for _, e := range res.Events {
				bytes += len(e.Details)
			}
			snap, err := ex.AppendJSON(buf[:0])
			if err != nil {
				b.Fatal(err)
			}
			buf = snap
			bytes += len(snap)
		}
		step(Event{Kind: EventStart})
		for ex.Status == StatusRunning {
			tasks := ex.PendingTasks()
			if len(tasks) == 0 {
				b.Fatalf("no pending task, status %s", ex.Status)
			}
			t := tasks[0]
			for _, c := range tasks[1:] {
				if c.ID < t.ID {
					t = c
				}
			}
			step(Event{Kind: EventTaskStarted, TaskID: t.ID, WorkerName: "w"})
			name := t.Resource[strings.LastIndexByte(t.Resource, ':')+1:]
			step(Event{Kind: EventTaskSucceeded, TaskID: t.ID, Output: results[name]})
		}
		if ex.Status != StatusSucceeded {
			b.Fatalf("status %s: %s %s", ex.Status, ex.Error, ex.Cause)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(events), "events/op")
	b.ReportMetric(float64(bytes), "json-bytes/op")
}

// paymentWorkflow is ../shared/bench/payment-workflow.asl.json.
const paymentWorkflow = `{
  "StartAt": "Validate",
  "States": {
    "Validate": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:bench-validate", "ResultPath": "$.validation", "Next": "SelectPsp"},
    "SelectPsp": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:bench-select-psp", "ResultPath": "$.psp", "Next": "Charge"},
    "Charge": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:bench-charge", "ResultPath": "$.charge", "HeartbeatSeconds": 60, "Next": "Notify"},
    "Notify": {"Type": "Parallel", "ResultPath": "$.notifications", "Branches": [
        {"StartAt": "NotifyEmail", "States": {"NotifyEmail": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:bench-notify-email", "End": true}}},
        {"StartAt": "NotifySms", "States": {"NotifySms": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:bench-notify-sms", "End": true}}}
      ], "Next": "Persist"},
    "Persist": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:000000000000:activity:bench-persist", "ResultPath": "$.persisted", "End": true}
  }
}`

// processCPU is the CPU time this process used so far: on a busy machine a
// steadier measure than the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
