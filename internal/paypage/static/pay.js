// The pay page's script. The card goes to the PSP's tokeniser only; paystep
// gets the token, confirms with it, and the page then shows the status the
// PSP's webhooks gave the payment. It never decides the outcome itself.
(function () {
  "use strict";

  var root = document.getElementById("pay");
  if (!root) {
    return;
  }
  var cfg = {
    id: root.dataset.payment,
    key: root.dataset.key,
    api: root.dataset.api || "",
    sandbox: root.dataset.sandbox,
    prefix: root.dataset.prefix,
    pollMs: parseInt(root.dataset.pollMs, 10) || 1000
  };
  var form = document.getElementById("card-form");
  var outcome = document.getElementById("outcome");
  var statusText = document.getElementById("status-text");
  var statusDetail = document.getElementById("status-detail");
  var authLink = document.getElementById("authenticate");
  var started = Date.now();

  var TEXT = {
    created: "Waiting for the payment to start…",
    processing: "Processing your payment…",
    requires_action: "Your bank asks you to confirm this payment.",
    requires_capture: "Payment authorised. Thank you!",
    succeeded: "Payment succeeded. Thank you!",
    failed: "Payment failed.",
    canceled: "This payment was canceled."
  };

  // show renders a status as the server gave it.
  function show(s) {
    outcome.dataset.status = s.status;
    outcome.dataset.final = s.final ? "true" : "false";
    statusText.textContent = TEXT[s.status] || s.status;
    var detail = "";
    if (s.status === "failed" && s.failure) {
      detail = s.failure.message;
    } else if (s.status === "succeeded" || s.status === "requires_capture") {
      var pm = s.payment_method;
      detail = s.amount_text + (pm ? " with " + pm.brand + " ending " + pm.last4 : "") + ".";
    } else if (s.status === "processing" || s.status === "created") {
      detail = "This page updates by itself.";
    }
    statusDetail.textContent = detail;
    var url = s.status === "requires_action" ? safeURL(s.next_action_url) : "";
    authLink.hidden = !url;
    if (url) {
      authLink.href = url;
    }
  }

  function safeURL(u) {
    if (!u) {
      return "";
    }
    try {
      var parsed = new URL(u, location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "";
    } catch (e) {
      return "";
    }
  }

  function schedule(wait) {
    if (wait === undefined) {
      wait = Date.now() - started > 120000 ? Math.max(cfg.pollMs, 5000) : cfg.pollMs;
    }
    setTimeout(poll, wait);
  }

  function poll() {
    fetch(cfg.prefix + "/" + encodeURIComponent(cfg.id) + "/status", {
      headers: { Accept: "application/json" },
      cache: "no-store",
      credentials: "same-origin"
    }).then(function (r) {
      if (r.status === 429) {
        schedule(1000 * (parseInt(r.headers.get("Retry-After"), 10) || 5));
        return null;
      }
      if (!r.ok) {
        throw new Error("status " + r.status);
      }
      return r.json();
    }).then(function (s) {
      if (!s) {
        return;
      }
      show(s);
      if (!s.final) {
        schedule();
      }
    }).catch(function () {
      statusDetail.textContent = "Connection problem; still checking…";
      schedule(Math.max(cfg.pollMs, 3000));
    });
  }

  function waitForOutcome() {
    if (form) {
      form.hidden = true;
    }
    statusText.textContent = TEXT.processing;
    poll();
  }

  // readJSON resolves to {ok, status, headers, body}; body is null when the
  // answer is not JSON.
  function readJSON(r) {
    return r.text().then(function (t) {
      var body = null;
      try {
        body = JSON.parse(t);
      } catch (e) {
        body = null;
      }
      return { ok: r.ok, status: r.status, headers: r.headers, body: body };
    });
  }

  function errorOf(res, fallback) {
    var e = res.body && res.body.error;
    if (res.status === 429) {
      return new Error("Too many attempts: wait " + (res.headers.get("Retry-After") || "a few") + " seconds and try again.");
    }
    return new Error((e && e.message) || fallback + " (HTTP " + res.status + ").");
  }

  function parseExpiry(s) {
    var m = s.replace(/\s/g, "").match(/^(\d{1,2})\/?(\d{2}|\d{4})$/);
    if (!m) {
      return null;
    }
    var month = parseInt(m[1], 10);
    if (month < 1 || month > 12) {
      return null;
    }
    var year = parseInt(m[2], 10);
    if (m[2].length === 2) {
      year += 2000;
    }
    return { month: String(month), year: String(year) };
  }

  function confirmPayment(pm) {
    return fetch(cfg.api + "/v1/payments/" + encodeURIComponent(cfg.id) + "/confirm", {
      method: "POST",
      credentials: "omit",
      headers: {
        "Authorization": "Bearer " + cfg.key,
        "Content-Type": "application/json",
        "Idempotency-Key": cfg.id + ":confirm:" + pm
      },
      body: JSON.stringify({ payment_method: pm, return_url: location.origin + location.pathname })
    }).then(readJSON).then(function (res) {
      var p = res.ok ? res.body : null;
      var e = res.body && res.body.error;
      var next = p && p.status === "requires_action" && p.next_action ? safeURL(p.next_action.redirect_url) : "";
      if (next) {
        statusText.textContent = "Taking you to your bank to confirm the payment…";
        location.assign(next);
        return;
      }
      // Accepted, declined (402) or already confirmed: the payment's status,
      // moved by the PSP's webhook, tells the outcome.
      if (res.ok || res.status === 402 || (e && e.code === "payment_unexpected_state")) {
        waitForOutcome();
        return;
      }
      throw errorOf(res, "The payment could not be confirmed");
    });
  }

  if (!form) {
    if (!document.getElementById("notice")) {
      poll();
    }
    return;
  }
  var number = document.getElementById("card-number");
  var exp = document.getElementById("card-exp");
  var cvc = document.getElementById("card-cvc");
  var button = document.getElementById("pay-button");
  var formError = document.getElementById("form-error");

  function fail(msg) {
    formError.textContent = msg;
    formError.hidden = false;
    button.disabled = false;
  }

  form.hidden = false;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    formError.hidden = true;
    var digits = number.value.replace(/[\s-]/g, "");
    var e = parseExpiry(exp.value);
    var code = cvc.value.trim();
    if (!/^\d{12,19}$/.test(digits)) {
      fail("Card number: enter the 12 to 19 digits on the card.");
      return;
    }
    if (!e) {
      fail("Expiry: enter the month and year as MM / YY.");
      return;
    }
    if (!/^\d{3,4}$/.test(code)) {
      fail("CVC: enter the 3 or 4 digits on the back of the card.");
      return;
    }
    button.disabled = true;
    var body = new URLSearchParams();
    body.set("type", "card");
    body.set("card[number]", digits);
    body.set("card[exp_month]", e.month);
    body.set("card[exp_year]", e.year);
    body.set("card[cvc]", code);
    fetch(cfg.sandbox + "/v1/payment_methods", { method: "POST", body: body, credentials: "omit" })
      .then(readJSON)
      .then(function (res) {
        if (!res.ok || !res.body || !res.body.id) {
          throw errorOf(res, "The card could not be read");
        }
        // The card is with the PSP now: forget it here.
        number.value = "";
        exp.value = "";
        cvc.value = "";
        digits = "";
        code = "";
        return confirmPayment(res.body.id);
      })
      .catch(function (err) {
        fail(err.message || "The payment could not be sent. Check your connection and try again.");
      });
  });
})();
