package wire

import "encoding/json"

// The request (…Input) and response (…Output) of each action, named after
// AWS's shapes. Optional members are omitted when empty; members AWS always
// returns (such as the lists of List… actions) are always written.

// CreateStateMachineInput is the request of CreateStateMachine.
type CreateStateMachineInput struct {
	Name                    string                   `json:"name"`
	Definition              string                   `json:"definition"`
	RoleArn                 string                   `json:"roleArn"`
	Type                    string                   `json:"type,omitempty"` // STANDARD when empty
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	Tags                    []Tag                    `json:"tags,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	Publish                 bool                     `json:"publish,omitempty"`
	VersionDescription      string                   `json:"versionDescription,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// CreateStateMachineOutput is the response of CreateStateMachine.
type CreateStateMachineOutput struct {
	StateMachineArn        string `json:"stateMachineArn"`
	CreationDate           Time   `json:"creationDate"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

// DescribeStateMachineInput is the request of DescribeStateMachine.
type DescribeStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	IncludedData    string `json:"includedData,omitempty"`
}

// DescribeStateMachineOutput is the response of DescribeStateMachine.
type DescribeStateMachineOutput struct {
	StateMachineArn         string                   `json:"stateMachineArn"`
	Name                    string                   `json:"name"`
	Status                  string                   `json:"status,omitempty"`
	Definition              string                   `json:"definition"`
	RoleArn                 string                   `json:"roleArn"`
	Type                    string                   `json:"type"`
	CreationDate            Time                     `json:"creationDate"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	Label                   string                   `json:"label,omitempty"`
	RevisionID              string                   `json:"revisionId,omitempty"`
	Description             string                   `json:"description,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	VariableReferences      map[string][]string      `json:"variableReferences,omitempty"`
}

// UpdateStateMachineInput is the request of UpdateStateMachine.
type UpdateStateMachineInput struct {
	StateMachineArn         string                   `json:"stateMachineArn"`
	Definition              string                   `json:"definition,omitempty"`
	RoleArn                 string                   `json:"roleArn,omitempty"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	Publish                 bool                     `json:"publish,omitempty"`
	VersionDescription      string                   `json:"versionDescription,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// UpdateStateMachineOutput is the response of UpdateStateMachine.
type UpdateStateMachineOutput struct {
	UpdateDate             Time   `json:"updateDate"`
	RevisionID             string `json:"revisionId,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
}

// DeleteStateMachineInput is the request of DeleteStateMachine.
type DeleteStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

// DeleteStateMachineOutput is the (empty) response of DeleteStateMachine.
type DeleteStateMachineOutput struct{}

// ListStateMachinesInput is the request of ListStateMachines.
type ListStateMachinesInput struct {
	MaxResults int32  `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

// ListStateMachinesOutput is the response of ListStateMachines.
type ListStateMachinesOutput struct {
	StateMachines []StateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

// ValidateStateMachineDefinitionInput is the request of
// ValidateStateMachineDefinition.
type ValidateStateMachineDefinitionInput struct {
	Definition string `json:"definition"`
	Type       string `json:"type,omitempty"`
	Severity   string `json:"severity,omitempty"`
	MaxResults int32  `json:"maxResults,omitempty"`
}

// ValidateStateMachineDefinitionOutput is the response of
// ValidateStateMachineDefinition.
type ValidateStateMachineDefinitionOutput struct {
	Result      string       `json:"result"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Truncated   bool         `json:"truncated,omitempty"`
}

// DescribeStateMachineForExecutionInput is the request of
// DescribeStateMachineForExecution.
type DescribeStateMachineForExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	IncludedData string `json:"includedData,omitempty"`
}

// DescribeStateMachineForExecutionOutput is the response of
// DescribeStateMachineForExecution.
type DescribeStateMachineForExecutionOutput struct {
	StateMachineArn         string                   `json:"stateMachineArn"`
	Name                    string                   `json:"name"`
	Definition              string                   `json:"definition"`
	RoleArn                 string                   `json:"roleArn"`
	UpdateDate              Time                     `json:"updateDate"`
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	MapRunArn               string                   `json:"mapRunArn,omitempty"`
	Label                   string                   `json:"label,omitempty"`
	RevisionID              string                   `json:"revisionId,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
	VariableReferences      map[string][]string      `json:"variableReferences,omitempty"`
}

// StartExecutionInput is the request of StartExecution. Input is JSON text;
// empty means "{}".
type StartExecutionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name,omitempty"`
	Input           string `json:"input,omitempty"`
	TraceHeader     string `json:"traceHeader,omitempty"`
}

// StartExecutionOutput is the response of StartExecution.
type StartExecutionOutput struct {
	ExecutionArn string `json:"executionArn"`
	StartDate    Time   `json:"startDate"`
}

