package sigv4

import (
	"strings"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// Terminator ends every SigV4 credential scope.
const Terminator = "aws4_request"

// Credential is the Credential component of a signature:
// AKID/20250101/us-east-1/states/aws4_request.
type Credential struct {
	AccessKeyID string
	Date        string // YYYYMMDD
	Region      string
	Service     string
	Terminator  string // aws4_request when valid
}

// Scope is the credential scope: date/region/service/terminator.
func (c Credential) Scope() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/" + c.Terminator
}

// String formats the credential as it appears in a request.
func (c Credential) String() string { return c.AccessKeyID + "/" + c.Scope() }

// ParseCredential splits a credential into its five slash-separated parts.
func ParseCredential(s string) (Credential, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 5 {
		return Credential{}, incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '" + s + "'")
	}
	for i, p := range parts {
		if p == "" {
			what := [...]string{"access key ID", "date", "region", "service", "terminator"}[i]
			return Credential{}, incomplete("Credential has an empty " + what + ": '" + s + "'")
		}
	}
	return Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4]}, nil
}

// Authorization is a parsed Authorization header:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/states/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123…
type Authorization struct {
	Credential    Credential
	SignedHeaders []string // lowercase names, in the order given
	Signature     string   // lowercase hex as sent
}

// String formats a as the SDKs write it. Parsing the result yields a again.
func (a Authorization) String() string {
	return Algorithm + " Credential=" + a.Credential.String() +
		", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") +
		", Signature=" + a.Signature
}

// ParseAuthorization parses an Authorization header value. It checks the
// form only: the signature is checked by Verifier.Verify. Errors are *Error
// with code IncompleteSignatureException; the messages follow AWS's and name
// the parts but never repeat the signature.
func ParseAuthorization(header string) (Authorization, error) {
	header = strings.TrimSpace(header)
	alg, rest, _ := strings.Cut(header, " ")
	if alg != Algorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			return Authorization{}, incomplete("Unsupported AWS 'algorithm': '" + alg + "'")
		}
		return Authorization{}, incomplete(missingParts(true, true, true))
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return Authorization{}, incomplete("'" + part + "' not a valid key=value pair (missing equal-sign) in Authorization header")
		}
		var dst *string
		var seen *bool
		switch k {
		case "Credential":
			dst, seen = &cred, &haveCred
		case "SignedHeaders":
			dst, seen = &signed, &haveSigned
		case "Signature":
			dst, seen = &sig, &haveSig
		default:
			continue // AWS ignores parameters it does not know
		}
		if *seen {
			return Authorization{}, incomplete("Authorization header has more than one '" + k + "' parameter")
		}
		*dst, *seen = v, true
	}
	if !haveCred || !haveSig || !haveSigned {
		return Authorization{}, incomplete(missingParts(!haveCred, !haveSig, !haveSigned))
	}
	c, err := ParseCredential(cred)
	if err != nil {
		return Authorization{}, err
	}
	names, err := parseSignedHeaders(signed)
	if err != nil {
		return Authorization{}, err
	}
	if sig == "" {
		return Authorization{}, incomplete("Authorization header has an empty 'Signature' parameter")
	}
	return Authorization{Credential: c, SignedHeaders: names, Signature: sig}, nil
}

func missingParts(cred, sig, signed bool) string {
	var b strings.Builder
	add := func(name string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("Authorization header requires '" + name + "' parameter.")
	}
	if cred {
		add("Credential")
	}
	if sig {
		add("Signature")
	}
	if signed {
		add("SignedHeaders")
	}
	return b.String()
}

func parseSignedHeaders(s string) ([]string, error) {
	if s == "" {
		return nil, incomplete("Authorization header has an empty 'SignedHeaders' parameter")
	}
	names := strings.Split(s, ";")
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, " \t:") {
			return nil, incomplete("SignedHeaders must be lowercase header names separated by ';', got '" + s + "'")
		}
	}
	return names, nil
}
