package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// The hand-written encoders of jsonenc.go must write what encoding/json
// writes. These tests fill every exported field of the types they encode
// with generated values (a field added later is filled too, so an encoder
// that misses it fails here) and compare the bytes.

// jsonStd is encoding/json's output of v: json.Marshal with html, else an
// Encoder without HTML escaping, as encode used to be.
func jsonStd(v any, html bool) ([]byte, error) {
	if html {
		return json.Marshal(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// gen makes values for the encoders.
type gen struct{ r *rand.Rand }

var genStrings = []string{
	"", "a", "Validate", "arn:aws:states:us-east-1:123456789012:execution:sm:e1", "<b>&amp;</b>", "quote \" and \\ backslash",
	"tab\tnew\nline\r\x00\x01\x1f\x7f", "é ü 日本 🎉", "\u2028\u2029", "bad \xff\xfe utf8", "{\"input\":\"json in a string\"}",
	"\b\f", "10", "9", "-1",
}

var genNumbers = []json.Number{"0", "-0", "1", "1050", "-12.5e-3", "3.14159", "1E+21", "12345678901234567890"}

var genRaw = []json.RawMessage{
	json.RawMessage(`{}`), json.RawMessage(`{"a": 1, "b" : [true, null, "x<y>&z"]}`), json.RawMessage(" \"s\u2028\" "),
	json.RawMessage(`[1,2,3]`), json.RawMessage(`null`), json.RawMessage(`"plain"`), json.RawMessage("{\n\t\"k\": \"v\"\n}"),
}

func (g gen) str() string { return genStrings[g.r.IntN(len(genStrings))] }

// any is a decoded JSON value, or one of the other kinds a step may hold.
func (g gen) any(depth int) any {
	n := 9
	if depth <= 0 {
		n = 6
	}
	switch g.r.IntN(n) {
	case 0:
		return nil
	case 1:
		return g.str()
	case 2:
		return genNumbers[g.r.IntN(len(genNumbers))]
	case 3:
		return g.r.IntN(2) == 0
	case 4:
		return []float64{0, -1.5, 1e21, 1e-7, 123456789, 0.1, 1e20}[g.r.IntN(7)]
	case 5:
		return []any{int(-3), int64(1 << 40), []string{"x", "<y>"}, map[string]int{"b": 2, "a": 1}}[g.r.IntN(4)]
	case 6, 7:
		m := map[string]any{}
		for range g.r.IntN(20) {
			m[g.str()+string(rune('a'+g.r.IntN(26)))] = g.any(depth - 1)
		}
		if g.r.IntN(10) == 0 {
			return map[string]any(nil)
		}
		return m
	default:
		if g.r.IntN(10) == 0 {
			return []any(nil)
		}
		s := make([]any, g.r.IntN(5))
		for i := range s {
			s[i] = g.any(depth - 1)
		}
		return s
	}
}

// fill sets every exported field of v (a pointer's target) to generated
// values, zero ones included now and then (omitempty).
func (g gen) fill(v reflect.Value, depth int) {
	t := v.Type()
	switch {
	case t == reflect.TypeFor[time.Time]():
		times := []time.Time{{}, time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 1, time.UTC), time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}
		v.Set(reflect.ValueOf(times[g.r.IntN(len(times))]))
		return
	case t == reflect.TypeFor[json.RawMessage]():
		if g.r.IntN(5) > 0 {
			v.Set(reflect.ValueOf(genRaw[g.r.IntN(len(genRaw))]))
		}
		return
	case t == reflect.TypeFor[json.Number]():
		v.Set(reflect.ValueOf(genNumbers[g.r.IntN(len(genNumbers))]))
		return
	}
	zero := g.r.IntN(6) == 0
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				g.fill(v.Field(i), depth)
			}
		}
	case reflect.String:
		if !zero {
			v.SetString(g.str())
		}
	case reflect.Bool:
		v.SetBool(g.r.IntN(2) == 0)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if !zero {
			v.SetInt([]int64{1, -1, 7, 10, 42, 1 << 40}[g.r.IntN(6)])
		}
	case reflect.Float64:
		if !zero {
			v.SetFloat([]float64{0.5, 12.25, 100, 1e-9}[g.r.IntN(4)])
		}
	case reflect.Interface:
		if x := g.any(depth); !zero && x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Pointer:
		if zero || depth <= 0 {
			return
		}
		p := reflect.New(t.Elem())
		g.fill(p.Elem(), depth-1)
		v.Set(p)
	case reflect.Slice:
		if zero || depth <= 0 {
			return
		}
		if t.Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{0, 1, 2, 250, byte(g.r.IntN(256))}[:g.r.IntN(6)])
			return
		}
		s := reflect.MakeSlice(t, g.r.IntN(4), g.r.IntN(4)+4)
		for i := range s.Len() {
			g.fill(s.Index(i), depth-1)
		}
		v.Set(s)
	case reflect.Map:
		if zero || depth <= 0 {
			return
		}
		m := reflect.MakeMap(t)
		for range g.r.IntN(14) {
			k := reflect.New(t.Key()).Elem()
			if t.Key().Kind() == reflect.String {
				k.SetString(g.str() + string(rune('a'+g.r.IntN(26))))
			} else {
				k.SetInt(int64(g.r.IntN(30)))
			}
			e := reflect.New(t.Elem()).Elem()
			g.fill(e, depth-1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic("gen: cannot fill a " + t.String())
	}
}

