package wire

// Values of the enumerations the wire types carry.
const (
	StateMachineTypeStandard = "STANDARD"
	StateMachineTypeExpress  = "EXPRESS"

	StateMachineStatusActive   = "ACTIVE"
	StateMachineStatusDeleting = "DELETING"

	ExecutionStatusRunning        = "RUNNING"
	ExecutionStatusSucceeded      = "SUCCEEDED"
	ExecutionStatusFailed         = "FAILED"
	ExecutionStatusTimedOut       = "TIMED_OUT"
	ExecutionStatusAborted        = "ABORTED"
	ExecutionStatusPendingRedrive = "PENDING_REDRIVE"

	// StartSyncExecution's status.
	SyncExecutionStatusSucceeded = "SUCCEEDED"
	SyncExecutionStatusFailed    = "FAILED"
	SyncExecutionStatusTimedOut  = "TIMED_OUT"

	RedriveStatusRedrivable         = "REDRIVABLE"
	RedriveStatusNotRedrivable      = "NOT_REDRIVABLE"
	RedriveStatusRedrivableByMapRun = "REDRIVABLE_BY_MAP_RUN"

	RedriveFilterRedriven    = "REDRIVEN"
	RedriveFilterNotRedriven = "NOT_REDRIVEN"

	IncludedDataAllData      = "ALL_DATA"
	IncludedDataMetadataOnly = "METADATA_ONLY"

	LogLevelAll   = "ALL"
	LogLevelError = "ERROR"
	LogLevelFatal = "FATAL"
	LogLevelOff   = "OFF"

	EncryptionTypeAWSOwnedKey           = "AWS_OWNED_KEY"
	EncryptionTypeCustomerManagedKMSKey = "CUSTOMER_MANAGED_KMS_KEY"

	ValidationResultOK   = "OK"
	ValidationResultFail = "FAIL"

	SeverityError   = "ERROR"
	SeverityWarning = "WARNING"
)

// Tag is a key-value pair attached to a state machine or an activity.
type Tag struct {
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}

// LoggingConfiguration says what execution history goes to CloudWatch Logs.
type LoggingConfiguration struct {
	Level                string           `json:"level,omitempty"`
	IncludeExecutionData bool             `json:"includeExecutionData"`
	Destinations         []LogDestination `json:"destinations,omitempty"`
}

// LogDestination is where logs go.
type LogDestination struct {
	CloudWatchLogsLogGroup *CloudWatchLogsLogGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

// CloudWatchLogsLogGroup names a log group.
type CloudWatchLogsLogGroup struct {
	LogGroupArn string `json:"logGroupArn,omitempty"`
}

// TracingConfiguration turns X-Ray tracing on or off.
type TracingConfiguration struct {
	Enabled bool `json:"enabled"`
}

// EncryptionConfiguration chooses the key that encrypts data at rest.
type EncryptionConfiguration struct {
	KmsKeyID                     string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int32 `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
	Type                         string `json:"type"`
}

// CloudWatchEventsExecutionDataDetails says whether input or output was
// included in a response (false when left out, by includedData or size).
type CloudWatchEventsExecutionDataDetails struct {
	Included bool `json:"included"`
}

// BillingDetails of an Express execution run by StartSyncExecution.
type BillingDetails struct {
	BilledMemoryUsedInMB         int64 `json:"billedMemoryUsedInMB"`
	BilledDurationInMilliseconds int64 `json:"billedDurationInMilliseconds"`
}

// StateMachineListItem is one entry of ListStateMachines.
type StateMachineListItem struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	CreationDate    Time   `json:"creationDate"`
}

// ExecutionListItem is one entry of ListExecutions.
type ExecutionListItem struct {
	ExecutionArn           string `json:"executionArn"`
	StateMachineArn        string `json:"stateMachineArn"`
	Name                   string `json:"name"`
	Status                 string `json:"status"`
	StartDate              Time   `json:"startDate"`
	StopDate               Time   `json:"stopDate,omitzero"`
	MapRunArn              string `json:"mapRunArn,omitempty"`
	ItemCount              *int32 `json:"itemCount,omitempty"`
	StateMachineVersionArn string `json:"stateMachineVersionArn,omitempty"`
	StateMachineAliasArn   string `json:"stateMachineAliasArn,omitempty"`
	RedriveCount           *int32 `json:"redriveCount,omitempty"`
	RedriveDate            Time   `json:"redriveDate,omitzero"`
}

// ActivityListItem is one entry of ListActivities.
type ActivityListItem struct {
	ActivityArn  string `json:"activityArn"`
	Name         string `json:"name"`
	CreationDate Time   `json:"creationDate"`
}

// Diagnostic is one finding of ValidateStateMachineDefinition.
type Diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}
