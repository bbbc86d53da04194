package picture

import (
	"strings"
	"testing"
)

// testNow is JSONata's evaluation timestamp in these tests:
// 2023-11-14T22:13:20.123Z.
const testNow = 1700000000123

func TestFormatDateTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		millis      int64
		picture, tz string
		want, code  string
	}{
		// function-fromMillis (all but the two with undefined input, the
		// engine's to handle)
		{millis: 1, want: "1970-01-01T00:00:00.001Z"},
		{millis: 1509380732935, want: "2017-10-30T16:25:32.935Z"},
		{millis: 1521801216617, picture: "Hello", want: "Hello"},
		{millis: 1521801216617, picture: "Year: [Y0001]", want: "Year: 2018"},
		{millis: 1521801216617, picture: "Year: <[Y0001]>", want: "Year: <2018>"},
		{millis: 1521801216617, picture: "Year: <[Y9,999,*]>", want: "Year: <2,018>"},
		{millis: 1521801216617, picture: "[[Year: <[Y0001]>", want: "[Year: <2018>"},
		{millis: 1521801216617, picture: "Year]]: <[Y0001]>", want: "Year]: <2018>"},
		{millis: 1521801216617, picture: "[[Year]]: [[[Y0001]]]", want: "[Year]: [2018]"},
		{millis: 1521801216617, picture: "[D#1]/[M#1]/[Y0001]", want: "23/3/2018"},
		{millis: 1522616700000, picture: "[F0] [FNn]", want: "7 Sunday"},
		{millis: 1522703100000, picture: "[F0] [FNn]", want: "1 Monday"},
		{millis: 1521801216617, picture: "[Y0001]-[M01]-[D01]", want: "2018-03-23"},
		{millis: 1521801216617, picture: "[M01]/[D01]/[Y0001] at [H01]:[m01]:[s01]", want: "03/23/2018 at 10:33:36"},
		{millis: 1521801216617, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z01:01t]", want: "2018-03-23T10:33:36.617Z"},
		{millis: 1521801216617, picture: "[Y]-[ M01]-[D 01]T[H01 ]:[ m   ]:[s].[f0  01][Z01:\n 01t]", want: "2018-03-23T10:33:36.617Z"},
		{millis: 1521801216617, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]", tz: "+0100", want: "2018-03-23T11:33:36.617+0100"},
		{millis: 1531310400000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01]", want: "2018-07-11T12:00:00+00:00"},
		{millis: 1531310400000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z01:01t]", want: "2018-07-11T12:00:00Z"},
		{millis: 1531310400000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]", tz: "-0500", want: "2018-07-11T07:00:00-05:00"},
		{millis: 1531310400000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]", tz: "-0500", want: "2018-07-11T07:00:00-5"},
		{millis: 1531310400000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z]", tz: "+1000", want: "2018-07-11T22:00:00+10:00"},
		{millis: 1531310400000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]", tz: "+1000", want: "2018-07-11T22:00:00+10"},
		{millis: 1531310400000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s][Z0]", tz: "+0530", want: "2018-07-11T17:30:00+5:30"},
		{millis: 1531310400000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s][z]", tz: "-0500", want: "2018-07-11T07:00:00GMT-05:00"},
		{millis: 1204405500000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]", tz: "+0530", want: "2008-03-02T02:35:00.000+0530"},
		{millis: 1230757500000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z0101t]", tz: "+0530", want: "2009-01-01T02:35:00.000+0530"},
		{millis: 1230757500000, picture: "[Y]-[M01]-[D01]T[H01]:[m]:[s].[f001][Z010101t]", tz: "+0530", code: "D3134"},
		{millis: 1521801216617, picture: "[D#1,2]/[M1,2]/[Y,2]", want: "23/03/18"},
		{millis: 1521801216617, picture: "[D#1,2]/[M1,2]/[Y0001,2]", want: "23/03/2018"},
		{millis: 1521801216617, picture: "[D#1,2]/[M1,2]/[Y##01,2-2]", want: "23/03/18"},
		{millis: 1521801216617, picture: "[D#1,2]/[M1,2]/[Y0001,2-2]", want: "23/03/18"},
		{millis: 1521801216617, picture: "[D1] [M01] [YI]", want: "23 03 MMXVIII"},
		{millis: 1521801216617, picture: "[Da] [MA] [Yi]", want: "w C mmxviii"},
		{millis: 1521801216617, picture: "[D1o] [M01] [Y]", want: "23rd 03 2018"},
		{millis: 1521801216617, picture: "[Yw]", want: "two thousand and eighteen"},
		{millis: 1521801216617, picture: "[Dwo] [M01] [Y]", want: "twenty-third 03 2018"},
		{millis: 1521801216617, picture: "[D1o] [MNn] [Y]", want: "23rd March 2018"},
		{millis: 1521801216617, picture: "[D1o] [MN] [Y]", want: "23rd MARCH 2018"},
		{millis: 1521801216617, picture: "[FNn], [D1o] [MNn] [Y]", want: "Friday, 23rd March 2018"},
		{millis: 1521801216617, picture: "[FNn], the [Dwo] of [MNn] [Y] [E]", want: "Friday, the twenty-third of March 2018 ISO"},
		{millis: 1521801216617, picture: "[FNn,3-3], [D1o] [MNn,3-3] [Y] [C]", want: "Fri, 23rd Mar 2018 ISO"},
		{millis: 1521801216617, picture: "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]", want: "friday, 23/3/2018 10:33:36 am"},
		{millis: 1204405500000, picture: "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]", want: "saturday, 1/3/2008 9:05:00 pm"},
		{millis: 1199664000000, picture: "[F], [D]/[M]/[Y] [h]:[m]:[s] [P]", want: "monday, 7/1/2008 12:00:00 am"},
		{millis: 1514808000000, picture: "[dwo] day of the year", want: "first day of the year"},
		{millis: 1546257600000, picture: "[d] days in [Y0001]", want: "365 days in 2018"},
		{millis: 1483185600000, picture: "[d] days in [Y0001]", want: "366 days in 2016"},
		{millis: 1514808000000, picture: "Week: [W]", want: "Week: 1"},
		{millis: 1515326400000, picture: "Week: [W]", want: "Week: 1"},
		{millis: 1545739200000, picture: "Week: [W]", want: "Week: 52"},
		{millis: 1388577600000, picture: "Week: [W]", want: "Week: 1"},
		{millis: 1419854400000, picture: "Week: [W]", want: "Week: 1"},
		{millis: 1419768000000, picture: "Week: [W]", want: "Week: 52"},
		{millis: 1419336000000, picture: "Week: [W]", want: "Week: 52"},
		{millis: 1420113600000, picture: "Week: [W]", want: "Week: 1"},
		{millis: 1420459200000, picture: "Week: [W]", want: "Week: 2"},
		{millis: 1451304000000, picture: "Week: [W]", want: "Week: 53"},
		{millis: 1451563200000, picture: "Week: [W]", want: "Week: 53"},
		{millis: 1451736000000, picture: "Week: [W]", want: "Week: 53"},
		{millis: 1359460800000, picture: "Week: [w] of [xNn]", want: "Week: 5 of January"},
		{millis: 1359633600000, picture: "Week: [w] of [xNn]", want: "Week: 5 of January"},
		{millis: 1359720000000, picture: "Week: [w] of [xNn]", want: "Week: 5 of January"},
		{millis: 1514808000000, picture: "Week: [w] of [xNn]", want: "Week: 1 of January"},
		{millis: 1483272000000, picture: "Week: [w] of [xNn]", want: "Week: 5 of December"},
		{millis: 1533038400000, picture: "Week: [w] of [xNn]", want: "Week: 1 of August"},
		{millis: 1419940800000, picture: "Week: [w] of [xNn]", want: "Week: 1 of January"},
		{millis: 1521801216617, picture: "[F], [D]/[M]/[Y] [h]:[m]:[s] [PN]", want: "friday, 23/3/2018 10:33:36 AM"},
		{millis: 1521801216617, picture: "[F], [D]/[M]/[Y] [h]:[m]:[s] [Pn]", want: "friday, 23/3/2018 10:33:36 am"},
		{millis: 1419940800000, picture: "[YN]-[M]-[D]", code: "D3133"},
		{millis: 1419940800000, picture: "[YN]-[M", code: "D3135"},

		// Our own cases.
		{millis: 0, want: "1970-01-01T00:00:00.000Z"},
		{millis: -1, want: "1969-12-31T23:59:59.999Z"},
		{millis: 253402300799999, want: "9999-12-31T23:59:59.999Z"},
		{millis: -62198755200000, want: "-0001-01-01T00:00:00.000Z"},
		{millis: 1531310400000, tz: "+0530", want: "2018-07-11T17:30:00.000+05:30"},
		{millis: 1531310400000, tz: "-0530", want: "2018-07-11T06:30:00.000-05:30"},  // jsonata-js: 05:30:00.000-06:30
		{millis: 1531310400000, tz: "-05:30", want: "2018-07-11T06:30:00.000-05:30"}, // jsonata-js: 11:55:00.000-00:05
		{millis: 1531310400000, picture: "[H01]:[m01][Z0]", tz: "-0530", want: "06:30-5:30"},
		{millis: 1531310400000, picture: "[z0101]", tz: "-0045", want: "GMT-0045"},
		{millis: 1531310400000, picture: "[Z01:01t]", tz: "+0000", want: "Z"},
		{millis: 1531310400000, picture: "[Z]", tz: "0", want: "+00:00"},
		{millis: 1531310400000, tz: "UTC", code: "D3137"},
		{millis: 1531310400000, tz: "+1", want: "2018-07-11T12:01:00.000+00:01"}, // parseInt("+1") minutes, as jsonata-js
		{millis: 1521801216617, picture: "[h]:[m01] [PN]", want: "10:33 AM"},
		{millis: 1521843216617, picture: "[h]:[m01] [Pn]", want: "10:13 pm"},
		{millis: 1521801216617, picture: "[MNn,2-2] [FN,*-2] [FNn,0-0]", want: "Ma FR "},
		{millis: 1521801216617, picture: "[MN,1] [D01,1-1]", want: "MARCH 23"},
		{millis: 1521801216617, picture: "[Y,3-3] [Y0,4] [Y01]", want: "018 2018 18"},
		{millis: 1521801216617, picture: "[YI] [Mi] [DA] [dw] [WW] [Fa]", want: "MMXVIII iii W eighty-two TWELVE e"},
		{millis: 1521801216617, picture: "[f001] [f1] [f01] [s,2] [m,3-3]", want: "617 617 617 36 033"},
		{millis: 1521801216617, picture: "[H#1] [h01] [F0]", want: "10 10 5"},
		{millis: 1521801216617, picture: "[D1o] [D1c] [M1a] [Y1t]", want: "23rd 23 3 2018"},
		{millis: 1521801216617, picture: "]] ][[]] [[[[", want: "] ][] [["},
		{millis: 1521801216617, picture: "", want: "2018-03-23T10:33:36.617Z"},
		{millis: 1521801216617, picture: "[q1]", code: "D3132"}, // jsonata-js writes "undefined"
		{millis: 1521801216617, picture: "[]", code: "D3132"},
		{millis: 1521801216617, picture: "[q]", code: "D3132"},
		{millis: 1521801216617, picture: "[HN]", code: "D3133"},
		{millis: 1521801216617, picture: "[fN]", code: "D3133"},
		{millis: 1521801216617, picture: "[ZN]", code: "D3134"},
		{millis: 1521801216617, picture: "[M#]", code: "D3130"},
		{millis: 1521801216617, picture: "[M0١]", code: "D3131"},
		{millis: 1521801216617, picture: "[Y,5000]", code: "D3137"},
		{millis: 8.64e15 + 1, code: "D3137"},
		{millis: 8.64e15, tz: "+0100", code: "D3137"},
	} {
		t.Run(tc.picture, func(t *testing.T) {
			t.Parallel()
			got, err := FormatDateTime(tc.millis, tc.picture, tc.tz)
			if errCode(err) != tc.code || got != tc.want {
				t.Errorf("FormatDateTime(%d, %q, %q) = %q, %v; want %q, %q", tc.millis, tc.picture, tc.tz, got, err, tc.want, tc.code)
			}
		})
	}
}

