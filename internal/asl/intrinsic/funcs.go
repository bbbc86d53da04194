package intrinsic

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paystep/paystep/internal/asl/jsonpath"
)

// AWS's limits.
const (
	maxArrayRange   = 1000  // elements States.ArrayRange may produce
	maxEncodeLength = 10000 // characters of States.Base64Encode input
	maxDecodeLength = 10000 // characters of States.Base64Decode input
	maxHashLength   = 10000 // characters of States.Hash input
)

type function func(c *Call, env Env, args []any) (any, error)

var funcs map[string]function

func init() {
	funcs = map[string]function{
		"States.Format":         format,
		"States.StringToJson":   stringToJSON,
		"States.JsonToString":   jsonToString,
		"States.Array":          array,
		"States.ArrayPartition": arrayPartition,
		"States.ArrayContains":  arrayContains,
		"States.ArrayRange":     arrayRange,
		"States.ArrayGetItem":   arrayGetItem,
		"States.ArrayLength":    arrayLength,
		"States.ArrayUnique":    arrayUnique,
		"States.Base64Encode":   base64Encode,
		"States.Base64Decode":   base64Decode,
		"States.Hash":           hashFunc,
		"States.JsonMerge":      jsonMerge,
		"States.MathRandom":     mathRandom,
		"States.MathAdd":        mathAdd,
		"States.StringSplit":    stringSplit,
		"States.UUID":           uuid,
	}
}

func number(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

// format is States.Format(template, values...): each "{}" in the template
// is replaced by the next value. In a template written as a literal, \{ and
// \} stand for braces that are not a placeholder.
func format(c *Call, _ Env, args []any) (any, error) {
	var pieces []string
	if lit, ok := c.args[0].(*stringArg); ok {
		pieces = lit.pieces
	} else {
		tmpl, err := stringArgAt(c, args, 0)
		if err != nil {
			return nil, err
		}
		pieces = strings.Split(tmpl, "{}")
	}
	values := args[1:]
	if len(pieces)-1 != len(values) {
		return nil, failf(c.name, "the template has %d placeholder(s) but %d value(s) were given", len(pieces)-1, len(values))
	}
	var b strings.Builder
	for i, piece := range pieces {
		b.WriteString(piece)
		if i < len(values) {
			formatValue(&b, values[i])
		}
	}
	return b.String(), nil
}

// stringToJSON is States.StringToJson(string): the parsed JSON text. A blank
// string gives null.
func stringToJSON(c *Call, _ Env, args []any) (any, error) {
	s, err := stringArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, &Error{Func: c.name, Message: "the argument is not valid JSON: " + err.Error(), Err: err}
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, failf(c.name, "the argument is not valid JSON: unexpected data after the value")
	}
	return v, nil
}

// jsonToString is States.JsonToString(value): compact JSON text, without
// escaping <, > and &, numbers as written. Object members come in sorted key
// order.
func jsonToString(c *Call, _ Env, args []any) (any, error) {
	s, err := marshal(args[0])
	if err != nil {
		return nil, &Error{Func: c.name, Message: "the value cannot be serialized: " + err.Error(), Err: err}
	}
	return s, nil
}

func marshal(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// array is States.Array(values...).
func array(_ *Call, _ Env, args []any) (any, error) {
	return slices.Clone(args), nil
}

// arrayPartition is States.ArrayPartition(array, size): consecutive chunks of
// size elements, the last one possibly shorter.
func arrayPartition(c *Call, _ Env, args []any) (any, error) {
	l, err := arrayArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	size, err := intArgAt(c, args, 1, true)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, failf(c.name, "the chunk size must be a positive integer, got %d", size)
	}
	out := make([]any, 0, (int64(len(l))+size-1)/size)
	for i := 0; i < len(l); {
		j := i + int(min(size, int64(len(l)-i)))
		out = append(out, slices.Clone(l[i:j]))
		i = j
	}
	return out, nil
}

