package asl

import "encoding/json"

// getIndefinite evaluates a query with wildcards, unions, slices, deep scans
// or length(); the result is the list of matches (Jayway returns a list for
// indefinite paths). Filters match nothing here: they are evaluated by the
// full JSONPath implementation.
func getIndefinite(q *query, doc any) (any, bool) {
	cur := []any{doc}
	for si, s := range q.steps {
		var next []any
		for _, v := range cur {
			switch s.kind {
			case stepField, stepIndex:
				if r, ok := stepDefinite(v, s); ok {
					next = append(next, r)
				}
			case stepWildcard:
				next = append(next, children(v)...)
			case stepDeep:
				next = deepScan(v, s.name, next)
			case stepUnion:
				for _, n := range s.names {
					if r, ok := stepDefinite(v, step{kind: stepField, name: n}); ok {
						next = append(next, r)
					}
				}
				for _, i := range s.idx {
					if r, ok := stepDefinite(v, step{kind: stepIndex, index: i}); ok {
						next = append(next, r)
					}
				}
			case stepSlice:
				a, ok := v.([]any)
				if !ok {
					continue
				}
				lo, hi := 0, len(a)
				if s.lo != nil {
					lo = clampIndex(*s.lo, len(a))
				}
				if s.hi != nil {
					hi = clampIndex(*s.hi, len(a))
				}
				for i := lo; i < hi; i++ {
					next = append(next, a[i])
				}
			case stepLength:
				if si == len(q.steps)-1 {
					if a, ok := v.([]any); ok {
						next = append(next, json.Number(itoa(len(a))))
					}
				}
			case stepFilter:
				// Evaluated by the JSONPath package.
			}
		}
		cur = next
	}
	if cur == nil {
		cur = []any{}
	}
	if len(q.steps) > 0 && q.steps[len(q.steps)-1].kind == stepLength {
		if len(cur) == 1 {
			return cur[0], true
		}
		return nil, false
	}
	return cur, true
}

func clampIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	return max(0, min(i, n))
}

func children(v any) []any {
	switch t := v.(type) {
	case map[string]any:
		out := make([]any, 0, len(t))
		for _, k := range sortedKeys(t) {
			out = append(out, t[k])
		}
		return out
	case []any:
		return append([]any(nil), t...)
	}
	return nil
}

func deepScan(v any, name string, out []any) []any {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if name == "*" || k == name {
				out = append(out, t[k])
			}
			out = deepScan(t[k], name, out)
		}
	case []any:
		for _, e := range t {
			if name == "*" {
				out = append(out, e)
			}
			out = deepScan(e, name, out)
		}
	}
	return out
}
