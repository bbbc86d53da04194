package resource

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/binding"
	"github.com/paystep/paystep/internal/engine"
)

// Registry is what the durable runner takes as its Resources.
var _ interface {
	Activity(resource string) string
	engine.Invoker
} = (*Registry)(nil)

const benchValidate = "arn:aws:states:us-east-1:000000000000:activity:bench-validate"

func TestActivity(t *testing.T) {
	t.Parallel()
	r := newRegistry(t, Config{Region: "eu-west-1", Account: "111122223333"}, `{
		"ARN_OF_CHARGE": {"activity": "charge"},
		"ARN_OF_CAPTURE": {"activity": "arn:aws:states:us-east-2:444455556666:activity:capture"},
		"ARN_OF_NOTIFY": {"activity": "notify"},
		"arn:aws:states:us-east-1:000000000000:activity:bench-validate": {"result": {"valid": true}},
		"arn:aws:states:us-east-1:000000000000:activity:bench-persist": {"builtin": "persist"},
		"arn:aws:states:us-east-1:000000000000:activity:old-name": {"activity": "new-name"},
		"ARN_OF_POSTPAYMENTS": {"result": 1}
	}`)
	for _, tc := range []struct{ resource, want string }{
		{"arn:aws:states:us-east-1:000000000000:activity:bench-charge", "arn:aws:states:us-east-1:000000000000:activity:bench-charge"},
		{"ARN_OF_CHARGE", "arn:aws:states:eu-west-1:111122223333:activity:charge"},
		{"ARN_OF_CAPTURE", "arn:aws:states:us-east-2:444455556666:activity:capture"},
		{"ARN_OF_NOTIFY.waitForTaskToken", "arn:aws:states:eu-west-1:111122223333:activity:notify"},
		{benchValidate, ""},
		{"arn:aws:states:us-east-1:000000000000:activity:bench-persist", ""},
		{"arn:aws:states:us-east-1:000000000000:activity:old-name", "arn:aws:states:eu-west-1:111122223333:activity:new-name"},
		{"ARN_OF_POSTPAYMENTS", ""},
		{"UNBOUND", ""},
		{HTTPInvoke, ""},
		{"arn:aws:states:::lambda:invoke", ""},
	} {
		if got := r.Activity(tc.resource); got != tc.want {
			t.Errorf("Activity(%q) = %q, want %q", tc.resource, got, tc.want)
		}
	}
	if got := New(Config{}, nil).Activity("ARN_OF_CHARGE"); got != "" {
		t.Errorf("without bindings, Activity(ARN_OF_CHARGE) = %q", got)
	}
}

func TestInvokeFixedBindings(t *testing.T) {
	t.Parallel()
	r := newRegistry(t, Config{}, `{
		"ARN_OF_POSTPAYMENTS": {"result": {"paid": true}},
		"ARN_OF_NULL": {"result": null},
		"arn:aws:lambda:us-east-1:1:function:processEmails": {"error": "Email.Failed", "cause": "smtp down"},
		"arn:aws:states:us-east-1:000000000000:activity:bench-validate": {"result": {"valid": true}},
		"ARN_WAIT.waitForTaskToken": {"result": "with suffix"},
		"ARN_WAIT": {"result": "without suffix"}
	}`)
	for _, tc := range []struct{ resource, want string }{
		{"ARN_OF_POSTPAYMENTS", `{"paid": true}`},
		{"ARN_OF_NULL", `null`},
		{benchValidate, `{"valid": true}`},
		{"ARN_WAIT.waitForTaskToken", `"with suffix"`},
		{"ARN_WAIT", `"without suffix"`},
		{"ARN_OF_POSTPAYMENTS.waitForTaskToken", `{"paid": true}`},
	} {
		out, err := invoke(t, r, tc.resource, `{}`)
		if err != nil || string(out) != tc.want {
			t.Errorf("Invoke(%s) = %s, %v; want %s", tc.resource, out, err, tc.want)
		}
	}
	_, err := invoke(t, r, "arn:aws:lambda:us-east-1:1:function:processEmails", `{}`)
	te := wantTaskError(t, err, "Email.Failed")
	if te.Cause != "smtp down" {
		t.Errorf("cause = %q", te.Cause)
	}
}

