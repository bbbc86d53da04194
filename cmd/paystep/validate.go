package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/paystep/paystep/internal/asl"
)

const validateUsage = `Usage: paystep validate FILE [-o json] [--type STANDARD|EXPRESS]

Checks a state machine definition the way CreateStateMachine does and lists
every problem with the JSON pointer of the field at fault. Exits 1 when there
are errors.

Examples:
  paystep validate examples/hello.asl.json
  paystep validate payment.asl.json -o json
`

func validateCmd(_ context.Context, args []string, s stdio) error {
	fs := newFlagSet("validate", validateUsage, s)
	output := fs.String("o", "text", "output format: text or json")
	typ := fs.String("type", "STANDARD", "state machine type: STANDARD or EXPRESS")
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
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	diags := asl.Validate(data, asl.LoadOptions{Type: *typ})
	errs := 0
	for _, d := range diags {
		if d.Severity != "WARNING" {
			errs++
		}
	}
	if *output == "json" {
		type diag struct {
			Severity string `json:"severity"`
			Code     string `json:"code"`
			Location string `json:"location"`
			Message  string `json:"message"`
		}
		result := "OK"
		if errs > 0 {
			result = "FAIL"
		}
		out := struct {
			Result      string `json:"result"`
			Diagnostics []diag `json:"diagnostics"`
		}{Result: result, Diagnostics: []diag{}}
		for _, d := range diags {
			sev := d.Severity
			if sev == "" {
				sev = "ERROR"
			}
			out.Diagnostics = append(out.Diagnostics, diag{sev, d.Code, d.Pointer, d.Message})
		}
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		for _, d := range diags {
			sev := d.Severity
			if sev == "" {
				sev = "ERROR"
			}
			ptr := d.Pointer
			if ptr == "" {
				ptr = "/"
			}
			fmt.Fprintf(s.out, "%s: %s %s at %s: %s\n", pos[0], sev, d.Code, ptr, d.Message)
		}
		if errs == 0 {
			fmt.Fprintf(s.out, "%s: valid\n", pos[0])
		}
	}
	if errs > 0 {
		return errSilent
	}
	return nil
}
