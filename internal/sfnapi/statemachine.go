package sfnapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/paystep/paystep/internal/asl"
	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

// Limits of AWS's API model.
const (
	maxDefinitionLength = 1 << 20 // definition: 1 MiB of characters
	maxRoleARNLength    = 256
	maxValidateResults  = 100 // ValidateStateMachineDefinition's maxResults
)

// sensitiveLength is AWS's ValidationException for a member too long, worded
// without the value as AWS words it for sensitive members (definitions,
// inputs and outputs).
func sensitiveLength(member, value string, maxLen int) error {
	if len(value) <= maxLen { // bytes ≥ characters: a cheap first test
		return nil
	}
	if n := len([]rune(value)); n <= maxLen {
		return nil
	}
	return wire.NewError(wire.ValidationException, "1 validation error detected: Value at '"+member+
		"' failed to satisfy constraint: Member must have length less than or equal to "+strconv.Itoa(maxLen))
}

// machineType returns the store's type for the request's ("" is STANDARD).
func machineType(t string) store.StateMachineType {
	if t == wire.StateMachineTypeExpress {
		return store.StateMachineExpress
	}
	return store.StateMachineStandard
}

// checkDefinition loads definition as AWS does on create and update: an
// InvalidDefinition lists every error with its location.
func checkDefinition(definition string, typ store.StateMachineType) error {
	if _, err := asl.Load([]byte(definition), asl.LoadOptions{Type: string(typ)}); err != nil {
		var de *asl.DefinitionError
		if errors.As(err, &de) {
			return wire.NewError(wire.InvalidDefinition, de.Error())
		}
		return fmt.Errorf("load definition: %w", err)
	}
	return nil
}

// checkUnsupported rejects what paystep does not do rather than ignoring it.
func checkUnsupported(publish bool, versionDescription string, enc *wire.EncryptionConfiguration, logging *wire.LoggingConfiguration) error {
	if publish || versionDescription != "" {
		return wire.NewError(wire.ValidationException, "paystep does not publish state machine versions: leave publish and versionDescription out")
	}
	if enc != nil {
		var v wire.Validator
		v.Required("encryptionConfiguration.type", enc.Type)
		v.OneOf("encryptionConfiguration.type", enc.Type, wire.EncryptionTypeAWSOwnedKey, wire.EncryptionTypeCustomerManagedKMSKey)
		if err := v.Err(); err != nil {
			return err
		}
		if enc.Type != wire.EncryptionTypeAWSOwnedKey {
			return wire.NewError(wire.InvalidEncryptionConfiguration, "paystep has no KMS: only encryptionConfiguration.type "+wire.EncryptionTypeAWSOwnedKey+" is supported")
		}
	}
	if logging != nil {
		var v wire.Validator
		v.OneOf("loggingConfiguration.level", logging.Level, wire.LogLevelAll, wire.LogLevelError, wire.LogLevelFatal, wire.LogLevelOff)
		if err := v.Err(); err != nil {
			return err
		}
	}
	return nil
}

func stateMachineDoesNotExist(arn string) error {
	return wire.NewError(wire.StateMachineDoesNotExist, "State Machine Does Not Exist: '"+arn+"'")
}

func stateMachineDeleting(arn string) error {
	return wire.NewError(wire.StateMachineDeleting, "State Machine is being deleted: '"+arn+"'")
}

// parseStateMachineARN checks a stateMachineArn member. A qualified ARN (a
// version or an alias) names nothing here: paystep has neither.
func parseStateMachineARN(member, arn string) error {
	var v wire.Validator
	v.Required(member, arn)
	v.Length(member, arn, 1, wire.MaxARNLength)
	if err := v.Err(); err != nil {
		return err
	}
	a, err := wire.ParseARN(arn, wire.ResourceStateMachine)
	if err != nil {
		return err
	}
	if a.Qualifier != "" {
		return stateMachineDoesNotExist(arn)
	}
	return nil
}

