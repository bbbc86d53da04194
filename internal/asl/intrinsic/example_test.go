package intrinsic_test

import (
	"fmt"

	"github.com/paystep/paystep/internal/asl/intrinsic"
)

func ExampleCall_Eval() {
	c, err := intrinsic.Parse("States.Format('Hello, {}! You have {} items.', $.name, States.ArrayLength($.items))")
	if err != nil {
		panic(err)
	}
	v, err := c.Eval(intrinsic.Env{Input: map[string]any{"name": "Ada", "items": []any{"a", "b"}}})
	fmt.Println(v, err)
	// Output:
	// Hello, Ada! You have 2 items. <nil>
}
