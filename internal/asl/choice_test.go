package asl_test

import (
	"fmt"
	"testing"

	"github.com/paystep/paystep/internal/asl"
)

// loadRule loads a Choice state whose single rule is rule (without Next).
func loadRule(t testing.TB, rule string) *asl.ChoiceRule {
	t.Helper()
	def := `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [` + rule[:len(rule)-1] + `, "Next": "S"}]}, "S": {"Type": "Succeed"}}}`
	sm, err := asl.Load([]byte(def), asl.LoadOptions{})
	if err != nil {
		t.Fatalf("Load(%s): %v", def, err)
	}
	return sm.States["C"].Choices[0]
}

const choiceInput = `{
	"s": "banana", "s2": "cherry", "n": 10, "n2": 10.0, "n3": 2.5, "b": true, "f": false, "z": null,
	"t": "2024-01-02T03:04:05Z", "t2": "2024-01-02T05:04:05+02:00", "t3": "2025-01-01T00:00:00.5Z",
	"star": "a*b", "back": "a\\b", "obj": {}, "arr": [1]
}`

func TestChoiceComparators(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rule string
		want bool
	}{
		{`{"Variable": "$.s", "StringEquals": "banana"}`, true},
		{`{"Variable": "$.s", "StringEquals": "apple"}`, false},
		{`{"Variable": "$.n", "StringEquals": "10"}`, false},
		{`{"Variable": "$.s", "StringEqualsPath": "$.s"}`, true},
		{`{"Variable": "$.s", "StringEqualsPath": "$.s2"}`, false},
		{`{"Variable": "$.s", "StringEqualsPath": "$.n"}`, false},
		{`{"Variable": "$.s", "StringLessThan": "cherry"}`, true},
		{`{"Variable": "$.s", "StringLessThan": "banana"}`, false},
		{`{"Variable": "$.b", "StringLessThan": "z"}`, false},
		{`{"Variable": "$.s", "StringLessThanPath": "$.s2"}`, true},
		{`{"Variable": "$.s2", "StringLessThanPath": "$.s"}`, false},
		{`{"Variable": "$.s", "StringGreaterThan": "apple"}`, true},
		{`{"Variable": "$.s", "StringGreaterThan": "banana"}`, false},
		{`{"Variable": "$.z", "StringGreaterThan": "a"}`, false},
		{`{"Variable": "$.s2", "StringGreaterThanPath": "$.s"}`, true},
		{`{"Variable": "$.s", "StringGreaterThanPath": "$.s2"}`, false},
		{`{"Variable": "$.s", "StringLessThanEquals": "banana"}`, true},
		{`{"Variable": "$.s", "StringLessThanEquals": "b"}`, false},
		{`{"Variable": "$.s", "StringLessThanEqualsPath": "$.s"}`, true},
		{`{"Variable": "$.s2", "StringLessThanEqualsPath": "$.s"}`, false},
		{`{"Variable": "$.s", "StringGreaterThanEquals": "banana"}`, true},
		{`{"Variable": "$.s", "StringGreaterThanEquals": "c"}`, false},
		{`{"Variable": "$.s", "StringGreaterThanEqualsPath": "$.s"}`, true},
		{`{"Variable": "$.s", "StringGreaterThanEqualsPath": "$.s2"}`, false},
		{`{"Variable": "$.s", "StringMatches": "ban*"}`, true},
		{`{"Variable": "$.s", "StringMatches": "*an*a"}`, true},
		{`{"Variable": "$.s", "StringMatches": "*x*"}`, false},
		{`{"Variable": "$.star", "StringMatches": "a\\*b"}`, true},
		{`{"Variable": "$.s", "StringMatches": "b\\*"}`, false},
		{`{"Variable": "$.back", "StringMatches": "a\\\\b"}`, true},
		{`{"Variable": "$.n", "StringMatches": "*"}`, false},
		{`{"Variable": "$.n", "NumericEquals": 10}`, true},
		{`{"Variable": "$.n2", "NumericEquals": 10}`, true},
		{`{"Variable": "$.n", "NumericEquals": 11}`, false},
		{`{"Variable": "$.s", "NumericEquals": 10}`, false},
		{`{"Variable": "$.n", "NumericEqualsPath": "$.n2"}`, true},
		{`{"Variable": "$.n", "NumericEqualsPath": "$.n3"}`, false},
		{`{"Variable": "$.n", "NumericEqualsPath": "$.s"}`, false},
		{`{"Variable": "$.n3", "NumericLessThan": 3}`, true},
		{`{"Variable": "$.n3", "NumericLessThan": 2.5}`, false},
		{`{"Variable": "$.n3", "NumericLessThanPath": "$.n"}`, true},
		{`{"Variable": "$.n", "NumericLessThanPath": "$.n3"}`, false},
		{`{"Variable": "$.n", "NumericGreaterThan": 9.99}`, true},
		{`{"Variable": "$.n", "NumericGreaterThan": 10}`, false},
		{`{"Variable": "$.n", "NumericGreaterThanPath": "$.n3"}`, true},
		{`{"Variable": "$.n3", "NumericGreaterThanPath": "$.n"}`, false},
		{`{"Variable": "$.n", "NumericLessThanEquals": 10}`, true},
		{`{"Variable": "$.n", "NumericLessThanEquals": 9}`, false},
		{`{"Variable": "$.n", "NumericLessThanEqualsPath": "$.n2"}`, true},
		{`{"Variable": "$.n", "NumericLessThanEqualsPath": "$.n3"}`, false},
		{`{"Variable": "$.n", "NumericGreaterThanEquals": 10}`, true},
		{`{"Variable": "$.n3", "NumericGreaterThanEquals": 10}`, false},
		{`{"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.n3"}`, true},
		{`{"Variable": "$.n3", "NumericGreaterThanEqualsPath": "$.n"}`, false},
		{`{"Variable": "$.b", "BooleanEquals": true}`, true},
		{`{"Variable": "$.b", "BooleanEquals": false}`, false},
		{`{"Variable": "$.s", "BooleanEquals": true}`, false},
		{`{"Variable": "$.f", "BooleanEqualsPath": "$.f"}`, true},
		{`{"Variable": "$.f", "BooleanEqualsPath": "$.b"}`, false},
		{`{"Variable": "$.t", "TimestampEquals": "2024-01-02T03:04:05Z"}`, true},
		{`{"Variable": "$.t2", "TimestampEquals": "2024-01-02T03:04:05Z"}`, true},
		{`{"Variable": "$.t", "TimestampEquals": "2024-01-02T03:04:06Z"}`, false},
		{`{"Variable": "$.s", "TimestampEquals": "2024-01-02T03:04:05Z"}`, false},
		{`{"Variable": "$.t", "TimestampEqualsPath": "$.t2"}`, true},
		{`{"Variable": "$.t", "TimestampEqualsPath": "$.t3"}`, false},
		{`{"Variable": "$.t", "TimestampLessThan": "2025-01-01T00:00:00Z"}`, true},
		{`{"Variable": "$.t3", "TimestampLessThan": "2025-01-01T00:00:00Z"}`, false},
		{`{"Variable": "$.t", "TimestampLessThanPath": "$.t3"}`, true},
		{`{"Variable": "$.t3", "TimestampLessThanPath": "$.t"}`, false},
		{`{"Variable": "$.t3", "TimestampGreaterThan": "2025-01-01T00:00:00Z"}`, true},
		{`{"Variable": "$.t", "TimestampGreaterThan": "2025-01-01T00:00:00Z"}`, false},
		{`{"Variable": "$.t3", "TimestampGreaterThanPath": "$.t"}`, true},
		{`{"Variable": "$.t", "TimestampGreaterThanPath": "$.t2"}`, false},
		{`{"Variable": "$.t", "TimestampLessThanEquals": "2024-01-02T03:04:05Z"}`, true},
		{`{"Variable": "$.t3", "TimestampLessThanEquals": "2024-01-02T03:04:05Z"}`, false},
		{`{"Variable": "$.t", "TimestampLessThanEqualsPath": "$.t2"}`, true},
		{`{"Variable": "$.t3", "TimestampLessThanEqualsPath": "$.t2"}`, false},
		{`{"Variable": "$.t", "TimestampGreaterThanEquals": "2024-01-02T03:04:05Z"}`, true},
		{`{"Variable": "$.t", "TimestampGreaterThanEquals": "2025-01-02T03:04:05Z"}`, false},
		{`{"Variable": "$.t3", "TimestampGreaterThanEqualsPath": "$.t"}`, true},
		{`{"Variable": "$.t", "TimestampGreaterThanEqualsPath": "$.t3"}`, false},
		{`{"Variable": "$.z", "IsNull": true}`, true},
		{`{"Variable": "$.s", "IsNull": true}`, false},
		{`{"Variable": "$.s", "IsNull": false}`, true},
		{`{"Variable": "$.s", "IsPresent": true}`, true},
		{`{"Variable": "$.missing", "IsPresent": true}`, false},
		{`{"Variable": "$.missing", "IsPresent": false}`, true},
		{`{"Variable": "$.z", "IsPresent": true}`, true},
		{`{"Variable": "$.n3", "IsNumeric": true}`, true},
		{`{"Variable": "$.s", "IsNumeric": true}`, false},
		{`{"Variable": "$.s", "IsString": true}`, true},
		{`{"Variable": "$.obj", "IsString": true}`, false},
		{`{"Variable": "$.f", "IsBoolean": true}`, true},
		{`{"Variable": "$.arr", "IsBoolean": true}`, false},
		{`{"Variable": "$.t", "IsTimestamp": true}`, true},
		{`{"Variable": "$.s", "IsTimestamp": true}`, false},
		{`{"Variable": "$.n", "IsTimestamp": false}`, true},
		{`{"Variable": "$$.Execution.Id", "StringEquals": "exec-1"}`, true},
		{`{"Variable": "$v.x[1]", "NumericEquals": 2}`, true},
		{`{"And": [{"Variable": "$.b", "BooleanEquals": true}, {"Variable": "$.n", "NumericEquals": 10}]}`, true},
		{`{"And": [{"Variable": "$.b", "BooleanEquals": true}, {"Variable": "$.n", "NumericEquals": 11}]}`, false},
		{`{"Or": [{"Variable": "$.b", "BooleanEquals": false}, {"Variable": "$.n", "NumericEquals": 10}]}`, true},
		{`{"Or": [{"Variable": "$.b", "BooleanEquals": false}, {"Variable": "$.n", "NumericEquals": 11}]}`, false},
		{`{"Not": {"Variable": "$.b", "BooleanEquals": false}}`, true},
		{`{"Not": {"Variable": "$.b", "BooleanEquals": true}}`, false},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			r := loadRule(t, tc.rule)
			got, err := r.Match(testEnv(t, choiceInput))
			if err != nil || got != tc.want {
				t.Errorf("Match(%s) = %v, %v; want %v", tc.rule, got, err, tc.want)
			}
		})
	}
}

func TestChoiceMissingPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ rule, path string }{
		{`{"Variable": "$.missing", "NumericEquals": 1}`, "$.missing"},
		{`{"Variable": "$.missing", "IsNull": true}`, "$.missing"},
		{`{"Variable": "$.n", "NumericEqualsPath": "$.right"}`, "$.right"},
		{`{"Not": {"Variable": "$.missing", "StringEquals": "x"}}`, "$.missing"},
	} {
		r := loadRule(t, tc.rule)
		_, err := r.Match(testEnv(t, choiceInput))
		want := fmt.Sprintf("States.Runtime: Invalid path '%s': The choice state's condition path references an invalid value.", tc.path)
		if evalErr(err) != want {
			t.Errorf("Match(%s) error = %s, want %s", tc.rule, evalErr(err), want)
		}
	}
}
