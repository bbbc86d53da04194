package engine

import (
	"encoding/json"
	"fmt"
	"strings"
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
