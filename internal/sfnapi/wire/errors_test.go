package wire_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

// Operations that declare each error: the SDK only turns a code into its
// typed error for the operations that declare it.
func createActivity(c *sfn.Client) error {
	_, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("a")})
	return err
}

func createStateMachine(c *sfn.Client) error {
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"), Definition: aws.String(defn), RoleArn: aws.String("r")})
	return err
}

func describeExecutionOp(c *sfn.Client) error {
	_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(execARN)})
	return err
}

func startExecution(c *sfn.Client) error {
	_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smARN)})
	return err
}

func sendTaskSuccess(c *sfn.Client) error {
	_, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("t"), Output: aws.String("{}")})
	return err
}

func updateStateMachine(c *sfn.Client) error {
	_, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(smARN)})
	return err
}

func describeActivity(c *sfn.Client) error {
	_, err := c.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(actARN)})
	return err
}

func getActivityTask(c *sfn.Client) error {
	_, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(actARN)})
	return err
}

func redriveExecution(c *sfn.Client) error {
	_, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(execARN)})
	return err
}

func tagResource(c *sfn.Client) error {
	_, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(smARN), Tags: []types.Tag{}})
	return err
}

// TestErrorsBecomeSDKTypes serves each of the service's error codes from an
// operation that declares it and checks that the SDK's deserializer yields
// the typed error with our message and extra members.
func TestErrorsBecomeSDKTypes(t *testing.T) {
	t.Parallel()
	msg := "something about it"
	for _, tc := range []struct {
		code   string
		op     func(*sfn.Client) error
		target any // a **types.X
		extra  func(e *wire.Error)
		check  func(t *testing.T, err error)
	}{
		{code: wire.ActivityAlreadyExists, op: createActivity, target: new(*types.ActivityAlreadyExists)},
		{code: wire.ActivityDoesNotExist, op: describeActivity, target: new(*types.ActivityDoesNotExist)},
		{code: wire.ActivityLimitExceeded, op: createActivity, target: new(*types.ActivityLimitExceeded)},
		{code: wire.ActivityWorkerLimitExceeded, op: getActivityTask, target: new(*types.ActivityWorkerLimitExceeded)},
		{code: wire.ConflictException, op: createStateMachine, target: new(*types.ConflictException)},
		{code: wire.ExecutionAlreadyExists, op: startExecution, target: new(*types.ExecutionAlreadyExists)},
		{code: wire.ExecutionDoesNotExist, op: describeExecutionOp, target: new(*types.ExecutionDoesNotExist)},
		{code: wire.ExecutionLimitExceeded, op: startExecution, target: new(*types.ExecutionLimitExceeded)},
		{code: wire.ExecutionNotRedrivable, op: redriveExecution, target: new(*types.ExecutionNotRedrivable)},
		{code: wire.InvalidArn, op: describeExecutionOp, target: new(*types.InvalidArn)},
		{code: wire.InvalidDefinition, op: createStateMachine, target: new(*types.InvalidDefinition)},
		{code: wire.InvalidEncryptionConfiguration, op: createActivity, target: new(*types.InvalidEncryptionConfiguration)},
		{code: wire.InvalidExecutionInput, op: startExecution, target: new(*types.InvalidExecutionInput)},
		{code: wire.InvalidLoggingConfiguration, op: createStateMachine, target: new(*types.InvalidLoggingConfiguration)},
		{code: wire.InvalidName, op: createActivity, target: new(*types.InvalidName)},
		{code: wire.InvalidOutput, op: sendTaskSuccess, target: new(*types.InvalidOutput)},
		{code: wire.InvalidToken, op: sendTaskSuccess, target: new(*types.InvalidToken)},
		{code: wire.InvalidTracingConfiguration, op: createStateMachine, target: new(*types.InvalidTracingConfiguration)},
		{code: wire.KmsAccessDeniedException, op: createActivity, target: new(*types.KmsAccessDeniedException)},
		{code: wire.KmsInvalidStateException, op: describeExecutionOp, target: new(*types.KmsInvalidStateException),
			extra: func(e *wire.Error) { e.KmsKeyState = "DISABLED" },
			check: func(t *testing.T, err error) {
				if e := errAs[*types.KmsInvalidStateException](err); e.KmsKeyState != types.KmsKeyStateDisabled {
					t.Errorf("kmsKeyState = %q, want DISABLED", e.KmsKeyState)
				}
			}},
		{code: wire.KmsThrottlingException, op: createActivity, target: new(*types.KmsThrottlingException)},
		{code: wire.MissingRequiredParameter, op: updateStateMachine, target: new(*types.MissingRequiredParameter)},
		{code: wire.ResourceNotFound, op: tagResource, target: new(*types.ResourceNotFound),
			extra: func(e *wire.Error) { e.ResourceName = smARN },
			check: func(t *testing.T, err error) {
				if e := errAs[*types.ResourceNotFound](err); aws.ToString(e.ResourceName) != smARN {
					t.Errorf("resourceName = %v, want %s", e.ResourceName, smARN)
				}
			}},
		{code: wire.ServiceQuotaExceededException, op: updateStateMachine, target: new(*types.ServiceQuotaExceededException)},
		{code: wire.StateMachineAlreadyExists, op: createStateMachine, target: new(*types.StateMachineAlreadyExists)},
		{code: wire.StateMachineDeleting, op: createStateMachine, target: new(*types.StateMachineDeleting)},
		{code: wire.StateMachineDoesNotExist, op: startExecution, target: new(*types.StateMachineDoesNotExist)},
		{code: wire.StateMachineLimitExceeded, op: createStateMachine, target: new(*types.StateMachineLimitExceeded)},
		{code: wire.StateMachineTypeNotSupported, op: createStateMachine, target: new(*types.StateMachineTypeNotSupported)},
		{code: wire.TaskDoesNotExist, op: sendTaskSuccess, target: new(*types.TaskDoesNotExist)},
		{code: wire.TaskTimedOut, op: sendTaskSuccess, target: new(*types.TaskTimedOut)},
		{code: wire.TooManyTags, op: createActivity, target: new(*types.TooManyTags),
			extra: func(e *wire.Error) { e.ResourceName = actARN },
			check: func(t *testing.T, err error) {
				if e := errAs[*types.TooManyTags](err); aws.ToString(e.ResourceName) != actARN {
					t.Errorf("resourceName = %v, want %s", e.ResourceName, actARN)
				}
			}},
		{code: wire.ValidationException, op: createStateMachine, target: new(*types.ValidationException),
			extra: func(e *wire.Error) { e.Reason = wire.ReasonMissingRequiredParameter },
			check: func(t *testing.T, err error) {
				if e := errAs[*types.ValidationException](err); e.Reason != types.ValidationExceptionReasonMissingRequiredParameter {
					t.Errorf("reason = %q, want %s", e.Reason, wire.ReasonMissingRequiredParameter)
				}
			}},
	} {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			e := wire.NewError(tc.code, msg)
			if tc.extra != nil {
				tc.extra(e)
			}
			_, client := newFake(t, func(w http.ResponseWriter, _ string) { wire.WriteErr(w, e) })
			err := tc.op(client)
			if !errors.As(err, tc.target) {
				t.Fatalf("SDK error = %T %v, want %T", err, err, tc.target)
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.code || api.ErrorMessage() != msg || api.ErrorFault() != smithy.FaultClient {
				t.Errorf("SDK error = %s %q %v, want %s %q client fault", api.ErrorCode(), api.ErrorMessage(), api.ErrorFault(), tc.code, msg)
			}
			if status := httpStatus(err); status != http.StatusBadRequest {
				t.Errorf("HTTP status = %d, want 400", status)
			}
			if tc.check != nil {
				tc.check(t, err)
			}
		})
	}
}

