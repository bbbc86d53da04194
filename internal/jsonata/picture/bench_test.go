package picture

import "testing"

func BenchmarkFormatNumber(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FormatNumber(1234567.891, "#,##0.00", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatInteger(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FormatInteger(1234567, "w;o"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatDateTime(b *testing.B) {
	for _, bc := range []struct{ name, picture string }{
		{"iso", ""},
		{"names", "[FNn], [D1o] [MNn] [Y] [h]:[m01] [P] [z]"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FormatDateTime(1521801216617, bc.picture, "+0530"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseDateTime(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := ParseDateTime("Friday, 23rd March 2018 10:33:36", "[FNn], [D1o] [MNn] [Y0001] [H01]:[m01]:[s01]", testNow); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkParseISO(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseISO("2018-03-23T10:33:36.617+05:30"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileWordsPicture measures the uncached cost of a date picture
// with a words marker, whose regular expression lists every number word.
func BenchmarkCompileWordsPicture(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := newDateMatcher("[Dwo] of [MNn], [Yw]"); err != nil {
			b.Fatal(err)
		}
	}
}