// firstDiff shows where got and want part.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Sprintf("at byte %d:\n got …%s\nwant …%s", i, got[from:min(len(got), i+60)], want[from:min(len(want), i+60)])
}

func TestExecutionAppendJSONIsEncodingJSON(t *testing.T) {
	t.Parallel()
	g := gen{rand.New(rand.NewPCG(1, 2))}
	for i := range 600 {
		ex := new(Execution)
		g.fill(reflect.ValueOf(ex).Elem(), 5)
		want, werr := json.Marshal(ex)
		got, gerr := ex.AppendJSON([]byte("prefix"))
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("case %d: AppendJSON error %v, json.Marshal error %v", i, gerr, werr)
		}
		if werr == nil && string(got) != "prefix"+string(want) {
			t.Fatalf("case %d: AppendJSON differs from json.Marshal: %s", i, firstDiff(got[len("prefix"):], want))
		}
	}
}

func TestEncodeIsEncodingJSON(t *testing.T) {
	t.Parallel()
	g := gen{rand.New(rand.NewPCG(3, 4))}
	details := []any{
		dataDetails{}, executionStartedDetails{}, executionRedrivenDetails{}, executionSucceededDetails{}, errorDetails{},
		stateEnteredDetails{}, stateExitedDetails{}, mapStateStartedDetails{}, mapIterationDetails{}, mapRunStartedDetails{},
		taskScheduledDetails{}, taskResourceDetails{}, taskSucceededDetails{}, taskFailedDetails{}, activityScheduledDetails{},
		activityStartedDetails{}, lambdaScheduledDetails{}, outputDetails{}, evaluationFailedDetails{},
	}
	check := func(i int, v any) {
		t.Helper()
		want, err := jsonStd(v, false)
		if err != nil {
			want = []byte("null")
		}
		if got := encode(v); !bytes.Equal(got, want) {
			t.Fatalf("case %d: encode(%T) differs from encoding/json: %s", i, v, firstDiff(got, want))
		}
	}
	for i := range 2000 {
		check(i, g.any(4))
		d := reflect.New(reflect.TypeOf(details[i%len(details)]))
		g.fill(d.Elem(), 2)
		check(i, d.Elem().Interface())
	}
	for _, v := range []any{math.NaN(), math.Inf(1), json.Number("1.2.3"), json.Number(""), map[string]any{"n": json.Number("x")}} {
		check(-1, v)
	}
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	for _, s := range append(genStrings, "\xed\xa0\x80", "a\u2028b", string([]byte{0xe2, 0x80}), "<script>") {
		for _, html := range []bool{false, true} {
			want, _ := jsonStd(s, html)
			if got := AppendJSONString(nil, s, html); !bytes.Equal(got, want) {
				t.Errorf("AppendJSONString(%q, %v) = %s, want %s", s, html, got, want)
			}
		}
	}
}