// StartSyncExecutionInput is the request of StartSyncExecution.
type StartSyncExecutionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name,omitempty"`
	Input           string `json:"input,omitempty"`
	TraceHeader     string `json:"traceHeader,omitempty"`
	IncludedData    string `json:"includedData,omitempty"`
}

// StartSyncExecutionOutput is the response of StartSyncExecution.
type StartSyncExecutionOutput struct {
	ExecutionArn    string                                `json:"executionArn"`
	StateMachineArn string                                `json:"stateMachineArn,omitempty"`
	Name            string                                `json:"name,omitempty"`
	StartDate       Time                                  `json:"startDate"`
	StopDate        Time                                  `json:"stopDate"`
	Status          string                                `json:"status"`
	Error           string                                `json:"error,omitempty"`
	Cause           string                                `json:"cause,omitempty"`
	Input           string                                `json:"input,omitempty"`
	InputDetails    *CloudWatchEventsExecutionDataDetails `json:"inputDetails,omitempty"`
	Output          string                                `json:"output,omitempty"`
	OutputDetails   *CloudWatchEventsExecutionDataDetails `json:"outputDetails,omitempty"`
	TraceHeader     string                                `json:"traceHeader,omitempty"`
	BillingDetails  *BillingDetails                       `json:"billingDetails,omitempty"`
}

// StopExecutionInput is the request of StopExecution.
type StopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// StopExecutionOutput is the response of StopExecution.
type StopExecutionOutput struct {
	StopDate Time `json:"stopDate"`
}

// DescribeExecutionInput is the request of DescribeExecution.
type DescribeExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	IncludedData string `json:"includedData,omitempty"`
}

// DescribeExecutionOutput is the response of DescribeExecution.
type DescribeExecutionOutput struct {
	ExecutionArn           string                                `json:"executionArn"`
	StateMachineArn        string                                `json:"stateMachineArn"`
	Name                   string                                `json:"name,omitempty"`
	Status                 string                                `json:"status"`
	StartDate              Time                                  `json:"startDate"`
	StopDate               Time                                  `json:"stopDate,omitzero"`
	Input                  string                                `json:"input,omitempty"`
	InputDetails           *CloudWatchEventsExecutionDataDetails `json:"inputDetails,omitempty"`
	Output                 string                                `json:"output,omitempty"`
	OutputDetails          *CloudWatchEventsExecutionDataDetails `json:"outputDetails,omitempty"`
	TraceHeader            string                                `json:"traceHeader,omitempty"`
	MapRunArn              string                                `json:"mapRunArn,omitempty"`
	Error                  string                                `json:"error,omitempty"`
	Cause                  string                                `json:"cause,omitempty"`
	StateMachineVersionArn string                                `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string                                `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           *int32                                `json:"redriveCount,omitempty"`
	RedriveDate            Time                                  `json:"redriveDate,omitzero"`
	RedriveStatus          string                                `json:"redriveStatus,omitempty"`
	RedriveStatusReason    string                                `json:"redriveStatusReason,omitempty"`
}

// ListExecutionsInput is the request of ListExecutions.
type ListExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn,omitempty"`
	StatusFilter    string `json:"statusFilter,omitempty"`
	MaxResults      int32  `json:"maxResults,omitempty"`
	NextToken       string `json:"nextToken,omitempty"`
	MapRunArn       string `json:"mapRunArn,omitempty"`
	RedriveFilter   string `json:"redriveFilter,omitempty"`
}

// ListExecutionsOutput is the response of ListExecutions.
type ListExecutionsOutput struct {
	Executions []ExecutionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

// GetExecutionHistoryInput is the request of GetExecutionHistory.
// IncludeExecutionData is true when absent.
type GetExecutionHistoryInput struct {
	ExecutionArn         string `json:"executionArn"`
	MaxResults           int32  `json:"maxResults,omitempty"`
	ReverseOrder         bool   `json:"reverseOrder,omitempty"`
	NextToken            string `json:"nextToken,omitempty"`
	IncludeExecutionData *bool  `json:"includeExecutionData,omitempty"`
}

// GetExecutionHistoryOutput is the response of GetExecutionHistory.
type GetExecutionHistoryOutput struct {
	Events    []HistoryEvent `json:"events"`
	NextToken string         `json:"nextToken,omitempty"`
}

// RedriveExecutionInput is the request of RedriveExecution.
type RedriveExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	ClientToken  string `json:"clientToken,omitempty"`
}

// RedriveExecutionOutput is the response of RedriveExecution.
type RedriveExecutionOutput struct {
	RedriveDate Time `json:"redriveDate"`
}

// SendTaskSuccessInput is the request of SendTaskSuccess. Output is JSON text.
type SendTaskSuccessInput struct {
	TaskToken string `json:"taskToken"`
	Output    string `json:"output"`
}

// SendTaskSuccessOutput is the (empty) response of SendTaskSuccess.
type SendTaskSuccessOutput struct{}

