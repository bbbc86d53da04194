package sfnapi

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

var fastStrings = []string{
	"", "a", "arn:aws:states:us-east-1:123456789012:execution:sm:e-1", "<b>&amp;</b>", `quote " and \ backslash`,
	"tab\tnew\nline\r\x00\x1f", "é ü 日本 🎉", "\u2028\u2029", "bad \xff utf8", `{"payment_id":"p_1","amount":1050}`, "/slash/",
}

// TestAppendResponseIsJSONMarshal: the hand-written responses are
// json.Marshal's bytes, for values of every member.
func TestAppendResponseIsJSONMarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	str := func() string { return fastStrings[r.IntN(len(fastStrings))] }
	date := func() wire.Time {
		return []wire.Time{{}, wire.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)),
			wire.NewTime(time.Date(2030, 1, 2, 3, 4, 5, 120_000_000, time.UTC)), wire.NewTime(time.Unix(-1, -5e8))}[r.IntN(4)]
	}
	details := func() *wire.CloudWatchEventsExecutionDataDetails {
		if r.IntN(3) == 0 {
			return nil
		}
		return &wire.CloudWatchEventsExecutionDataDetails{Included: r.IntN(2) == 0}
	}
	for i := range 2000 {
		var count *int32
		if r.IntN(2) == 0 {
			n := int32(r.IntN(5) - 1)
			count = &n
		}
		for _, out := range []any{
			&wire.SendTaskSuccessOutput{},
			&wire.GetActivityTaskOutput{TaskToken: str(), Input: str()},
			&wire.StartExecutionOutput{ExecutionArn: str(), StartDate: date()},
			&wire.DescribeExecutionOutput{ExecutionArn: str(), StateMachineArn: str(), Name: str(), Status: str(), StartDate: date(),
				StopDate: date(), Input: str(), InputDetails: details(), Output: str(), OutputDetails: details(), TraceHeader: str(),
				MapRunArn: str(), Error: str(), Cause: str(), StateMachineVersionArn: str(), StateMachineAliasArn: str(),
				RedriveCount: count, RedriveDate: date(), RedriveStatus: str(), RedriveStatusReason: str()},
		} {
			want, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendResponse(nil, out)
			if !ok || string(got) != string(want) {
				t.Fatalf("case %d: appendResponse(%T) = %s, %v\nwant %s", i, out, got, ok, want)
			}
		}
	}
	// Every member of the types written is set above: a member added to
	// one of them must be written too.
	for typ, members := range map[reflect.Type]int{
		reflect.TypeFor[wire.SendTaskSuccessOutput](): 0, reflect.TypeFor[wire.GetActivityTaskOutput](): 2,
		reflect.TypeFor[wire.StartExecutionOutput](): 2, reflect.TypeFor[wire.DescribeExecutionOutput](): 20,
	} {
		if typ.NumField() != members {
			t.Errorf("%s has %d members, the test and appendResponse know %d", typ, typ.NumField(), members)
		}
	}
	if _, ok := appendResponse(nil, &wire.ListExecutionsOutput{}); ok {
		t.Error("appendResponse wrote a ListExecutionsOutput")
	}
}

var plainSeeds = []string{
	`{"taskToken":"tok","output":"{\"ok\":true}"}`,
	` { "taskToken" : "tok" , "output" : "\"\\\/\b\f\n\r\t" } `,
	`{"output":"x","taskToken":"a","taskToken":"b"}`,
	`{"activityArn":"arn:aws:states:us-east-1:1:activity:a","workerName":"w-1"}`,
	`{"executionArn":"arn:e","includedData":"METADATA_ONLY"}`,
	`{"stateMachineArn":"arn:sm","name":"n","input":"{\"a\":\"é\"}","traceHeader":""}`,
	`{}`, ``, `  `, `{"taskToken":"\u00e9"}`, `{"TaskToken":"t"}`, `{"taskToken":1}`, `{"taskToken":null}`,
	`{"taskToken":"t"} x`, `{"taskToken":"t",}`, `{"taskToken":"t"`, `{"taskToken" "t"}`, `{"taskToken":"a\qb"}`,
	"{\"taskToken\":\"a\x01b\"}", "{\"taskToken\":\"\xff\"}", `{"unknown":"x"}`, `{"taskToken":["t"]}`, `[]`, `"s"`,
	`{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9"}`,
	`{"taskToken":"1","taskToken":"2","taskToken":"3","taskToken":"4","taskToken":"5","taskToken":"6","taskToken":"7","taskToken":"8","taskToken":"9"}`,
}

// checkPlain decodes body with decodePlain and with wire.Decoder into each
// request type read here: decodePlain must either decline, leaving the
// request untouched, or read what wire.Decoder reads.
func checkPlain(t *testing.T, body []byte) {
	t.Helper()
	for _, newIn := range []func() any{
		func() any { return new(wire.SendTaskSuccessInput) }, func() any { return new(wire.GetActivityTaskInput) },
		func() any { return new(wire.DescribeExecutionInput) }, func() any { return new(wire.StartExecutionInput) },
	} {
		got, want := newIn(), newIn()
		if !decodePlain(body, got) {
			if !reflect.DeepEqual(got, newIn()) {
				t.Fatalf("decodePlain(%q) declined but changed the request: %+v", body, got)
			}
			continue
		}
		if err := (wire.Decoder{}).Unmarshal(body, want); err != nil {
			t.Fatalf("decodePlain(%q) read %+v where wire.Decoder fails: %v", body, got, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodePlain(%q) = %+v, wire.Decoder reads %+v", body, got, want)
		}
	}
}

func TestDecodePlain(t *testing.T) {
	t.Parallel()
	for _, s := range plainSeeds {
		checkPlain(t, []byte(s))
	}
	// The plain shapes are read here, not left to encoding/json.
	var in wire.SendTaskSuccessInput
	if !decodePlain([]byte(plainSeeds[1]), &in) || in.Output != "\"\\/\b\f\n\r\t" {
		t.Errorf("decodePlain declined %s or read %+v", plainSeeds[1], in)
	}
	if decodePlain([]byte(`{"taskToken":"t"}`), new(wire.ListExecutionsInput)) {
		t.Error("decodePlain read a ListExecutionsInput")
	}
}

func FuzzDecodePlain(f *testing.F) {
	for _, s := range plainSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkPlain(t, body) })
}

func TestNewUUID(t *testing.T) {
	t.Parallel()
	format := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		id := newUUID()
		if !format.MatchString(id) || seen[id] {
			t.Fatalf("newUUID() = %q: not a fresh version 4 UUID", id)
		}
		seen[id] = true
	}
}