func TestCompareDecimal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b int64
		want int
	}{{1, 2, -1}, {10, 9, -1}, {9, 10, 1}, {3, 3, 0}, {-1, 0, -1}, {100, 11, -1}} {
		if got := CompareDecimal64(tc.a, tc.b); got != tc.want {
			t.Errorf("CompareDecimal64(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func BenchmarkExecutionJSON(b *testing.B) {
	ex := new(Execution)
	gen{rand.New(rand.NewPCG(5, 6))}.fill(reflect.ValueOf(ex).Elem(), 3)
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			json.Marshal(ex)
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = ex.AppendJSON(buf[:0])
		}
	})
}

// TestAppendJSONAfterSteps compares AppendJSON with json.Marshal on the
// executions real steps leave, whose frames keep their input encoded.
func TestAppendJSONAfterSteps(t *testing.T) {
	t.Parallel()
	check := func(ex *Execution, when string) {
		t.Helper()
		want, err := json.Marshal(ex)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ex.AppendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: AppendJSON (%v) differs from json.Marshal: %s", when, err, firstDiff(got, want))
		}
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, def := range []string{paymentWorkflow, benchMachine(), paymentWorkflow, benchMachine()} {
		sm := mustLoad(t, def)
		input := `{"n": 7, "payment_id": "p1", "order": {"id": "o1", "lines": [{"sku": "tea", "minor": 450}, {"sku": "cup", "minor": 1.5e3}]}}`
		if i >= 2 { // strings json.Marshal escapes
			input = `{"n": 7, "payment_id": "<p&1>", "order": {"id": "o\u2028", "lines": [{"sku": "<tea>", "minor": 450}, {"sku": "cup", "minor": 1.5e3}]}}`
		}
		ex := NewExecution("arn:aws:states:us-east-1:123456789012:execution:sm:e", "e", "arn:aws:states:us-east-1:123456789012:stateMachine:sm", "sm",
			json.RawMessage(input), now)
		if _, err := Step(sm, ex, Event{Kind: EventStart}, Env{Now: now}); err != nil {
			t.Fatal(err)
		}
		check(ex, "after the start")
		for steps := 0; ex.Status == StatusRunning; steps++ {
			tasks := ex.PendingTasks()
			if len(tasks) == 0 || steps > 50 {
				t.Fatalf("status %s with %d pending tasks after %d steps", ex.Status, len(tasks), steps)
			}
			t0 := tasks[0]
			for _, task := range tasks[1:] {
				if task.ID < t0.ID {
					t0 = task
				}
			}
			if _, err := Step(sm, ex, Event{Kind: EventTaskStarted, TaskID: t0.ID, WorkerName: "w"}, Env{Now: now}); err != nil {
				t.Fatal(err)
			}
			check(ex, "after a task started")
			if _, err := Step(sm, ex, Event{Kind: EventTaskSucceeded, TaskID: t0.ID, Output: json.RawMessage(`{"ok": "yes"}`)}, Env{Now: now}); err != nil {
				t.Fatal(err)
			}
			check(ex, "after a task succeeded")
			// A frame whose input is replaced behind the kept encoding
			// must not write the old one.
			for _, f := range ex.Frames {
				f.Input = map[string]any{"replaced": true}
			}
			check(ex, "after replacing frames' input")
			for _, f := range ex.Frames {
				f.Input = f.inputOf
			}
		}
		if ex.Status != StatusSucceeded {
			t.Fatalf("status %s: %s", ex.Status, ex.Cause)
		}
	}
}

