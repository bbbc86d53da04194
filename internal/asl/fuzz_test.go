package asl_test

import (
	"errors"
	"testing"

	"github.com/paystep/paystep/internal/asl"
)

// FuzzLoad checks that the definition parser never panics, that Load and
// Validate agree, and that a failed Load always says why.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		`{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}`,
		`{"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a.$": "States.Format('{}', $.x)"}, "ResultPath": "$.r", "End": true}}}`,
		`{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Not": {"Variable": "$.a", "StringMatches": "x*"}, "Next": "S"}], "Default": "S"}, "S": {"Type": "Succeed"}}}`,
		`{"StartAt": "M", "States": {"M": {"Type": "Map", "Label": "l", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}}}`,
		`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Retry": [{"ErrorEquals": ["States.ALL"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "End": true}, "F": {"Type": "Fail"}}}`,
		`{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Succeed", "Output": "{% 1 %}"}}}`,
		`{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"a": "{% $states.input.items[price > 10].name %}", "b": "{% $sum(price) + $ %}", "c": "{% $eval($$.s) %}", "d": "{% [1, %}"}, "End": true}}}`,
		`{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": "{% $map($states.input.x, function($v){ $v.y and z }) %}", "Next": "S"}], "Default": "S"}, "S": {"Type": "Succeed"}}}`,
		`[1, {"a": null}]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, def []byte) {
		sm, err := asl.Load(def, asl.LoadOptions{})
		diags := asl.Validate(def, asl.LoadOptions{Type: "EXPRESS"})
		if err == nil {
			if sm == nil {
				t.Fatal("Load returned neither a machine nor an error")
			}
			return
		}
		var de *asl.DefinitionError
		if !errors.As(err, &de) || len(de.Diagnostics) == 0 {
			t.Fatalf("Load error = %#v, want a *DefinitionError with diagnostics", err)
		}
		if len(diags) == 0 {
			t.Fatalf("Load failed (%v) but Validate found nothing", err)
		}
	})
}
