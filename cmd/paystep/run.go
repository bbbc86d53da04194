package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/binding"
	"github.com/paystep/paystep/internal/engine"
	"github.com/paystep/paystep/internal/resource"
)

const runUsage = `Usage: paystep run FILE [--input JSON|@file.json] [--bindings FILE] [--allow-private] [--fast-waits] [-o json]

Runs a state machine definition in-process, with a real clock, and prints its
output. Task resources are bound with a bindings file (JSON or YAML) that maps
each Resource string, or Lambda function name, to a fixed result or error, an
HTTP endpoint that gets the task's input POSTed as JSON, or a built-in:

  {"ARN_OF_POSTPAYMENTS": {"result": {"paid": true}},
   "ARN_OF_PROCESSTEXTS_FUNCTION": {"error": "Sms.Failed", "cause": "no route"},
   "processEmails": {"endpoint": "http://127.0.0.1:9000/emails", "timeout_seconds": 10}}

arn:aws:states:::http:invoke Tasks call their ApiEndpoint; private, loopback
and link-local addresses are refused unless --allow-private is given.
A Task whose Resource is not bound fails with States.TaskFailed, and so do
activities and nested executions, which need paystep serve.

With -o json it prints one JSON object and exits 0 whatever the execution's
status: {"status","output","error","cause","history"}. It exits non-zero only
for an invalid definition or bad usage.

Examples:
  paystep run examples/hello.asl.json --input '{"name":"Ada"}'
  paystep run seed003.asl.json --input @input.json --bindings bindings.json --fast-waits -o json
`

type runReport struct {
	Status  engine.Status         `json:"status"`
	Output  json.RawMessage       `json:"output"`
	Error   *string               `json:"error"`
	Cause   *string               `json:"cause"`
	History []engine.HistoryEvent `json:"history"`
}

func runCmd(ctx context.Context, args []string, s stdio) error {
	fs := newFlagSet("run", runUsage, s)
	input := fs.String("input", "{}", "execution input: JSON text, or @FILE to read it from a file")
	bindingsFile := fs.String("bindings", "", "bindings file (JSON or YAML) mapping Resource strings to results, errors, endpoints or built-ins")
	allowPrivate := fs.Bool("allow-private", false, "let http:invoke Tasks call private, loopback and link-local addresses")
	fast := fs.Bool("fast-waits", false, "skip the waiting of Wait states, retries and timeouts")
	output := fs.String("o", "text", "output format: text or json")
	name := fs.String("name", "local", "execution name")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want exactly one definition file, got %d arguments", len(pos))
	}
	if *output != "text" && *output != "json" {
		return usagef("-o must be text or json, not %q", *output)
	}
	jsonOut := *output == "json"
	fail := func(code, msg string) error {
		if jsonOut {
			_ = json.NewEncoder(s.out).Encode(map[string]string{"error": code, "message": msg})
			return errSilent
		}
		return errors.New(msg)
	}

	in := []byte(*input)
	if rest, ok := strings.CutPrefix(*input, "@"); ok {
		if in, err = os.ReadFile(rest); err != nil {
			return usagef("--input: %v", err)
		}
	}
	if !json.Valid(in) {
		return fail("InvalidExecutionInput", "--input is not valid JSON")
	}
	var tb *binding.Table
	if *bindingsFile != "" {
		if tb, err = binding.Load(*bindingsFile); err != nil {
			return usagef("--bindings: %v", err)
		}
	}
	resources := resource.New(resource.Config{AllowPrivate: *allowPrivate, Region: "us-east-1", Account: "000000000000"}, tb)
	defer resources.Close()
	if err := resources.Check(); err != nil {
		return usagef("--bindings: %s: %v", *bindingsFile, err)
	}
	def, err := os.ReadFile(pos[0])
	if err != nil {
		return usagef("%v", err)
	}
	sm, err := asl.Load(def, asl.LoadOptions{})
	if err != nil {
		return fail("InvalidDefinition", err.Error())
	}

	smName := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(pos[0]), ".json"), ".asl")
	const prefix = "arn:aws:states:us-east-1:000000000000:"
	ex := engine.NewExecution(prefix+"execution:"+smName+":"+*name, *name, prefix+"stateMachine:"+smName, smName, in, clockNow())
	history, runErr := engine.RunLocal(ctx, sm, ex, resources, engine.LocalConfig{
		FastWaits: *fast,
		Rand:      rand.Float64,
		UUID:      newUUID,
	})
	if runErr != nil && !ex.Status.Terminal() {
		return fail("ExecutionError", runErr.Error())
	}
	if jsonOut {
		rep := runReport{Status: ex.Status, Output: ex.Output, History: history}
		if rep.Output == nil {
			rep.Output = json.RawMessage("null")
		}
		if ex.Status != engine.StatusSucceeded {
			rep.Error, rep.Cause = &ex.Error, &ex.Cause
		}
		enc := json.NewEncoder(s.out)
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	if ex.Status == engine.StatusSucceeded {
		var pretty json.RawMessage = ex.Output
		b, err := json.MarshalIndent(pretty, "", "  ")
		if err != nil {
			b = ex.Output
		}
		fmt.Fprintln(s.out, string(b))
		return nil
	}
	fmt.Fprintf(s.err, "execution %s", ex.Status)
	if ex.Error != "" {
		fmt.Fprintf(s.err, ": %s", ex.Error)
	}
	if ex.Cause != "" {
		fmt.Fprintf(s.err, ": %s", ex.Cause)
	}
	fmt.Fprintln(s.err)
	return errSilent
}
