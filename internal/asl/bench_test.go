package asl_test

import (
	"testing"
)

func BenchmarkTemplateEval(b *testing.B) {
	st := loadPass(b, `"Parameters": {"id.$": "$.order.id", "ctx.$": "$$.Execution.Id", "lit": {"a": 1, "b": [1, 2]},
		"items": [{"sku.$": "$.order.items[0].sku"}, {"qty.$": "$.order.items[0].qty"}]}`)
	env := testEnv(b, `{"order": {"id": "o-1", "items": [{"sku": "s-1", "qty": 2}]}}`)
	env.Field = "Parameters"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Parameters.Eval(env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChoiceRuleMatch(b *testing.B) {
	r := loadRule(b, `{"And": [{"Variable": "$.s", "StringMatches": "*an*"}, {"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.n3"},
		{"Not": {"Variable": "$.t", "TimestampLessThan": "2020-01-01T00:00:00Z"}}]}`)
	env := testEnv(b, choiceInput)
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := r.Match(env); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
