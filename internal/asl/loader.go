package asl

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the States Language.
const (
	maxStateNameLen = 80
	maxLabelLen     = 40
	maxRetryValue   = 99999999
	maxDelayLimit   = 31622400 // a year and a day, in seconds
)

type loader struct {
	opts  LoadOptions
	diags []Diagnostic
	names map[string]bool // state names seen in the whole machine
}

func newLoader(opts LoadOptions) *loader {
	if opts.Type == "" {
		opts.Type = "STANDARD"
	}
	return &loader{opts: opts, names: make(map[string]bool)}
}

func (l *loader) add(code, ptr, msg string) {
	l.diags = append(l.diags, Diagnostic{Code: code, Pointer: ptr, Message: msg, Severity: SeverityError})
}

func (l *loader) schema(ptr, format string, args ...any) {
	l.add(CodeSchemaValidationFailed, ptr, fmt.Sprintf(format, args...))
}

func (l *loader) load(definition []byte) *StateMachine {
	if strings.TrimSpace(string(definition)) == "" {
		l.schema("", "Definition must be a valid JSON object")
		return nil
	}
	root, err := parseNode(definition)
	if err != nil {
		l.invalidJSON(definition, err)
		return nil
	}
	if root.kind != kindObject {
		l.schema("", "Definition must be a valid JSON object")
		return nil
	}
	ql := JSONPath
	if qn := root.get("QueryLanguage"); qn != nil {
		if q, ok := l.queryLanguage(qn, "/QueryLanguage"); ok {
			ql = q
		}
	}
	return l.machine(root, "", ql, scopeTop)
}

// invalidJSON reports a definition that is not JSON. A bare word gets the
// message AWS's parser (Jackson) gives.
func (l *loader) invalidJSON(definition []byte, err error) {
	text := strings.TrimLeft(string(definition), " \t\r\n")
	word := 0
	for word < len(text) && (isIdentChar(text[word]) || text[word] >= utf8.RuneSelf) {
		word++
	}
	if word > 0 && !isNumberLiteral(text[:1]) {
		if tok := text[:word]; tok != "true" && tok != "false" && tok != "null" {
			line, col := 1, 1
			for _, c := range string(definition[:len(definition)-len(text)+word]) {
				if c == '\n' {
					line, col = line+1, 1
				} else {
					col++
				}
			}
			at := fmt.Sprintf("[Source: (String)%q; line: %d, column: %d]", string(definition), line, col)
			l.add(CodeInvalidJSON, at, fmt.Sprintf("Unrecognized token '%s': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at %s", tok, at))
			return
		}
	}
	l.add(CodeInvalidJSON, "", "Invalid JSON: "+err.Error())
}

type scope uint8

const (
	scopeTop scope = iota
	scopeBranch
	scopeProcessor
)

var machineFields = map[scope][]string{
	scopeTop:       {"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"},
	scopeBranch:    {"Comment", "StartAt", "States"},
	scopeProcessor: {"Comment", "StartAt", "States", "ProcessorConfig"},
}

// queryLanguage checks a QueryLanguage value.
func (l *loader) queryLanguage(n *node, ptr string) (QueryLanguage, bool) {
	if n.kind != kindString {
		l.schema(ptr, "Expected value of type String")
		return "", false
	}
	switch QueryLanguage(n.str) {
	case JSONPath:
		return JSONPath, true
	case JSONata:
		return JSONata, true
	}
	l.schema(ptr, "Value is not one of the allowed values: [JSONPath, JSONata]")
	return "", false
}

