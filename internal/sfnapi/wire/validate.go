package wire

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits AWS applies at the edge.
const (
	MaxNameLength   = 80   // state machine, execution and activity names
	MaxARNLength    = 256  // stateMachineArn, activityArn; executionArn is 256 too
	MaxResultsLimit = 1000 // maxResults is 0 to 1000; 0 means DefaultPageSize
	DefaultPageSize = 100
	MaxTokenLength  = 1024 // nextToken
)

// ValidName reports whether s is a valid state machine, execution or
// activity name. The API reference: a name must not contain white space;
// brackets < > { } [ ]; wildcard characters ? *; special characters
// " # % \ ^ | ~ ` $ & , ; : /; control characters (U+0000-001F,
// U+007F-009F, U+FFFE-FFFF); surrogates (U+D800-DFFF); invalid characters
// (U+10FFFF). Length (1 to 80) is checked apart, as a ValidationException.
func ValidName(s string) bool {
	if !utf8.ValidString(s) {
		return false // invalid UTF-8 or encoded surrogates
	}
	for _, r := range s {
		switch {
		case r <= 0x20, 0x7f <= r && r <= 0xa0, r == 0xfffe, r == 0xffff, r == 0x10ffff:
			return false // controls, space, NBSP
		case strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r):
			return false
		case isSpace(r):
			return false
		}
	}
	return true
}

