package sandbox

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paystep/paystep/internal/psp"
)

// The 3-D Secure challenge: a page with two buttons, each a plain form, so it
// works without scripts under a strict Content-Security-Policy.

var challengeTmpl = template.Must(template.New("3ds").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>3-D Secure test authentication</title>
<link rel="stylesheet" href="{{.Base}}/3ds.css">
</head>
<body>
<main>
<h1>3-D Secure test authentication</h1>
{{if .Open}}
<p>The paystep sandbox is asking you to authenticate a payment of <strong id="amount">{{.Amount}}</strong>{{if .Last4}} with the card ending <strong>{{.Last4}}</strong>{{end}}.</p>
<p>This is a test page: choose what the cardholder does.</p>
<div class="actions">
<form method="post" action="{{.Action}}"><input type="hidden" name="action" value="approve"><button type="submit" id="approve" class="approve">Complete authentication</button></form>
<form method="post" action="{{.Action}}"><input type="hidden" name="action" value="fail"><button type="submit" id="fail" class="fail">Fail authentication</button></form>
</div>
{{else}}
<p id="result">{{.Message}}</p>
{{end}}
</main>
</body>
</html>
`))

const challengeCSS = `body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1a1a1a;margin:0}
main{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.1)}
h1{font-size:1.25rem}.actions{display:flex;gap:1rem}.actions form{flex:1}
button{width:100%;padding:.75rem;border:0;border-radius:6px;font-size:1rem;cursor:pointer}
.approve{background:#1a7f37;color:#fff}.fail{background:#cf222e;color:#fff}
`

func handleCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(challengeCSS))
}

type challengeView struct {
	Base, Action, Amount, Last4, Message string
	Open                                 bool
}

func (s *Sandbox) pageHeaders(w http.ResponseWriter, returnURL string) {
	formAction := "'self'"
	if u, err := url.Parse(returnURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; form-action "+formAction+"; frame-ancestors 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

func formatAmount(minor int64, currency string) string {
	// Display only: the exponent is 2 for the currencies the sandbox is
	// usually shown with; a few common zero-decimal ones are known.
	switch currency {
	case "jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof":
		return strconv.FormatInt(minor, 10) + " " + strings.ToUpper(currency)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	frac := strconv.FormatInt(minor%100, 10)
	if len(frac) < 2 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(minor/100, 10) + "." + frac + " " + strings.ToUpper(currency)
}

func (s *Sandbox) handleChallengePage(w http.ResponseWriter, r *http.Request) {
	id, ch := r.PathValue("id"), r.PathValue("challenge")
	v := challengeView{Base: s.cfg.BaseURL, Action: s.cfg.BaseURL + "/3ds/" + id + "/" + ch}
	status := http.StatusOK
	returnURL := ""
	err := s.view(r.Context(), func(t *txn) {
		if in := t.intent(id); in != nil && in.Challenge != "" && in.Challenge == ch && in.Status == psp.StatusRequiresAction {
			v.Open = true
			v.Amount = formatAmount(in.Amount, in.Currency)
			if m := t.method(in.PaymentMethod); m != nil {
				v.Last4 = m.Last4
			}
			returnURL = in.ReturnURL
		}
	})
	switch {
	case err != nil:
		s.log.ErrorContext(r.Context(), "sandbox challenge page failed", "err", err)
		v.Open, returnURL, status = false, "", http.StatusInternalServerError
		v.Message = "The sandbox could not read this authentication. Try again."
	case !v.Open:
		status = http.StatusNotFound
		v.Message = "This authentication is not open: it was completed already, or the link is wrong."
	}
	s.pageHeaders(w, returnURL)
	w.WriteHeader(status)
	challengeTmpl.Execute(w, v)
}

func (s *Sandbox) handleChallengeAnswer(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	action := ""
	if err := r.ParseForm(); err == nil {
		action = r.PostForm.Get("action")
	}
	v := challengeView{Base: s.cfg.BaseURL}
	if action != "approve" && action != "fail" {
		s.pageHeaders(w, "")
		w.WriteHeader(http.StatusBadRequest)
		v.Message = `The form must send action=approve or action=fail.`
		challengeTmpl.Execute(w, v)
		return
	}
	id := r.PathValue("id")
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), opTimeout)
	defer cancel()
	var (
		returnURL string
		aerr      *apiError
	)
	err := s.update(ctx, func(t *txn) error {
		var in *intent
		in, aerr = t.completeChallenge(id, r.PathValue("challenge"), action == "approve")
		if aerr == nil {
			returnURL = in.ReturnURL
		}
		return nil
	})
	if err != nil {
		s.log.ErrorContext(ctx, "sandbox challenge answer failed", "err", err)
		aerr = &apiError{Status: http.StatusInternalServerError, Message: "The sandbox could not record your answer. Try again."}
	} else if aerr != nil {
		aerr = &apiError{Status: http.StatusConflict, Message: aerr.Message}
	}
	if aerr != nil {
		s.pageHeaders(w, "")
		w.WriteHeader(aerr.Status)
		v.Message = aerr.Message
		challengeTmpl.Execute(w, v)
		return
	}
	if u, perr := url.Parse(returnURL); returnURL != "" && perr == nil {
		q := u.Query()
		q.Set("payment_intent", id)
		q.Set("redirect_status", map[bool]string{true: "succeeded", false: "failed"}[action == "approve"])
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
		return
	}
	s.pageHeaders(w, "")
	v.Message = "Authentication " + map[bool]string{true: "completed", false: "failed"}[action == "approve"] + ". You can close this window."
	challengeTmpl.Execute(w, v)
}

// CompleteChallenge answers intent ref's open 3-D Secure challenge as the
// customer would on the challenge page: approve continues the payment, fail
// declines it. Tests and the in-process fake use it.
func (s *Sandbox) CompleteChallenge(ref string, approve bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var aerr *apiError
	err := s.update(ctx, func(t *txn) error {
		in := t.intent(ref)
		if t.err != nil {
			return t.err
		}
		if in == nil {
			aerr = &apiError{Type: psp.ErrorTypeInvalidRequest, Code: psp.CodeResourceMissing, Message: "no such payment_intent: " + ref}
			return nil
		}
		_, aerr = t.completeChallenge(ref, in.Challenge, approve)
		return nil
	})
	if err != nil {
		return &psp.Error{Provider: Name, Op: "authenticate", Outcome: psp.Unknown, Type: psp.ErrorTypeAPI, Err: err}
	}
	if aerr != nil {
		return &psp.Error{Provider: Name, Op: "authenticate", Outcome: psp.Failed, Type: aerr.Type, Code: aerr.Code, Message: aerr.Message}
	}
	return nil
}
