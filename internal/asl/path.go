package asl

// Path is a compiled path-valued field (InputPath, ResultPath, SecondsPath,
// ErrorPath, a Choice rule's Variable, ...): a JSONPath path rooted at the
// input ("$"), the context object ("$$") or a variable ("$name"), or — where
// AWS allows it — an intrinsic function call.
type Path struct {
	// Source is the text as written in the definition.
	Source string
	// Null is set when the field was an explicit JSON null.
	Null bool
}
