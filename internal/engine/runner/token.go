package runner

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
)

// A task token names the execution and the task and carries a MAC made
// with a key kept in the execution's snapshot:
//
//	base64url(executionARN) "." taskID "." base64url(HMAC-SHA256(key, executionARN "#" taskID)[:16])
//
// So a token needs no row of its own: a garbled or forged one is refused
// (InvalidToken) without guessing, and a genuine one whose task is no
// longer awaited is told apart (TaskTimedOut). Nodes need no shared secret.

const macLen = 16

var b64 = base64.RawURLEncoding.Strict()

func makeToken(key []byte, arn string, taskID int64) string {
	id := strconv.FormatInt(taskID, 10)
	var b strings.Builder
	b.Grow(b64.EncodedLen(len(arn)) + len(id) + b64.EncodedLen(macLen) + 2)
	b.WriteString(b64.EncodeToString([]byte(arn)))
	b.WriteByte('.')
	b.WriteString(id)
	b.WriteByte('.')
	b.WriteString(b64.EncodeToString(tokenMAC(key, arn, id)))
	return b.String()
}

func tokenMAC(key []byte, arn, id string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(arn))
	m.Write([]byte{'#'})
	m.Write([]byte(id))
	return m.Sum(nil)[:macLen]
}

// parsedToken is a token split into its parts; its MAC is not checked yet.
type parsedToken struct {
	arn    string
	taskID int64
	id     string
	mac    []byte
}

// parseToken splits a token; ok is false when it is not one of ours.
func parseToken(tok string) (parsedToken, bool) {
	a, rest, ok1 := strings.Cut(tok, ".")
	id, mac, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 {
		return parsedToken{}, false
	}
	arn, err := b64.DecodeString(a)
	if err != nil || len(arn) == 0 {
		return parsedToken{}, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return parsedToken{}, false
	}
	m, err := b64.DecodeString(mac)
	if err != nil || len(m) != macLen {
		return parsedToken{}, false
	}
	return parsedToken{arn: string(arn), taskID: n, id: id, mac: m}, true
}

// verify reports whether the token was made with key.
func (p parsedToken) verify(key []byte) bool {
	return hmac.Equal(p.mac, tokenMAC(key, p.arn, p.id))
}
