package sigv4

import "net/http"

// The error codes AWS JSON-protocol services (Step Functions among them)
// answer with when a request's signature cannot be accepted. They are the
// values of Error.Code and go into the "__type" member of the error body.
const (
	// CodeMissingAuthenticationToken: the request carries neither an
	// Authorization header nor presigned query parameters.
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
	// CodeIncompleteSignature: the signature is present but malformed or
	// missing a part (Credential, SignedHeaders, Signature, the date).
	CodeIncompleteSignature = "IncompleteSignatureException"
	// CodeInvalidSignature: the signature does not match, is out of its time
	// window, or is scoped to another date, region or service.
	CodeInvalidSignature = "InvalidSignatureException"
	// CodeUnrecognizedClient: the access key ID is not known.
	CodeUnrecognizedClient = "UnrecognizedClientException"
)

// AWS's messages for the errors whose wording does not depend on the request.
const (
	MessageMissingAuthenticationToken = "Missing Authentication Token"
	MessageSignatureDoesNotMatch      = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	MessageUnrecognizedClient         = "The security token included in the request is invalid."
)

// Error is a rejected signature, shaped as the API answers it: Code goes into
// "__type", Message into "message", Status is the HTTP status. Compare with
// errors.Is against ErrMissingAuthenticationToken, ErrIncompleteSignature,
// ErrInvalidSignature or ErrUnrecognizedClient: only the codes are compared.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return "sigv4: " + e.Code + ": " + e.Message }

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Targets for errors.Is, one per code. Their messages are AWS's generic ones.
var (
	ErrMissingAuthenticationToken = &Error{Code: CodeMissingAuthenticationToken, Message: MessageMissingAuthenticationToken, Status: http.StatusBadRequest}
	ErrIncompleteSignature        = &Error{Code: CodeIncompleteSignature, Message: "The request signature does not conform to AWS standards.", Status: http.StatusBadRequest}
	ErrInvalidSignature           = &Error{Code: CodeInvalidSignature, Message: MessageSignatureDoesNotMatch, Status: http.StatusBadRequest}
	ErrUnrecognizedClient         = &Error{Code: CodeUnrecognizedClient, Message: MessageUnrecognizedClient, Status: http.StatusBadRequest}
)

func incomplete(msg string) *Error {
	return &Error{Code: CodeIncompleteSignature, Message: msg, Status: http.StatusBadRequest}
}

func invalid(msg string) *Error {
	return &Error{Code: CodeInvalidSignature, Message: msg, Status: http.StatusBadRequest}
}