// TestISOWeekDate is function-fromMillis/isoWeekDate: $toMillis(date,
// '[Y]-[M]-[D]') formatted as '[X0001]-W[W01]-[F1]'.
func TestISOWeekDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ date, want string }{
		{"2005-01-01", "2004-W53-6"},
		{"2005-01-02", "2004-W53-7"},
		{"2005-12-31", "2005-W52-6"},
		{"2006-01-01", "2005-W52-7"},
		{"2006-01-02", "2006-W01-1"},
		{"2006-12-31", "2006-W52-7"},
		{"2007-01-01", "2007-W01-1"},
		{"2007-12-30", "2007-W52-7"},
		{"2007-12-31", "2008-W01-1"},
		{"2008-01-01", "2008-W01-2"},
		{"2008-12-28", "2008-W52-7"},
		{"2008-12-29", "2009-W01-1"},
		{"2008-12-30", "2009-W01-2"},
		{"2008-12-31", "2009-W01-3"},
		{"2009-01-01", "2009-W01-4"},
		{"2009-12-31", "2009-W53-4"},
		{"2010-01-01", "2009-W53-5"},
		{"2010-01-02", "2009-W53-6"},
		{"2010-01-03", "2009-W53-7"},
	} {
		t.Run(tc.date, func(t *testing.T) {
			t.Parallel()
			ms, ok, err := ParseDateTime(tc.date, "[Y]-[M]-[D]", testNow)
			if err != nil || !ok {
				t.Fatalf("ParseDateTime(%q) = %d, %v, %v", tc.date, ms, ok, err)
			}
			if got, err := FormatDateTime(ms, "[X0001]-W[W01]-[F1]", ""); err != nil || got != tc.want {
				t.Errorf("FormatDateTime(%d) = %q, %v; want %q", ms, got, err, tc.want)
			}
		})
	}
}

