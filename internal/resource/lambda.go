package resource

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/engine"
)

// lambdaFn names a Lambda function: its ARN without a version or alias, and
// its name. Either may be "" when unknown.
type lambdaFn struct{ arn, name string }

// lambdaFunction parses a function ARN, arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER].
func lambdaFunction(s string) (lambdaFn, bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 7 || len(parts) > 8 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") ||
		parts[2] != "lambda" || parts[5] != "function" || parts[6] == "" {
		return lambdaFn{}, false
	}
	return lambdaFn{arn: strings.Join(parts[:7], ":"), name: parts[6]}, true
}

// functionKeys are the binding keys that may bind FunctionName fn, most
// specific first. Like Lambda, it accepts a name, a name with a version or
// alias, a partial ARN (ACCOUNT:function:NAME) and a full ARN.
func (r *Registry) functionKeys(fn string) []string {
	keys := []string{fn}
	if f, ok := lambdaFunction(fn); ok {
		return appendNew(keys, f.arn, f.name)
	}
	name := fn
	parts := strings.Split(fn, ":")
	switch {
	case len(parts) >= 3 && parts[1] == "function": // ACCOUNT:function:NAME[:QUALIFIER]
		name = parts[2]
		keys = appendNew(keys, fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.cfg.Region, parts[0], name))
	case len(parts) == 2: // NAME:QUALIFIER
		name = parts[0]
	}
	return appendNew(keys, fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.cfg.Region, r.cfg.Account, name), name)
}

type lambdaParams struct {
	FunctionName   string
	Payload        json.RawMessage
	InvocationType string
}

// invokeLambda runs arn:aws:states:::lambda:invoke[.waitForTaskToken] when
// its FunctionName is bound. The binding sees the Payload as its input, and
// its result comes back shaped like Lambda's answer: {"Payload": result, …}.
// ok is false when the function is not bound.
func (r *Registry) invokeLambda(ctx context.Context, call *Call) (out json.RawMessage, ok bool, err error) {
	var p lambdaParams
	if json.Unmarshal(call.Input, &p) != nil || p.FunctionName == "" {
		return nil, false, nil
	}
	for _, key := range r.functionKeys(p.FunctionName) {
		bd, found := r.bound[key]
		if !found {
			continue
		}
		switch p.InvocationType {
		case "", "RequestResponse", "Event", "DryRun":
		default:
			return nil, true, &engine.TaskError{Name: asl.ErrorRuntime, Cause: fmt.Sprintf("lambda:invoke: InvocationType must be RequestResponse, Event or DryRun, not %q", p.InvocationType)}
		}
		if p.InvocationType == "DryRun" {
			return json.RawMessage(`{"Payload":"","StatusCode":204}`), true, nil
		}
		fcall := *call
		fcall.Key = key
		fcall.Input = p.Payload
		if len(bytes.TrimSpace(fcall.Input)) == 0 {
			fcall.Input = json.RawMessage("{}")
		}
		res, err := r.run(ctx, bd, &fcall)
		if err != nil {
			return nil, true, err
		}
		if p.InvocationType == "Event" {
			return json.RawMessage(`{"Payload":"","StatusCode":202}`), true, nil
		}
		if len(bytes.TrimSpace(res)) == 0 {
			res = json.RawMessage("null")
		}
		wrapped, err := json.Marshal(struct {
			ExecutedVersion string
			Payload         json.RawMessage
			StatusCode      int
		}{"$LATEST", res, 200})
		if err != nil {
			return nil, true, taskFailed("the function %s returned a result that is not JSON: %v", p.FunctionName, err)
		}
		return wrapped, true, nil
	}
	return nil, false, nil
}

// lambdaFunctionName returns the FunctionName of a lambda:invoke input, or "".
func lambdaFunctionName(input json.RawMessage) string {
	var p lambdaParams
	_ = json.Unmarshal(input, &p)
	return p.FunctionName
}