func (h *Handler) createStateMachine(ctx context.Context, in *wire.CreateStateMachineInput) (*wire.CreateStateMachineOutput, error) {
	var v wire.Validator
	v.Required("name", in.Name)
	v.Required("definition", in.Definition)
	v.Required("roleArn", in.RoleArn)
	v.Length("roleArn", in.RoleArn, 1, maxRoleARNLength)
	v.OneOf("type", in.Type, wire.StateMachineTypeStandard, wire.StateMachineTypeExpress)
	checkTags(&v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := sensitiveLength("definition", in.Definition, maxDefinitionLength); err != nil {
		return nil, err
	}
	if err := wire.CheckName("name", in.Name); err != nil {
		return nil, err
	}
	if err := checkUnsupported(in.Publish, in.VersionDescription, in.EncryptionConfiguration, in.LoggingConfiguration); err != nil {
		return nil, err
	}
	typ := machineType(in.Type)
	if err := checkDefinition(in.Definition, typ); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTags {
		return nil, tooManyTags(wire.StateMachineARN(h.region, h.account, in.Name))
	}

	now := h.now()
	sm := &store.StateMachine{
		ARN:        wire.StateMachineARN(h.region, h.account, in.Name),
		Name:       in.Name,
		Type:       typ,
		Definition: in.Definition,
		RoleARN:    in.RoleArn,
		Status:     store.StateMachineActive,
		RevisionID: h.uuid(),
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	// A machine being deleted may go away on the way: try twice.
	for range 2 {
		err := h.store.InTx(ctx, func(q store.Queries) error {
			if err := q.StateMachineCreate(ctx, sm); err != nil {
				return err
			}
			if len(in.Tags) == 0 {
				return nil
			}
			return q.TagsPut(ctx, sm.ARN, tagMap(in.Tags))
		})
		if err == nil {
			return &wire.CreateStateMachineOutput{StateMachineArn: sm.ARN, CreationDate: wire.NewTime(sm.CreatedAt)}, nil
		}
		if !errors.Is(err, store.ErrExists) {
			return nil, fmt.Errorf("create state machine %s: %w", sm.ARN, err)
		}
		old, err := h.store.StateMachineGet(ctx, sm.ARN)
		if errors.Is(err, store.ErrNotFound) {
			// The name is taken under another ARN (another region or
			// account configured before).
			return nil, wire.NewError(wire.StateMachineAlreadyExists, "State Machine Already Exists: '"+sm.ARN+"'")
		}
		if err != nil {
			return nil, fmt.Errorf("state machine %s: %w", sm.ARN, err)
		}
		if old.Status == store.StateMachineDeleting {
			gone, err := h.settleDeleting(ctx, old.ARN)
			if err != nil {
				return nil, err
			}
			if gone {
				continue
			}
			return nil, stateMachineDeleting(old.ARN)
		}
		// Idempotent like AWS: the same name, definition and type return
		// the machine; a different roleArn or tags are ignored.
		if old.Definition == in.Definition && old.Type == typ {
			return &wire.CreateStateMachineOutput{StateMachineArn: old.ARN, CreationDate: wire.NewTime(old.CreatedAt)}, nil
		}
		return nil, wire.NewError(wire.StateMachineAlreadyExists, "State Machine Already Exists: '"+old.ARN+"'")
	}
	return nil, stateMachineDeleting(sm.ARN)
}

func (h *Handler) describeStateMachine(ctx context.Context, in *wire.DescribeStateMachineInput) (*wire.DescribeStateMachineOutput, error) {
	if err := parseStateMachineARN("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	if err := checkIncludedData(in.IncludedData); err != nil {
		return nil, err
	}
	sm, err := h.store.StateMachineGet(ctx, in.StateMachineArn)
	if err != nil {
		return nil, notFound(err, wire.StateMachineDoesNotExist, "State Machine", in.StateMachineArn)
	}
	if sm.Status == store.StateMachineDeleting {
		gone, err := h.settleDeleting(ctx, sm.ARN)
		if err != nil {
			return nil, err
		}
		if gone {
			return nil, stateMachineDoesNotExist(sm.ARN)
		}
	}
	out := &wire.DescribeStateMachineOutput{
		StateMachineArn:         sm.ARN,
		Name:                    sm.Name,
		Status:                  string(sm.Status),
		Definition:              sm.Definition,
		RoleArn:                 sm.RoleARN,
		Type:                    string(sm.Type),
		CreationDate:            wire.NewTime(sm.CreatedAt),
		LoggingConfiguration:    loggingOff(),
		TracingConfiguration:    &wire.TracingConfiguration{},
		RevisionID:              sm.RevisionID,
		Description:             sm.Description,
		EncryptionConfiguration: &wire.EncryptionConfiguration{Type: wire.EncryptionTypeAWSOwnedKey},
	}
	if in.IncludedData == wire.IncludedDataMetadataOnly {
		out.Definition = ""
	}
	return out, nil
}

func loggingOff() *wire.LoggingConfiguration {
	return &wire.LoggingConfiguration{Level: wire.LogLevelOff}
}

func checkIncludedData(s string) error {
	var v wire.Validator
	v.OneOf("includedData", s, wire.IncludedDataAllData, wire.IncludedDataMetadataOnly)
	return v.Err()
}

func (h *Handler) updateStateMachine(ctx context.Context, in *wire.UpdateStateMachineInput) (*wire.UpdateStateMachineOutput, error) {
	if err := parseStateMachineARN("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	var v wire.Validator
	v.Length("roleArn", in.RoleArn, 1, maxRoleARNLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := sensitiveLength("definition", in.Definition, maxDefinitionLength); err != nil {
		return nil, err
	}
	if in.Definition == "" && in.RoleArn == "" && in.LoggingConfiguration == nil && in.TracingConfiguration == nil && in.EncryptionConfiguration == nil {
		return nil, wire.NewError(wire.MissingRequiredParameter, "Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified")
	}
	if err := checkUnsupported(in.Publish, in.VersionDescription, in.EncryptionConfiguration, in.LoggingConfiguration); err != nil {
		return nil, err
	}
	sm, err := h.store.StateMachineGet(ctx, in.StateMachineArn)
	if err != nil {
		return nil, notFound(err, wire.StateMachineDoesNotExist, "State Machine", in.StateMachineArn)
	}
	if sm.Status == store.StateMachineDeleting {
		return nil, stateMachineDeleting(sm.ARN)
	}
	def, role := sm.Definition, sm.RoleARN
	if in.Definition != "" {
		if err := checkDefinition(in.Definition, sm.Type); err != nil {
			return nil, err
		}
		def = in.Definition
	}
	if in.RoleArn != "" {
		role = in.RoleArn
	}
	if def == sm.Definition && role == sm.RoleARN {
		// Nothing the store keeps changes: no new revision.
		return &wire.UpdateStateMachineOutput{UpdateDate: wire.NewTime(sm.UpdatedAt), RevisionID: sm.RevisionID}, nil
	}
	updated, err := h.store.StateMachineUpdate(ctx, &store.StateMachineUpdate{
		ARN:          sm.ARN,
		RevisionID:   h.uuid(),
		Definition:   def,
		RoleARN:      role,
		Description:  sm.Description,
		UpdatedAt:    h.now(),
		IfRevisionID: sm.RevisionID,
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return nil, wire.NewError(wire.ConflictException, "State Machine '"+sm.ARN+"' was updated by another request at the same time; retry")
	case err != nil:
		return nil, notFound(err, wire.StateMachineDoesNotExist, "State Machine", sm.ARN)
	}
	return &wire.UpdateStateMachineOutput{UpdateDate: wire.NewTime(updated.UpdatedAt), RevisionID: updated.RevisionID}, nil
}

// deleteStateMachine deletes the machine at once when none of its
// executions runs, and otherwise marks it DELETING: settleDeleting removes
// it once they have ended. Like AWS, deleting a machine that does not
// exist succeeds.
func (h *Handler) deleteStateMachine(ctx context.Context, in *wire.DeleteStateMachineInput) (*wire.DeleteStateMachineOutput, error) {
	if err := parseStateMachineARN("stateMachineArn", in.StateMachineArn); err != nil {
		var e *wire.Error
		if errors.As(err, &e) && e.Code == wire.StateMachineDoesNotExist {
			return &wire.DeleteStateMachineOutput{}, nil
		}
		return nil, err
	}
	err := h.store.InTx(ctx, func(q store.Queries) error {
		if _, err := q.StateMachineGet(ctx, in.StateMachineArn); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		running, err := hasRunning(ctx, q, in.StateMachineArn)
		if err != nil {
			return err
		}
		if running {
			return q.StateMachineSetStatus(ctx, in.StateMachineArn, store.StateMachineDeleting)
		}
		return q.StateMachineDelete(ctx, in.StateMachineArn)
	})
	if err != nil {
		return nil, fmt.Errorf("delete state machine %s: %w", in.StateMachineArn, err)
	}
	return &wire.DeleteStateMachineOutput{}, nil
}

func hasRunning(ctx context.Context, q store.Queries, smARN string) (bool, error) {
	running, _, err := q.ExecutionList(ctx, store.ExecutionFilter{StateMachineARN: smARN, Status: store.ExecutionRunning, Limit: 1})
	if err != nil {
		return false, fmt.Errorf("running executions of %s: %w", smARN, err)
	}
	return len(running) > 0, nil
}

// settleDeleting removes a DELETING machine none of whose executions runs
// any more, and reports whether it is gone.
func (h *Handler) settleDeleting(ctx context.Context, arn string) (bool, error) {
	gone := false
	err := h.store.InTx(ctx, func(q store.Queries) error {
		sm, err := q.StateMachineGet(ctx, arn)
		if errors.Is(err, store.ErrNotFound) {
			gone = true
			return nil
		}
		if err != nil || sm.Status != store.StateMachineDeleting {
			return err
		}
		running, err := hasRunning(ctx, q, arn)
		if err != nil || running {
			return err
		}
		if err := q.StateMachineDelete(ctx, arn); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		gone = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("settle deleting state machine %s: %w", arn, err)
	}
	return gone, nil
}

// Sweep removes the DELETING state machines whose executions have all
// ended. The API does it on the way when it meets one; a server calls
// Sweep now and then so that no such machine lingers unseen.
func (h *Handler) Sweep(ctx context.Context) error {
	cursor := ""
	for {
		page, next, err := h.store.StateMachineList(ctx, cursor, store.MaxLimit)
		if err != nil {
			return fmt.Errorf("list state machines: %w", err)
		}
		for _, sm := range page {
			if sm.Status != store.StateMachineDeleting {
				continue
			}
			if _, err := h.settleDeleting(ctx, sm.ARN); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

func (h *Handler) listStateMachines(ctx context.Context, in *wire.ListStateMachinesInput) (*wire.ListStateMachinesOutput, error) {
	page, next, err := listPage(ctx, in.MaxResults, in.NextToken, "list state machines", h.store.StateMachineList)
	if err != nil {
		return nil, err
	}
	out := &wire.ListStateMachinesOutput{StateMachines: make([]wire.StateMachineListItem, 0, len(page)), NextToken: next}
	for _, sm := range page {
		if sm.Status == store.StateMachineDeleting {
			gone, err := h.settleDeleting(ctx, sm.ARN)
			if err != nil {
				return nil, err
			}
			if gone {
				continue
			}
		}
		out.StateMachines = append(out.StateMachines, wire.StateMachineListItem{
			StateMachineArn: sm.ARN, Name: sm.Name, Type: string(sm.Type), CreationDate: wire.NewTime(sm.CreatedAt),
		})
	}
	return out, nil
}

func (h *Handler) validateStateMachineDefinition(_ context.Context, in *wire.ValidateStateMachineDefinitionInput) (*wire.ValidateStateMachineDefinitionOutput, error) {
	var v wire.Validator
	v.Required("definition", in.Definition)
	v.OneOf("type", in.Type, wire.StateMachineTypeStandard, wire.StateMachineTypeExpress)
	v.OneOf("severity", in.Severity, wire.SeverityError, wire.SeverityWarning)
	v.Range("maxResults", int64(in.MaxResults), 0, maxValidateResults)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := sensitiveLength("definition", in.Definition, maxDefinitionLength); err != nil {
		return nil, err
	}
	limit := int(in.MaxResults)
	if limit == 0 {
		limit = maxValidateResults
	}
	out := &wire.ValidateStateMachineDefinitionOutput{Result: wire.ValidationResultOK}
	for _, d := range asl.Validate([]byte(in.Definition), asl.LoadOptions{Type: string(machineType(in.Type))}) {
		if d.Severity == asl.SeverityError {
			out.Result = wire.ValidationResultFail
		}
		// severity ERROR (the default) lists errors only; WARNING lists
		// warnings too.
		if d.Severity != asl.SeverityError && in.Severity != wire.SeverityWarning {
			continue
		}
		if len(out.Diagnostics) == limit {
			out.Truncated = true
			continue
		}
		out.Diagnostics = append(out.Diagnostics, wire.Diagnostic{Severity: d.Severity, Code: d.Code, Message: d.Message, Location: d.Pointer})
	}
	return out, nil
}

func (h *Handler) describeStateMachineForExecution(ctx context.Context, in *wire.DescribeStateMachineForExecutionInput) (*wire.DescribeStateMachineForExecutionOutput, error) {
	e, err := h.describedExecution(ctx, in.ExecutionArn, in.IncludedData)
	if err != nil {
		return nil, err
	}
	rev, err := h.store.StateMachineRevisionGet(ctx, e.StateMachineARN, e.RevisionID)
	if err != nil {
		return nil, notFound(err, wire.StateMachineDoesNotExist, "State Machine", e.StateMachineARN)
	}
	name := ""
	if a, err := wire.ParseARN(e.StateMachineARN); err == nil {
		name = a.Name
	}
	out := &wire.DescribeStateMachineForExecutionOutput{
		StateMachineArn:         e.StateMachineARN,
		Name:                    name,
		Definition:              rev.Definition,
		RoleArn:                 rev.RoleARN,
		UpdateDate:              wire.NewTime(rev.CreatedAt),
		LoggingConfiguration:    loggingOff(),
		TracingConfiguration:    &wire.TracingConfiguration{},
		RevisionID:              rev.RevisionID,
		EncryptionConfiguration: &wire.EncryptionConfiguration{Type: wire.EncryptionTypeAWSOwnedKey},
	}
	if in.IncludedData == wire.IncludedDataMetadataOnly {
		out.Definition = ""
	}
	return out, nil
}
