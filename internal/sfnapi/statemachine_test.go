package sfnapi_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
)

func TestStateMachines(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client

		created := must[*sfn.CreateStateMachineOutput](t, "CreateStateMachine")(c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String("Greeter"), Definition: aws.String(passDef), RoleArn: aws.String(roleARN),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}},
		}))
		arn := "arn:aws:states:us-east-1:123456789012:stateMachine:Greeter"
		if got := aws.ToString(created.StateMachineArn); got != arn {
			t.Fatalf("CreateStateMachine ARN = %s, want %s", got, arn)
		}
		if created.CreationDate == nil || created.CreationDate.IsZero() {
			t.Fatal("CreateStateMachine returned no creationDate")
		}

		// The same name, definition and type again: the same machine, as AWS.
		again := must[*sfn.CreateStateMachineOutput](t, "CreateStateMachine again")(c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String("Greeter"), Definition: aws.String(passDef), RoleArn: aws.String(roleARN + "-other"),
		}))
		if aws.ToString(again.StateMachineArn) != arn || !again.CreationDate.Equal(*created.CreationDate) {
			t.Errorf("identical CreateStateMachine = %s at %v, want %s at %v", aws.ToString(again.StateMachineArn), again.CreationDate, arn, created.CreationDate)
		}
		_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String("Greeter"), Definition: aws.String(waitDef), RoleArn: aws.String(roleARN),
		})
		wantCode(t, "CreateStateMachine with another definition", err, "StateMachineAlreadyExists")

		desc := must[*sfn.DescribeStateMachineOutput](t, "DescribeStateMachine")(c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}))
		if aws.ToString(desc.Name) != "Greeter" || aws.ToString(desc.Definition) != passDef || desc.Type != types.StateMachineTypeStandard ||
			desc.Status != types.StateMachineStatusActive || aws.ToString(desc.RoleArn) != roleARN || aws.ToString(desc.RevisionId) == "" ||
			!desc.CreationDate.Equal(*created.CreationDate) {
			t.Errorf("DescribeStateMachine = name %q type %s status %s role %q revision %q created %v; definition %q",
				aws.ToString(desc.Name), desc.Type, desc.Status, aws.ToString(desc.RoleArn), aws.ToString(desc.RevisionId), desc.CreationDate, aws.ToString(desc.Definition))
		}
		if desc.LoggingConfiguration == nil || desc.LoggingConfiguration.Level != types.LogLevelOff {
			t.Errorf("DescribeStateMachine loggingConfiguration = %+v, want level OFF", desc.LoggingConfiguration)
		}
		meta := must[*sfn.DescribeStateMachineOutput](t, "DescribeStateMachine METADATA_ONLY")(c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{
			StateMachineArn: aws.String(arn), IncludedData: types.IncludedDataMetadataOnly,
		}))
		if aws.ToString(meta.Definition) != "" || aws.ToString(meta.Name) != "Greeter" {
			t.Errorf("DescribeStateMachine METADATA_ONLY = name %q definition %q, want the name without the definition", aws.ToString(meta.Name), aws.ToString(meta.Definition))
		}

		// Update: a new revision; nothing to update is an error.
		const newDef = `{"StartAt":"Greet","States":{"Greet":{"Type":"Pass","Result":"hi","End":true}}}`
		upd := must[*sfn.UpdateStateMachineOutput](t, "UpdateStateMachine")(c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{
			StateMachineArn: aws.String(arn), Definition: aws.String(newDef),
		}))
		if aws.ToString(upd.RevisionId) == "" || aws.ToString(upd.RevisionId) == aws.ToString(desc.RevisionId) || upd.UpdateDate == nil {
			t.Errorf("UpdateStateMachine = revision %q at %v, want a new revision (was %q)", aws.ToString(upd.RevisionId), upd.UpdateDate, aws.ToString(desc.RevisionId))
		}
		desc2 := must[*sfn.DescribeStateMachineOutput](t, "DescribeStateMachine after update")(c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)}))
		if aws.ToString(desc2.Definition) != newDef || aws.ToString(desc2.RevisionId) != aws.ToString(upd.RevisionId) {
			t.Errorf("after update: definition %q revision %q, want %q %q", aws.ToString(desc2.Definition), aws.ToString(desc2.RevisionId), newDef, aws.ToString(upd.RevisionId))
		}
		_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn)})
		wantCode(t, "UpdateStateMachine with nothing", err, "MissingRequiredParameter")
		_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`)})
		wantCode(t, "UpdateStateMachine with a bad definition", err, "InvalidDefinition")

		// List pages through every machine.
		for _, name := range []string{"Alpha", "Beta", "Gamma"} {
			e.createMachine(t, name, passDef)
		}
		var names []string
		var token *string
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("ListStateMachines does not end")
			}
			out := must[*sfn.ListStateMachinesOutput](t, "ListStateMachines")(c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 2, NextToken: token}))
			if len(out.StateMachines) > 2 {
				t.Fatalf("ListStateMachines page of %d, want at most 2", len(out.StateMachines))
			}
			for _, sm := range out.StateMachines {
				names = append(names, aws.ToString(sm.Name))
				if sm.Type != types.StateMachineTypeStandard || sm.CreationDate == nil || !strings.HasSuffix(aws.ToString(sm.StateMachineArn), ":"+aws.ToString(sm.Name)) {
					t.Errorf("ListStateMachines item %+v", sm)
				}
			}
			if token = out.NextToken; token == nil {
				break
			}
		}
		if diff := cmp.Diff([]string{"Alpha", "Beta", "Gamma", "Greeter"}, names); diff != "" {
			t.Errorf("ListStateMachines names (-want +got):\n%s", diff)
		}
		_, err = c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{NextToken: aws.String("not a token!")})
		wantCode(t, "ListStateMachines with a garbled token", err, "InvalidToken")

		// Delete: gone at once when nothing runs; deleting again succeeds.
		must[*sfn.DeleteStateMachineOutput](t, "DeleteStateMachine")(c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}))
		_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
		wantCode(t, "DescribeStateMachine after delete", err, "StateMachineDoesNotExist")
		must[*sfn.DeleteStateMachineOutput](t, "DeleteStateMachine again")(c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)}))
		tags, err := e.store.TagsList(ctx, arn)
		if err != nil || len(tags) != 0 {
			t.Errorf("tags after delete = %v, %v; want none", tags, err)
		}
	})
}

func TestCreateStateMachineErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	for _, tc := range []struct {
		name     string
		in       sfn.CreateStateMachineInput
		code     string
		contains string
	}{
		{"bad name", sfn.CreateStateMachineInput{Name: aws.String("a b"), Definition: aws.String(passDef), RoleArn: aws.String(roleARN)},
			"InvalidName", "Invalid Name: 'a b'"},
		{"long name", sfn.CreateStateMachineInput{Name: aws.String(strings.Repeat("n", 81)), Definition: aws.String(passDef), RoleArn: aws.String(roleARN)},
			"ValidationException", "Member must have length less than or equal to 80"},
		{"schema", sfn.CreateStateMachineInput{Name: aws.String("Bad"), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`), RoleArn: aws.String(roleARN)},
			"InvalidDefinition", "Invalid State Machine Definition: '"},
		{"not JSON", sfn.CreateStateMachineInput{Name: aws.String("Bad"), Definition: aws.String(`{"StartAt":`), RoleArn: aws.String(roleARN)},
			"InvalidDefinition", "INVALID_JSON_DESCRIPTION"},
		{"express callback", sfn.CreateStateMachineInput{Name: aws.String("Fast"), Type: types.StateMachineTypeExpress, Definition: aws.String(callbackDef), RoleArn: aws.String(roleARN)},
			"InvalidDefinition", "Express state machine does not support"},
		{"bad type", sfn.CreateStateMachineInput{Name: aws.String("Typed"), Type: "SLOW", Definition: aws.String(passDef), RoleArn: aws.String(roleARN)},
			"ValidationException", "Member must satisfy enum value set: [STANDARD, EXPRESS]"},
		{"publish", sfn.CreateStateMachineInput{Name: aws.String("Pub"), Publish: true, Definition: aws.String(passDef), RoleArn: aws.String(roleARN)},
			"ValidationException", "versions"},
		{"too many tags", sfn.CreateStateMachineInput{Name: aws.String("Tagged"), Definition: aws.String(passDef), RoleArn: aws.String(roleARN), Tags: manyTags(51)},
			"TooManyTags", "at most 50"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.client.CreateStateMachine(t.Context(), &tc.in)
			got := wantCode(t, "CreateStateMachine", err, tc.code)
			if !strings.Contains(got.Message, tc.contains) {
				t.Errorf("CreateStateMachine message %q, want it to contain %q", got.Message, tc.contains)
			}
		})
	}
	// The schema error names the state at fault, as AWS does.
	_, err := e.client.CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{
		Name: aws.String("Bad"), Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`), RoleArn: aws.String(roleARN),
	})
	if got := wantCode(t, "CreateStateMachine", err, "InvalidDefinition"); !strings.Contains(got.Message, "/States/A") {
		t.Errorf("InvalidDefinition message %q does not locate /States/A", got.Message)
	}
}

func manyTags(n int) []types.Tag {
	tags := make([]types.Tag, n)
	for i := range tags {
		tags[i] = types.Tag{Key: aws.String("k" + string(rune('A'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")}
	}
	return tags
}

func TestDescribeStateMachineErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	for _, tc := range []struct{ arn, code string }{
		{"arn:aws:states:us-east-1:123456789012:stateMachine:Missing", "StateMachineDoesNotExist"},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:Missing:1", "StateMachineDoesNotExist"}, // a version: none here
		{"not-an-arn", "InvalidArn"},
		{"arn:aws:states:us-east-1:123456789012:activity:Act", "InvalidArn"},
		{"", "ValidationException"},
	} {
		_, err := e.client.DescribeStateMachine(t.Context(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(tc.arn)})
		wantCode(t, "DescribeStateMachine("+tc.arn+")", err, tc.code)
	}
}

func TestValidateStateMachineDefinition(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite")
	ctx := t.Context()
	ok := must[*sfn.ValidateStateMachineDefinitionOutput](t, "Validate good")(e.client.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passDef)}))
	if ok.Result != types.ValidateStateMachineDefinitionResultCodeOk || len(ok.Diagnostics) != 0 {
		t.Errorf("Validate good = %s %+v, want OK and no diagnostics", ok.Result, ok.Diagnostics)
	}

	// Two errors: a state without End or Next, and a Next to nowhere.
	const bad = `{"StartAt":"A","States":{"A":{"Type":"Pass"},"B":{"Type":"Pass","Next":"Nowhere"}}}`
	out := must[*sfn.ValidateStateMachineDefinitionOutput](t, "Validate bad")(e.client.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(bad)}))
	if out.Result != types.ValidateStateMachineDefinitionResultCodeFail || len(out.Diagnostics) < 2 {
		t.Fatalf("Validate bad = %s with %d diagnostics, want FAIL with at least 2", out.Result, len(out.Diagnostics))
	}
	var locations []string
	for _, d := range out.Diagnostics {
		if d.Severity != types.ValidateStateMachineDefinitionSeverityError || aws.ToString(d.Code) == "" || aws.ToString(d.Message) == "" {
			t.Errorf("diagnostic %+v: want severity ERROR with a code and a message", d)
		}
		locations = append(locations, aws.ToString(d.Location))
	}
	if !slices.ContainsFunc(locations, func(l string) bool { return strings.HasPrefix(l, "/States/B") }) {
		t.Errorf("diagnostic locations %q, want one under /States/B", locations)
	}
	if out.Truncated != nil && *out.Truncated {
		t.Error("Validate bad: truncated without maxResults")
	}

	one := must[*sfn.ValidateStateMachineDefinitionOutput](t, "Validate maxResults 1")(e.client.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(bad), MaxResults: 1}))
	if len(one.Diagnostics) != 1 || one.Truncated == nil || !*one.Truncated || one.Result != types.ValidateStateMachineDefinitionResultCodeFail {
		t.Errorf("Validate maxResults 1 = %s, %d diagnostics, truncated %v; want FAIL, 1, true", one.Result, len(one.Diagnostics), one.Truncated)
	}

	// EXPRESS forbids callbacks.
	ex := must[*sfn.ValidateStateMachineDefinitionOutput](t, "Validate EXPRESS")(e.client.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{
		Definition: aws.String(callbackDef), Type: types.StateMachineTypeExpress,
	}))
	if ex.Result != types.ValidateStateMachineDefinitionResultCodeFail {
		t.Errorf("Validate EXPRESS callback = %s, want FAIL", ex.Result)
	}

	_, err := e.client.ValidateStateMachineDefinition(ctx, &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(passDef), MaxResults: 101})
	wantCode(t, "Validate maxResults 101", err, "ValidationException")
}