func TestSameValue(t *testing.T) {
	t.Parallel()
	m1, m2 := map[string]any{"a": 1}, map[string]any{"a": 1}
	s1 := []any{1, 2}
	for _, tc := range []struct {
		a, b any
		want bool
	}{
		{m1, m1, true}, {m1, m2, false}, {s1, s1, true}, {s1, s1[:1], false}, {s1, []any{1, 2}, false},
		{"x", "x", true}, {"x", "y", false}, {json.Number("1"), json.Number("1"), true}, {nil, nil, true}, {nil, m1, false},
		{m1, nil, false}, {map[string]any(nil), map[string]any(nil), true}, {map[string]any(nil), map[string]any{}, false},
		{1.5, 1.5, true}, {true, true, true}, {int(1), int(1), false}, {"x", m1, false},
	} {
		if got := sameValue(tc.a, tc.b); got != tc.want {
			t.Errorf("sameValue(%#v, %#v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

var compactSeeds = []string{
	`{}`, `[]`, ` { "a" : [ 1 , -2.5e+3 , true , false , null , "x\"y\\u00e9\n" ] } `, `"s"`, `0`, `-0.0E-0`, `1e5`,
	`{"a":{"b":{"c":[[[]]]}}}`, "\t[\r\n1]\n", `"é\xff"`, `"\u2028<&>"`, `[1,]`, `{"a"}`, `{"a":}`, `01`, `1.`, `.5`, `-`, `1e`, `1e+`,
	`tru`, `nul`, `"\x01"`, `"\u12g4"`, `"\q"`, `"abc`, `[1 2]`, `{"a":1 "b":2}`, `{1:2}`, ``, ` `, `{} {}`, `[`, `]`, `{"a":1,}`,
	`"\uD800"`, `[-]`, `[--1]`, `[+1]`, `[1e1.5]`, `NaN`, `[0x1]`, `{"a":1}x`, `"\/"`,
}

func checkCompact(t *testing.T, src []byte) {
	t.Helper()
	var want bytes.Buffer
	err := json.Compact(&want, src)
	got, ok := appendCompact([]byte("pre"), src)
	switch {
	case ok && err != nil:
		t.Fatalf("appendCompact(%q) accepted what json.Compact refuses (%v)", src, err)
	case ok && string(got) != "pre"+want.String():
		t.Fatalf("appendCompact(%q) = %q, want %q", src, got[3:], want.Bytes())
	case !ok && err == nil && !bytes.Contains(src, bytes.Repeat([]byte("["), maxCompactDepth)):
		t.Fatalf("appendCompact(%q) refused what json.Compact takes", src)
	case !ok && string(got) != "pre":
		t.Fatalf("appendCompact(%q) refused but changed dst: %q", src, got)
	}
}

func TestAppendCompact(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range compactSeeds {
		checkCompact(t, []byte(s))
		// Mutations of each seed: a byte changed, dropped or doubled.
		const alphabet = " \t\n{}[],:\"\\-+.eE0123456789tfnulx\x01\xff"
		for range 300 {
			b := []byte(s)
			if len(b) == 0 {
				break
			}
			i := r.IntN(len(b))
			switch r.IntN(3) {
			case 0:
				b[i] = alphabet[r.IntN(len(alphabet))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			default:
				b = append(b[:i+1], b[i:]...)
			}
			checkCompact(t, b)
		}
	}
	deep := bytes.Repeat([]byte("["), maxCompactDepth+1)
	deep = append(deep, bytes.Repeat([]byte("]"), maxCompactDepth+1)...)
	checkCompact(t, deep)
}

func FuzzAppendCompact(f *testing.F) {
	for _, s := range compactSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) { checkCompact(t, src) })
}

// TestSnapshotRoundTripEachStep: an execution stored and loaded again
// (AppendJSON, then json.Unmarshal, as a runner does) after every step
// runs exactly as one kept in memory: the snapshot holds all a later step
// reads (a Wait state's effective input, a Map's items not yet started).
// (Inputs avoid <, > and &: a stored task input comes back with them
// escaped, the same JSON in other bytes.)
func TestSnapshotRoundTripEachStep(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ def, input, output string }{
		"wait with an input path": {`{"StartAt":"W","States":{
			"W":{"Type":"Wait","Seconds":5,"InputPath":"$.inner","Next":"T"},
			"T":{"Type":"Task","Resource":"work","End":true}}}`, `{"inner":{"a":1,"s":"x"},"other":2}`, `{"a":1,"s":"x"}`},
		"map one at a time": {`{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,"ItemsPath":"$.xs",
			"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"T"},"T":{"Type":"Task","Resource":"work","End":true}}},
			"Next":"Done"},"Done":{"Type":"Pass","End":true}}}`, `{"xs":[{"n":1},{"n":2},"three",[4]]}`, `[{"n":1},{"n":2},"three",[4]]`},
		"parallel then retry": {`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"work","End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"work","Retry":[{"ErrorEquals":["Oops"],"IntervalSeconds":2}],"End":true}}}],
			"ResultPath":"$.r","End":true}}}`, `{"k":"v"}`, `{"k":"v","r":[{"k":"v"},{"k":"v"}]}`},
		"payment workflow": {paymentWorkflow, `{"payment_id":"p1","amount":1050}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sm := mustLoad(t, tc.def)
			run := func(reload bool) ([]HistoryEvent, *Execution) {
				now := t0
				ex := newTestExecution(tc.input)
				var history []HistoryEvent
				failedOnce := false
				step := func(ev Event) {
					res, err := Step(sm, ex, ev, Env{Now: now})
					if err != nil {
						t.Fatalf("Step(%+v): %v", ev, err)
					}
					history = append(history, res.Events...)
					if reload {
						b, err := ex.AppendJSON(nil)
						if err != nil {
							t.Fatal(err)
						}
						ex = new(Execution)
						if err := json.Unmarshal(b, ex); err != nil {
							t.Fatal(err)
						}
					}
				}
				step(Event{Kind: EventStart})
				for i := 0; ex.Status == StatusRunning; i++ {
					if i > 100 {
						t.Fatal("no end after 100 steps")
					}
					tasks := ex.PendingTasks()
					if len(tasks) == 0 {
						now = ex.NextWake()
						step(Event{Kind: EventTick})
						continue
					}
					task := tasks[0]
					for _, c := range tasks[1:] {
						if c.ID < task.ID {
							task = c
						}
					}
					if !failedOnce && len(tasks) == 1 && name == "parallel then retry" {
						failedOnce = true
						step(Event{Kind: EventTaskFailed, TaskID: task.ID, Error: "Oops"})
						continue
					}
					step(Event{Kind: EventTaskSucceeded, TaskID: task.ID, Output: task.Input})
				}
				return history, ex
			}
			want, wantEx := run(false)
			got, gotEx := run(true)
			if tc.output != "" && string(wantEx.Output) != tc.output {
				t.Errorf("output %s, want %s", wantEx.Output, tc.output)
			}
			if wantEx.Status != StatusSucceeded || gotEx.Status != wantEx.Status || string(gotEx.Output) != string(wantEx.Output) {
				t.Fatalf("reloaded: %s %s; in memory: %s %s", gotEx.Status, gotEx.Output, wantEx.Status, wantEx.Output)
			}
			if len(got) != len(want) {
				t.Fatalf("reloaded history has %d events, in memory %d", len(got), len(want))
			}
			for i := range want {
				g, _ := json.Marshal(got[i])
				w, _ := json.Marshal(want[i])
				if !bytes.Equal(g, w) {
					t.Errorf("event %d reloaded:\n%s\nin memory:\n%s", i, g, w)
				}
			}
		})
	}
}
