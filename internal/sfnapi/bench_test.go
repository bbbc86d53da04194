package sfnapi_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkStartExecution measures StartExecution through the handler (no
// network): request decoding, validation, the runner's durable start on
// SQLite, and the response.
func BenchmarkStartExecution(b *testing.B) {
	e := newEnv(b, "sqlite")
	arn := e.createMachine(b, "Bench", waitDef)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if w := serveStart(e.handler, arn, int64(i)); w.Code != http.StatusOK {
			b.Fatalf("StartExecution = %d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkStartExecutionParallel is StartExecution from 64 clients at
// once (32 × GOMAXPROCS, so 64 on two cores), where the runner's group
// commit shares one transaction among many.
func BenchmarkStartExecutionParallel(b *testing.B) {
	e := newEnv(b, "sqlite")
	arn := e.createMachine(b, "Bench", waitDef)
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if w := serveStart(e.handler, arn, n.Add(1)); w.Code != http.StatusOK {
				b.Errorf("StartExecution = %d %s", w.Code, w.Body)
				return
			}
		}
	})
}

// serveStart has h answer a StartExecution of the machine arn, named
// run-i, as it came over the network.
func serveStart(h http.Handler, arn string, i int64) *httptest.ResponseRecorder {
	body := `{"stateMachineArn":"` + arn + `","name":"run-` + strconv.FormatInt(i, 10) + `","input":"{\"amount\":1050}"}`
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.StartExecution")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}
