package jsonpath

import (
	"fmt"
	"slices"
	"strings"
)

// Get evaluates the path against doc, the document its root stands for (the
// input, the context object or the variable's value).
//
// A definite path returns the value it names, or an error wrapping ErrNoMatch
// when there is none. An indefinite path returns a []any of the matches,
// possibly empty.
func (p *Path) Get(doc any) (any, error) {
	if p.definite {
		v, failed, ok := lookup(p.segs, doc)
		if !ok {
			return nil, p.noMatch(doc, failed)
		}
		return v, nil
	}
	ev := evaluator{segs: p.segs, root: doc}
	ev.walk(0, doc)
	if ev.out == nil {
		return []any{}, nil
	}
	return ev.out, nil
}

// lookup follows a definite path. On failure it returns the index of the
// segment that found nothing.
func lookup(segs []segment, node any) (any, int, bool) {
	for i := range segs {
		s := &segs[i]
		switch s.kind {
		case segName:
			m, ok := node.(map[string]any)
			if !ok {
				return nil, i, false
			}
			if len(s.names) > 1 { // a trailing ['a','b']: merge what exists
				merged := make(map[string]any, len(s.names))
				for _, n := range s.names {
					if v, ok := m[n]; ok {
						merged[n] = v
					}
				}
				return merged, 0, true
			}
			v, ok := m[s.names[0]]
			if !ok {
				return nil, i, false
			}
			node = v
		case segIndex:
			l, ok := node.([]any)
			if !ok {
				return nil, i, false
			}
			idx := s.indexes[0]
			if idx < 0 {
				idx += len(l)
			}
			if idx < 0 || idx >= len(l) {
				return nil, i, false
			}
			node = l[idx]
		default:
			return nil, i, false
		}
	}
	return node, 0, true
}

// noMatch explains where a definite path stopped matching.
func (p *Path) noMatch(doc any, failed int) error {
	parent, _, _ := lookup(p.segs[:failed], doc)
	at := p.prefix(failed)
	s := &p.segs[failed]
	var why string
	switch s.kind {
	case segName:
		if _, ok := parent.(map[string]any); ok {
			why = fmt.Sprintf("%s has no field %q", at, s.names[0])
		} else {
			why = fmt.Sprintf("%s is %s, not an object", at, Describe(parent))
		}
	case segIndex:
		if l, ok := parent.([]any); ok {
			why = fmt.Sprintf("index %d is out of range for %s of length %d", s.indexes[0], at, len(l))
		} else {
			why = fmt.Sprintf("%s is %s, not an array", at, Describe(parent))
		}
	}
	return fmt.Errorf("path %s: %s: %w", p.src, why, ErrNoMatch)
}

// prefix formats the root and the first n segments, for messages.
func (p *Path) prefix(n int) string {
	var b strings.Builder
	p.formatRoot(&b)
	formatSegments(&b, p.segs[:n])
	return b.String()
}

