package main

import (
	"context"
	"io"
	"os"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

const stateMachinesUsage = `Usage: paystep state-machines <sub-command> [flags]

Creates, lists, describes, updates and deletes the state machines of a
paystep server. A state machine is named by its name or its ARN.

Examples:
  paystep state-machines create payments --definition payment.asl.json
  paystep state-machines list
  paystep state-machines describe payments -o json
  paystep state-machines update payments --definition payment-v2.asl.json
  paystep state-machines delete payments
`

// defaultRoleARN fills roleArn, which the API requires and paystep ignores.
const defaultRoleARN = "arn:aws:iam::123456789012:role/paystep"

// stateMachineRef describes the argument of the verbs that act on one state
// machine.
const stateMachineRef = "one state machine NAME or ARN"

func stateMachinesCmd(ctx context.Context, args []string, s stdio) error {
	return dispatch(ctx, "state-machines", stateMachinesUsage, []verb{
		{"create", "create a state machine from a definition file", smCreate},
		{"list", "list the state machines", smList},
		{"describe", "show a state machine and its definition", smDescribe},
		{"update", "replace a state machine's definition or role", smUpdate},
		{"delete", "delete a state machine", smDelete},
	}, args, s)
}

const smCreateUsage = `Usage: paystep state-machines create NAME --definition FILE [--type STANDARD|EXPRESS] [--tag KEY=VALUE]...

Creates a state machine from an Amazon States Language definition file and
prints its ARN. The server validates the definition and answers
InvalidDefinition with the place of each problem ('paystep validate FILE'
checks a file without a server).

Examples:
  paystep state-machines create payments --definition examples/hello.asl.json
  paystep state-machines create bills --definition bills.asl.json --type EXPRESS --tag team=billing
`

func smCreate(ctx context.Context, args []string, s stdio) error {
	v := newVerb("state-machines create", smCreateUsage, s)
	defFile := v.String("definition", "", "the definition file (JSON); required")
	typ := v.String("type", wire.StateMachineTypeStandard, "STANDARD or EXPRESS")
	role := v.String("role-arn", defaultRoleARN, "the role ARN to record (paystep does not assume roles)")
	var tags tagsFlag
	v.Var(&tags, "tag", "a tag KEY=VALUE (repeatable)")
	pos, err := v.args(args, 1, "the new state machine's NAME")
	if err != nil {
		return err
	}
	def, err := readDefinition(*defFile)
	if err != nil {
		return err
	}
	return v.run(func(ss *session) error {
		in := wire.CreateStateMachineInput{Name: pos[0], Definition: def, RoleArn: *role, Type: *typ, Tags: tags}
		var out wire.CreateStateMachineOutput
		return ss.do(ctx, wire.ActionCreateStateMachine, in, &out, func(w io.Writer) {
			newTable(w, "ARN", "CREATED").row(out.StateMachineArn, when(out.CreationDate)).flush()
		})
	})
}

// readDefinition reads --definition; the server judges the contents.
func readDefinition(path string) (string, error) {
	if path == "" {
		return "", usagef("--definition FILE is required")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", usagef("--definition: %v", err)
	}
	if err := checkJSON(string(data)); err != nil {
		return "", usagef("--definition %s is not valid JSON: %v", path, err)
	}
	return string(data), nil
}

const smListUsage = `Usage: paystep state-machines list [-o json]

Lists every state machine: name, type, creation time and ARN.

Examples:
  paystep state-machines list
  paystep state-machines list -o json | jq -r '.stateMachines[].name'
`

func smList(ctx context.Context, args []string, s stdio) error {
	v := newVerb("state-machines list", smListUsage, s)
	if _, err := v.args(args, 0, "no arguments"); err != nil {
		return err
	}
	return v.run(func(ss *session) error {
		machines, err := all(ss.stateMachines(ctx))
		if err != nil {
			return err
		}
		return ss.print(wire.ListStateMachinesOutput{StateMachines: machines}, func(w io.Writer) {
			t := newTable(w, "NAME", "TYPE", "CREATED", "ARN")
			for _, sm := range machines {
				t.row(sm.Name, sm.Type, when(sm.CreationDate), sm.StateMachineArn)
			}
			t.flush()
		})
	})
}

const smDescribeUsage = `Usage: paystep state-machines describe NAME|ARN [-o json]

Shows a state machine: its ARN, type, status, dates and definition.

Examples:
  paystep state-machines describe payments
  paystep state-machines describe arn:aws:states:us-east-1:123456789012:stateMachine:payments -o json
`

func smDescribe(ctx context.Context, args []string, s stdio) error {
	v := newVerb("state-machines describe", smDescribeUsage, s)
	return v.runOn(ctx, args, stateMachineRef, (*session).stateMachineARN, func(ss *session, arn string) error {
		var out wire.DescribeStateMachineOutput
		return ss.do(ctx, wire.ActionDescribeStateMachine, wire.DescribeStateMachineInput{StateMachineArn: arn}, &out, func(w io.Writer) {
			fields(w,
				"Name", out.Name,
				"ARN", out.StateMachineArn,
				"Type", out.Type,
				"Status", out.Status,
				"Created", when(out.CreationDate),
				"Role", out.RoleArn,
				"Revision", out.RevisionID,
				"Description", out.Description,
			)
			block(w, "Definition", prettyJSON(out.Definition))
		})
	})
}

const smUpdateUsage = `Usage: paystep state-machines update NAME|ARN [--definition FILE] [--role-arn ARN]

Replaces a state machine's definition (or role). Running executions keep the
definition they started with; new ones use the new one.

Examples:
  paystep state-machines update payments --definition payment-v2.asl.json
`

func smUpdate(ctx context.Context, args []string, s stdio) error {
	v := newVerb("state-machines update", smUpdateUsage, s)
	defFile := v.String("definition", "", "the new definition file (JSON)")
	role := v.String("role-arn", "", "the new role ARN")
	pos, err := v.args(args, 1, stateMachineRef)
	if err != nil {
		return err
	}
	if *defFile == "" && *role == "" {
		return usagef("nothing to update: give --definition FILE or --role-arn ARN")
	}
	in := wire.UpdateStateMachineInput{RoleArn: *role}
	if *defFile != "" {
		if in.Definition, err = readDefinition(*defFile); err != nil {
			return err
		}
	}
	return v.run(func(ss *session) error {
		if in.StateMachineArn, err = ss.stateMachineARN(ctx, pos[0]); err != nil {
			return err
		}
		var out wire.UpdateStateMachineOutput
		return ss.do(ctx, wire.ActionUpdateStateMachine, in, &out, func(w io.Writer) {
			rev := out.RevisionID
			if rev == "" {
				rev = "-"
			}
			newTable(w, "ARN", "UPDATED", "REVISION").row(in.StateMachineArn, when(out.UpdateDate), rev).flush()
		})
	})
}

const smDeleteUsage = `Usage: paystep state-machines delete NAME|ARN

Deletes a state machine. New executions of it can no longer start.

Examples:
  paystep state-machines delete payments
`

func smDelete(ctx context.Context, args []string, s stdio) error {
	v := newVerb("state-machines delete", smDeleteUsage, s)
	return v.runOn(ctx, args, stateMachineRef, (*session).stateMachineARN, func(ss *session, arn string) error {
		return ss.do(ctx, wire.ActionDeleteStateMachine, wire.DeleteStateMachineInput{StateMachineArn: arn}, nil, func(w io.Writer) {
			newTable(w, "DELETED").row(arn).flush()
		})
	})
}
