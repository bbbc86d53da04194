package jsonata

import (
	"errors"
	"math"

	"github.com/paystep/paystep/internal/jsonata/picture"
)

// Bridges to package picture, which formats and parses numbers, integers
// and dates with XPath picture strings.

func pictureError(err error) error {
	var pe *picture.Error
	if errors.As(err, &pe) {
		return &Error{Code: pe.Code, Message: pe.Message, Value: pe.Value}
	}
	return err
}

func fnFormatNumber(ev *evaluator, c call, args []any) (any, error) {
	v, ok := argNumber(args, 0)
	if !ok {
		return nil, nil
	}
	pic, _ := argString(args, 1)
	var opts map[string]string
	if o, ok := arg(args, 2).(*object); ok {
		opts = make(map[string]string, o.len())
		for _, k := range o.keys {
			s, err := fnString(o.vals[k], false)
			if err != nil {
				return nil, err
			}
			opts[k] = s
		}
	}
	s, err := picture.FormatNumber(v, pic, opts)
	if err != nil {
		return nil, pictureError(err)
	}
	return s, nil
}

func fnFormatInteger(ev *evaluator, c call, args []any) (any, error) {
	v, ok := argNumber(args, 0)
	if !ok {
		return nil, nil
	}
	pic, _ := argString(args, 1)
	s, err := picture.FormatInteger(v, pic)
	if err != nil {
		return nil, pictureError(err)
	}
	return s, nil
}

func fnParseInteger(ev *evaluator, c call, args []any) (any, error) {
	s, ok := argString(args, 0)
	if !ok {
		return nil, nil
	}
	pic, _ := argString(args, 1)
	v, err := picture.ParseInteger(s, pic)
	if err != nil {
		return nil, pictureError(err)
	}
	if math.IsNaN(v) {
		return nil, nil
	}
	return v, nil
}

func fnToMillis(ev *evaluator, c call, args []any) (any, error) {
	s, ok := argString(args, 0)
	if !ok {
		return nil, nil
	}
	pic, hasPic := argString(args, 1)
	if !hasPic {
		ms, err := picture.ParseISO(s)
		if err != nil {
			return nil, pictureError(err)
		}
		return float64(ms), nil
	}
	ms, ok, err := picture.ParseDateTime(s, pic, ev.now.UnixMilli())
	if err != nil {
		return nil, pictureError(err)
	}
	if !ok {
		return nil, nil
	}
	return float64(ms), nil
}

func fnFromMillis(ev *evaluator, c call, args []any) (any, error) {
	return fromMillis(arg(args, 0), arg(args, 1), arg(args, 2))
}

func fromMillis(millis, pic, timezone any) (any, error) {
	ms, ok := millis.(float64)
	if !ok {
		return nil, nil
	}
	p, hasPic := pic.(string)
	if hasPic && p == "" {
		return "", nil
	}
	tz, _ := timezone.(string)
	s, err := picture.FormatDateTime(int64(math.Trunc(ms)), p, tz)
	if err != nil {
		return nil, pictureError(err)
	}
	return s, nil
}
