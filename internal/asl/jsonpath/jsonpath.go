// Package jsonpath compiles and evaluates JSONPath paths the way AWS Step
// Functions does. Step Functions uses Jayway JsonPath, so this package follows
// Jayway's grammar and result rules:
//
//   - A definite path (only names and single indexes) yields one value, or
//     ErrNoMatch when the document has nothing there.
//   - An indefinite path (wildcard, slice, index or name union, filter, deep
//     scan) yields a []any of every match, possibly empty, never ErrNoMatch.
//     Branches that run into a missing field or a value of the wrong type are
//     skipped.
//   - Bracketed names at the end of a path (`$['a','b']`) are merged into one
//     object holding the names present, as Jayway does; that counts as definite.
//
// Supported syntax: names ($.name, $['name'], $["it's"], $.foo-bar: a dotted
// name runs to the next '.' or '['), indexes ([0], [-1]), unions ([0,2],
// ['a','b']), slices ([1:3], [:2], [-2:], and [::2] with a step, an extension
// following Python), wildcards (.* and [*]), deep scans (..name, ..*, ..[0])
// and filters: [?(@.price < 10 && (@.isbn || !@.gift))] with the operators
// == != === !== < <= > >= =~ in nin contains subsetof anyof noneof size empty,
// operands @... and $... paths, strings, numbers, true, false, null, JSON
// arrays and objects, and /regex/ with the flags i, m and s. Functions such as
// length() are not supported, as in Step Functions.
//
// Besides the input ("$"), a path may start at the context object ("$$") or at
// a variable ("$name"); see Root. The caller picks the document to evaluate
// against: Get applies the path after its root to whatever it is given.
//
// Values are what encoding/json produces with Decoder.UseNumber: map[string]any,
// []any, string, json.Number, bool and nil, and are treated as immutable: Get
// returns parts of the document itself and Set copies only along the path.
// Numbers are compared as exact decimals and never converted to float64. Objects have no order in Go, so
// wildcards and deep scans visit object members in sorted key order where
// Jayway would use document order.
package jsonpath

import (
	"errors"
	"fmt"
)

// ErrNoMatch is wrapped by the error Get returns when a definite path matches
// nothing in the document.
var ErrNoMatch = errors.New("jsonpath: no match")

// Root says which document a path starts at.
type Root uint8

const (
	RootInput    Root = iota // "$": the state input (or the document at hand)
	RootContext              // "$$": the context object
	RootVariable             // "$name": the variable name
)

func (r Root) String() string {
	switch r {
	case RootInput:
		return "input"
	case RootContext:
		return "context"
	case RootVariable:
		return "variable"
	}
	return fmt.Sprintf("Root(%d)", uint8(r))
}

// Path is a compiled JSONPath path. It is immutable and safe for concurrent use.
type Path struct {
	src      string
	root     Root
	variable string
	segs     []segment
	definite bool
}

// SyntaxError reports a path that does not compile.
type SyntaxError struct {
	Path string // the path as given
	Pos  int    // byte offset of the problem in Path
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jsonpath: invalid path %q at position %d: %s", e.Path, e.Pos, e.Msg)
}

// Compile parses a path starting with "$", "$$" or "$name". Leading and
// trailing blanks are ignored, as Jayway ignores them.
func Compile(path string) (*Path, error) {
	p := &parser{src: path}
	return p.parsePath()
}

// MustCompile is like Compile but panics on error. It is meant for paths
// written in Go source.
func MustCompile(path string) *Path {
	p, err := Compile(path)
	if err != nil {
		panic(err)
	}
	return p
}

// CompileReference parses a reference path (ResultPath and other assignment
// targets): only names and single non-negative indexes, so the path names
// exactly one node and Set can write to it.
func CompileReference(path string) (*Path, error) {
	p, err := Compile(path)
	if err != nil {
		return nil, err
	}
	for _, s := range p.segs {
		ok := !s.deep && (s.kind == segName && len(s.names) == 1 ||
			s.kind == segIndex && len(s.indexes) == 1 && s.indexes[0] >= 0)
		if !ok {
			return nil, &SyntaxError{Path: path, Pos: s.pos,
				Msg: "a reference path may contain only names and single non-negative indexes"}
		}
	}
	return p, nil
}

// String returns the path as it was written, for messages such as AWS's
// "The JSONPath '$.a' specified for the field 'X' could not be found".
func (p *Path) String() string { return p.src }

// Root reports which document the path starts at.
func (p *Path) Root() Root { return p.root }

// Variable returns the variable name of a RootVariable path ("x" for "$x.y"),
// and "" for other roots.
func (p *Path) Variable() string { return p.variable }

// Definite reports whether the path can match at most one node, in which case
// Get returns the node itself rather than a list.
func (p *Path) Definite() bool { return p.definite }

// IsRoot reports whether the path is its root alone ("$", "$$" or "$name").
func (p *Path) IsRoot() bool { return len(p.segs) == 0 }
