package asl

// Template is a compiled dynamic value: a payload template (Parameters,
// ResultSelector, ItemSelector, Assign, whose keys ending in ".$" take a path
// or an intrinsic function), a literal, or a JSONata expression or template.
type Template struct {
	// Source is the value as written in the definition (decoded JSON).
	Source any
}
