// Package picture formats and parses numbers and timestamps with XPath F&O
// 3.1 picture strings, as JSONata's $formatNumber, $formatInteger,
// $parseInteger, $fromMillis, $toMillis and $now do.
//
// It is a port of jsonata-js 2.2 (src/datetime.js and formatNumber in
// src/functions.js), quirks included, so that expressions give the results
// they give there: rounding is half to even, numbers print as JavaScript
// prints them (1e21 as "1e+21"), irregular grouping of numbers shorter than
// the picture comes out as jsonata-js writes it, $toMillis fills in missing
// components from the evaluation time, years 0–99 parsed from a picture are
// 1900–1999 (Date.UTC), and so on. Everything is a pure function: no clock
// reads, no I/O; the caller passes JSONata's evaluation timestamp where one
// is needed. Strings are handled as runes, which is what jsonata-js does
// with UTF-16 outside the supplementary planes.
//
// Where jsonata-js crashes, hangs or writes garbage, this package does not:
//
//   - A picture for FormatDateTime or ParseDateTime naming an unknown
//     component with a presentation modifier ("[q1]") is error D3132, not
//     the text "undefined"; names on fractional seconds ("[fN]") are D3133,
//     not a TypeError.
//   - Roman numerals above 10 million, words or letters for ±Infinity, width
//     modifiers above 4096, timestamps outside JavaScript's Date range
//     (±8.64e15 ms) and malformed timezones are error D3137 with a message
//     of their own; jsonata-js overflows its stack, loops, runs out of string
//     length or writes "NaN".
//   - $parseInteger of a string whose characters map outside Unicode gives
//     NaN, not a RangeError.
//   - FormatNumber of NaN and ±Infinity follows F&O ("NaN", prefix +
//     "Infinity" + suffix); jsonata-js never receives them. Numbers so
//     large that rounding them overflows (near 1.8e308) are not rounded;
//     jsonata-js writes "NaN".
//
// And where jsonata-js is plainly wrong about time zones, this package
// follows the specification:
//
//   - A negative offset keeps its minutes negative: "-0530" is five and a
//     half hours behind UTC (jsonata-js: six and a half, labelled "-06:30"),
//     "[Z0]" writes it "-5:30" (jsonata-js: "-6:-30"), and parsing "-05:30"
//     subtracts the minutes (jsonata-js adds them).
//   - A timezone "±HH:MM" is hours and minutes (jsonata-js takes the hours
//     as minutes).
//
// ParseISO differs from JavaScript's Date.parse in the same spirit: a
// timestamp without an offset is UTC (JavaScript: local time), and what
// JavaScript would read as NaN or by its legacy rules is D3110.
//
// Arithmetic matches JavaScript's except where V8's Math.pow is not
// correctly rounded, which shows only in $parseInteger of letter sequences
// longer than eleven letters (values beyond 2^53) in the last bit.
package picture
