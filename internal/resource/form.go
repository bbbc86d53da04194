package resource

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Array formats of URL-encoded bodies (Transform.RequestEncodingOptions.ArrayFormat),
// shown for {"a": ["x", "y"]}.
const (
	ArrayIndices  = "INDICES"  // a[0]=x&a[1]=y (the default)
	ArrayRepeat   = "REPEAT"   // a=x&a=y
	ArrayCommas   = "COMMAS"   // a=x,y
	ArrayBrackets = "BRACKETS" // a[]=x&a[]=y
)

// formEncode URL-encodes a JSON object (decoded with UseNumber) the way
// AWS's HTTP Task does with RequestBodyEncoding URL_ENCODED: nested objects
// become a[b]=c, arrays follow arrayFormat. Keys come out in sorted order.
func formEncode(body map[string]any, arrayFormat string) (string, error) {
	var pairs []string
	var add func(key string, v any) error
	add = func(key string, v any) error {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if err := add(key+"["+k+"]", v[k]); err != nil {
					return err
				}
			}
		case []any:
			if arrayFormat == ArrayCommas {
				texts := make([]string, len(v))
				for i, e := range v {
					s, ok := scalarText(e)
					if !ok {
						return fmt.Errorf("RequestBody.%s: the COMMAS array format encodes only arrays of strings, numbers and booleans", key)
					}
					texts[i] = s
				}
				pairs = append(pairs, url.QueryEscape(key)+"="+url.QueryEscape(strings.Join(texts, ",")))
				return nil
			}
			for i, e := range v {
				k := key
				switch arrayFormat {
				case ArrayIndices:
					k += "[" + strconv.Itoa(i) + "]"
				case ArrayBrackets:
					k += "[]"
				}
				if err := add(k, e); err != nil {
					return err
				}
			}
		default:
			s, _ := scalarText(v)
			pairs = append(pairs, url.QueryEscape(key)+"="+url.QueryEscape(s))
		}
		return nil
	}
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := add(k, body[k]); err != nil {
			return "", err
		}
	}
	return strings.Join(pairs, "&"), nil
}

// scalarText writes a JSON scalar as text; null is empty. ok is false for
// objects and arrays.
func scalarText(v any) (s string, ok bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}
