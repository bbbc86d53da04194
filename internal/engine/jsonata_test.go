package engine

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONataDataFlow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, def, input string
		sc               script
		status           Status
		output           string // when SUCCEEDED
		errName, cause   string // when FAILED
		history          []string
	}{{
		name: "task Arguments Output Assign order",
		def: `{"QueryLanguage":"JSONata","StartAt":"Init","States":{
			"Init":{"Type":"Pass","Assign":{"n":1},"Next":"Charge"},
			"Charge":{"Type":"Task","Resource":"psp:charge","Arguments":{"amount":"{% $states.input.amount * 100 %}","n":"{% $n %}"},
				"Assign":{"n":"{% $n + 1 %}","id":"{% $states.result.id %}"},
				"Output":{"id":"{% $states.result.id %}","oldN":"{% $n %}","in":"{% $states.input.amount %}"},"Next":"Done"},
			"Done":{"Type":"Pass","Output":{"n":"{% $n %}","id":"{% $id %}","prev":"{% $states.input %}"},"End":true}}}`,
		input:  `{"amount": 12.5}`,
		sc:     script{"psp:charge": {`{"id":"ch_1"}`}},
		status: StatusSucceeded,
		output: `{"n":2,"id":"ch_1","prev":{"id":"ch_1","oldN":1,"in":12.5}}`,
	}, {
		name:   "task result is the default output",
		def:    `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true}}}`,
		sc:     script{"r": {`{"ok":true}`}},
		status: StatusSucceeded,
		output: `{"ok":true}`,
	}, {
		name: "catch with errorOutput, Assign and Output",
		def: `{"QueryLanguage":"JSONata","StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err":"{% $states.errorOutput.Error %}"},
				"Output":{"cause":"{% $states.errorOutput.Cause %}","in":"{% $states.input.a %}"},"Next":"After"}],"End":true},
			"After":{"Type":"Pass","Output":{"err":"{% $err %}","prev":"{% $states.input %}"},"End":true}}}`,
		input:  `{"a": 1}`,
		sc:     script{"r": {"!Declined:card declined"}},
		status: StatusSucceeded,
		output: `{"err":"Declined","prev":{"cause":"card declined","in":1}}`,
	}, {
		name: "catch without Output passes the error output",
		def: `{"QueryLanguage":"JSONata","StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.ALL"],"Next":"After"}],"End":true},
			"After":{"Type":"Succeed"}}}`,
		sc:     script{"r": {"!Declined:card declined"}},
		status: StatusSucceeded,
		output: `{"Error":"Declined","Cause":"card declined"}`,
	}, {
		name: "choice Condition with rule Assign and Output",
		def: `{"QueryLanguage":"JSONata","StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 10 %}","Next":"Big"},
				{"Condition":"{% $states.input.n > 1 %}","Assign":{"kind":"medium"},"Output":{"m":"{% $states.input.n %}"},"Next":"Medium"}],
				"Default":"Big"},
			"Big":{"Type":"Fail","Error":"Big"},
			"Medium":{"Type":"Pass","Output":{"kind":"{% $kind %}","in":"{% $states.input %}"},"End":true}}}`,
		input:  `{"n": 5}`,
		status: StatusSucceeded,
		output: `{"kind":"medium","in":{"m":5}}`,
	}, {
		name: "choice Condition must be boolean",
		def: `{"QueryLanguage":"JSONata","StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n %}","Next":"D"}]},"D":{"Type":"Succeed"}}}`,
		input:   `{"n": 5}`,
		status:  StatusFailed,
		errName: "States.QueryEvaluationError",
		cause:   "An error occurred while executing the state 'C' (entered at the event id #2). The JSONata expression '$states.input.n' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 5",
		history: []string{"ExecutionStarted", "ChoiceStateEntered", "EvaluationFailed", "ExecutionFailed"},
	}, {
		name: "map Items, ItemSelector and variables across scopes",
		def: `{"QueryLanguage":"JSONata","StartAt":"Init","States":{
			"Init":{"Type":"Pass","Assign":{"rate":2,"shadow":"outer"},"Next":"M"},
			"M":{"Type":"Map","Items":"{% $states.input.items %}",
				"ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}"},
				"ItemProcessor":{"StartAt":"Inner","States":{
					"Inner":{"Type":"Pass","Assign":{"shadow":"inner"},"Next":"Use"},
					"Use":{"Type":"Pass","Output":"{% $states.input.v * $rate & ':' & $states.input.i & ':' & $shadow %}","End":true}}},
				"Output":{"r":"{% $states.result %}","shadow":"{% $shadow %}"},"End":true}}}`,
		input:  `{"items": [1, 2]}`,
		status: StatusSucceeded,
		output: `{"r":["2:0:inner","4:1:inner"],"shadow":"outer"}`,
	}, {
		name: "map input must be an array without Items",
		def: `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map",
			"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
		input:   `[3, 4]`,
		status:  StatusSucceeded,
		output:  `[3,4]`,
		history: nil,
	}, {
		name: "map Items of the wrong type",
		def: `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% 1 %}",
			"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
		status:  StatusFailed,
		errName: "States.QueryEvaluationError",
		cause:   "An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression '1' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'number' for value: 1",
		history: []string{"ExecutionStarted", "MapStateEntered", "EvaluationFailed", "MapStateFailed", "ExecutionFailed"},
	}, {
		name: "parallel Arguments",
		def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Parallel","Arguments":{"x":"{% $states.input.a + 1 %}"},
			"Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.x %}","End":true}}},
				{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"End":true}}}`,
		input:  `{"a": 1}`,
		status: StatusSucceeded,
		output: `[2,{"x":2}]`,
	}, {
		name: "wait Seconds and Output",
		def: `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s %}",
			"Output":{"waited":"{% $states.input.s %}"},"End":true}}}`,
		input:  `{"s": 5}`,
		status: StatusSucceeded,
		output: `{"waited":5}`,
	}, {
		name:    "wait Timestamp that does not parse",
		def:     `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"{% 'tomorrow' %}","End":true}}}`,
		status:  StatusFailed,
		errName: "States.QueryEvaluationError",
		cause:   "An error occurred while executing the state 'W' (entered at the event id #2). The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: tomorrow",
	}, {
		name: "fail Error and Cause expressions",
		def: `{"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Fail","Error":"{% $states.input.code %}",
			"Cause":"{% 'amount ' & $string($states.input.amount) %}"}}}`,
		input:   `{"code": "Declined", "amount": 3}`,
		status:  StatusFailed,
		errName: "Declined",
		cause:   "amount 3",
		history: []string{"ExecutionStarted", "FailStateEntered", "ExecutionFailed"},
	}, {
		name:    "undefined Output",
		def:     `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"result":"{% $doesNotExist %}"},"End":true}}}`,
		status:  StatusFailed,
		errName: "States.QueryEvaluationError",
		cause:   "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).",
		history: []string{"ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed"},
	}, {
		name: "context object",
		def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass",
			"Output":{"state":"{% $states.context.State.Name %}","exec":"{% $states.context.Execution.Name %}","in":"{% $states.context.Execution.Input.a %}"},"End":true}}}`,
		input:  `{"a": 1}`,
		status: StatusSucceeded,
		output: `{"state":"P","exec":"e1","in":1}`,
	}, {
		name: "JSONPath state after a JSONata one",
		def: `{"StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"x":"{% $states.input.a %}"},"Assign":{"v":"{% $states.input.a %}"},"Next":"B"},
			"B":{"Type":"Pass","Parameters":{"x.$":"$.x","v.$":"$v"},"End":true}}}`,
		input:  `{"a": 1}`,
		status: StatusSucceeded,
		output: `{"x":1,"v":1}`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			input := tc.input
			if input == "" {
				input = "{}"
			}
			ex, h := runScript(t, tc.def, input, tc.sc)
			if ex.Status != tc.status {
				t.Fatalf("status = %s (%s: %s), want %s", ex.Status, ex.Error, ex.Cause, tc.status)
			}
			if tc.status == StatusSucceeded {
				var got, want any
				if err := json.Unmarshal(ex.Output, &got); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(tc.output), &want); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("output %s (-want +got):\n%s", ex.Output, diff)
				}
			} else if ex.Error != tc.errName || ex.Cause != tc.cause {
				t.Errorf("failed with %s: %s, want %s: %s", ex.Error, ex.Cause, tc.errName, tc.cause)
			}
			if tc.history != nil && !slices.Equal(types(h), tc.history) {
				t.Errorf("history = %v, want %v", types(h), tc.history)
			}
		})
	}
}