func TestInvokeFailsClearly(t *testing.T) {
	t.Parallel()
	r := newRegistry(t, Config{}, `{"ARN_OF_CHARGE": {"activity": "charge"}, "ARN_OF_X": {"builtin": "nobody"}}`)
	for _, tc := range []struct {
		resource, name string
		cause          []string
	}{
		{"NOPE", asl.ErrorTaskFailed, []string{"no binding for the resource NOPE"}},
		{"arn:aws:states:us-east-1:000000000000:activity:bench-charge", asl.ErrorTaskFailed,
			[]string{"arn:aws:states:us-east-1:000000000000:activity:bench-charge is an activity", "paystep serve"}},
		{"ARN_OF_CHARGE", asl.ErrorTaskFailed,
			[]string{"ARN_OF_CHARGE is bound to the activity arn:aws:states:us-east-1:123456789012:activity:charge", "paystep serve"}},
		{"ARN_OF_X", asl.ErrorTaskFailed, []string{`bound to the built-in "nobody", which is not registered`}},
		{StartExecution, asl.ErrorTaskFailed, []string{"nested execution", "paystep serve"}},
		{StartExecution + ".sync:2", asl.ErrorTaskFailed, []string{"nested execution", "paystep serve"}},
		{"arn:aws:states:::ecs:runTask.sync", asl.ErrorRuntime, []string{"the .sync pattern is supported only for arn:aws:states:::states:startExecution"}},
		{"arn:aws:states:::events:putEvents", asl.ErrorTaskFailed, []string{"no binding for the resource arn:aws:states:::events:putEvents"}},
	} {
		_, err := invoke(t, r, tc.resource, `{}`)
		wantTaskError(t, err, tc.name, tc.cause...)
	}
}

func TestBuiltins(t *testing.T) {
	t.Parallel()
	r := newRegistry(t, Config{}, `{
		"arn:aws:states:us-east-1:000000000000:activity:bench-validate": {"builtin": "bench.validate", "config": {"limit": 5000}},
		"ARN_OF_PERSIST.waitForTaskToken": {"builtin": "persist"}
	}`)
	var calls []Call
	echo := HandlerFunc(func(_ context.Context, c *Call) (json.RawMessage, error) {
		calls = append(calls, *c)
		if string(c.Input) == `"fail"` {
			return nil, &engine.TaskError{Name: "Builtin.Failed", Cause: "asked to"}
		}
		return json.RawMessage(`{"handled":true}`), nil
	})
	if err := r.Check(); err == nil || !strings.Contains(err.Error(), `no built-in is named "bench.validate" (none are registered)`) {
		t.Errorf("Check before Register = %v", err)
	}
	r.Register("bench.validate", echo)
	err := r.Check()
	var be *binding.Error
	if !errors.As(err, &be) || len(be.Problems) != 1 || be.Problems[0].Key != "ARN_OF_PERSIST.waitForTaskToken" ||
		!strings.Contains(err.Error(), `no built-in is named "persist" (registered: bench.validate)`) {
		t.Errorf("Check with one registered = %v", err)
	}
	r.Register("persist", echo)
	r.Register("arn:aws:states:::events:putEvents", echo)
	if err := r.Check(); err != nil {
		t.Errorf("Check = %v", err)
	}
	if r.Activity(benchValidate) != "" {
		t.Error("an activity ARN bound to a built-in still goes to activity workers")
	}

	for _, tc := range []struct{ resource, input string }{
		{benchValidate, `{"payment_id": "p1"}`},
		{"ARN_OF_PERSIST.waitForTaskToken", `{"token": "tok-1"}`},
		{"arn:aws:states:::events:putEvents.waitForTaskToken", `{"Entries": []}`},
	} {
		out, err := invoke(t, r, tc.resource, tc.input)
		if err != nil || string(out) != `{"handled":true}` {
			t.Errorf("Invoke(%s) = %s, %v", tc.resource, out, err)
		}
	}
	want := []Call{
		{Resource: benchValidate, Key: benchValidate, Input: json.RawMessage(`{"payment_id": "p1"}`), Token: "tok-1", Config: json.RawMessage(`{"limit": 5000}`)},
		{Resource: "ARN_OF_PERSIST.waitForTaskToken", Key: "ARN_OF_PERSIST.waitForTaskToken", Input: json.RawMessage(`{"token": "tok-1"}`), Token: "tok-1", WaitForToken: true},
		{Resource: "arn:aws:states:::events:putEvents.waitForTaskToken", Key: "arn:aws:states:::events:putEvents", Input: json.RawMessage(`{"Entries": []}`), Token: "tok-1", WaitForToken: true},
	}
	if len(calls) != len(want) {
		t.Fatalf("calls = %+v", calls)
	}
	for i := range want {
		g, w := calls[i], want[i]
		if g.Resource != w.Resource || g.Key != w.Key || string(g.Input) != string(w.Input) || g.Token != w.Token ||
			g.WaitForToken != w.WaitForToken || string(g.Config) != string(w.Config) {
			t.Errorf("call %d = %+v\nwant %+v", i, g, w)
		}
	}
	_, err = invoke(t, r, benchValidate, `"fail"`)
	wantTaskError(t, err, "Builtin.Failed", "asked to")

	defer func() {
		if recover() == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	r.Register("persist", echo)
}
