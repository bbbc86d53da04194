// Command paystep is the paystep binary: `paystep serve` runs the server;
// the other subcommands are its command-line interface.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// usageError is bad usage: the message is printed with a hint and exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// errSilent ends a command with exit code 1 after it printed its own report.
var errSilent = errors.New("silent failure")

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdio stdio) error
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the server: the Step Functions API, the engine, payments", serveCmd},
		{"state-machines", "create, list, describe, update and delete state machines", stateMachinesCmd},
		{"executions", "start, list, describe, follow, stop and redrive executions", executionsCmd},
		{"tasks", "send a task token's success, failure or heartbeat", tasksCmd},
		{"activities", "create, list, describe and delete activities; poll for their tasks", activitiesCmd},
		{"keys", "create, list and revoke API keys for the payments API", keysCmd},
		{"bench", "run the payment-workflow benchmark against a server", benchCmd},
		{"run", "run a state machine definition in-process and print its result", runCmd},
		{"validate", "check a state machine definition and list its problems", validateCmd},
		{"version", "print the version", func(_ context.Context, _ []string, s stdio) error {
			fmt.Fprintln(s.out, "paystep", version)
			return nil
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr})
	stop()
	os.Exit(code)
}

// Main runs the command line args and returns the exit code.
func Main(ctx context.Context, args []string, s stdio) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(s.out)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], s)
		var ue *usageError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ue):
			fmt.Fprintf(s.err, "paystep %s: %s\nRun 'paystep %s --help' for usage.\n", c.name, ue.msg, c.name)
			return 2
		case errors.Is(err, errSilent):
			return 1
		default:
			fmt.Fprintf(s.err, "paystep %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(s.err, "paystep: unknown command %q\n\n", args[0])
	printUsage(s.err)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "paystep runs payment workflows written in the Amazon States Language.\n\nUsage:\n  paystep <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'paystep <command> --help' for a command's flags and examples.\n")
}

// parseFlags parses args with fs, allowing flags after positional arguments,
// and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func newFlagSet(name, usage string, s stdio) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(s.err)
	fs.Usage = func() {
		fmt.Fprint(s.out, usage)
		fmt.Fprintln(s.out, "\nFlags:")
		fs.SetOutput(s.out)
		fs.PrintDefaults()
		fs.SetOutput(s.err)
	}
	return fs
}
