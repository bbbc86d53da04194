package wire_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"

	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/sigv4"
)

const (
	testKey    = "AKIDWIRETEST"
	testSecret = "wire-test-secret"
)

// captured is one request the fake service received.
type captured struct {
	Action string
	Body   []byte
	Err    error // from sigv4 or wire.Action
}

// fakeService answers every request with reply(action) and records it.
type fakeService struct {
	mu       sync.Mutex
	requests []captured
	reply    func(w http.ResponseWriter, action string)
	verifier *sigv4.Verifier
}

// newFake starts a fake Step Functions endpoint and a client of it.
func newFake(t *testing.T, reply func(w http.ResponseWriter, action string)) (*fakeService, *sfn.Client) {
	t.Helper()
	f := &fakeService{
		reply: reply,
		// The SDK signs with the real time: the verifier reads it too.
		verifier: sigv4.NewVerifier(map[string]sigv4.Secret{testKey: testSecret}, time.Now, sigv4.Config{RequireSignedHeaders: []string{"x-amz-target"}}),
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	client := sfn.New(sfn.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(testKey, testSecret, ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
		APIOptions:       []func(*middleware.Stack) error{noHostPrefix},
	})
	return f, client
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		wire.WriteErr(w, err)
		return
	}
	c := captured{Body: body}
	if _, err := f.verifier.Verify(r, body); err != nil {
		c.Err = err
	} else if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("Content-Type") != wire.ContentType {
		c.Err = wire.NewError(wire.SerializationException, "not an AWS JSON 1.0 request: "+r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
	} else {
		c.Action, c.Err = wire.Action(r)
	}
	f.mu.Lock()
	f.requests = append(f.requests, c)
	f.mu.Unlock()
	if c.Err != nil {
		wire.WriteErr(w, c.Err)
		return
	}
	f.reply(w, c.Action)
}

func (f *fakeService) last(t *testing.T) captured {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the fake service received no request")
	}
	return f.requests[len(f.requests)-1]
}

// replyJSON answers every action with v marshalled.
func replyJSON(t *testing.T, v any) func(http.ResponseWriter, string) {
	return func(w http.ResponseWriter, _ string) {
		if err := wire.WriteJSON(w, v); err != nil {
			t.Error(err)
		}
	}
}

var ctx = context.Background()

// noHostPrefix keeps StartSyncExecution from prefixing the host with
// "sync-", as it does for AWS's endpoints.
func noHostPrefix(stack *middleware.Stack) error {
	stack.Finalize.Remove("EndpointHostPrefix") // absent from most operations
	return nil
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