func errAs[T error](err error) T {
	var e T
	errors.As(err, &e)
	return e
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestCommonErrors checks the codes every AWS JSON service shares: the SDK
// reports them as generic API errors with our code, message and status.
func TestCommonErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code   string
		status int
	}{
		{wire.SerializationException, 400},
		{wire.UnknownOperationException, 400},
		{wire.AccessDeniedException, 400},
		{wire.ThrottlingException, 400},
		{wire.RequestEntityTooLarge, 413},
		{wire.InternalFailure, 500},
		{wire.ServiceUnavailable, 503},
	} {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			_, client := newFake(t, func(w http.ResponseWriter, _ string) { wire.WriteError(w, tc.code, "m") })
			err := describeExecutionOp(client)
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.code || api.ErrorMessage() != "m" {
				t.Fatalf("SDK error = %v, want code %s", err, tc.code)
			}
			if got := httpStatus(err); got != tc.status {
				t.Errorf("HTTP status = %d, want %d", got, tc.status)
			}
		})
	}
}

func TestWriteErr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"wire error", wire.NewError(wire.ExecutionDoesNotExist, "Execution Does Not Exist: 'x'"), 400,
			`{"__type":"ExecutionDoesNotExist","message":"Execution Does Not Exist: 'x'"}`},
		{"wrapped", errorsJoin(wire.NewError(wire.InvalidArn, "Invalid Arn: 'x'")), 400, `{"__type":"InvalidArn","message":"Invalid Arn: 'x'"}`},
		{"explicit status", &wire.Error{Code: wire.ThrottlingException, Message: "Rate exceeded", Status: 429}, 429, `{"__type":"ThrottlingException","message":"Rate exceeded"}`},
		{"extra members", &wire.Error{Code: wire.ValidationException, Message: "m", Reason: wire.ReasonMissingRequiredParameter}, 400,
			`{"__type":"ValidationException","message":"m","reason":"MISSING_REQUIRED_PARAMETER"}`},
		{"any other error", errors.New("disk on fire"), 500,
			`{"__type":"InternalFailure","message":"The request processing has failed because of an unknown error, exception or failure."}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			wire.WriteErr(rec, tc.err)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != wire.ContentType || rec.Body.String() != tc.body {
				t.Errorf("WriteErr(%v) = %d %q %s; want %d %q %s", tc.err, rec.Code, rec.Header().Get("Content-Type"), rec.Body, tc.status, wire.ContentType, tc.body)
			}
		})
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("context"), err) }

func TestErrorIs(t *testing.T) {
	t.Parallel()
	err := errorsJoin(wire.NewError(wire.InvalidArn, "Invalid Arn: 'x'"))
	if !errors.Is(err, &wire.Error{Code: wire.InvalidArn}) || errors.Is(err, &wire.Error{Code: wire.InvalidName}) {
		t.Errorf("errors.Is on %v does not compare codes", err)
	}
	if got := wire.NewError(wire.InvalidArn, "m").Error(); !strings.Contains(got, "InvalidArn") {
		t.Errorf("Error() = %q, want the code in it", got)
	}
	if diff := cmp.Diff(400, wire.StatusOf(wire.TaskTimedOut)); diff != "" {
		t.Error(diff)
	}
}
