package sfnapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
)

func TestTags(t *testing.T) {
	forEachBackend(t, func(ctx context.Context, t *testing.T, e *env) {
		c := e.client
		smARN := e.createMachine(t, "Tagged", passDef)
		act := must[*sfn.CreateActivityOutput](t, "CreateActivity")(c.CreateActivity(ctx, &sfn.CreateActivityInput{
			Name: aws.String("TaggedActivity"), Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("ops")}},
		}))
		list := func(arn string) map[string]string {
			t.Helper()
			out := must[*sfn.ListTagsForResourceOutput](t, "ListTagsForResource")(c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))
			m := map[string]string{}
			var keys []string
			for _, tag := range out.Tags {
				m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
				keys = append(keys, aws.ToString(tag.Key))
			}
			for i := 1; i < len(keys); i++ {
				if keys[i-1] >= keys[i] {
					t.Errorf("ListTagsForResource keys not sorted: %q", keys)
				}
			}
			return m
		}
		if got := list(smARN); len(got) != 0 {
			t.Errorf("tags of a new machine = %v, want none", got)
		}
		if diff := cmp.Diff(map[string]string{"owner": "ops"}, list(aws.ToString(act.ActivityArn))); diff != "" {
			t.Errorf("tags of the activity (-want +got):\n%s", diff)
		}

		must[*sfn.TagResourceOutput](t, "TagResource")(c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(smARN), Tags: []types.Tag{
			{Key: aws.String("team"), Value: aws.String("payments")}, {Key: aws.String("cost"), Value: aws.String("42")}, {Key: aws.String("empty")},
		}}))
		must[*sfn.TagResourceOutput](t, "TagResource overwrite")(c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(smARN), Tags: []types.Tag{
			{Key: aws.String("cost"), Value: aws.String("43")},
		}}))
		if diff := cmp.Diff(map[string]string{"team": "payments", "cost": "43", "empty": ""}, list(smARN)); diff != "" {
			t.Errorf("tags after TagResource (-want +got):\n%s", diff)
		}
		must[*sfn.UntagResourceOutput](t, "UntagResource")(c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String(smARN), TagKeys: []string{"cost", "never-there"}}))
		if diff := cmp.Diff(map[string]string{"team": "payments", "empty": ""}, list(smARN)); diff != "" {
			t.Errorf("tags after UntagResource (-want +got):\n%s", diff)
		}

		// At most 50 tags: 48 more fit, 49 do not.
		_, err := c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(smARN), Tags: manyTags(49)})
		wantCode(t, "TagResource past 50", err, "TooManyTags")
		must[*sfn.TagResourceOutput](t, "TagResource to 50")(c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(smARN), Tags: manyTags(48)}))
		if got := list(smARN); len(got) != 50 {
			t.Errorf("%d tags, want 50", len(got))
		}

		missing := "arn:aws:states:us-east-1:123456789012:stateMachine:Missing"
		_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(missing), Tags: []types.Tag{{Key: aws.String("a")}}})
		wantCode(t, "TagResource of a missing machine", err, "ResourceNotFound")
		_, err = c.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: aws.String(missing)})
		wantCode(t, "ListTagsForResource of a missing machine", err, "ResourceNotFound")
		_, err = c.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: aws.String("arn:aws:states:us-east-1:123456789012:activity:Missing"), TagKeys: []string{"a"}})
		wantCode(t, "UntagResource of a missing activity", err, "ResourceNotFound")
		_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:Tagged:x"), Tags: []types.Tag{{Key: aws.String("a")}}})
		wantCode(t, "TagResource of an execution", err, "InvalidArn")
		_, err = c.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: aws.String(smARN), Tags: []types.Tag{{Key: aws.String("")}}})
		wantCode(t, "TagResource with an empty key", err, "ValidationException")
	})
}