// Describe names the JSON type of v with an article, for error messages.
func Describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	if _, ok := NumberText(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// evaluator collects the matches of an indefinite path.
type evaluator struct {
	segs []segment
	root any // the document "$" in filters refers to
	out  []any
}

// walk applies segments i... to node.
func (ev *evaluator) walk(i int, node any) {
	if i == len(ev.segs) {
		ev.out = append(ev.out, node)
		return
	}
	if ev.segs[i].deep {
		ev.scan(i, node)
		return
	}
	ev.apply(i, node)
}

// apply applies segment i to node (ignoring its deep flag) and walks on.
func (ev *evaluator) apply(i int, node any) {
	s := &ev.segs[i]
	switch s.kind {
	case segName:
		m, ok := node.(map[string]any)
		if !ok {
			return
		}
		if len(s.names) > 1 && i == len(ev.segs)-1 {
			merged := make(map[string]any, len(s.names))
			for _, n := range s.names {
				if v, ok := m[n]; ok {
					merged[n] = v
				}
			}
			ev.out = append(ev.out, merged)
			return
		}
		for _, n := range s.names {
			if v, ok := m[n]; ok {
				ev.walk(i+1, v)
			}
		}
	case segIndex:
		l, ok := node.([]any)
		if !ok {
			return
		}
		for _, idx := range s.indexes {
			if idx < 0 {
				idx += len(l)
			}
			if idx >= 0 && idx < len(l) {
				ev.walk(i+1, l[idx])
			}
		}
	case segSlice:
		l, ok := node.([]any)
		if !ok {
			return
		}
		s.slice.each(len(l), func(j int) { ev.walk(i+1, l[j]) })
	case segWildcard:
		switch n := node.(type) {
		case map[string]any:
			for _, k := range sortedKeys(n) {
				ev.walk(i+1, n[k])
			}
		case []any:
			for _, v := range n {
				ev.walk(i+1, v)
			}
		}
	case segFilter:
		switch n := node.(type) {
		case map[string]any:
			if s.filter.match(ev, n) {
				ev.walk(i+1, n)
			}
		case []any:
			for _, v := range n {
				if s.filter.match(ev, v) {
					ev.walk(i+1, v)
				}
			}
		}
	}
}

// scan is Jayway's deep scan: visit node and every object and array below
// it, applying segment i wherever it can apply.
func (ev *evaluator) scan(i int, node any) {
	switch n := node.(type) {
	case map[string]any:
		if ev.scanMatches(i, n) {
			ev.apply(i, n)
		}
		for _, k := range sortedKeys(n) {
			ev.scan(i, n[k])
		}
	case []any:
		if ev.scanMatches(i, n) {
			ev.apply(i, n)
		}
		for _, v := range n {
			ev.scan(i, v)
		}
	}
}

func (ev *evaluator) scanMatches(i int, node any) bool {
	s := &ev.segs[i]
	switch s.kind {
	case segName:
		m, ok := node.(map[string]any)
		if !ok {
			return false
		}
		for _, n := range s.names {
			if _, ok := m[n]; !ok {
				return false
			}
		}
		return true
	case segIndex, segSlice:
		_, ok := node.([]any)
		return ok
	case segWildcard:
		return true
	case segFilter:
		return s.filter.match(ev, node)
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// each calls f with the indexes a slice selects in an array of length n.
// Without a step it follows Jayway exactly, including its treatment of a
// negative start with an explicit end ([-2:3] starts two from the end and
// stops at index 3 of the wrapped sequence, skipping indexes still negative).
// With a step (an extension; Jayway has none) it follows Python's rules.
func (sl sliceSpec) each(n int, f func(int)) {
	if sl.step == nil {
		switch {
		case sl.from != nil && sl.to == nil:
			from := *sl.from
			if from < 0 {
				from += n
			}
			for j := max(from, 0); j < n; j++ {
				f(j)
			}
		case sl.from != nil:
			from, to := *sl.from, min(*sl.to, n)
			for j := from; j < to; j++ {
				k := j
				if k < 0 {
					k += n
				}
				if k >= 0 && k < n {
					f(k)
				}
			}
		default:
			to := n
			if sl.to != nil {
				to = *sl.to
				if to < 0 {
					to += n
				}
				to = min(to, n)
			}
			for j := 0; j < to; j++ {
				f(j)
			}
		}
		return
	}
	step := *sl.step
	norm := func(p *int, def, lo, hi int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
		}
		return min(max(v, lo), hi)
	}
	if step > 0 {
		from, to := norm(sl.from, 0, 0, n), norm(sl.to, n, 0, n)
		for j := from; j < to; j += step {
			f(j)
		}
		return
	}
	from, to := norm(sl.from, n-1, -1, n-1), norm(sl.to, -1, -1, n-1)
	for j := from; j > to; j += step {
		f(j)
	}
}
