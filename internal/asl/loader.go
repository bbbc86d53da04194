package asl

type loader struct {
	opts  LoadOptions
	diags []Diagnostic
}

func newLoader(opts LoadOptions) *loader { return &loader{opts: opts} }

func (l *loader) load(definition []byte) *StateMachine {
	return &StateMachine{}
}
