package jsonpath_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/paystep/paystep/internal/asl/jsonpath"
)

func decode(s string) any {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		panic(err)
	}
	return v
}

func ExamplePath_Get() {
	doc := decode(`{"users": [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}], "id": 12345678901234567890}`)

	v, _ := jsonpath.MustCompile("$.id").Get(doc) // definite: the value itself
	fmt.Println(v)
	v, _ = jsonpath.MustCompile("$.users[?(@.age > 40)].name").Get(doc) // indefinite: a list
	fmt.Println(v)
	_, err := jsonpath.MustCompile("$.users[5]").Get(doc)
	fmt.Println(errors.Is(err, jsonpath.ErrNoMatch), err)
	// Output:
	// 12345678901234567890
	// [Alan]
	// true path $.users[5]: index 5 is out of range for $.users of length 2: jsonpath: no match
}

func ExamplePath_Set() {
	doc := decode(`{"order": "A-1"}`)
	p, err := jsonpath.CompileReference("$.result.payment")
	if err != nil {
		panic(err)
	}
	out, _ := p.Set(doc, "captured")
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	// Output:
	// {"order":"A-1","result":{"payment":"captured"}}
}

func ExamplePath_Root() {
	for _, s := range []string{"$.a", "$$.Execution.Input", "$total.amount"} {
		p := jsonpath.MustCompile(s)
		fmt.Printf("%s: %v %q\n", p, p.Root(), p.Variable())
	}
	// Output:
	// $.a: input ""
	// $$.Execution.Input: context ""
	// $total.amount: variable "total"
}
