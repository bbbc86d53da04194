package binding

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paystep/paystep/internal/engine"
)

func TestParseAndInvoke(t *testing.T) {
	t.Parallel()
	tb, err := Parse([]byte(`{
		"ARN_OF_POSTPAYMENTS": {"result": {"paid": true}},
		"arn:aws:lambda:us-east-1:1:function:processEmails": {"error": "Email.Failed", "cause": "smtp down"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := tb.Invoke(context.Background(), &engine.Task{Resource: "ARN_OF_POSTPAYMENTS"})
	if err != nil || string(out) != `{"paid": true}` {
		t.Errorf("Invoke(ARN_OF_POSTPAYMENTS) = %s, %v; want {\"paid\": true}", out, err)
	}
	_, err = tb.Invoke(context.Background(), &engine.Task{Resource: "arn:aws:lambda:us-east-1:1:function:processEmails"})
	var te *engine.TaskError
	if !errors.As(err, &te) || te.Name != "Email.Failed" || te.Cause != "smtp down" {
		t.Errorf("Invoke(processEmails) error = %v, want Email.Failed: smtp down", err)
	}
	_, err = tb.Invoke(context.Background(), &engine.Task{Resource: "NOPE"})
	if !errors.As(err, &te) || te.Name != "States.TaskFailed" || !strings.Contains(te.Cause, "NOPE") {
		t.Errorf("Invoke(NOPE) error = %v, want States.TaskFailed naming the resource", err)
	}
}

func TestParseRejectsBadBindings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ doc, want string }{
		{`{"A": {"result": 1, "error": "E"}}`, `"A" has both result and error`},
		{`{"A": {}}`, `"A" needs a result or an error`},
		{`{"A": {"cause": "c", "result": 1}}`, `"A" has a cause without an error`},
		{`{"A": {"resullt": 1}}`, `unknown field "resullt"`},
		{`[1]`, `cannot unmarshal array`},
	} {
		if _, err := Parse([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) error = %v, want one containing %q", tc.doc, err, tc.want)
		}
	}
}