func TestToMillis(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s, picture string
		want       int64
		wantISO    string // want, formatted with the default picture
		undefined  bool
		code       string
	}{
		// function-tomillis (all but those with undefined input and those
		// composed with other functions, which follow in
		// TestToMillisComposed); no picture is ParseISO
		{s: "1970-01-01T00:00:00.001Z", want: 1},
		{s: "2018-02-01T09:42:13.123+0000", want: 1517478133123},
		{s: "2017-10-30", want: 1509321600000},
		{s: "2017-10-30T15:28:34Z", want: 1509377314000},
		{s: "2018", want: 1514764800000},
		{s: "foo", code: "D3110"},
		{s: "01-02-2018", code: "D3110"},
		{s: "2018-02-03 11:15:33", code: "D3110"},
		{s: "201802", picture: "[Y0001][M01]", want: 1517443200000},
		{s: "201802", picture: "[Y,*-4][M01]", want: 1517443200000},
		{s: "20180205", picture: "[Y0001][M01][D01]", want: 1517788800000},
		{s: "Hello", picture: "Hello", undefined: true},
		{s: "2018", picture: "[Y1]", want: 1514764800000},
		{s: "2018-03-27", picture: "[Y1]-[M01]-[D01]", want: 1522108800000},
		{s: "2018-03-27T14:03:00.123Z", picture: "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001]Z", want: 1522159380123},
		{s: "27th 3 1976", picture: "[D1o] [M#1] [Y0001]", want: 196732800000},
		{s: "21st 12 1881", picture: "[D1o] [M01] [Y0001]", want: -2777932800000},
		{s: "2nd 12 2012", picture: "[D1o] [M01] [Y0001]", want: 1354406400000},
		{s: "MCMLXXXIV", picture: "[YI]", want: 441763200000},
		{s: "27 03 MMXVIII", picture: "[D1] [M01] [YI]", want: 1522108800000},
		{s: "27 iii MMXVIII", picture: "[D1] [Mi] [YI]", want: 1522108800000},
		{s: "w C mmxviii", picture: "[Da] [MA] [Yi]", want: 1521763200000},
		{s: "ae C mmxviii", picture: "[Da] [MA] [Yi]", want: 1522454400000},
		{s: "27th April 2008", picture: "[D1o] [MNn] [Y0001]", want: 1209254400000},
		{s: "21 August 2017", picture: "[D1] [MNn] [Y0001]", want: 1503273600000},
		{s: "2 Feb 2012", picture: "[D1] [MNn,3-3] [Y0001]", want: 1328140800000},
		{s: "one thousand, nine hundred and eighty-four", picture: "[Yw]", want: 441763200000},
		{s: "nineteen hundred and eighty-four", picture: "[Yw]", want: 441763200000},
		{s: "twenty-seven April 2008", picture: "[Dw] [MNn] [Y0001]", want: 1209254400000},
		{s: "twenty-seventh April 2008", picture: "[Dw] [MNn] [Y0001]", want: 1209254400000},
		{s: "twenty-first August two thousand and seventeen", picture: "[Dw] [MNn] [Yw]", want: 1503273600000},
		{s: "TWENTY-SECOND August two thousand and seventeen", picture: "[DW] [MNn] [Yw]", want: 1503360000000},
		{s: "Twentieth of August, two thousand and seventeen", picture: "[DW] of [MNn], [Yw]", want: 1503187200000},
		{s: "4/4/2018 12:06 am", picture: "[D1]/[M1]/[Y0001] [h]:[m] [P]", want: 1522800360000},
		{s: "4/4/2018 06:30 am", picture: "[D1]/[M1]/[Y0001] [h]:[m] [P]", want: 1522823400000},
		{s: "4/4/2018 12:06 pm", picture: "[D1]/[M1]/[Y0001] [h]:[m] [P]", want: 1522843560000},
		{s: "4/4/2018 11:30 pm", picture: "[D1]/[M1]/[Y0001] [h]:[m] [P]", want: 1522884600000},
		{s: "2018-094", picture: "[Y0001]-[d001]", want: 1522800000000},
		{s: "Wednesday, 14th November 2018", picture: "[FNn], [D1o] [MNn] [Y]", wantISO: "2018-11-14T00:00:00.000Z"},
		{s: "Mon, Twelfth November 2018", picture: "[FNn,*-3], [DWwo] [MNn] [Y]", wantISO: "2018-11-12T00:00:00.000Z"},
		{s: "2018--180", picture: "[Y]--[d]", wantISO: "2018-06-29T00:00:00.000Z"},
		{s: "three hundred and sixty-fifth day of 2018", picture: "[dwo] day of [Y]", wantISO: "2018-12-31T00:00:00.000Z"},
		{s: "irrelevent string", picture: "[Y]-[M]-[D]", undefined: true},
		{s: "2018-05-22", picture: "[Y]-[M]-[q]", code: "D3132"},
		{s: "2018-05-22", picture: "[YN]-[M]-[D]", code: "D3133"},
		{s: "2018-22", picture: "[Y]-[D]", code: "D3136"},
		{s: "5-22 23:59", picture: "[M]-[D] [m]:[s]", code: "D3136"},
		{s: "2018-3-2-5", picture: "[X]-[x]-[w]-[F1]", code: "D3136"},
		{s: "2018-32-5", picture: "[X]-[W]-[F1]", code: "D3136"},
		{s: "2020-09-09 08:00:00 +02:00", picture: "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]", wantISO: "2020-09-09T06:00:00.000Z"},
		{s: "2020-09-09 08:00:00 GMT-05:00", picture: "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [z]", wantISO: "2020-09-09T13:00:00.000Z"},
		{s: "2020-09-09 12:00:00 +05:30", picture: "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]", wantISO: "2020-09-09T06:30:00.000Z"},
		{s: "2020-09-09 12:00:00 GMT-5", picture: "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [z01]", wantISO: "2020-09-09T17:00:00.000Z"},
		{s: "2020-09-09 12:00:00 +0530", picture: "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z0001]", wantISO: "2020-09-09T06:30:00.000Z"},
		{s: "2026-04-08T19:05:04.01987", picture: "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f1]", wantISO: "2026-04-08T19:05:04.019Z"},

		// Our own cases.
		{s: "2018-02-30", want: 1519948800000},           // Date.parse rolls over
		{s: "2018-01-01T24:00:00Z", want: 1514851200000}, // end of day
		{s: "2018-01-01T10:00:00", want: 1514800800000},  // UTC, where JavaScript takes local time
		{s: "2018-01-01T10:00:00.1239Z", want: 1514800800123},
		{s: "2018-02-01T09:42:13-05:30", want: 1517497933000},
		{s: "2018-02-01T09:42:13-0530", want: 1517497933000},
		{s: "2018T10:00:00Z", want: 1514800800000},
		{s: "2018Z", want: 1514764800000},
		{s: "0000", want: -62167219200000},
		{s: "2018-13", code: "D3110"},
		{s: "2018-01-32", code: "D3110"},
		{s: "2018-35", code: "D3110"},
		{s: "2018-01-01T24:00:01Z", code: "D3110"},
		{s: "2018-01-01+01:00", code: "D3110"},
		{s: "2018-01-01T10:00:00+24:00", code: "D3110"},
		{s: "2018.5", code: "D3110"}, // Date.parse: May 2018
		{s: "", code: "D3110"},
		{s: "18", picture: "[Y01]", want: -1640995200000}, // Date.UTC's 1918
		{s: "2018-03-23 10:33:36.5", picture: "[Y]-[M]-[D] [H]:[m]:[s].[f]", wantISO: "2018-03-23T10:33:36.500Z"},
		{s: "2018-03-23 10:33:36.0571", picture: "[Y]-[M]-[D] [H]:[m]:[s].[f001]", wantISO: "2018-03-23T10:33:36.057Z"},
		{s: "10:33 pm", picture: "[h]:[m] [P]", wantISO: "2023-11-14T22:33:00.000Z"},
		{s: "10:33", picture: "[h]:[m]", wantISO: "2023-11-14T10:33:00.000Z"},
		{s: "12:05 AM", picture: "[h]:[m] [PN]", wantISO: "2023-11-14T00:05:00.000Z"},
		{s: "March 2018", picture: "[MNn] [Y]", wantISO: "2018-03-01T00:00:00.000Z"},
		{s: "23", picture: "[D]", wantISO: "2023-11-23T00:00:00.000Z"},
		{s: "100", picture: "[d]", wantISO: "2023-04-10T22:13:20.123Z"}, // the time is now's too, as in jsonata-js
		{s: "15", picture: "[m]", wantISO: "2023-11-14T22:15:00.000Z"},
		{s: "Smarch 2018", picture: "[MNn] [Y]", wantISO: "2018-01-01T00:00:00.000Z"}, // an unknown name is no month
		{s: "2018-03-23 +05:30", picture: "[Y]-[M]-[D] [Z]", wantISO: "2018-03-22T18:30:00.000Z"},
		{s: "2018-03-23 -05:30", picture: "[Y]-[M]-[D] [Z]", wantISO: "2018-03-23T05:30:00.000Z"}, // jsonata-js: 04:30
		{s: "2018-03-23 -0530", picture: "[Y]-[M]-[D] [Z0001]", wantISO: "2018-03-23T05:30:00.000Z"},
		{s: "2018", picture: "[Y0001][M01]", undefined: true},
		{s: "literal", picture: "literal", undefined: true},
		{s: "2018", picture: "[Y", code: "D3135"},
		{s: "2018", picture: "[Y,*-9999]", code: "D3137"},
		{s: "2018", picture: "[Y#]", code: "D3130"},
		{s: "2018 1", picture: "[Y] [Mn]", undefined: true},
		{s: "2018 1", picture: "[Y] [Hn]", code: "D3133"},
		{s: "2018 1", picture: "[Y] [C]", code: "D3133"},
		{s: "2018 13", picture: "[Y] [H]", code: "D3136"},
	} {
		t.Run(tc.s, func(t *testing.T) {
			t.Parallel()
			var got int64
			ok := true
			var err error
			if tc.picture == "" {
				got, err = ParseISO(tc.s)
			} else {
				got, ok, err = ParseDateTime(tc.s, tc.picture, testNow)
			}
			if errCode(err) != tc.code || err == nil && ok == tc.undefined {
				t.Fatalf("toMillis(%q, %q) = %d, %v, %v; want code %q, undefined %v", tc.s, tc.picture, got, ok, err, tc.code, tc.undefined)
			}
			if tc.code != "" || tc.undefined {
				return
			}
			if tc.wantISO != "" {
				if iso, err := FormatDateTime(got, "", ""); err != nil || iso != tc.wantISO {
					t.Errorf("toMillis(%q, %q) = %d = %q, %v; want %q", tc.s, tc.picture, got, iso, err, tc.wantISO)
				}
			} else if got != tc.want {
				t.Errorf("toMillis(%q, %q) = %d; want %d", tc.s, tc.picture, got, tc.want)
			}
		})
	}
}