// SendTaskFailureInput is the request of SendTaskFailure.
type SendTaskFailureInput struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error,omitempty"`
	Cause     string `json:"cause,omitempty"`
}

// SendTaskFailureOutput is the (empty) response of SendTaskFailure.
type SendTaskFailureOutput struct{}

// SendTaskHeartbeatInput is the request of SendTaskHeartbeat.
type SendTaskHeartbeatInput struct {
	TaskToken string `json:"taskToken"`
}

// SendTaskHeartbeatOutput is the (empty) response of SendTaskHeartbeat.
type SendTaskHeartbeatOutput struct{}

// CreateActivityInput is the request of CreateActivity.
type CreateActivityInput struct {
	Name                    string                   `json:"name"`
	Tags                    []Tag                    `json:"tags,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// CreateActivityOutput is the response of CreateActivity.
type CreateActivityOutput struct {
	ActivityArn  string `json:"activityArn"`
	CreationDate Time   `json:"creationDate"`
}

// DescribeActivityInput is the request of DescribeActivity.
type DescribeActivityInput struct {
	ActivityArn string `json:"activityArn"`
}

// DescribeActivityOutput is the response of DescribeActivity.
type DescribeActivityOutput struct {
	ActivityArn             string                   `json:"activityArn"`
	Name                    string                   `json:"name"`
	CreationDate            Time                     `json:"creationDate"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// DeleteActivityInput is the request of DeleteActivity.
type DeleteActivityInput struct {
	ActivityArn string `json:"activityArn"`
}

// DeleteActivityOutput is the (empty) response of DeleteActivity.
type DeleteActivityOutput struct{}

// ListActivitiesInput is the request of ListActivities.
type ListActivitiesInput struct {
	MaxResults int32  `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

// ListActivitiesOutput is the response of ListActivities.
type ListActivitiesOutput struct {
	Activities []ActivityListItem `json:"activities"`
	NextToken  string             `json:"nextToken,omitempty"`
}

// GetActivityTaskInput is the request of GetActivityTask.
type GetActivityTaskInput struct {
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName,omitempty"`
}

// GetActivityTaskOutput is the response of GetActivityTask: both members are
// empty when no task arrived before the poll ended.
type GetActivityTaskOutput struct {
	TaskToken string `json:"taskToken,omitempty"`
	Input     string `json:"input,omitempty"`
}

// TagResourceInput is the request of TagResource.
type TagResourceInput struct {
	ResourceArn string `json:"resourceArn"`
	Tags        []Tag  `json:"tags"`
}

// TagResourceOutput is the (empty) response of TagResource.
type TagResourceOutput struct{}

// UntagResourceInput is the request of UntagResource.
type UntagResourceInput struct {
	ResourceArn string   `json:"resourceArn"`
	TagKeys     []string `json:"tagKeys"`
}

// UntagResourceOutput is the (empty) response of UntagResource.
type UntagResourceOutput struct{}

// ListTagsForResourceInput is the request of ListTagsForResource.
type ListTagsForResourceInput struct {
	ResourceArn string `json:"resourceArn"`
}

// ListTagsForResourceOutput is the response of ListTagsForResource.
type ListTagsForResourceOutput struct {
	Tags []Tag `json:"tags"`
}

// The list members AWS always returns are written as [] when nil.

// MarshalJSON writes StateMachines as [] when nil.
func (o ListStateMachinesOutput) MarshalJSON() ([]byte, error) {
	type plain ListStateMachinesOutput
	o.StateMachines = nonNil(o.StateMachines)
	return json.Marshal(plain(o))
}

// MarshalJSON writes Executions as [] when nil.
func (o ListExecutionsOutput) MarshalJSON() ([]byte, error) {
	type plain ListExecutionsOutput
	o.Executions = nonNil(o.Executions)
	return json.Marshal(plain(o))
}

// MarshalJSON writes Activities as [] when nil.
func (o ListActivitiesOutput) MarshalJSON() ([]byte, error) {
	type plain ListActivitiesOutput
	o.Activities = nonNil(o.Activities)
	return json.Marshal(plain(o))
}

// MarshalJSON writes Events as [] when nil.
func (o GetExecutionHistoryOutput) MarshalJSON() ([]byte, error) {
	type plain GetExecutionHistoryOutput
	o.Events = nonNil(o.Events)
	return json.Marshal(plain(o))
}

// MarshalJSON writes Tags as [] when nil.
func (o ListTagsForResourceOutput) MarshalJSON() ([]byte, error) {
	type plain ListTagsForResourceOutput
	o.Tags = nonNil(o.Tags)
	return json.Marshal(plain(o))
}

// MarshalJSON writes Diagnostics as [] when nil.
func (o ValidateStateMachineDefinitionOutput) MarshalJSON() ([]byte, error) {
	type plain ValidateStateMachineDefinitionOutput
	o.Diagnostics = nonNil(o.Diagnostics)
	return json.Marshal(plain(o))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
