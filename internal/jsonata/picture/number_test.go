package picture

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// mul multiplies at run time in float64, as JavaScript does (a Go constant
// expression would be evaluated exactly).
func mul(a, b float64) float64 { return a * b }

// errCode returns the Code of a *Error, "" for nil and the text otherwise.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return err.Error()
}

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value   float64
		picture string
		options map[string]string
		want    string
		code    string
	}{
		// function-formatNumber, case000–case035
		{value: 12345.6, picture: "#,###.00", want: "12,345.60"},
		{value: 12345678.9, picture: "9,999.99", want: "12,345,678.90"},
		{value: 123412345678.9, picture: "9,9,99.99", want: "123412345,6,78.90"},
		{value: 1234.56789, picture: "9,999.999,999", want: "1,234.567,890"},
		{value: 123.9, picture: "9999", want: "0124"},
		{value: 0.14, picture: "01%", want: "14%"},
		{value: 0.4857, picture: "###.###‰", want: "485.7‰"},
		{value: 0.14, picture: "###pm", options: map[string]string{"per-mille": "pm"}, want: "140pm"},
		{value: -6, picture: "000", want: "-006"},
		{value: 1234.5678, picture: "00.000e0", want: "12.346e2"},
		{value: 1234.5678, picture: "00.000e000", want: "12.346e002"},
		{value: 1234.5678, picture: "①①.①①①e①", options: map[string]string{"zero-digit": "⑟"}, want: "①②.③④⑥e②"},
		{value: 0.234, picture: "0.0e0", want: "2.3e-1"},
		{value: 0.234, picture: "#.00e0", want: "0.23e0"},
		{value: 0.123, picture: "#.e9", want: "0.1e0"},
		{value: 0.234, picture: ".00e0", want: ".23e0"},
		{value: mul(2392.14, -36.58), picture: "000,000.000###;###,###.000###", want: "87,504.4812"},
		{value: mul(2.14, 86.58), picture: "PREFIX##00.000###SUFFIX", want: "PREFIX185.2812SUFFIX"},
		{value: 1e20, picture: "#,######", want: "100,000000,000000,000000"},
		{value: 20, picture: "#;#;#", code: "D3080"},
		{value: 20, picture: "#.0.0", code: "D3081"},
		{value: 20, picture: "#0%%", code: "D3082"},
		{value: 20, picture: "#0‰‰", code: "D3083"},
		{value: 20, picture: "#0%‰", code: "D3084"},
		{value: 20, picture: ".e0", code: "D3085"},
		{value: 20, picture: "0+.e0", code: "D3086"},
		{value: 20, picture: "0,.e0", code: "D3087"},
		{value: 20, picture: "0,", code: "D3088"},
		{value: 20, picture: "0,,0", code: "D3089"},
		{value: 20, picture: "0#.e0", code: "D3090"},
		{value: 20, picture: "#0.#0e0", code: "D3091"},
		{value: 20, picture: "#0.0e0%", code: "D3092"},
		{value: 20, picture: "#0.0e0,0", code: "D3093"},
		{value: 2, picture: "000.000", want: "002.000"},
		{value: 2, picture: "AAA.AAA", options: map[string]string{"zero-digit": "A"}, want: "AAC.AAA"},
		{value: 0.1, picture: "AeAAA", options: map[string]string{"zero-digit": "A"}, want: "Be-AAB"},
		// function-formatNumber, issue785
		{value: 0, picture: "0e0", want: "0e0"},
		{value: -42, picture: "0e0", want: "-4e1"},
		{value: 42, picture: "0e0", want: "4e1"},
		{value: 0, picture: "0.00e0", want: "0.00e0"},
		// function-formatNumber, issue786
		{value: 42, picture: "%%", code: "D3086"},
		{value: 42, picture: "‰‰", code: "D3086"},
		{value: 42, picture: "%‰", code: "D3086"},
		{value: 42, picture: "---", code: "D3086"},

		// Our own cases: rounding is half to even, as $round.
		{value: 12.345, picture: "#,##0.00", want: "12.34"},
		{value: 0.25, picture: "0.0", want: "0.2"},
		{value: 0.35, picture: "0.0", want: "0.4"},
		{value: 2.5, picture: "0", want: "2"},
		{value: 3.5, picture: "0", want: "4"},
		{value: 1.5, picture: "0.", want: "2"},
		{value: 1, picture: "0.a", want: "1a"},
		{value: 0.25, picture: "#.#", want: ".2"},
		{value: 1, picture: "#.e0", want: "1.0e0"},
		{value: 0, picture: "#", want: "0"},
		{value: 0, picture: "#.##", want: ".0"},
		{value: math.Copysign(0, -1), picture: "0.00", want: "0.00"},
		{value: 1234567.891, picture: "#,##0.00", want: "1,234,567.89"},
		{value: -1234567.891, picture: "#,##0.00", want: "-1,234,567.89"},
		{value: -5, picture: "0;(0)", want: "(5)"},
		{value: 5, picture: "0;(0)", want: "5"},
		{value: 1234.5, picture: "#.##0,00", options: map[string]string{"decimal-separator": ",", "grouping-separator": "."}, want: "1.234,50"},
		{value: -3, picture: "0", options: map[string]string{"minus-sign": "−"}, want: "−3"},
		{value: 0.000123, picture: "0.00E0", options: map[string]string{"exponent-separator": "E"}, want: "1.23E-4"},
		{value: 42, picture: "$#,##0.00", want: "$42.00"},
		{value: 0.5, picture: "0%", want: "50%"},
		{value: 1e21, picture: "0", want: "1e+21"},
		{value: math.NaN(), picture: "0", want: "NaN"},
		{value: math.Inf(1), picture: "$0", want: "$Infinity"},
		{value: math.Inf(-1), picture: "0", want: "-Infinity"},
		{value: 1, picture: "k", code: "D3086"},
		{value: 1, picture: "..", code: "D3085"},
		{value: 1, picture: "e", code: "D3093"},
		{value: 1, picture: "", code: "D3085"},
	} {
		t.Run(fmt.Sprintf("%v_%s", tc.value, tc.picture), func(t *testing.T) {
			t.Parallel()
			got, err := FormatNumber(tc.value, tc.picture, tc.options)
			if errCode(err) != tc.code || got != tc.want {
				t.Errorf("FormatNumber(%v, %q, %v) = %q, %v; want %q, %q", tc.value, tc.picture, tc.options, got, err, tc.want, tc.code)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := FormatNumber(1, "#;#;#", nil); return err }(), "jsonata D3080: The picture string must only contain a maximum of two sub-pictures"},
		{func() error { _, err := FormatInteger(1, "#"); return err }(), `jsonata D3130: Formatting or parsing an integer as a sequence starting with "#" is not supported by this implementation`},
		{func() error { _, err := ParseISO("foo"); return err }(), `jsonata D3110: The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given "foo"`},
		{func() error { _, err := FormatDateTime(0, "[Y]", "UTC"); return err }(), `jsonata D3137: timezone "UTC" is not an offset such as +0100 or -0530`},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("error = %v; want %s", tc.err, tc.want)
		}
	}
	var e *Error
	if _, err := FormatInteger(1, "#"); !errors.As(err, &e) || e.Value != "#" {
		t.Errorf("FormatInteger(1, %q) = %#v; want Value %q", "#", err, "#")
	}
}
