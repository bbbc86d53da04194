package sfnapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paystep/paystep/internal/sigv4"
)

// ParseAccessKeys reads the access keys requests may be signed with, in one
// of two forms:
//
//	{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
//
// or one "ACCESS_KEY_ID SECRET_ACCESS_KEY" pair a line, where blank lines and
// lines starting with # are skipped. Errors name the line or key at fault,
// never a secret.
func ParseAccessKeys(data []byte) (map[string]sigv4.Secret, error) {
	var keys map[string]sigv4.Secret
	var err error
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		keys, err = parseKeysJSON(trimmed)
	} else {
		keys, err = parseKeysLines(data)
	}
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no access keys")
	}
	return keys, nil
}

func parseKeysJSON(data []byte) (map[string]sigv4.Secret, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // the opening brace
		return nil, fmt.Errorf("access keys JSON: %w", err)
	}
	keys := map[string]sigv4.Secret{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("access keys JSON at offset %d: %w", dec.InputOffset(), err)
		}
		id, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("access keys JSON at offset %d: want an access key ID", dec.InputOffset())
		}
		var secret string
		if err := dec.Decode(&secret); err != nil {
			return nil, fmt.Errorf("access key %q: the secret must be a JSON string", id)
		}
		if err := checkKey(id, secret); err != nil {
			return nil, err
		}
		if _, dup := keys[id]; dup {
			return nil, fmt.Errorf("access key %q appears twice", id)
		}
		keys[id] = sigv4.Secret(secret)
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("access keys JSON at offset %d: %w", dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("access keys JSON: unexpected data after the object at offset %d", dec.InputOffset())
	}
	return keys, nil
}

func parseKeysLines(data []byte) (map[string]sigv4.Secret, error) {
	keys := map[string]sigv4.Secret{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want ACCESS_KEY_ID SECRET_ACCESS_KEY, got %d fields", n, len(fields))
		}
		if err := checkKey(fields[0], fields[1]); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if _, dup := keys[fields[0]]; dup {
			return nil, fmt.Errorf("line %d: access key %q appears twice", n, fields[0])
		}
		keys[fields[0]] = sigv4.Secret(fields[1])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("access keys: %w", err)
	}
	return keys, nil
}

// checkKey accepts an access key ID of printable characters without
// spaces or slashes (it sits in the credential scope, which slashes split)
// and a non-empty secret, both UTF-8.
func checkKey(id, secret string) error {
	if id == "" {
		return errors.New("an empty access key ID")
	}
	if !utf8.ValidString(id) || !utf8.ValidString(secret) {
		return errors.New("an access key that is not UTF-8 text")
	}
	for _, r := range id {
		if r == '/' || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return fmt.Errorf("access key ID %q: only printable characters without spaces or slashes", id)
		}
	}
	if secret == "" {
		return fmt.Errorf("access key %q: an empty secret", id)
	}
	return nil
}
