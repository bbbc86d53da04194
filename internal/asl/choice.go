package asl

// Match reports whether the rule matches env. Errors are *EvalError.
func (r *ChoiceRule) Match(env *Env) (bool, error) {
	return false, nil
}

// MatchError reports whether an error named name is matched by a Retrier's or
// Catcher's ErrorEquals.
func MatchError(errorEquals []string, name string) bool {
	return false
}
