package jsonata

// maxNesting bounds the nesting of values walked recursively (conversion,
// serialisation, comparison), so that a cyclic or absurdly deep value is an
// error rather than a stack overflow.
const maxNesting = 10000

// maxPadding bounds the strings $pad builds; jsonata-js fails with a
// RangeError somewhat later, at JavaScript's string length limit.
const maxPadding = 1 << 26

func nestingError() error {
	return &Error{Code: "D3137", Message: "value nests too deeply (or is circular)"}
}

// containsRef reports whether target is reachable from v.
func containsRef(v any, target *object, depth int) bool {
	if depth > maxNesting {
		return true
	}
	switch x := v.(type) {
	case *object:
		if x == target {
			return true
		}
		for _, k := range x.keys {
			if containsRef(x.vals[k], target, depth+1) {
				return true
			}
		}
	case *array:
		for _, it := range x.items {
			if containsRef(it, target, depth+1) {
				return true
			}
		}
	}
	return false
}

// deepCopy copies objects and arrays.
func deepCopy(v any, depth int) any {
	if depth > maxNesting {
		return nil
	}
	switch x := v.(type) {
	case *object:
		o := newObject(x.len())
		for _, k := range x.keys {
			o.set(k, deepCopy(x.vals[k], depth+1))
		}
		return o
	case *array:
		a := *x
		a.items = make([]any, len(x.items))
		for i, it := range x.items {
			a.items[i] = deepCopy(it, depth+1)
		}
		return &a
	}
	return v
}
