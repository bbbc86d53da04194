package jsonata

// This file lets an embedding inspect what a compiled expression reads,
// for rules of its own (such as a host that evaluates every expression
// without an input document). Nothing here evaluates anything.

// Reference is one place where an expression reads a name.
type Reference struct {
	// Name is what is read: a field name (as the field is spelt, without
	// backquotes), "$" for the context value, "$$" for the input document,
	// "*" or "**" for a wildcard; a variable name without its "$".
	Name string
	// Position is the offset of the name in the expression, in characters
	// from 0.
	Position int
	// Deferred reports a reference inside the body of a function: it reads
	// the input only when, and if, the function is called.
	Deferred bool
}

// InputReferences returns, in source order, the places where e reads its
// input document (the input given to Evaluate) directly rather than
// through a variable:
//
//   - "$$" anywhere, as it always denotes the input document;
//   - "$", a field name, "*" or "**" evaluated with the input document as
//     the context value: the whole expression; the first step of a path;
//     both operands of an operator, "~>" included; the condition and both
//     branches of "? :"; each expression of a block; the value bound by
//     ":="; the function called and its arguments; the items of an array
//     constructor and the keys and values of an object constructor — each
//     only when the enclosing expression is itself evaluated against the
//     input;
//   - the same inside the body of a function defined in such a place,
//     marked Deferred, since a function body is evaluated against the
//     context value of its definition.
//
// Anything evaluated against another context value is not a reference to
// the input: the steps of a path after the first, predicates, sort terms,
// group-by objects, and the pattern and update of a transform. So
// "$x.items[price > 10].name" reads no input, "price" does.
//
// The same reference is reported once even where the parser evaluates it
// twice (the left side of "?:" and "??").
func (e *Expr) InputReferences() []Reference {
	var w refWalker
	w.input(e.ast, true, false)
	return w.refs
}

// Variables returns, in source order, every variable e reads, by name
// without its "$": built-in functions it calls included, whether or not e
// binds the variable itself. Binding a variable (":=", a function
// parameter, "@$v", "#$i") is not a read; "$" and "$$" are not variables
// here (see InputReferences). The operator "??" reads $exists.
func (e *Expr) Variables() []Reference {
	var w refWalker
	w.variables(e.ast)
	return w.refs
}

type refWalker struct {
	refs []Reference
}

func (w *refWalker) add(r Reference) {
	for _, x := range w.refs {
		if x == r {
			return
		}
	}
	w.refs = append(w.refs, r)
}

// input records the input references of n. top reports whether n is
// evaluated with the input document as its context value, deferred whether
// n is inside the body of a function.
func (w *refWalker) input(n *node, top, deferred bool) {
	if n == nil {
		return
	}
	nested := func(x *node) { w.input(x, false, deferred) }
	switch n.typ {
	case nPath:
		for i, s := range n.steps {
			w.input(s, top && i == 0, deferred)
		}
	case nName:
		if top {
			w.add(Reference{Name: n.str, Position: n.pos, Deferred: deferred})
		}
	case nWildcard, nDescendant:
		if top {
			w.add(Reference{Name: n.str, Position: n.pos, Deferred: deferred})
		}
	case nVariable:
		switch {
		case n.str == "$":
			w.add(Reference{Name: "$$", Position: n.pos, Deferred: deferred})
		case n.str == "" && top:
			w.add(Reference{Name: "$", Position: n.pos, Deferred: deferred})
		}
	case nBinary, nApply:
		w.input(n.lhs, top, deferred)
		w.input(n.rhs, top, deferred)
	case nBind:
		w.input(n.rhs, top, deferred)
	case nUnary:
		for _, x := range n.expressions {
			w.input(x, top, deferred)
		}
		for _, p := range n.pairs {
			w.input(p[0], top, deferred)
			w.input(p[1], top, deferred)
		}
		w.input(n.expression, top, deferred)
	case nFunction, nPartial:
		w.input(n.procedure, top, deferred)
		for _, a := range n.arguments {
			w.input(a, top, deferred)
		}
	case nLambda:
		w.input(n.body, top, true)
	case nCondition:
		w.input(n.condition, top, deferred)
		w.input(n.then, top, deferred)
		w.input(n.els, top, deferred)
	case nBlock:
		for _, x := range n.expressions {
			w.input(x, top, deferred)
		}
	case nTransform:
		nested(n.pattern)
		nested(n.update)
		nested(n.del)
	case nSort:
		for _, t := range n.terms {
			nested(t.expr)
		}
	}
	// What applies to the value of n is evaluated against that value.
	for _, s := range n.predicate {
		nested(s.expr)
	}
	for _, s := range n.stages {
		nested(s.expr)
	}
	if n.group != nil {
		for _, p := range n.group.pairs {
			nested(p[0])
			nested(p[1])
		}
	}
}

// variables records every variable n reads.
func (w *refWalker) variables(n *node) {
	if n == nil {
		return
	}
	switch n.typ {
	case nVariable:
		if n.str != "" && n.str != "$" {
			w.add(Reference{Name: n.str, Position: n.pos})
		}
	case nPath:
		for _, s := range n.steps {
			w.variables(s)
		}
	case nBinary, nApply:
		w.variables(n.lhs)
		w.variables(n.rhs)
	case nBind:
		w.variables(n.rhs) // n.lhs is the variable bound
	case nUnary:
		for _, x := range n.expressions {
			w.variables(x)
		}
		for _, p := range n.pairs {
			w.variables(p[0])
			w.variables(p[1])
		}
		w.variables(n.expression)
	case nFunction, nPartial:
		w.variables(n.procedure)
		for _, a := range n.arguments {
			w.variables(a)
		}
	case nLambda:
		w.variables(n.body) // n.arguments are the parameters
	case nCondition:
		w.variables(n.condition)
		w.variables(n.then)
		w.variables(n.els)
	case nBlock:
		for _, x := range n.expressions {
			w.variables(x)
		}
	case nTransform:
		w.variables(n.pattern)
		w.variables(n.update)
		w.variables(n.del)
	case nSort:
		for _, t := range n.terms {
			w.variables(t.expr)
		}
	}
	for _, s := range n.predicate {
		w.variables(s.expr)
	}
	for _, s := range n.stages {
		w.variables(s.expr)
	}
	if n.group != nil {
		for _, p := range n.group.pairs {
			w.variables(p[0])
			w.variables(p[1])
		}
	}
}
