package sfnapi

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/paystep/paystep/internal/sfnapi/wire"
	"github.com/paystep/paystep/internal/store"
)

// Limits of tags, AWS's.
const (
	maxTags           = 50
	maxTagKeyLength   = 128
	maxTagValueLength = 256
)

func checkTags(v *wire.Validator, tags []wire.Tag) {
	for _, t := range tags {
		v.Required("tags.member.key", t.Key)
		v.Length("tags.member.key", t.Key, 1, maxTagKeyLength)
		v.Length("tags.member.value", t.Value, 0, maxTagValueLength)
	}
}

func tagMap(tags []wire.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func tooManyTags(arn string) error {
	return &wire.Error{
		Code:         wire.TooManyTags,
		Message:      "Too many tags: a resource has at most " + strconv.Itoa(maxTags) + " tags: '" + arn + "'",
		ResourceName: arn,
	}
}

func resourceNotFound(arn string) error {
	return &wire.Error{Code: wire.ResourceNotFound, Message: "Resource not found: '" + arn + "'", ResourceName: arn}
}

// checkTaggable checks that arn names a state machine or an activity that
// exists: those are the resources that carry tags.
func checkTaggable(ctx context.Context, q store.Queries, arn string) error {
	var v wire.Validator
	v.Required("resourceArn", arn)
	v.Length("resourceArn", arn, 1, wire.MaxARNLength)
	if err := v.Err(); err != nil {
		return err
	}
	a, err := wire.ParseARN(arn, wire.ResourceStateMachine, wire.ResourceActivity)
	if err != nil {
		return err
	}
	if a.Qualifier != "" {
		return resourceNotFound(arn)
	}
	if a.Type == wire.ResourceStateMachine {
		_, err = q.StateMachineGet(ctx, arn)
	} else {
		_, err = q.ActivityGet(ctx, arn)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return resourceNotFound(arn)
	case err != nil:
		return fmt.Errorf("resource %s: %w", arn, err)
	}
	return nil
}

func (h *Handler) tagResource(ctx context.Context, in *wire.TagResourceInput) (*wire.TagResourceOutput, error) {
	var v wire.Validator
	if in.Tags == nil {
		v.Required("tags", "")
	}
	checkTags(&v, in.Tags)
	if err := v.Err(); err != nil {
		return nil, err
	}
	err := h.store.InTx(ctx, func(q store.Queries) error {
		if err := checkTaggable(ctx, q, in.ResourceArn); err != nil {
			return err
		}
		tags := tagMap(in.Tags)
		have, err := q.TagsList(ctx, in.ResourceArn)
		if err != nil {
			return err
		}
		n := len(have)
		for k := range tags {
			if _, ok := have[k]; !ok {
				n++
			}
		}
		if n > maxTags {
			return tooManyTags(in.ResourceArn)
		}
		return q.TagsPut(ctx, in.ResourceArn, tags)
	})
	if err != nil {
		return nil, fmt.Errorf("tag %s: %w", in.ResourceArn, err)
	}
	return &wire.TagResourceOutput{}, nil
}

func (h *Handler) untagResource(ctx context.Context, in *wire.UntagResourceInput) (*wire.UntagResourceOutput, error) {
	if in.TagKeys == nil {
		var v wire.Validator
		v.Required("tagKeys", "")
		return nil, v.Err()
	}
	err := h.store.InTx(ctx, func(q store.Queries) error {
		if err := checkTaggable(ctx, q, in.ResourceArn); err != nil {
			return err
		}
		return q.TagsDelete(ctx, in.ResourceArn, in.TagKeys...)
	})
	if err != nil {
		return nil, fmt.Errorf("untag %s: %w", in.ResourceArn, err)
	}
	return &wire.UntagResourceOutput{}, nil
}

func (h *Handler) listTagsForResource(ctx context.Context, in *wire.ListTagsForResourceInput) (*wire.ListTagsForResourceOutput, error) {
	if err := checkTaggable(ctx, h.store, in.ResourceArn); err != nil {
		return nil, err
	}
	tags, err := h.store.TagsList(ctx, in.ResourceArn)
	if err != nil {
		return nil, fmt.Errorf("tags of %s: %w", in.ResourceArn, err)
	}
	out := &wire.ListTagsForResourceOutput{Tags: make([]wire.Tag, 0, len(tags))}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out.Tags = append(out.Tags, wire.Tag{Key: k, Value: tags[k]})
	}
	return out, nil
}
