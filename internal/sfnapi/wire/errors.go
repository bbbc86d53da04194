package wire

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Error codes of the Step Functions API: the values of "__type" in an error
// body. Each one of the service's own (the first group) is a typed error in
// the AWS SDKs (types.ExecutionDoesNotExist, …) for the operations that
// declare it; the common ones come back as generic API errors.
const (
	ActivityAlreadyExists          = "ActivityAlreadyExists"
	ActivityDoesNotExist           = "ActivityDoesNotExist"
	ActivityLimitExceeded          = "ActivityLimitExceeded"
	ActivityWorkerLimitExceeded    = "ActivityWorkerLimitExceeded"
	ConflictException              = "ConflictException"
	ExecutionAlreadyExists         = "ExecutionAlreadyExists"
	ExecutionDoesNotExist          = "ExecutionDoesNotExist"
	ExecutionLimitExceeded         = "ExecutionLimitExceeded"
	ExecutionNotRedrivable         = "ExecutionNotRedrivable"
	InvalidArn                     = "InvalidArn"
	InvalidDefinition              = "InvalidDefinition"
	InvalidEncryptionConfiguration = "InvalidEncryptionConfiguration"
	InvalidExecutionInput          = "InvalidExecutionInput"
	InvalidLoggingConfiguration    = "InvalidLoggingConfiguration"
	InvalidName                    = "InvalidName"
	InvalidOutput                  = "InvalidOutput"
	InvalidToken                   = "InvalidToken"
	InvalidTracingConfiguration    = "InvalidTracingConfiguration"
	KmsAccessDeniedException       = "KmsAccessDeniedException"
	KmsInvalidStateException       = "KmsInvalidStateException"
	KmsThrottlingException         = "KmsThrottlingException"
	MissingRequiredParameter       = "MissingRequiredParameter"
	ResourceNotFound               = "ResourceNotFound"
	ServiceQuotaExceededException  = "ServiceQuotaExceededException"
	StateMachineAlreadyExists      = "StateMachineAlreadyExists"
	StateMachineDeleting           = "StateMachineDeleting"
	StateMachineDoesNotExist       = "StateMachineDoesNotExist"
	StateMachineLimitExceeded      = "StateMachineLimitExceeded"
	StateMachineTypeNotSupported   = "StateMachineTypeNotSupported"
	TaskDoesNotExist               = "TaskDoesNotExist"
	TaskTimedOut                   = "TaskTimedOut"
	TooManyTags                    = "TooManyTags"
	ValidationException            = "ValidationException"

	// Common to AWS JSON-protocol services.
	AccessDeniedException     = "AccessDeniedException"
	SerializationException    = "SerializationException"
	UnknownOperationException = "UnknownOperationException"
	ThrottlingException       = "ThrottlingException"
	RequestEntityTooLarge     = "RequestEntityTooLargeException"
	InternalFailure           = "InternalFailure"
	ServiceUnavailable        = "ServiceUnavailable"
)

// InternalServerErrorMessage is AWS's message for an InternalFailure.
const InternalServerErrorMessage = "The request processing has failed because of an unknown error, exception or failure."

// Reasons of a ValidationException (its "reason" member).
const (
	ReasonAPIDoesNotSupportLabeledARNs = "API_DOES_NOT_SUPPORT_LABELED_ARNS"
	ReasonMissingRequiredParameter     = "MISSING_REQUIRED_PARAMETER"
	ReasonCannotUpdateCompletedMapRun  = "CANNOT_UPDATE_COMPLETED_MAP_RUN"
	ReasonInvalidRoutingConfiguration  = "INVALID_ROUTING_CONFIGURATION"
)

// Error is an error answer of the API:
//
//	HTTP/1.1 400 Bad Request
//	Content-Type: application/x-amz-json-1.0
//
//	{"__type":"ExecutionDoesNotExist","message":"Execution Does Not Exist: 'arn:…'"}
//
// Reason, ResourceName and KmsKeyState are the extra members some codes carry
// (ValidationException, ResourceNotFound and TooManyTags,
// KmsInvalidStateException).
type Error struct {
	Code         string `json:"__type"`
	Message      string `json:"message,omitempty"`
	Reason       string `json:"reason,omitempty"`
	ResourceName string `json:"resourceName,omitempty"`
	KmsKeyState  string `json:"kmsKeyState,omitempty"`
	// Status is the HTTP status; 0 means StatusOf(Code).
	Status int `json:"-"`
}

// NewError returns an error with the status AWS uses for code.
func NewError(code, message string) *Error {
	return &Error{Code: code, Message: message, Status: StatusOf(code)}
}

func (e *Error) Error() string { return "sfnapi: " + e.Code + ": " + e.Message }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, &wire.Error{Code: wire.InvalidArn}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// HTTPStatus is e.Status, or StatusOf(e.Code) when that is zero.
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	return StatusOf(e.Code)
}

// StatusOf is the HTTP status AWS answers code with: 500 for InternalFailure,
// 503 for ServiceUnavailable, 413 for an oversized body and 400 for the rest
// (every Step Functions error is a client fault).
func StatusOf(code string) int {
	switch code {
	case InternalFailure:
		return http.StatusInternalServerError
	case ServiceUnavailable:
		return http.StatusServiceUnavailable
	case RequestEntityTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// WriteError answers with an error of code and message.
func WriteError(w http.ResponseWriter, code, message string) {
	WriteErr(w, NewError(code, message))
}

// WriteErr answers with err when it is (or wraps) an *Error, and with a
// generic InternalFailure otherwise: the caller logs the cause.
func WriteErr(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = NewError(InternalFailure, InternalServerErrorMessage)
	}
	body, merr := json.Marshal(e)
	if merr != nil { // cannot happen: strings only
		body = []byte(`{"__type":"InternalFailure"}`)
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	w.WriteHeader(e.HTTPStatus())
	w.Write(body)
}