func (l *loader) machine(n *node, ptr string, ql QueryLanguage, sc scope) *StateMachine {
	sm := &StateMachine{QueryLanguage: ql, States: make(map[string]*State)}
	at := ptr
	if at == "" {
		at = "/"
	}
	l.unknownFields(n, at, machineFields[sc])
	var missing []string
	for _, f := range []string{"States", "StartAt"} { // AWS's order
		if n.get(f) == nil {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		l.schema(at, "These fields are required: [%s]", strings.Join(missing, ", "))
	}
	sm.Comment = l.optString(n, ptr, "Comment")
	sm.StartAt = l.optString(n, ptr, "StartAt")
	if sc == scopeTop {
		sm.Version = l.optString(n, ptr, "Version")
		if t := n.get("TimeoutSeconds"); t != nil {
			sm.TimeoutSeconds = l.positiveInt(t, ptr+"/TimeoutSeconds")
		}
	}
	if sc == scopeProcessor {
		sm.Mode = "INLINE"
		if pc := n.get("ProcessorConfig"); pc != nil {
			l.processorConfig(pc, ptr+"/ProcessorConfig", sm)
		}
	}
	states := n.get("States")
	if states == nil {
		return sm
	}
	if states.kind != kindObject {
		l.schema(ptr+"/States", "Expected value of type Object")
		return sm
	}
	for i, name := range states.keys {
		sp := ptr + "/States/" + name
		if l.names[name] {
			l.add(CodeDuplicateStateName, sp, fmt.Sprintf("Duplicate State name: %s", name))
			continue
		}
		l.names[name] = true
		if name == "" || utf8.RuneCountInString(name) > maxStateNameLen {
			l.add(CodeInvalidStateName, sp, fmt.Sprintf("State name must be between 1 and %d characters long", maxStateNameLen))
		}
		st := l.state(name, states.vals[i], sp, ql)
		if st == nil {
			continue
		}
		sm.States[name] = st
		sm.Names = append(sm.Names, name)
	}
	l.graph(sm, ptr)
	return sm
}

func (l *loader) processorConfig(n *node, ptr string, sm *StateMachine) {
	if n.kind != kindObject {
		l.schema(ptr, "Expected value of type Object")
		return
	}
	l.unknownFields(n, ptr, []string{"Mode", "ExecutionType"})
	if m := n.get("Mode"); m != nil {
		if m.kind != kindString || (m.str != "INLINE" && m.str != "DISTRIBUTED") {
			l.schema(ptr+"/Mode", "Value is not one of the allowed values: [INLINE, DISTRIBUTED]")
		} else {
			sm.Mode = m.str
		}
	}
	if e := n.get("ExecutionType"); e != nil {
		if e.kind != kindString || (e.str != "STANDARD" && e.str != "EXPRESS") {
			l.schema(ptr+"/ExecutionType", "Value is not one of the allowed values: [STANDARD, EXPRESS]")
		} else {
			sm.ExecutionType = e.str
		}
	}
}

// graph checks the transitions of one machine, branch or processor: every
// target exists, some state ends the workflow, every state is reachable.
func (l *loader) graph(sm *StateMachine, ptr string) {
	if len(sm.Names) == 0 {
		if sm.StartAt != "" {
			l.add(CodeMissingTransitionTarget, ptr+"/StartAt", fmt.Sprintf("Missing 'StartAt' target: %s", sm.StartAt))
		}
		return
	}
	target := func(name, at string) {
		if _, ok := sm.States[name]; !ok {
			l.add(CodeMissingTransitionTarget, at, fmt.Sprintf("Missing 'Next' target: %s", name))
		}
	}
	if sm.StartAt != "" {
		if _, ok := sm.States[sm.StartAt]; !ok {
			l.add(CodeMissingTransitionTarget, ptr+"/StartAt", fmt.Sprintf("Missing 'StartAt' target: %s", sm.StartAt))
		}
	}
	terminal := false
	for _, name := range sm.Names {
		st := sm.States[name]
		if st.Next != "" {
			target(st.Next, st.Pointer+"/Next")
		}
		for i, c := range st.Choices {
			if c.Next != "" {
				target(c.Next, fmt.Sprintf("%s/Choices[%d]/Next", st.Pointer, i))
			}
		}
		if st.Default != "" {
			target(st.Default, st.Pointer+"/Default")
		}
		for i, c := range st.Catch {
			if c.Next != "" {
				target(c.Next, fmt.Sprintf("%s/Catch[%d]/Next", st.Pointer, i))
			}
		}
		if st.End || st.Type == TypeSucceed || st.Type == TypeFail {
			terminal = true
		}
	}
	if !terminal {
		l.add(CodeMissingEndState, "", "Workflow has no terminal state")
		return
	}
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		st, ok := sm.States[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		walk(st.Next)
		for _, c := range st.Choices {
			walk(c.Next)
		}
		walk(st.Default)
		for _, c := range st.Catch {
			walk(c.Next)
		}
	}
	walk(sm.StartAt)
	if _, ok := sm.States[sm.StartAt]; !ok {
		return
	}
	for _, name := range sm.Names {
		if !seen[name] {
			l.add(CodeMissingTransitionTarget, sm.States[name].Pointer, fmt.Sprintf("State %q is not reachable.", name))
		}
	}
}

// Fields each state type accepts, common to both query languages, then
// those of JSONPath and of JSONata.
var (
	commonFields = []string{"Type", "Comment", "QueryLanguage"}
	typeFields   = map[StateType][3][]string{
		TypePass: {
			{"Next", "End", "Assign"},
			{"InputPath", "OutputPath", "ResultPath", "Parameters", "Result"},
			{"Output"},
		},
		TypeTask: {
			{"Next", "End", "Assign", "Resource", "TimeoutSeconds", "HeartbeatSeconds", "Retry", "Catch", "Credentials"},
			{"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "TimeoutSecondsPath", "HeartbeatSecondsPath"},
			{"Arguments", "Output"},
		},
		TypeChoice: {
			{"Choices", "Default", "Assign"},
			{"InputPath", "OutputPath"},
			{"Output"},
		},
		TypeWait: {
			{"Next", "End", "Assign", "Seconds", "Timestamp"},
			{"InputPath", "OutputPath", "SecondsPath", "TimestampPath"},
			{"Output"},
		},
		TypeSucceed: {
			nil,
			{"InputPath", "OutputPath"},
			{"Output"},
		},
		TypeFail: {
			{"Error", "Cause"},
			{"ErrorPath", "CausePath"},
			nil,
		},
		TypeParallel: {
			{"Next", "End", "Assign", "Branches", "Retry", "Catch"},
			{"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector"},
			{"Arguments", "Output"},
		},
		TypeMap: {
			{"Next", "End", "Assign", "Retry", "Catch", "ItemProcessor", "Iterator", "ItemSelector", "MaxConcurrency",
				"ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailureCount", "ToleratedFailurePercentage", "Label"},
			{"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "ItemsPath", "MaxConcurrencyPath",
				"ToleratedFailureCountPath", "ToleratedFailurePercentagePath"},
			{"Items", "Output"},
		},
	}
)

var stateTypes = []StateType{TypeTask, TypePass, TypeChoice, TypeWait, TypeSucceed, TypeFail, TypeParallel, TypeMap}

func (l *loader) state(name string, n *node, ptr string, parentQL QueryLanguage) *State {
	if n.kind != kindObject {
		l.schema(ptr, "Expected value of type Object")
		return nil
	}
	st := &State{Name: name, Pointer: ptr, QueryLanguage: parentQL}
	tn := n.get("Type")
	if tn == nil {
		l.schema(ptr, "These fields are required: [Type]")
		return nil
	}
	if tn.kind != kindString || !slices.Contains(stateTypes, StateType(tn.str)) {
		l.schema(ptr+"/Type", "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]")
		return nil
	}
	st.Type = StateType(tn.str)
	if qn := n.get("QueryLanguage"); qn != nil {
		if ql, ok := l.queryLanguage(qn, ptr+"/QueryLanguage"); ok {
			if parentQL == JSONata && ql == JSONPath {
				l.schema(ptr, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
			}
			st.QueryLanguage = ql
		}
	}
	ql := st.QueryLanguage
	fields := typeFields[st.Type]
	for i, key := range n.keys {
		switch {
		case slices.Contains(commonFields, key), slices.Contains(fields[0], key):
		case slices.Contains(fields[1], key) && ql == JSONPath, slices.Contains(fields[2], key) && ql == JSONata:
		case slices.Contains(fields[1], key):
			l.schema(ptr, "The QueryLanguage is set to '%s', but field '%s' is only supported for the '%s' QueryLanguage", ql, key, JSONPath)
		case slices.Contains(fields[2], key) && ql == JSONPath:
			l.schema(ptr, "The QueryLanguage is set to '%s', but field '%s' is only supported for the '%s' QueryLanguage", ql, key, JSONata)
		default:
			l.schema(ptr, "Field '%s' is not supported", key)
		}
		_ = i
	}
	st.Comment = l.optString(n, ptr, "Comment")

	// Transitions.
	if st.Type != TypeChoice && st.Type != TypeSucceed && st.Type != TypeFail {
		st.Next = l.optString(n, ptr, "Next")
		if e := n.get("End"); e != nil {
			if e.kind != kindBool {
				l.schema(ptr+"/End", "Expected value of type Boolean")
			} else {
				st.End = e.b
			}
		}
		hasNext := n.get("Next") != nil
		switch {
		case hasNext && st.End:
			l.schema(ptr, "Only one of the fields [Next, End] can be set")
		case !hasNext && !st.End:
			l.schema(ptr, "These fields are required: [Next or End]")
		}
	}

	// Data flow.
	if ql == JSONPath {
		st.InputPath = l.optPath(n, ptr, "InputPath", pathAny)
		st.OutputPath = l.optPath(n, ptr, "OutputPath", pathAny)
		st.ResultPath = l.optPath(n, ptr, "ResultPath", pathReference)
		st.Parameters = l.optTemplate(n, ptr, "Parameters", ql)
		st.ResultSelector = l.optTemplate(n, ptr, "ResultSelector", ql)
	} else {
		st.Parameters = l.optTemplate(n, ptr, "Arguments", ql)
		st.Output = l.optTemplate(n, ptr, "Output", ql)
	}
	if r := n.get("Result"); r != nil {
		st.Result, st.HasResult = r.value(), true
	}
	st.Assign = l.assign(n, ptr, ql)

	switch st.Type {
	case TypeTask:
		l.task(st, n, ptr)
	case TypeChoice:
		l.choiceState(st, n, ptr)
	case TypeWait:
		l.wait(st, n, ptr)
	case TypeFail:
		l.fail(st, n, ptr)
	case TypeParallel:
		l.parallel(st, n, ptr)
	case TypeMap:
		l.mapState(st, n, ptr)
	}
	if st.Type == TypeTask || st.Type == TypeParallel || st.Type == TypeMap {
		st.Retry = l.retry(n.get("Retry"), ptr+"/Retry")
		st.Catch = l.catch(n.get("Catch"), ptr+"/Catch", ql)
	}
	return st
}

func (l *loader) task(st *State, n *node, ptr string) {
	rn := n.get("Resource")
	switch {
	case rn == nil:
		l.schema(ptr, "These fields are required: [Resource]")
	case rn.kind != kindString:
		l.schema(ptr+"/Resource", "Expected value of type String")
	default:
		st.Resource = rn.str
		if l.opts.Type == "EXPRESS" {
			if strings.HasPrefix(rn.str, "arn:") && strings.Contains(rn.str, ":states:") && strings.Contains(rn.str, ":activity:") {
				l.schema(ptr+"/Resource", "Express state machine does not support Activity ARN")
			}
			for _, suffix := range []string{".sync", ".waitForTaskToken"} {
				if strings.HasSuffix(rn.str, suffix) || strings.Contains(rn.str, suffix+":") {
					msg := fmt.Sprintf("Express state machine does not support '%s' service integration", suffix)
					if suffix == ".waitForTaskToken" {
						msg += " " // sic: AWS's message ends with a space
					}
					l.schema(ptr+"/Resource", "%s", msg)
				}
			}
		}
	}
	if c := n.get("Credentials"); c != nil {
		st.Credentials = c.value()
		cp := ptr + "/Credentials"
		if c.kind != kindObject {
			l.schema(cp, "Expected value of type Object")
		} else {
			l.unknownFields(c, cp, []string{"RoleArn", "RoleArn.$"})
			if c.get("RoleArn") == nil && c.get("RoleArn.$") == nil {
				l.schema(cp, "The field 'RoleArn' is required but was missing")
			}
			if rp := c.get("RoleArn.$"); rp != nil && st.QueryLanguage == JSONPath {
				l.pathValue(rp, cp+"/RoleArn.$", "RoleArn.$", pathIntrinsic)
			}
		}
	}
	var timeout, heartbeat int64
	st.TimeoutSeconds, timeout = l.seconds(n, ptr, "TimeoutSeconds", st.QueryLanguage)
	st.HeartbeatSeconds, heartbeat = l.seconds(n, ptr, "HeartbeatSeconds", st.QueryLanguage)
	if st.QueryLanguage == JSONPath {
		st.TimeoutSecondsPath = l.optPath(n, ptr, "TimeoutSecondsPath", pathAny)
		st.HeartbeatSecondsPath = l.optPath(n, ptr, "HeartbeatSecondsPath", pathAny)
		l.exclusive(n, ptr, "TimeoutSeconds", "TimeoutSecondsPath")
		l.exclusive(n, ptr, "HeartbeatSeconds", "HeartbeatSecondsPath")
	}
	if timeout > 0 && heartbeat > 0 && heartbeat >= timeout {
		l.schema(ptr+"/HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds")
	}
}

// seconds reads TimeoutSeconds or HeartbeatSeconds: a positive integer, or in
// JSONata an expression. It returns the literal value, or 0.
func (l *loader) seconds(n *node, ptr, field string, ql QueryLanguage) (*Template, int64) {
	v := n.get(field)
	if v == nil {
		return nil, 0
	}
	fp := ptr + "/" + field
	if ql == JSONata && v.kind == kindString && isJSONataExpr(v.str) {
		return l.template(v, fp, field, ql), 0
	}
	i := l.positiveInt(v, fp)
	return literalTemplate(v.value()), i
}

func (l *loader) positiveInt(v *node, ptr string) int64 {
	i, ok := l.integer(v, ptr)
	if !ok {
		return 0
	}
	if i < 1 || i > maxRetryValue {
		l.schema(ptr, "Value must be a positive integer no greater than %d", maxRetryValue)
		return 0
	}
	return i
}

func (l *loader) integer(v *node, ptr string) (int64, bool) {
	if v.kind != kindNumber {
		l.schema(ptr, "Expected value of type Integer")
		return 0, false
	}
	i, err := strconv.ParseInt(v.num.String(), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v.num.String(), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			l.schema(ptr, "Expected value of type Integer")
			return 0, false
		}
		i = int64(f)
	}
	return i, true
}

func (l *loader) exclusive(n *node, ptr, a, b string) {
	if n.get(a) != nil && n.get(b) != nil {
		l.schema(ptr, "Only one of the fields [%s, %s] can be set", a, b)
	}
}

func (l *loader) wait(st *State, n *node, ptr string) {
	count := 0
	for _, f := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
		if n.get(f) != nil {
			count++
		}
	}
	if count != 1 {
		l.schema(ptr, "Exactly one of the fields [Seconds, SecondsPath, Timestamp, TimestampPath] is required")
	}
	ql := st.QueryLanguage
	if s := n.get("Seconds"); s != nil {
		fp := ptr + "/Seconds"
		if ql == JSONata && s.kind == kindString && isJSONataExpr(s.str) {
			st.Seconds = l.template(s, fp, "Seconds", ql)
		} else if i, ok := l.integer(s, fp); ok {
			if i < 0 || i > maxRetryValue {
				l.schema(fp, "Value must be a non-negative integer no greater than %d", maxRetryValue)
			}
			st.Seconds = literalTemplate(s.value())
		}
	}
	if s := n.get("Timestamp"); s != nil {
		fp := ptr + "/Timestamp"
		switch {
		case s.kind != kindString:
			l.schema(fp, "Expected value of type String")
		case ql == JSONata && isJSONataExpr(s.str):
			st.Timestamp = l.template(s, fp, "Timestamp", ql)
		default:
			if _, err := ParseTimestamp(s.str); err != nil {
				l.schema(fp, "String does not match RFC3339 timestamp")
			}
			st.Timestamp = literalTemplate(s.str)
		}
	}
	if ql == JSONPath {
		st.SecondsPath = l.optPath(n, ptr, "SecondsPath", pathAny)
		st.TimestampPath = l.optPath(n, ptr, "TimestampPath", pathAny)
	}
}

// ParseTimestamp parses a States Language timestamp: RFC 3339 with an
// uppercase "T" and a "Z" or numeric offset.
func ParseTimestamp(s string) (time.Time, error) {
	if strings.ContainsAny(s, "tz ") {
		return time.Time{}, fmt.Errorf("timestamp %q is not RFC 3339", s)
	}
	return time.Parse(TimestampLayout, s)
}

func (l *loader) fail(st *State, n *node, ptr string) {
	for _, f := range []string{"Error", "Cause"} {
		v := n.get(f)
		if v == nil {
			continue
		}
		fp := ptr + "/" + f
		var t *Template
		if v.kind != kindString {
			l.schema(fp, "Expected value of type String")
		} else if st.QueryLanguage == JSONata && isJSONataExpr(v.str) {
			t = l.template(v, fp, f, JSONata)
		} else {
			t = literalTemplate(v.str)
		}
		if f == "Error" {
			st.Error = t
		} else {
			st.Cause = t
		}
	}
	if st.QueryLanguage == JSONPath {
		st.ErrorPath = l.optPath(n, ptr, "ErrorPath", pathIntrinsic)
		st.CausePath = l.optPath(n, ptr, "CausePath", pathIntrinsic)
		l.exclusive(n, ptr, "Error", "ErrorPath")
		l.exclusive(n, ptr, "Cause", "CausePath")
	}
}

func (l *loader) parallel(st *State, n *node, ptr string) {
	b := n.get("Branches")
	bp := ptr + "/Branches"
	switch {
	case b == nil:
		l.schema(ptr, "These fields are required: [Branches]")
		return
	case b.kind != kindArray:
		l.schema(bp, "Expected value of type Array")
		return
	case len(b.elems) == 0:
		l.schema(bp, "Array must contain at least 1 element")
	}
	for i, e := range b.elems {
		ep := fmt.Sprintf("%s[%d]", bp, i)
		if e.kind != kindObject {
			l.schema(ep, "Expected value of type Object")
			continue
		}
		st.Branches = append(st.Branches, l.machine(e, ep, st.QueryLanguage, scopeBranch))
	}
}

func (l *loader) mapState(st *State, n *node, ptr string) {
	ql := st.QueryLanguage
	proc, procField := n.get("ItemProcessor"), "ItemProcessor"
	if it := n.get("Iterator"); it != nil {
		if proc != nil {
			l.schema(ptr, "Only one of the fields [ItemProcessor, Iterator] can be set")
		} else {
			proc, procField = it, "Iterator"
		}
	}
	if proc == nil {
		l.schema(ptr, "These fields are required: [ItemProcessor]")
	} else if proc.kind != kindObject {
		l.schema(ptr+"/"+procField, "Expected value of type Object")
	} else {
		st.Processor = l.machine(proc, ptr+"/"+procField, ql, scopeProcessor)
	}
	if ql == JSONPath {
		st.ItemsPath = l.optPath(n, ptr, "ItemsPath", pathAny)
		if p := n.get("Parameters"); p != nil {
			if n.get("ItemSelector") != nil {
				l.schema(ptr, "Only one of the fields [ItemSelector, Parameters] can be set")
			}
			st.ItemSelector = l.template(p, ptr+"/Parameters", "Parameters", ql)
			st.Parameters = nil
		}
		st.MaxConcurrencyPath = l.optPath(n, ptr, "MaxConcurrencyPath", pathAny)
		st.ToleratedFailureCountPath = l.optPath(n, ptr, "ToleratedFailureCountPath", pathAny)
		st.ToleratedFailurePercentagePath = l.optPath(n, ptr, "ToleratedFailurePercentagePath", pathAny)
		l.exclusive(n, ptr, "MaxConcurrency", "MaxConcurrencyPath")
		l.exclusive(n, ptr, "ToleratedFailureCount", "ToleratedFailureCountPath")
		l.exclusive(n, ptr, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
	} else {
		st.Items = l.optTemplate(n, ptr, "Items", ql)
	}
	if s := n.get("ItemSelector"); s != nil {
		st.ItemSelector = l.template(s, ptr+"/ItemSelector", "ItemSelector", ql)
	}
	st.MaxConcurrency = l.mapNumber(n, ptr, "MaxConcurrency", ql, 0, math.MaxInt32, true)
	st.ToleratedFailureCount = l.mapNumber(n, ptr, "ToleratedFailureCount", ql, 0, math.MaxInt32, true)
	st.ToleratedFailurePercentage = l.mapNumber(n, ptr, "ToleratedFailurePercentage", ql, 0, 100, false)
	if lb := n.get("Label"); lb != nil {
		lp := ptr + "/Label"
		if lb.kind != kindString {
			l.schema(lp, "Expected value of type String")
		} else if msg := checkLabel(lb.str); msg != "" {
			l.add(CodeInvalidLabelName, lp, msg)
		} else {
			st.Label = lb.str
		}
	}
	for _, f := range []string{"ItemReader", "ItemBatcher", "ResultWriter"} {
		v := n.get(f)
		if v == nil {
			continue
		}
		if v.kind != kindObject {
			l.schema(ptr+"/"+f, "Expected value of type Object")
			continue
		}
		switch f {
		case "ItemReader":
			st.ItemReader = v.value()
		case "ItemBatcher":
			st.ItemBatcher = v.value()
		case "ResultWriter":
			st.ResultWriter = v.value()
		}
	}
}

// mapNumber reads MaxConcurrency and the ToleratedFailure fields.
func (l *loader) mapNumber(n *node, ptr, field string, ql QueryLanguage, lo, hi float64, integer bool) *Template {
	v := n.get(field)
	if v == nil {
		return nil
	}
	fp := ptr + "/" + field
	if ql == JSONata && v.kind == kindString && isJSONataExpr(v.str) {
		return l.template(v, fp, field, ql)
	}
	var f float64
	if integer {
		i, ok := l.integer(v, fp)
		if !ok {
			return nil
		}
		f = float64(i)
	} else {
		if v.kind != kindNumber {
			l.schema(fp, "Expected value of type Number")
			return nil
		}
		f, _ = v.num.Float64()
	}
	if f < lo || f > hi {
		l.schema(fp, "Value must be between %v and %v", lo, hi)
	}
	return literalTemplate(v.value())
}

// checkLabel returns why a Map label is invalid, or "".
func checkLabel(label string) string {
	if label == "" {
		return "Label cannot be empty"
	}
	if utf8.RuneCountInString(label) > maxLabelLen {
		return fmt.Sprintf("Label cannot exceed %d characters", maxLabelLen)
	}
	for _, r := range label {
		if strings.ContainsRune(" ?*<>{}[]:;,\\|^~$#%&`\"", r) || r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return fmt.Sprintf("Label contains invalid character: '%s'", escapeChar(r))
		}
	}
	return ""
}

// escapeChar writes r the way Python's unicode-escape codec does.
func escapeChar(r rune) string {
	switch r {
	case '\t':
		return `\t`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\\':
		return `\\`
	}
	if r < 0x20 || (r >= 0x7f && r < 0x100) {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return string(r)
}

func (l *loader) retry(n *node, ptr string) []*Retrier {
	if n == nil {
		return nil
	}
	if n.kind != kindArray {
		l.schema(ptr, "Expected value of type Array")
		return nil
	}
	var out []*Retrier
	for i, e := range n.elems {
		ep := fmt.Sprintf("%s[%d]", ptr, i)
		if e.kind != kindObject {
			l.schema(ep, "Expected value of type Object")
			continue
		}
		l.unknownFields(e, ep, []string{"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"})
		r := &Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2.0, JitterStrategy: "NONE"}
		r.ErrorEquals = l.errorEquals(e, ep, i == len(n.elems)-1)
		r.Comment = l.optString(e, ep, "Comment")
		if v := e.get("IntervalSeconds"); v != nil {
			if x, ok := l.integer(v, ep+"/IntervalSeconds"); ok {
				if x < 1 || x > maxRetryValue {
					l.schema(ep+"/IntervalSeconds", "Value must be between 1 and %d", maxRetryValue)
				}
				r.IntervalSeconds = x
			}
		}
		if v := e.get("MaxAttempts"); v != nil {
			if x, ok := l.integer(v, ep+"/MaxAttempts"); ok {
				if x < 0 || x > maxRetryValue {
					l.schema(ep+"/MaxAttempts", "Value must be between 0 and %d", maxRetryValue)
				}
				r.MaxAttempts = x
			}
		}
		if v := e.get("BackoffRate"); v != nil {
			if v.kind != kindNumber {
				l.schema(ep+"/BackoffRate", "Expected value of type Number")
			} else {
				f, _ := v.num.Float64()
				if f < 1.0 || f > maxRetryValue {
					l.schema(ep+"/BackoffRate", "Value must be between 1.0 and %d", maxRetryValue)
				}
				r.BackoffRate = f
			}
		}
		if v := e.get("MaxDelaySeconds"); v != nil {
			if x, ok := l.integer(v, ep+"/MaxDelaySeconds"); ok {
				if x < 1 || x > maxDelayLimit {
					l.schema(ep+"/MaxDelaySeconds", "Value must be between 1 and %d", maxDelayLimit)
				}
				r.MaxDelaySeconds = x
			}
		}
		if v := e.get("JitterStrategy"); v != nil {
			if v.kind != kindString || (v.str != "FULL" && v.str != "NONE") {
				l.schema(ep+"/JitterStrategy", "Value is not one of the allowed values: [FULL, NONE]")
			} else {
				r.JitterStrategy = v.str
			}
		}
		out = append(out, r)
	}
	return out
}

func (l *loader) catch(n *node, ptr string, ql QueryLanguage) []*Catcher {
	if n == nil {
		return nil
	}
	if n.kind != kindArray {
		l.schema(ptr, "Expected value of type Array")
		return nil
	}
	var out []*Catcher
	for i, e := range n.elems {
		ep := fmt.Sprintf("%s[%d]", ptr, i)
		if e.kind != kindObject {
			l.schema(ep, "Expected value of type Object")
			continue
		}
		allowed := []string{"ErrorEquals", "Next", "Comment", "Assign"}
		if ql == JSONPath {
			allowed = append(allowed, "ResultPath")
		} else {
			allowed = append(allowed, "Output")
		}
		l.unknownFields(e, ep, allowed)
		c := &Catcher{}
		c.ErrorEquals = l.errorEquals(e, ep, i == len(n.elems)-1)
		if e.get("Next") == nil {
			l.schema(ep, "These fields are required: [Next]")
		}
		c.Next = l.optString(e, ep, "Next")
		c.Comment = l.optString(e, ep, "Comment")
		if ql == JSONPath {
			c.ResultPath = l.optPath(e, ep, "ResultPath", pathReference)
		} else {
			c.Output = l.optTemplate(e, ep, "Output", ql)
		}
		c.Assign = l.assign(e, ep, ql)
		out = append(out, c)
	}
	return out
}

// errorEquals reads a Retrier's or Catcher's ErrorEquals; States.ALL must be
// alone and in the last element.
func (l *loader) errorEquals(n *node, ptr string, last bool) []string {
	v := n.get("ErrorEquals")
	fp := ptr + "/ErrorEquals"
	if v == nil {
		l.schema(ptr, "These fields are required: [ErrorEquals]")
		return nil
	}
	if v.kind != kindArray {
		l.schema(fp, "Expected value of type Array")
		return nil
	}
	if len(v.elems) == 0 {
		l.schema(fp, "Array must contain at least 1 element")
	}
	var out []string
	for i, e := range v.elems {
		if e.kind != kindString {
			l.schema(fmt.Sprintf("%s[%d]", fp, i), "Expected value of type String")
			continue
		}
		out = append(out, e.str)
	}
	if slices.Contains(out, ErrorALL) && (len(v.elems) > 1 || !last) {
		l.schema(fp, "States.ALL must be the last and only element in ErrorEquals, in the last retrier or catcher")
	}
	return out
}

// unknownFields reports members of n not in allowed.
func (l *loader) unknownFields(n *node, ptr string, allowed []string) {
	for _, k := range n.keys {
		if !slices.Contains(allowed, k) {
			l.schema(ptr, "Field '%s' is not supported", k)
		}
	}
}

func (l *loader) optString(n *node, ptr, field string) string {
	v := n.get(field)
	if v == nil {
		return ""
	}
	if v.kind != kindString {
		l.schema(ptr+"/"+field, "Expected value of type String")
		return ""
	}
	return v.str
}

func (l *loader) optPath(n *node, ptr, field string, kind pathKind) *Path {
	v := n.get(field)
	if v == nil {
		return nil
	}
	return l.pathValue(v, ptr+"/"+field, field, kind)
}

func (l *loader) pathValue(v *node, ptr, field string, kind pathKind) *Path {
	if v.kind == kindNull {
		return &Path{Null: true}
	}
	if v.kind != kindString {
		l.schema(ptr, "Expected value of type String")
		return nil
	}
	p, err := compilePath(v.str, kind)
	if err != nil {
		switch {
		case kind == pathReference:
			l.schema(ptr, "The value for the field '%s' must be a valid ReferencePath", field)
		case kind == pathIntrinsic && isIntrinsic(v.str):
			l.schema(ptr, "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", field)
		default:
			l.schema(ptr, "The value for the field '%s' must be a valid JSONPath", field)
		}
		return nil
	}
	return p
}

func (l *loader) optTemplate(n *node, ptr, field string, ql QueryLanguage) *Template {
	v := n.get(field)
	if v == nil {
		return nil
	}
	return l.template(v, ptr+"/"+field, field, ql)
}

func (l *loader) assign(n *node, ptr string, ql QueryLanguage) *Template {
	v := n.get("Assign")
	if v == nil {
		return nil
	}
	ap := ptr + "/Assign"
	if v.kind != kindObject {
		l.schema(ap, "Expected value of type Object")
		return nil
	}
	for _, k := range v.keys {
		name := strings.TrimSuffix(k, ".$")
		if ql == JSONata {
			name = k
		}
		if !validVarName(name) {
			l.schema(ap+"/"+k, "The variable name '%s' is not valid", name)
		}
	}
	return l.template(v, ap, "Assign", ql)
}

// validVarName reports whether name can be assigned: an identifier of at
// most 80 characters other than the reserved "states".
func validVarName(name string) bool {
	if name == "" || len(name) > maxStateNameLen || name == "states" || !isIdentStart(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if !isIdentChar(name[i]) {
			return false
		}
	}
	return true
}
