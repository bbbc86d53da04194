package asl

import (
	"errors"

	"github.com/paystep/paystep/internal/asl/intrinsic"
)

// isIntrinsic reports whether s is written as a function call rather than a path.
func isIntrinsic(s string) bool { return intrinsic.IsIntrinsic(s) }

// intrinsicCall is a parsed intrinsic function call.
type intrinsicCall struct {
	call *intrinsic.Call
}

// parseIntrinsic parses an intrinsic function call.
func parseIntrinsic(src string) (*intrinsicCall, error) {
	c, err := intrinsic.Parse(src)
	if err != nil {
		return nil, err
	}
	return &intrinsicCall{call: c}, nil
}

// isNumberLiteral is kept for the JSON-error heuristics of the loader.
func isNumberLiteral(s string) bool {
	if s == "" {
		return false
	}
	_, err := parseNumber(s)
	return err == nil
}

// eval evaluates the call; every failure is States.IntrinsicFailure.
func (c *intrinsicCall) eval(env *Env) (any, error) {
	v, err := c.call.Eval(intrinsic.Env{Input: env.Input, Context: env.ContextObject(), Var: env.Var, UUID: env.UUID, Rand: env.Rand})
	if err != nil {
		cause := err.Error()
		var ie *intrinsic.Error
		if errors.As(err, &ie) {
			cause = ie.Message
		}
		return nil, &EvalError{Name: ErrorIntrinsicFailure, Cause: cause}
	}
	return v, nil
}