func isSpace(r rune) bool {
	switch r {
	case 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0x85, 0xfeff:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}

// CheckName validates the name member: a ValidationException when its
// length is not 1 to 80, an InvalidName when it has a forbidden character.
func CheckName(member, name string) error {
	var v Validator
	v.Length(member, name, 1, MaxNameLength)
	if err := v.Err(); err != nil {
		return err
	}
	if !ValidName(name) {
		return NewError(InvalidName, "Invalid Name: '"+name+"'")
	}
	return nil
}

// ResourceType is the resource part of a Step Functions ARN.
type ResourceType string

// The resource types of Step Functions ARNs.
const (
	ResourceStateMachine ResourceType = "stateMachine"
	ResourceExecution    ResourceType = "execution" // a Standard execution
	ResourceExpress      ResourceType = "express"   // an Express execution
	ResourceActivity     ResourceType = "activity"
	ResourceMapRun       ResourceType = "mapRun"
)

// ARN is a parsed Step Functions ARN:
//
//	arn:aws:states:us-east-1:123456789012:stateMachine:Name[:qualifier]
//	arn:aws:states:us-east-1:123456789012:execution:StateMachine:Execution
//	arn:aws:states:us-east-1:123456789012:express:StateMachine:Execution:ID
//	arn:aws:states:us-east-1:123456789012:activity:Name
//	arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/Label:ID
type ARN struct {
	Partition string // aws, aws-cn, aws-us-gov, …
	Region    string
	AccountID string
	Type      ResourceType
	// Name is the state machine's name for stateMachine, execution, express
	// and mapRun ARNs (with "/label" for a Map Run's children), the
	// activity's for activity ARNs.
	Name string
	// Qualifier is a state machine version number or alias name, the
	// execution's name, or the Map Run's ID.
	Qualifier string
	// ID is the third part of an express ARN (the execution's unique ID).
	ID string
}

// String formats a as an ARN.
func (a ARN) String() string {
	s := "arn:" + a.Partition + ":states:" + a.Region + ":" + a.AccountID + ":" + string(a.Type) + ":" + a.Name
	if a.Qualifier != "" {
		s += ":" + a.Qualifier
	}
	if a.ID != "" {
		s += ":" + a.ID
	}
	return s
}

// StateMachine is the ARN of the state machine a refers to: itself without
// qualifier for a stateMachine ARN, the parent for executions and Map Runs.
func (a ARN) StateMachine() ARN {
	name, _, _ := strings.Cut(a.Name, "/")
	if a.Type == ResourceActivity {
		return ARN{}
	}
	return ARN{Partition: a.Partition, Region: a.Region, AccountID: a.AccountID, Type: ResourceStateMachine, Name: name}
}

// StateMachineARN formats the ARN of a state machine.
func StateMachineARN(region, accountID, name string) string {
	return ARN{Partition: "aws", Region: region, AccountID: accountID, Type: ResourceStateMachine, Name: name}.String()
}

// ExecutionARN formats the ARN of a Standard execution.
func ExecutionARN(region, accountID, stateMachine, execution string) string {
	return ARN{Partition: "aws", Region: region, AccountID: accountID, Type: ResourceExecution, Name: stateMachine, Qualifier: execution}.String()
}

// ActivityARN formats the ARN of an activity.
func ActivityARN(region, accountID, name string) string {
	return ARN{Partition: "aws", Region: region, AccountID: accountID, Type: ResourceActivity, Name: name}.String()
}

// ParseARN parses a Step Functions ARN whose type is one of allowed (any
// type when none is given). A string that is not a Step Functions ARN is an
// InvalidArn "Invalid Arn: '<arn>'"; one of another type is an InvalidArn
// "Invalid Arn: 'Resource type not valid in this context: <type>'", AWS's
// words (DescribeExecution given a state machine's ARN says exactly this).
func ParseARN(s string, allowed ...ResourceType) (ARN, error) {
	bad := NewError(InvalidArn, "Invalid Arn: '"+s+"'")
	parts := strings.SplitN(s, ":", 7)
	if len(parts) != 7 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "states" ||
		!validRegion(parts[3]) || !validAccount(parts[4]) {
		return ARN{}, bad
	}
	a := ARN{Partition: parts[1], Region: parts[3], AccountID: parts[4], Type: ResourceType(parts[5])}
	rest := strings.Split(parts[6], ":")
	ok := false
	switch a.Type {
	case ResourceStateMachine:
		ok = len(rest) <= 2 && validPart(rest[0]) && (len(rest) == 1 || validPart(rest[1]))
	case ResourceExecution:
		ok = len(rest) == 2 && validLabeled(rest[0]) && validPart(rest[1])
	case ResourceExpress:
		ok = len(rest) == 3 && validLabeled(rest[0]) && validPart(rest[1]) && validPart(rest[2])
	case ResourceActivity:
		ok = len(rest) == 1 && validPart(rest[0])
	case ResourceMapRun:
		ok = len(rest) == 2 && validLabeled(rest[0]) && validPart(rest[1])
	}
	if !ok {
		return ARN{}, bad
	}
	a.Name = rest[0]
	if len(rest) > 1 {
		a.Qualifier = rest[1]
	}
	if len(rest) > 2 {
		a.ID = rest[2]
	}
	if len(allowed) > 0 && !containsType(allowed, a.Type) {
		return ARN{}, NewError(InvalidArn, "Invalid Arn: 'Resource type not valid in this context: "+string(a.Type)+"'")
	}
	return a, nil
}

func containsType(ts []ResourceType, t ResourceType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func validRegion(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validPart accepts a name as found in an ARN: 1 to 80 characters, valid
// as a name.
func validPart(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= MaxNameLength && ValidName(s)
}

// validLabeled accepts a state machine name with an optional "/label" (the
// children of a Distributed Map run).
func validLabeled(s string) bool {
	name, label, found := strings.Cut(s, "/")
	return validPart(name) && (!found || validPart(label))
}

// Validator collects violations of the constraints of AWS's API model and
// reports them as one ValidationException worded as AWS words them:
//
//	1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null
type Validator struct {
	violations []string
}

// Required records a violation when value is empty.
func (v *Validator) Required(member, value string) {
	if value == "" {
		v.violations = append(v.violations, "Value null at '"+member+"' failed to satisfy constraint: Member must not be null")
	}
}

// Length records a violation when value has fewer than min or more than max
// characters. An empty value is left to Required.
func (v *Validator) Length(member, value string, minLen, maxLen int) {
	if value == "" {
		return
	}
	n := utf8.RuneCountInString(value)
	switch {
	case n < minLen:
		v.add(member, value, "Member must have length greater than or equal to "+strconv.Itoa(minLen))
	case n > maxLen:
		v.add(member, value, "Member must have length less than or equal to "+strconv.Itoa(maxLen))
	}
}

// Range records a violation when n is outside min to max.
func (v *Validator) Range(member string, n, minVal, maxVal int64) {
	switch {
	case n < minVal:
		v.add(member, strconv.FormatInt(n, 10), "Member must have value greater than or equal to "+strconv.FormatInt(minVal, 10))
	case n > maxVal:
		v.add(member, strconv.FormatInt(n, 10), "Member must have value less than or equal to "+strconv.FormatInt(maxVal, 10))
	}
}

// OneOf records a violation when value is set and not one of allowed.
func (v *Validator) OneOf(member, value string, allowed ...string) {
	if value == "" {
		return
	}
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	v.add(member, value, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// Add records a violation of constraint by value at member.
func (v *Validator) Add(member, value, constraint string) { v.add(member, value, constraint) }

func (v *Validator) add(member, value, constraint string) {
	v.violations = append(v.violations, "Value '"+value+"' at '"+member+"' failed to satisfy constraint: "+constraint)
}

// Err is the ValidationException for the violations recorded, or nil.
func (v *Validator) Err() error {
	switch n := len(v.violations); n {
	case 0:
		return nil
	case 1:
		return NewError(ValidationException, "1 validation error detected: "+v.violations[0])
	default:
		return NewError(ValidationException, strconv.Itoa(n)+" validation errors detected: "+strings.Join(v.violations, "; "))
	}
}

// PageSize checks maxResults (0 to 1000) and returns the page size it asks
// for: DefaultPageSize when 0.
func PageSize(maxResults int32) (int, error) {
	var v Validator
	v.Range("maxResults", int64(maxResults), 0, MaxResultsLimit)
	if err := v.Err(); err != nil {
		return 0, err
	}
	if maxResults == 0 {
		return DefaultPageSize, nil
	}
	return int(maxResults), nil
}

// EncodeToken makes an opaque nextToken of a cursor the store understands.
func EncodeToken(cursor string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursor))
}

// DecodeToken returns the cursor inside a nextToken made by EncodeToken:
// ("", nil) for an empty token, an InvalidToken error for one not made here.
// The cursor must still be checked by whoever reads it.
func DecodeToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	if len(token) > MaxTokenLength {
		var v Validator
		v.Length("nextToken", token, 1, MaxTokenLength)
		return "", v.Err()
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !utf8.Valid(b) {
		return "", NewError(InvalidToken, fmt.Sprintf("Invalid Token: '%s'", token))
	}
	return string(b), nil
}