// TestToMillisComposed covers the suite's cases that compose $toMillis
// with other functions.
func TestToMillisComposed(t *testing.T) {
	t.Parallel()
	// $toMillis('2018-10-21T13:05:00Z').[$fromMillis(), $fromMillis($, (),'-0500'), $fromMillis($, (),'0000')]
	ms, err := ParseISO("2018-10-21T13:05:00Z")
	if err != nil {
		t.Fatal(err)
	}
	for tz, want := range map[string]string{"": "2018-10-21T13:05:00.000Z", "-0500": "2018-10-21T08:05:00.000-05:00", "0000": "2018-10-21T13:05:00.000Z"} {
		if got, err := FormatDateTime(ms, "", tz); err != nil || got != want {
			t.Errorf("FormatDateTime(%d, \"\", %q) = %q, %v; want %q", ms, tz, got, err, want)
		}
	}

	// $toMillis('2024-01-01T12:38:49Z') = $toMillis('20240101123849', '[Y0000][M00][D00][H00][m00][s00]')
	a, err := ParseISO("2024-01-01T12:38:49Z")
	b, ok, err2 := ParseDateTime("20240101123849", "[Y0000][M00][D00][H00][m00][s00]", testNow)
	if err != nil || err2 != nil || !ok || a != b {
		t.Errorf("ParseISO = %d, %v; ParseDateTime = %d, %v, %v; want equal", a, err, b, ok, err2)
	}

	// $toMillis('13:45', '[H]:[m]') ~> $fromMillis() ~> $substringBefore('T') = $substringBefore($now(), 'T')
	// $toMillis('13:45', '[H]:[m]') ~> $fromMillis() ~> $substringAfter('T') = "13:45:00.000Z"
	ms, ok, err = ParseDateTime("13:45", "[H]:[m]", testNow)
	if err != nil || !ok {
		t.Fatalf("ParseDateTime(13:45) = %d, %v, %v", ms, ok, err)
	}
	got, _ := FormatDateTime(ms, "", "")
	now, _ := FormatDateTime(testNow, "", "")
	date, clock, _ := strings.Cut(got, "T")
	if nowDate, _, _ := strings.Cut(now, "T"); date != nowDate || clock != "13:45:00.000Z" {
		t.Errorf("ParseDateTime(13:45) = %q; want %sT13:45:00.000Z", got, nowDate)
	}
}

func TestParseISORoundTrip(t *testing.T) {
	t.Parallel()
	for _, ms := range []int64{0, 1, -1, 951782400000, 1521801216617, -62167219200000, 253402300799999, 4102444800000} {
		s, err := FormatDateTime(ms, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ParseISO(s); err != nil || got != ms {
			t.Errorf("ParseISO(%q) = %d, %v; want %d", s, got, err, ms)
		}
	}
}
