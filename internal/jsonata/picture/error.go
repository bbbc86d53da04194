package picture

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Error is a failure reported with one of JSONata's error codes (D3080–D3093
// for number pictures, D3110 and D3130–D3136 for integer and date/time
// pictures). Code D3137 carries a message of its own: this package uses it
// for inputs jsonata-js cannot handle either (a malformed timezone, widths
// too large to allocate), where jsonata-js would produce garbage or crash.
type Error struct {
	Code    string // JSONata's error code, e.g. "D3081"
	Message string // human-readable, filled in from Code
	Value   any    // the offending value, when there is one
}

func (e *Error) Error() string {
	return "jsonata " + e.Code + ": " + e.Message
}

var messages = map[string]string{
	"D3080": "The picture string must only contain a maximum of two sub-pictures",
	"D3081": "The sub-picture must not contain more than one instance of the 'decimal-separator' character",
	"D3082": "The sub-picture must not contain more than one instance of the 'percent' character",
	"D3083": "The sub-picture must not contain more than one instance of the 'per-mille' character",
	"D3084": "The sub-picture must not contain both a 'percent' and a 'per-mille' character",
	"D3085": "The mantissa part of a sub-picture must contain at least one character that is either an 'optional digit character' or a member of the 'decimal digit family'",
	"D3086": "The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character",
	"D3087": "The sub-picture must not contain a 'grouping-separator' character that appears adjacent to a 'decimal-separator' character",
	"D3088": "The sub-picture must not contain a 'grouping-separator' at the end of the integer part",
	"D3089": "The sub-picture must not contain two adjacent instances of the 'grouping-separator' character",
	"D3090": "The integer part of the sub-picture must not contain a member of the 'decimal digit family' that is followed by an instance of the 'optional digit character'",
	"D3091": "The fractional part of the sub-picture must not contain an instance of the 'optional digit character' that is followed by a member of the 'decimal digit family'",
	"D3092": "A sub-picture that contains a 'percent' or 'per-mille' character must not contain a character treated as an 'exponent-separator'",
	"D3093": "The exponent part of the sub-picture must comprise only of one or more characters that are members of the 'decimal digit family'",
	"D3110": "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given {{value}}",
	"D3130": "Formatting or parsing an integer as a sequence starting with {{value}} is not supported by this implementation",
	"D3131": "In a decimal digit pattern, all digits must be from the same decimal group",
	"D3132": "Unknown component specifier {{value}} in date/time picture string",
	"D3133": "The 'name' modifier can only be applied to months and days in the date/time picture string, not {{value}}",
	"D3134": "The timezone integer format specifier cannot have more than four digits",
	"D3135": "No matching closing bracket ']' in date/time picture string",
	"D3136": "The date/time picture string is missing specifiers required to parse the timestamp",
}

// newError returns the *Error for code with its catalogue message; value,
// if not nil, replaces {{value}} (JSON-encoded, as jsonata-js does).
func newError(code string, value any) *Error {
	msg := messages[code]
	if strings.Contains(msg, "{{value}}") {
		b, err := json.Marshal(value)
		if err != nil || value == nil {
			b = []byte("undefined")
		}
		msg = strings.ReplaceAll(msg, "{{value}}", string(b))
	}
	return &Error{Code: code, Message: msg, Value: value}
}

// limitError is a D3137 error for inputs outside what this package supports.
func limitError(format string, args ...any) *Error {
	return &Error{Code: "D3137", Message: fmt.Sprintf(format, args...)}
}
