package sfnclient_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sfnclient"
	"github.com/paystep/paystep/internal/sigv4"
)

// server is an endpoint that checks what the client sends the way the API
// does (wire.Action, wire.DecodeRequest, sigv4 when verify is set) and then
// lets answer reply.
func server(t *testing.T, verify *sigv4.Verifier, answer func(w http.ResponseWriter, action string, body []byte)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			wire.WriteErr(w, err)
			return
		}
		if verify != nil {
			if _, err := verify.Verify(r, body); err != nil {
				var se *sigv4.Error
				if errors.As(err, &se) {
					wire.WriteErr(w, &wire.Error{Code: se.Code, Message: se.Message, Status: se.Status})
					return
				}
				wire.WriteErr(w, err)
				return
			}
		}
		if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != wire.ContentType {
			wire.WriteError(w, wire.SerializationException, "not AWS JSON 1.0: "+r.Method+" "+r.URL.Path)
			return
		}
		action, err := wire.Action(r)
		if err != nil {
			wire.WriteErr(w, err)
			return
		}
		answer(w, action, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCallUnsigned(t *testing.T) {
	t.Parallel()
	url := server(t, nil, func(w http.ResponseWriter, action string, body []byte) {
		if action != wire.ActionStartExecution {
			wire.WriteError(w, wire.UnknownOperationException, action)
			return
		}
		var in wire.StartExecutionInput
		if err := (wire.Decoder{DisallowUnknownMembers: true}).Unmarshal(body, &in); err != nil {
			wire.WriteErr(w, err)
			return
		}
		_ = wire.WriteJSON(w, wire.StartExecutionOutput{
			ExecutionArn: strings.Replace(in.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + in.Name,
			StartDate:    wire.NewTime(time.Unix(1735732800, 123e6)),
		})
	})
	c, err := sfnclient.New(sfnclient.Config{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	var out wire.StartExecutionOutput
	in := wire.StartExecutionInput{StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:pay", Name: "ex1", Input: `{"a":1}`}
	if err := c.Call(context.Background(), wire.ActionStartExecution, in, &out); err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:states:us-east-1:123456789012:execution:pay:ex1"; out.ExecutionArn != want {
		t.Errorf("ExecutionArn = %q, want %q", out.ExecutionArn, want)
	}
	if got := out.StartDate.UnixMilli(); got != 1735732800123 {
		t.Errorf("StartDate = %d ms, want 1735732800123", got)
	}
}

func TestCallSignedIsVerified(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	verifier := sigv4.NewVerifier(map[string]sigv4.Secret{"AKIDCLIENT": "client-secret"}, clk.Now,
		sigv4.Config{RequireSignedHeaders: []string{"x-amz-target"}})
	url := server(t, verifier, func(w http.ResponseWriter, action string, _ []byte) {
		_ = wire.WriteJSON(w, wire.ListActivitiesOutput{Activities: []wire.ActivityListItem{{Name: action}}})
	})
	for _, tc := range []struct {
		name     string
		creds    *sfnclient.Credentials
		wantCode string
	}{
		{"good key", &sfnclient.Credentials{AccessKeyID: "AKIDCLIENT", SecretAccessKey: "client-secret"}, ""},
		{"wrong secret", &sfnclient.Credentials{AccessKeyID: "AKIDCLIENT", SecretAccessKey: "guess"}, sigv4.CodeInvalidSignature},
		{"unknown key", &sfnclient.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "client-secret"}, sigv4.CodeUnrecognizedClient},
		{"unsigned", nil, sigv4.CodeMissingAuthenticationToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := sfnclient.New(sfnclient.Config{Endpoint: url, Credentials: tc.creds, Clock: clk})
			if err != nil {
				t.Fatal(err)
			}
			var out wire.ListActivitiesOutput
			err = c.Call(context.Background(), wire.ActionListActivities, wire.ListActivitiesInput{}, &out)
			if got := sfnclient.Code(err); got != tc.wantCode {
				t.Fatalf("Call error code = %q (%v), want %q", got, err, tc.wantCode)
			}
			if tc.wantCode == "" && (len(out.Activities) != 1 || out.Activities[0].Name != wire.ActionListActivities) {
				t.Errorf("out = %+v", out)
			}
		})
	}
}

func TestCallErrors(t *testing.T) {
	t.Parallel()
	url := server(t, nil, func(w http.ResponseWriter, action string, _ []byte) {
		switch action {
		case wire.ActionDescribeExecution:
			wire.WriteError(w, wire.ExecutionDoesNotExist, "Execution Does Not Exist: 'arn:x'")
		case wire.ActionDescribeActivity: // a namespaced code, as some servers send
			w.Header().Set("Content-Type", wire.ContentType)
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"__type":"com.amazonaws.states#ActivityDoesNotExist","Message":"no such activity"}`)
		default:
			http.Error(w, "not here", http.StatusNotFound)
		}
	})
	c, err := sfnclient.New(sfnclient.Config{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	err = c.Call(ctx, wire.ActionDescribeExecution, wire.DescribeExecutionInput{ExecutionArn: "arn:x"}, nil)
	var we *wire.Error
	if !errors.As(err, &we) || we.Code != wire.ExecutionDoesNotExist || we.Message != "Execution Does Not Exist: 'arn:x'" || we.Status != 400 {
		t.Errorf("DescribeExecution error = %#v", err)
	}
	if !errors.Is(err, &wire.Error{Code: wire.ExecutionDoesNotExist}) || !strings.HasPrefix(err.Error(), "DescribeExecution: ") {
		t.Errorf("error %q does not match its code or lacks the action", err)
	}

	err = c.Call(ctx, wire.ActionDescribeActivity, wire.DescribeActivityInput{}, nil)
	if !errors.As(err, &we) || we.Code != wire.ActivityDoesNotExist || we.Message != "no such activity" {
		t.Errorf("DescribeActivity error = %#v", err)
	}

	err = c.Call(ctx, wire.ActionListActivities, wire.ListActivitiesInput{}, nil)
	var he *sfnclient.HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusNotFound || he.Body != "not here" {
		t.Errorf("ListActivities error = %#v", err)
	}
	if sfnclient.Unreachable(err) {
		t.Errorf("Unreachable(%v) = true for a server that answered", err)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := sfnclient.New(sfnclient.Config{Endpoint: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Call(context.Background(), wire.ActionListStateMachines, wire.ListStateMachinesInput{}, nil)
	if err == nil || !sfnclient.Unreachable(err) {
		t.Errorf("Call to a closed port: %v; want an error Unreachable recognises", err)
	}
}

func TestNewRejectsBadEndpoints(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{"", "127.0.0.1:8080", "ftp://host", "http://", "http://h/?a=1", "http://h/#x"} {
		if _, err := sfnclient.New(sfnclient.Config{Endpoint: ep}); err == nil {
			t.Errorf("New(%q) = nil error", ep)
		}
	}
	if _, err := sfnclient.New(sfnclient.Config{Endpoint: "http://h", Credentials: &sfnclient.Credentials{AccessKeyID: "AKID"}}); err == nil {
		t.Error("New with an access key but no secret = nil error")
	}
	c, err := sfnclient.New(sfnclient.Config{Endpoint: "http://127.0.0.1:8080"})
	if err != nil || c.Endpoint() != "http://127.0.0.1:8080/" {
		t.Errorf("New(http://127.0.0.1:8080) = %v, %v", c, err)
	}
}
