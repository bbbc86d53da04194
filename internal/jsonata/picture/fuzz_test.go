package picture

import (
	"errors"
	"math"
	"testing"
)

// checkError fails unless err is nil or an *Error with one of codes.
func checkError(t *testing.T, err error, codes ...string) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	for _, c := range codes {
		if e.Code == c {
			return
		}
	}
	t.Fatalf("error code %s not among %v: %v", e.Code, codes, err)
}

var dateCodes = []string{"D3130", "D3131", "D3132", "D3133", "D3134", "D3135", "D3136", "D3137"}

func FuzzFormatDateTimePicture(f *testing.F) {
	for _, p := range []string{"", ISOPicture, "[Y0001]-[M01]-[D01]", "[D1o] [MNn] [Y]", "[FNn,3-3], [Dwo] of [MNn] [Yw] [E]",
		"[h]:[m01]:[s01] [PN] [z]", "[X0001]-W[W01]-[F1] [xNn] [w]", "[[[Y]]] [Y9,999,*] [D#1,2] [Z0]", "[Y,*-4][M01][D01]",
		"[Da] [MA] [YI] [dwo] [Z0101t]", "[Y0000][M00][D00][H00][m00][s00]", "[Y", "[q1]", "[Y,x]", "[M,-3]"} {
		for _, tz := range []string{"", "+0530", "-0500"} {
			f.Add(int64(1521801216617), p, tz)
		}
	}
	f.Add(int64(-62198755200000), "[Y] [Z]", "-1200")
	f.Add(int64(8.64e15), "[Y]", "")
	f.Fuzz(func(t *testing.T, millis int64, picture, tz string) {
		out, err := FormatDateTime(millis, picture, tz)
		checkError(t, err, dateCodes...)
		if again, err2 := FormatDateTime(millis, picture, tz); again != out || (err == nil) != (err2 == nil) {
			t.Fatalf("FormatDateTime(%d, %q, %q) is not deterministic: %q, %q", millis, picture, tz, out, again)
		}
		if err == nil {
			_, _, err := ParseDateTime(out, picture, millis)
			checkError(t, err, dateCodes...)
		}
		_, _, err = ParseDateTime(picture, picture, 0)
		checkError(t, err, dateCodes...)
		_, err = ParseISO(picture)
		checkError(t, err, "D3110")

		// The default picture round-trips through ParseISO for four-digit years.
		if millis >= -62167219200000 && millis <= 253402300799999 {
			iso, err := FormatDateTime(millis, "", "")
			if err != nil {
				t.Fatalf("FormatDateTime(%d): %v", millis, err)
			}
			if back, err := ParseISO(iso); err != nil || back != millis {
				t.Fatalf("ParseISO(%q) = %d, %v; want %d", iso, back, err, millis)
			}
		}
	})
}

func FuzzFormatNumberPicture(f *testing.F) {
	for _, p := range []string{"#,###.00", "9,9,99.99", "9,999.999,999", "01%", "###.###‰", "00.000e000", "#.e9", ".00e0",
		"000,000.000###;###,###.000###", "PREFIX##00.000###SUFFIX", "#,######", "#;#;#", "#0.#0e0", "0,,0", "%%", "---",
		"0e0", "①①.①①①e①", "AeAAA", "#.##0,00", ""} {
		for _, v := range []float64{0, 1234.5678, -0.001234, 1e20, 2.5} {
			f.Add(v, p, "")
		}
	}
	f.Add(1234.5678, "①①.①①①e①", "⑟")
	f.Add(0.1, "AeAAA", "A")
	f.Add(1234.5, "#.##0,00", "0,.")
	f.Fuzz(func(t *testing.T, value float64, picture, opts string) {
		var options map[string]string
		if opts != "" {
			options = map[string]string{}
			for i, r := range []rune(opts) {
				switch i {
				case 0:
					options["zero-digit"] = string(r)
				case 1:
					options["decimal-separator"] = string(r)
				case 2:
					options["grouping-separator"] = string(r)
				}
			}
		}
		codes := []string{"D3080", "D3081", "D3082", "D3083", "D3084", "D3085", "D3086", "D3087", "D3088", "D3089", "D3090", "D3091", "D3092", "D3093"}
		_, err := FormatNumber(value, picture, options)
		checkError(t, err, codes...)
		// Whether a picture is valid does not depend on the value.
		for _, v := range []float64{0, -value, math.NaN(), math.Inf(-1)} {
			if _, err2 := FormatNumber(v, picture, options); (err == nil) != (err2 == nil) {
				t.Fatalf("FormatNumber(%v, %q, %v) = %v but FormatNumber(%v, …) = %v", value, picture, options, err, v, err2)
			}
		}
	})
}

func FuzzParseInteger(f *testing.F) {
	for _, tc := range []struct{ s, p string }{
		{"123", "000"}, {"123rd", "000;o"}, {"١٢٣٤٠", "###١"}, {"1,234,567,890", "#,##0"}, {"1234:567,890", "#:###,##0"},
		{"MCMLXXXIV", "I"}, {"xcix", "i"}, {"Five Hundred and Fifty-Five", "Ww"}, {"one trillion and first", "w;o"},
		{"FZPH", "A"}, {"50", "#"}, {"12", "##0٠"}, {"ten billion trillion trillion trillion", "w"}, {"", ""},
	} {
		f.Add(tc.s, tc.p)
	}
	f.Fuzz(func(t *testing.T, s, picture string) {
		_, err := ParseInteger(s, picture)
		checkError(t, err, "D3130", "D3131")
		format, aerr := analyseIntegerPicture(picture)
		if (aerr == nil) != (errCode(err) != "D3131") {
			t.Fatalf("ParseInteger(%q, %q) = %v, analysis %v", s, picture, err, aerr)
		}
		if aerr != nil || !roundTrips(format) {
			return
		}
		// FormatInteger and ParseInteger are inverses for well-behaved pictures.
		for _, v := range []float64{1, 7, 12, 21, 99, 100, 111, 1000, 1234, 3999, 20000, 1234567} {
			if format.primary == primaryRoman && v >= 4000 {
				continue
			}
			out, err := FormatInteger(v, picture)
			if err != nil {
				t.Fatalf("FormatInteger(%v, %q): %v", v, picture, err)
			}
			if back, err := ParseInteger(out, picture); err != nil || back != v {
				t.Fatalf("ParseInteger(FormatInteger(%v, %q) = %q) = %v, %v", v, picture, out, back, err)
			}
		}
	})
}

// roundTrips reports whether ParseInteger inverts FormatInteger for f and
// positive values: not for unsupported sequences, nor grouping that
// jsonata-js mangles (irregular) or does not strip (regular but not ',').
func roundTrips(f *intFormat) bool {
	switch f.primary {
	case primarySequence:
		return false
	case primaryDecimal:
		return len(f.separators) == 0 && (!f.regular || f.regularChar == ',')
	}
	return true
}
