package sfnapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/paystep/paystep/internal/sfnapi"
	"github.com/paystep/paystep/internal/sigv4"
)

// post sends an unsigned AWS JSON 1.0 request for action with body.
func post(t *testing.T, url, action, body string) (int, []byte) {
	t.Helper()
	status, _, b := postHeaders(t, url, http.MethodPost, "AWSStepFunctions."+action, body)
	return status, b
}

func postHeaders(t *testing.T, url, method, target, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

type errorBody struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func TestErrorsOnTheWire(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(o *envOptions) { o.cfg.MaxBodyBytes = 64 << 10 })
	for _, tc := range []struct {
		name, method, target, body string
		status                     int
		code, contains             string
	}{
		{"unknown action", "POST", "AWSStepFunctions.FlyToTheMoon", `{}`, 400, "UnknownOperationException", "FlyToTheMoon"},
		{"no target", "POST", "", `{}`, 400, "UnknownOperationException", "Missing X-Amz-Target"},
		{"another service", "POST", "AWSEvents.PutEvents", `{}`, 400, "UnknownOperationException", "AWSEvents.PutEvents"},
		{"GET", "GET", "AWSStepFunctions.ListStateMachines", ``, 405, "UnknownOperationException", "POST"},
		{"malformed JSON", "POST", "AWSStepFunctions.ListStateMachines", `{"maxResults":`, 400, "SerializationException", "Malformed JSON"},
		{"wrong type", "POST", "AWSStepFunctions.ListStateMachines", `{"maxResults":"ten"}`, 400, "SerializationException", "maxResults"},
		{"trailing data", "POST", "AWSStepFunctions.ListStateMachines", `{} {}`, 400, "SerializationException", "after the end"},
		{"too large", "POST", "AWSStepFunctions.ListStateMachines", `{"nextToken":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "RequestEntityTooLargeException", "65536"},
		{"missing definition", "POST", "AWSStepFunctions.ValidateStateMachineDefinition", `{}`, 400, "ValidationException",
			"1 validation error detected: Value null at 'definition' failed to satisfy constraint: Member must not be null"},
		{"missing role", "POST", "AWSStepFunctions.CreateStateMachine", `{"name":"X","definition":"{}"}`, 400, "ValidationException",
			"Value null at 'roleArn' failed to satisfy constraint: Member must not be null"},
		{"two violations", "POST", "AWSStepFunctions.CreateStateMachine", `{"name":"X"}`, 400, "ValidationException", "2 validation errors detected"},
		{"missing output", "POST", "AWSStepFunctions.SendTaskSuccess", `{"taskToken":"t"}`, 400, "ValidationException", "Value null at 'output'"},
		{"missing tags", "POST", "AWSStepFunctions.TagResource", `{"resourceArn":"arn:aws:states:us-east-1:123456789012:activity:A"}`, 400, "ValidationException", "'tags'"},
		{"missing tag keys", "POST", "AWSStepFunctions.UntagResource", `{"resourceArn":"arn:aws:states:us-east-1:123456789012:activity:A"}`, 400, "ValidationException", "'tagKeys'"},
		{"maxResults too big", "POST", "AWSStepFunctions.ListActivities", `{"maxResults":1001}`, 400, "ValidationException", "less than or equal to 1000"},
		{"bad page token", "POST", "AWSStepFunctions.ListActivities", `{"nextToken":"%%%"}`, 400, "InvalidToken", "Invalid Token"},
		{"unknown members are ignored, as AWS", "POST", "AWSStepFunctions.ListActivities", `{"someNewMember":1}`, 200, "", ""},
		{"an empty body is {}", "POST", "AWSStepFunctions.ListStateMachines", ``, 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, h, body := postHeaders(t, e.url, tc.method, tc.target, tc.body)
			if status != tc.status {
				t.Fatalf("status %d (%s), want %d", status, body, tc.status)
			}
			if ct := h.Get("Content-Type"); ct != "application/x-amz-json-1.0" {
				t.Errorf("Content-Type %q", ct)
			}
			if h.Get("X-Amzn-Requestid") == "" {
				t.Error("no x-amzn-RequestId header")
			}
			if tc.code == "" {
				return
			}
			var eb errorBody
			if err := json.Unmarshal(body, &eb); err != nil {
				t.Fatalf("error body %s: %v", body, err)
			}
			if eb.Type != tc.code || !strings.Contains(eb.Message, tc.contains) {
				t.Errorf("error %s %q, want %s containing %q", eb.Type, eb.Message, tc.code, tc.contains)
			}
		})
	}
}

func TestSignatures(t *testing.T) {
	t.Parallel()
	keys, err := sfnapi.ParseAccessKeys([]byte("AKIDGOOD good-secret\n"))
	if err != nil {
		t.Fatal(err)
	}
	verifier := sigv4.NewVerifier(keys, time.Now, sigv4.Config{Regions: []string{region}, RequireSignedHeaders: []string{"x-amz-target"}})
	e := newEnv(t, "sqlite", func(o *envOptions) {
		o.cfg.Auth = verifier
		o.keys = credentials.NewStaticCredentialsProvider("AKIDGOOD", "good-secret", "")
	})
	ctx := t.Context()
	if _, err := e.client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{}); err != nil {
		t.Fatalf("ListStateMachines signed with a good key: %v", err)
	}
	arn := e.createMachine(t, "Signed", passDef)
	if _, err := e.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatalf("DescribeStateMachine signed with a good key: %v", err)
	}

	bad := newClient(e.url, credentials.NewStaticCredentialsProvider("AKIDGOOD", "wrong-secret", ""))
	_, err = bad.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	wantCode(t, "a wrong secret", err, "InvalidSignatureException")
	stranger := newClient(e.url, credentials.NewStaticCredentialsProvider("AKIDWHO", "good-secret", ""))
	_, err = stranger.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	wantCode(t, "an unknown key", err, "UnrecognizedClientException")
	elsewhere := sfn.New(sfn.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(e.url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDGOOD", "good-secret", ""),
	})
	_, err = elsewhere.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	wantCode(t, "another region", err, "InvalidSignatureException")

	status, body := post(t, e.url, "ListStateMachines", `{}`)
	var eb errorBody
	if json.Unmarshal(body, &eb); status != 400 || eb.Type != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned request = %d %s, want 400 MissingAuthenticationTokenException", status, body)
	}
}

// signalArrivals wraps a handler to send on arrived as each request
// arrives.
func signalArrivals(arrived chan<- struct{}) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			h.ServeHTTP(w, r)
		})
	}
}

// TestGetActivityTaskCancel shows a long poll ends when its client hangs up.
func TestGetActivityTaskCancel(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 8)
	answered := make(chan sfnapi.Request, 8)
	e := newEnv(t, "sqlite", func(o *envOptions) {
		o.cfg.ActivityPoll = time.Minute
		o.cfg.Observe = func(r sfnapi.Request) { answered <- r }
		o.wrap = signalArrivals(arrived)
	})
	act := must[*sfn.CreateActivityOutput](t, "CreateActivity")(e.client.CreateActivity(t.Context(), &sfn.CreateActivityInput{Name: aws.String("Idle")}))
	<-arrived
	<-answered

	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
		errc <- err
	}()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("GetActivityTask did not reach the server")
	}
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("GetActivityTask with a cancelled context succeeded")
	}
	select {
	case r := <-answered:
		if r.Action != "GetActivityTask" {
			t.Errorf("answered %s, want GetActivityTask", r.Action)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server still polls 30s after the client hung up (the poll lasts 1m)")
	}
}

// TestEndPolls shows a shutting-down server answers its long polls with an
// empty task at once.
func TestEndPolls(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 8)
	e := newEnv(t, "sqlite", func(o *envOptions) {
		o.cfg.ActivityPoll = time.Minute
		o.wrap = signalArrivals(arrived)
	})
	act := must[*sfn.CreateActivityOutput](t, "CreateActivity")(e.client.CreateActivity(t.Context(), &sfn.CreateActivityInput{Name: aws.String("Drained")}))
	<-arrived
	type result struct {
		out *sfn.GetActivityTaskOutput
		err error
	}
	res := make(chan result, 1)
	go func() {
		out, err := e.client.GetActivityTask(t.Context(), &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
		res <- result{out, err}
	}()
	<-arrived
	e.handler.EndPolls()
	select {
	case r := <-res:
		if r.err != nil || r.out.TaskToken != nil {
			t.Errorf("GetActivityTask after EndPolls = %+v, %v; want an empty task", r.out, r.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("GetActivityTask still polls 30s after EndPolls (the poll lasts 1m)")
	}
	// Later polls end at once too.
	out, err := e.client.GetActivityTask(t.Context(), &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn})
	if err != nil || out.TaskToken != nil {
		t.Errorf("GetActivityTask after EndPolls = %+v, %v; want an empty task", out, err)
	}
}