// arrayContains is States.ArrayContains(array, value); values compare as JSON
// (numbers by value, objects and arrays member by member).
func arrayContains(c *Call, _ Env, args []any) (any, error) {
	l, err := arrayArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	for _, v := range l {
		if jsonpath.Equal(v, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

// arrayRange is States.ArrayRange(start, end, step): start, start+step, ...
// up to and including end, at most 1000 elements.
func arrayRange(c *Call, _ Env, args []any) (any, error) {
	var n [3]int64
	for i := range n {
		v, err := intArgAt(c, args, i, true)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step <= 0 {
		return nil, failf(c.name, "the step must be a positive integer, got %d", step)
	}
	if start > end {
		return []any{}, nil
	}
	steps := (uint64(end) - uint64(start)) / uint64(step)
	if steps >= maxArrayRange {
		return nil, failf(c.name, "the range has more elements than the limit of %d", maxArrayRange)
	}
	count := steps + 1
	out := make([]any, count)
	for i := range out {
		out[i] = number(start + int64(i)*step)
	}
	return out, nil
}

// arrayGetItem is States.ArrayGetItem(array, index).
func arrayGetItem(c *Call, _ Env, args []any) (any, error) {
	l, err := arrayArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	i, err := intArgAt(c, args, 1, false)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(l)) {
		return nil, failf(c.name, "the index %d is out of bounds for an array of length %d", i, len(l))
	}
	return l[i], nil
}

// arrayLength is States.ArrayLength(array).
func arrayLength(c *Call, _ Env, args []any) (any, error) {
	l, err := arrayArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	return number(int64(len(l))), nil
}

// arrayUnique is States.ArrayUnique(array): the first occurrence of each
// distinct value, in order.
func arrayUnique(c *Call, _ Env, args []any) (any, error) {
	l, err := arrayArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(l))
	seen := make(map[string][]int, len(l)) // hash key → indexes into out
	for _, v := range l {
		key := hashKey(v)
		dup := false
		for _, j := range seen[key] {
			if jsonpath.Equal(out[j], v) {
				dup = true
				break
			}
		}
		if !dup {
			seen[key] = append(seen[key], len(out))
			out = append(out, v)
		}
	}
	return out, nil
}

// hashKey returns a string equal for values that jsonpath.Equal may find
// equal: JSON text with numbers reduced to float64 precision.
func hashKey(v any) string {
	var b strings.Builder
	writeHashKey(&b, v)
	return b.String()
}

func writeHashKey(b *strings.Builder, v any) {
	switch v := v.(type) {
	case []any:
		b.WriteByte('[')
		for _, e := range v {
			writeHashKey(b, e)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for _, k := range sortedKeys(v) {
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeHashKey(b, v[k])
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case string:
		b.WriteString(strconv.Quote(v))
	default:
		if t, ok := jsonpath.NumberText(v); ok {
			f, _ := strconv.ParseFloat(t, 64)
			if f == 0 {
				f = 0 // -0 and 0 are equal
			}
			b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			return
		}
		s, _ := marshal(v)
		b.WriteString(s)
	}
}

func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

// base64Encode is States.Base64Encode(string): the standard Base64 encoding
// of the string's UTF-8 bytes; the input may have up to 10,000 characters.
func base64Encode(c *Call, _ Env, args []any) (any, error) {
	s, err := stringArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf16Len(s); n > maxEncodeLength {
		return nil, failf(c.name, "the input has %d characters, more than the limit of %d", n, maxEncodeLength)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// base64Decode is States.Base64Decode(string): the decoded bytes as UTF-8
// text; the input may have up to 10,000 characters. Padding is optional.
func base64Decode(c *Call, _ Env, args []any) (any, error) {
	s, err := stringArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf16Len(s); n > maxDecodeLength {
		return nil, failf(c.name, "the input has %d characters, more than the limit of %d", n, maxDecodeLength)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		var err2 error
		if b, err2 = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err2 != nil {
			return nil, &Error{Func: c.name, Message: "the input is not valid Base64: " + err.Error(), Err: err}
		}
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	return string(b), nil
}

var hashes = map[string]func([]byte) []byte{
	"MD5":     func(b []byte) []byte { h := md5.Sum(b); return h[:] },
	"SHA-1":   func(b []byte) []byte { h := sha1.Sum(b); return h[:] },
	"SHA-256": func(b []byte) []byte { h := sha256.Sum256(b); return h[:] },
	"SHA-384": func(b []byte) []byte { h := sha512.Sum384(b); return h[:] },
	"SHA-512": func(b []byte) []byte { h := sha512.Sum512(b); return h[:] },
}

// hashFunc is States.Hash(string, algorithm): the lowercase hex digest of the
// string's UTF-8 bytes with MD5, SHA-1, SHA-256, SHA-384 or SHA-512; the input
// may have up to 10,000 characters.
func hashFunc(c *Call, _ Env, args []any) (any, error) {
	s, err := stringArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	alg, err := stringArgAt(c, args, 1)
	if err != nil {
		return nil, err
	}
	sum, ok := hashes[alg]
	if !ok {
		return nil, failf(c.name, "the algorithm %q is not one of MD5, SHA-1, SHA-256, SHA-384 and SHA-512", alg)
	}
	if n := utf16Len(s); n > maxHashLength {
		return nil, failf(c.name, "the input has %d characters, more than the limit of %d", n, maxHashLength)
	}
	return hex.EncodeToString(sum([]byte(s))), nil
}

// jsonMerge is States.JsonMerge(object, object, false): a shallow merge in
// which the second object's members win. AWS supports only the shallow mode,
// so the third argument must be false.
func jsonMerge(c *Call, _ Env, args []any) (any, error) {
	a, err := objectArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	b, err := objectArgAt(c, args, 1)
	if err != nil {
		return nil, err
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, failf(c.name, "the third argument must be a boolean, got %s", jsonpath.Describe(args[2]))
	}
	if deep {
		return nil, failf(c.name, "only shallow merging is supported, so the third argument must be false")
	}
	out := make(map[string]any, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out, nil
}

// mathRandom is States.MathRandom(start, end[, seed]): an integer between
// start and end inclusive, arguments rounded to integers. Without a seed it
// comes from Env.Rand; with one it is a deterministic function of the seed
// (java.util.Random's sequence).
func mathRandom(c *Call, env Env, args []any) (any, error) {
	lo, err := intArgAt(c, args, 0, true)
	if err != nil {
		return nil, err
	}
	hi, err := intArgAt(c, args, 1, true)
	if err != nil {
		return nil, err
	}
	if lo > hi {
		return nil, failf(c.name, "the start %d is greater than the end %d", lo, hi)
	}
	if len(args) == 3 {
		seed, err := intArgAt(c, args, 2, true)
		if err != nil {
			return nil, err
		}
		return number(seededInt(seed, lo, hi)), nil
	}
	if env.Rand == nil {
		return nil, failf(c.name, "no source of random numbers is configured")
	}
	n := env.Rand(lo, hi)
	if n < lo || n > hi {
		return nil, failf(c.name, "the random source returned %d, outside [%d, %d]", n, lo, hi)
	}
	return number(n), nil
}

// seededInt returns an integer in [lo, hi] drawn from java.util.Random
// seeded with seed.
func seededInt(seed, lo, hi int64) int64 {
	r := javaRandom{seed: (seed ^ 0x5DEECE66D) & (1<<48 - 1)}
	span := uint64(hi) - uint64(lo) + 1
	if span == 0 { // the whole int64 range
		return int64(uint64(r.next(32))<<32 | uint64(uint32(r.next(32))))
	}
	if span <= math.MaxInt32 {
		return lo + int64(r.nextInt(int32(span)))
	}
	v := (uint64(r.next(32))<<32 | uint64(uint32(r.next(32)))) % span
	return int64(uint64(lo) + v)
}

// javaRandom is java.util.Random's linear congruential generator.
type javaRandom struct{ seed int64 }

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*0x5DEECE66D + 0xB) & (1<<48 - 1)
	return int32(r.seed >> (48 - bits))
}

func (r *javaRandom) nextInt(bound int32) int32 {
	v := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(v)) >> 31)
	}
	for u := v; ; u = r.next(31) {
		v = u % bound
		if u-v+m >= 0 { // int32 overflow is Java's rejection test
			return v
		}
	}
}

// mathAdd is States.MathAdd(a, b): the sum of the two numbers, each first
// rounded to an integer half up as AWS does.
func mathAdd(c *Call, _ Env, args []any) (any, error) {
	a, err := intArgAt(c, args, 0, true)
	if err != nil {
		return nil, err
	}
	b, err := intArgAt(c, args, 1, true)
	if err != nil {
		return nil, err
	}
	sum := a + b
	if (b > 0 && sum < a) || (b < 0 && sum > a) {
		return nil, failf(c.name, "%d + %d overflows", a, b)
	}
	return number(sum), nil
}

// stringSplit is States.StringSplit(string, delimiters): like Java's
// StringTokenizer, every character of the second argument is a delimiter and
// empty pieces are dropped (",a,,b," split at "," is ["a", "b"]).
func stringSplit(c *Call, _ Env, args []any) (any, error) {
	s, err := stringArgAt(c, args, 0)
	if err != nil {
		return nil, err
	}
	delims, err := stringArgAt(c, args, 1)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, f)
	}
	return out, nil
}

// uuid is States.UUID(): a version 4 UUID from Env.UUID.
func uuid(c *Call, env Env, _ []any) (any, error) {
	if env.UUID == nil {
		return nil, failf(c.name, "no UUID source is configured")
	}
	return env.UUID(), nil
}
