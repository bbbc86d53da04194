package wire_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

// FuzzTime: parsing a timestamp never panics, and format → parse → format is
// stable.
func FuzzTime(f *testing.F) {
	for _, s := range []string{"1735732800", "1.735732800123E9", "-0.5", "1e30", "0.0000000001", "null", `"x"`, "1e-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var ts wire.Time
		if err := ts.UnmarshalJSON([]byte(s)); err != nil {
			return
		}
		first, err := json.Marshal(ts)
		if err != nil {
			t.Fatal(err)
		}
		var back wire.Time
		if err := json.Unmarshal(first, &back); err != nil {
			t.Fatalf("Unmarshal(%s) (from %q) = %v", first, s, err)
		}
		if second, _ := json.Marshal(back); string(second) != string(first) {
			t.Fatalf("%q → %s → %s: not stable", s, first, second)
		}
	})
}

// FuzzParseARN: parsing never panics, errors are InvalidArn, and a parsed
// ARN formats back to its input.
func FuzzParseARN(f *testing.F) {
	for _, s := range []string{smARN, smARN + ":1", execARN, actARN,
		"arn:aws:states:us-east-1:123456789012:express:M:e:id", "arn:aws:states:us-east-1:123456789012:mapRun:M/l:id",
		"arn:aws:states:us-east-1:123456789012:execution:M/l:c", "arn:::::::", "arn:aws:states:r:123456789012:stateMachine:é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := wire.ParseARN(s)
		if err != nil {
			var e *wire.Error
			if !errors.As(err, &e) || e.Code != wire.InvalidArn {
				t.Fatalf("ParseARN(%q) = %v, want an InvalidArn", s, err)
			}
			return
		}
		if a.String() != s {
			t.Fatalf("ParseARN(%q).String() = %q", s, a.String())
		}
		again, err := wire.ParseARN(a.String())
		if err != nil || !cmp.Equal(a, again) {
			t.Fatalf("ParseARN(%q) again = %+v, %v; want %+v", s, again, err, a)
		}
	})
}

// FuzzDecode: any body decodes or fails with a *wire.Error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"executionArn":"a","maxResults":5}`, `{"maxResults":1e3}`, `{"includeExecutionData":null}`, `[`, `{"a":1}{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&wire.GetExecutionHistoryInput{}, &wire.CreateStateMachineInput{}, &wire.ListExecutionsInput{}, &wire.TagResourceInput{}} {
			for _, d := range []wire.Decoder{{}, {DisallowUnknownMembers: true}} {
				if err := d.Unmarshal(body, v); err != nil {
					var e *wire.Error
					if !errors.As(err, &e) {
						t.Fatalf("Unmarshal(%q) = %v, want a *wire.Error", body, err)
					}
				}
			}
		}
	})
}

// FuzzHistoryEvent: an event that parses formats and parses back the same.
func FuzzHistoryEvent(f *testing.F) {
	for _, s := range []string{
		`{"timestamp":1.7E9,"type":"TaskFailed","id":3,"previousEventId":2,"taskFailedEventDetails":{"error":"e"}}`,
		`{"timestamp":1,"type":"PassStateEntered","id":1,"stateEnteredEventDetails":{"name":"P"}}`,
		`{"type":"X","xEventDetails":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ev wire.HistoryEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			return
		}
		first, err := json.Marshal(ev)
		if err != nil {
			return // e.g. details under a key the type does not carry
		}
		var back wire.HistoryEvent
		if err := json.Unmarshal(first, &back); err != nil {
			t.Fatalf("Unmarshal(%s) = %v", first, err)
		}
		second, err := json.Marshal(back)
		if err != nil || string(second) != string(first) {
			t.Fatalf("%s → %s → %s, %v: not stable", data, first, second, err)
		}
	})
}
