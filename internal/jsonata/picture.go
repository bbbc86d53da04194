package jsonata

// Bridges to the picture-string formatting package (XPath/XSLT pictures for
// numbers, integers and dates).

func pictureUnavailable(name string) error {
	return &Error{Code: "D3137", Message: "$" + name + "() is not available yet"}
}

func fnFormatNumber(ev *evaluator, c call, args []any) (any, error) {
	if arg(args, 0) == nil {
		return nil, nil
	}
	return nil, pictureUnavailable("formatNumber")
}

func fnFormatInteger(ev *evaluator, c call, args []any) (any, error) {
	if arg(args, 0) == nil {
		return nil, nil
	}
	return nil, pictureUnavailable("formatInteger")
}

func fnParseInteger(ev *evaluator, c call, args []any) (any, error) {
	if arg(args, 0) == nil {
		return nil, nil
	}
	return nil, pictureUnavailable("parseInteger")
}

func fnToMillis(ev *evaluator, c call, args []any) (any, error) {
	if arg(args, 0) == nil {
		return nil, nil
	}
	return nil, pictureUnavailable("toMillis")
}

func fnFromMillis(ev *evaluator, c call, args []any) (any, error) {
	return fromMillis(arg(args, 0), arg(args, 1), arg(args, 2))
}

func fromMillis(millis, picture, timezone any) (any, error) {
	if millis == nil {
		return nil, nil
	}
	return nil, pictureUnavailable("fromMillis")
}
