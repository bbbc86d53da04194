package wire_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paystep/paystep/internal/sfnapi/wire"
)

func TestValidName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"Payments", true},
		{"pay-ments_2025.v1", true},
		{"café-日本-🚀", true},
		{"a(b)+c=d@e!f'g", true},
		{"with space", false},
		{"tab\there", false},
		{"nbsp\u00a0here", false},
		{"ideographic\u3000space", false},
		{"a<b", false}, {"a>b", false}, {"a{b", false}, {"a}b", false}, {"a[b", false}, {"a]b", false},
		{"a?b", false}, {"a*b", false},
		{`a"b`, false}, {"a#b", false}, {"a%b", false}, {`a\b`, false}, {"a^b", false}, {"a|b", false},
		{"a~b", false}, {"a`b", false}, {"a$b", false}, {"a&b", false}, {"a,b", false}, {"a;b", false},
		{"a:b", false}, {"a/b", false},
		{"nul\x00", false}, {"del\x7f", false}, {"c1\u0085", false}, {"c1\u009f", false},
		{"nonchar\ufffe", false}, {"nonchar\uffff", false}, {"max\U0010ffff", false},
		{"bad\xffutf8", false},
	} {
		if got := wire.ValidName(tc.name); got != tc.ok {
			t.Errorf("ValidName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", 81)
	for _, tc := range []struct {
		name, code, msg string
	}{
		{"ok", "", ""},
		{strings.Repeat("é", 80), "", ""},
		{long, wire.ValidationException, "1 validation error detected: Value '" + long + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"},
		{"", wire.ValidationException, "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{"bad name", wire.InvalidName, "Invalid Name: 'bad name'"},
	} {
		err := wire.CheckName("name", tc.name)
		if tc.name == "" {
			var v wire.Validator
			v.Required("name", tc.name)
			err = v.Err()
		}
		if code(err) != tc.code || message(err) != tc.msg {
			t.Errorf("CheckName(%q) = %v; want %s %q", tc.name, err, tc.code, tc.msg)
		}
	}
}

func TestParseARN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		arn     string
		allowed []wire.ResourceType
		want    wire.ARN
		msg     string // the InvalidArn message, "" when valid
	}{
		{arn: smARN, allowed: []wire.ResourceType{wire.ResourceStateMachine},
			want: wire.ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: wire.ResourceStateMachine, Name: "Payments"}},
		{arn: smARN + ":3", want: wire.ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: wire.ResourceStateMachine, Name: "Payments", Qualifier: "3"}},
		{arn: "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:M:live",
			want: wire.ARN{Partition: "aws-us-gov", Region: "us-gov-west-1", AccountID: "123456789012", Type: wire.ResourceStateMachine, Name: "M", Qualifier: "live"}},
		{arn: execARN, allowed: []wire.ResourceType{wire.ResourceExecution, wire.ResourceExpress},
			want: wire.ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: wire.ResourceExecution, Name: "Payments", Qualifier: "run-1"}},
		{arn: "arn:aws:states:us-east-1:123456789012:execution:Payments/Map1:child",
			want: wire.ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: wire.ResourceExecution, Name: "Payments/Map1", Qualifier: "child"}},
		{arn: "arn:aws:states:us-east-1:123456789012:express:Payments:run-1:7c5b2a",
			want: wire.ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: wire.ResourceExpress, Name: "Payments", Qualifier: "run-1", ID: "7c5b2a"}},
		{arn: actARN, allowed: []wire.ResourceType{wire.ResourceActivity},
			want: wire.ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: wire.ResourceActivity, Name: "Approve"}},
		{arn: "arn:aws:states:us-east-1:123456789012:mapRun:Payments/Map1:2f3c",
			want: wire.ARN{Partition: "aws", Region: "us-east-1", AccountID: "123456789012", Type: wire.ResourceMapRun, Name: "Payments/Map1", Qualifier: "2f3c"}},
		// AWS's answer when DescribeExecution gets a state machine's ARN.
		{arn: smARN, allowed: []wire.ResourceType{wire.ResourceExecution}, msg: "Invalid Arn: 'Resource type not valid in this context: stateMachine'"},
		{arn: execARN, allowed: []wire.ResourceType{wire.ResourceStateMachine}, msg: "Invalid Arn: 'Resource type not valid in this context: execution'"},
		{arn: "", msg: "Invalid Arn: ''"},
		{arn: "not-an-arn", msg: "Invalid Arn: 'not-an-arn'"},
		{arn: "arn:aws:lambda:us-east-1:123456789012:function:f", msg: "Invalid Arn: 'arn:aws:lambda:us-east-1:123456789012:function:f'"},
		{arn: "arn:aws:states:us-east-1:12345:stateMachine:M", msg: "Invalid Arn: 'arn:aws:states:us-east-1:12345:stateMachine:M'"},
		{arn: "arn:aws:states::123456789012:stateMachine:M", msg: "Invalid Arn: 'arn:aws:states::123456789012:stateMachine:M'"},
		{arn: "arn:aws:states:us-east-1:123456789012:stateMachine:", msg: "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:'"},
		{arn: "arn:aws:states:us-east-1:123456789012:stateMachine:a b", msg: "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:a b'"},
		{arn: "arn:aws:states:us-east-1:123456789012:stateMachine:M:1:2", msg: "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:M:1:2'"},
		{arn: "arn:aws:states:us-east-1:123456789012:execution:M", msg: "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:execution:M'"},
		{arn: "arn:aws:states:us-east-1:123456789012:activity:A:x", msg: "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:activity:A:x'"},
		{arn: "arn:aws:states:us-east-1:123456789012:function:A", msg: "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:function:A'"},
		{arn: "arn:aws:states:us-east-1:123456789012:stateMachine:" + strings.Repeat("m", 81), msg: "Invalid Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:" + strings.Repeat("m", 81) + "'"},
	} {
		t.Run(tc.arn, func(t *testing.T) {
			t.Parallel()
			got, err := wire.ParseARN(tc.arn, tc.allowed...)
			if tc.msg != "" {
				if code(err) != wire.InvalidArn || message(err) != tc.msg {
					t.Errorf("ParseARN(%q) = %+v, %v; want InvalidArn %q", tc.arn, got, err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseARN(%q) = %v", tc.arn, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseARN(%q) mismatch (-want +got):\n%s", tc.arn, diff)
			}
			if got.String() != tc.arn {
				t.Errorf("ParseARN(%q).String() = %q", tc.arn, got.String())
			}
		})
	}
}

func TestARNHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{wire.StateMachineARN("us-east-1", "123456789012", "Payments"), smARN},
		{wire.ExecutionARN("us-east-1", "123456789012", "Payments", "run-1"), execARN},
		{wire.ActivityARN("us-east-1", "123456789012", "Approve"), actARN},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, arn := range []string{execARN, smARN + ":3", "arn:aws:states:us-east-1:123456789012:execution:Payments/Map1:c", "arn:aws:states:us-east-1:123456789012:express:Payments:r:id"} {
		a, err := wire.ParseARN(arn)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.StateMachine().String(); got != smARN {
			t.Errorf("ParseARN(%q).StateMachine() = %q, want %q", arn, got, smARN)
		}
	}
}

func TestValidator(t *testing.T) {
	t.Parallel()
	var v wire.Validator
	if err := v.Err(); err != nil {
		t.Fatalf("empty Validator.Err() = %v", err)
	}
	v.Required("stateMachineArn", "")
	v.Required("definition", "x")
	v.Length("roleArn", strings.Repeat("r", 257), 1, 256)
	v.Range("maxResults", 1001, 0, 1000)
	v.Range("maxResults", -1, 0, 1000)
	v.OneOf("type", "SLOW", wire.StateMachineTypeStandard, wire.StateMachineTypeExpress)
	v.OneOf("type", "", wire.StateMachineTypeStandard)
	want := "5 validation errors detected: " +
		"Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null; " +
		"Value '" + strings.Repeat("r", 257) + "' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 256; " +
		"Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000; " +
		"Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0; " +
		"Value 'SLOW' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
	err := v.Err()
	if code(err) != wire.ValidationException {
		t.Fatalf("Err() = %v, want a ValidationException", err)
	}
	if diff := cmp.Diff(want, message(err)); diff != "" {
		t.Errorf("message mismatch (-want +got):\n%s", diff)
	}
}

func TestPageSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   int32
		want int
		code string
	}{
		{0, 100, ""}, {1, 1, ""}, {1000, 1000, ""},
		{1001, 0, wire.ValidationException}, {-1, 0, wire.ValidationException},
	} {
		got, err := wire.PageSize(tc.in)
		if got != tc.want || code(err) != tc.code {
			t.Errorf("PageSize(%d) = %d, %v; want %d, %s", tc.in, got, err, tc.want, tc.code)
		}
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	for _, cursor := range []string{"", "42", "2025-01-02T03:04:05Z|exec-9", "ünïcode/+="} {
		tok := wire.EncodeToken(cursor)
		got, err := wire.DecodeToken(tok)
		if err != nil || got != cursor {
			t.Errorf("DecodeToken(EncodeToken(%q)) = %q, %v", cursor, got, err)
		}
	}
	for _, tc := range []struct{ tok, code string }{
		{"not base64!", wire.InvalidToken},
		{"_w", wire.InvalidToken}, // decodes to invalid UTF-8
		{strings.Repeat("A", 1025), wire.ValidationException},
	} {
		if _, err := wire.DecodeToken(tc.tok); code(err) != tc.code {
			t.Errorf("DecodeToken(%.20q) = %v, want %s", tc.tok, err, tc.code)
		}
	}
}
