package jsonpath

import (
	"fmt"
	"maps"
	"slices"
)

// Set returns a copy of doc with value placed where the path points, as AWS
// applies a ResultPath: missing objects along the way are created, and the
// path "$" alone replaces the whole document. The input is not modified:
// only the objects and arrays along the path are copied.
//
// Set needs a path from CompileReference. It fails when a value on the way is
// not an object (or, for an index, not an array long enough), as AWS fails
// with States.Runtime.
func (p *Path) Set(doc, value any) (any, error) {
	for _, s := range p.segs {
		if s.deep || s.kind == segName && len(s.names) != 1 || s.kind == segIndex && (len(s.indexes) != 1 || s.indexes[0] < 0) ||
			s.kind != segName && s.kind != segIndex {
			return nil, fmt.Errorf("path %s: cannot set through a path that is not a reference path", p.src)
		}
	}
	return p.set(doc, 0, value)
}

func (p *Path) set(node any, i int, value any) (any, error) {
	if i == len(p.segs) {
		return value, nil
	}
	s := &p.segs[i]
	switch s.kind {
	case segName:
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("path %s: cannot set field %q: %s is %s, not an object", p.src, s.names[0], p.prefix(i), Describe(node))
		}
		name := s.names[0]
		child, exists := m[name]
		if !exists && i+1 < len(p.segs) {
			if p.segs[i+1].kind != segName {
				return nil, fmt.Errorf("path %s: cannot set index %d: %s does not exist", p.src, p.segs[i+1].indexes[0], p.prefix(i+1))
			}
			child = map[string]any{}
		}
		v, err := p.set(child, i+1, value)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(m)+1)
		maps.Copy(out, m)
		out[name] = v
		return out, nil
	case segIndex:
		l, ok := node.([]any)
		if !ok {
			return nil, fmt.Errorf("path %s: cannot set index %d: %s is %s, not an array", p.src, s.indexes[0], p.prefix(i), Describe(node))
		}
		idx := s.indexes[0]
		if idx >= len(l) {
			return nil, fmt.Errorf("path %s: cannot set index %d: %s has length %d", p.src, idx, p.prefix(i), len(l))
		}
		v, err := p.set(l[idx], i+1, value)
		if err != nil {
			return nil, err
		}
		out := slices.Clone(l)
		out[idx] = v
		return out, nil
	}
	return nil, fmt.Errorf("path %s: cannot set through a path that is not a reference path", p.src)
}
