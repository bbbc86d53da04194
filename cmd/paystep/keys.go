package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/paystep/paystep/internal/api"
	"github.com/paystep/paystep/internal/clock"
	"github.com/paystep/paystep/internal/idgen"
	"github.com/paystep/paystep/internal/store"
)

const keysUsage = `Usage: paystep keys <create|list|revoke> [flags]

Manages the API keys of paystep's payments API (/v1). Secret keys (sk_…)
are for servers and may do everything; publishable keys (pk_…) are for the
pay page and may only create and confirm payments. A key is shown once,
when it is made: the database keeps only its SHA-256.

These commands act on the database directly, like 'paystep serve' (the
server need not run): give the same --db (or PAYSTEP_DB).

Sub-commands:
  create   make a key and print it
  list     list the keys, with a hint of each (sk_…abcd), never the key
  revoke   revoke a key by its ID (key_…): requests with it get 401

Examples:
  paystep keys create --kind secret --name billing-service
  paystep keys create --kind publishable --name pay-page -o json
  paystep keys list --db data/paystep.db
  PAYSTEP_DB='postgres://paystep@db.internal:5432/paystep' paystep keys revoke key_0f3k…
`

func keysCmd(ctx context.Context, args []string, s stdio) error {
	if len(args) == 0 {
		return usagef("missing sub-command: want one of create, list, revoke")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(s.out, keysUsage)
		return flag.ErrHelp
	case "create":
		return keysCreate(ctx, args[1:], s)
	case "list":
		return keysList(ctx, args[1:], s)
	case "revoke":
		return keysRevoke(ctx, args[1:], s)
	}
	return usagef("unknown sub-command %q: want one of create, list, revoke", args[0])
}

// keysFlags is the flag set of a keys sub-command, with the flags every
// one takes.
type keysFlags struct {
	*flag.FlagSet
	db, output string
}

func newKeysFlags(name, usage string, s stdio) *keysFlags {
	k := &keysFlags{FlagSet: newFlagSet("keys "+name, usage, s)}
	envFlag(k.FlagSet, &k.db, "db", "PAYSTEP_DB", "paystep.db", "SQLite file, or a postgres:// URL")
	k.StringVar(&k.output, "o", "table", "output format: table or json")
	return k
}

// args parses the command line, checks that it holds n positional
// arguments (what describes them) and checks the common flags.
func (k *keysFlags) args(args []string, n int, what string) ([]string, error) {
	pos, err := parseArgs(k.FlagSet, args, n, what)
	if err != nil {
		return nil, err
	}
	if k.output != "table" && k.output != "json" {
		return nil, usagef("-o must be table or json, not %q", k.output)
	}
	if k.db == "" {
		return nil, usagef("--db must name a SQLite file or a postgres:// URL")
	}
	return pos, nil
}

// keyJSON is a key as -o json prints it; Key only when it was just made.
type keyJSON struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Hint      string `json:"hint"`
	Key       string `json:"key,omitempty"`
	CreatedAt string `json:"created_at"`
	RevokedAt string `json:"revoked_at,omitempty"`
}

func keyOf(k *store.APIKey) keyJSON {
	j := keyJSON{ID: k.ID, Kind: k.Kind, Name: k.Name, Hint: k.Hint, CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339)}
	if !k.RevokedAt.IsZero() {
		j.RevokedAt = k.RevokedAt.UTC().Format(time.RFC3339)
	}
	return j
}

// withStore runs fn on the database of k, closing it afterwards.
func withStore(ctx context.Context, k *keysFlags, fn func(st store.PaymentStore) error) error {
	st, err := openPaymentStore(ctx, k.db)
	if err != nil {
		return err
	}
	err = fn(st)
	if cerr := st.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close database: %w", cerr)
	}
	return err
}

const keysCreateUsage = `Usage: paystep keys create [--kind secret|publishable] [--name NAME] [--db DB] [-o table|json]

Makes an API key and prints it, once: store it where it is needed now.

Examples:
  paystep keys create --kind secret --name billing-service
  paystep keys create --kind publishable --name pay-page -o json
`

func keysCreate(ctx context.Context, args []string, s stdio) error {
	k := newKeysFlags("create", keysCreateUsage, s)
	kind := k.String("kind", "secret", "secret (sk_…, every call) or publishable (pk_…, create and confirm only)")
	name := k.String("name", "", "what the key is for, shown by list")
	if _, err := k.args(args, 0, "no arguments"); err != nil {
		return err
	}
	if *kind != string(api.SecretKey) && *kind != string(api.PublishableKey) {
		return usagef("--kind must be secret or publishable, not %q", *kind)
	}
	if len(*name) > 200 {
		return usagef("--name is longer than 200 bytes")
	}
	return withStore(ctx, k, func(st store.PaymentStore) error {
		key, rec, err := api.CreateKey(ctx, st, api.KeyKind(*kind), *name, idgen.Random{}, clock.System{}.Now())
		if err != nil {
			return err
		}
		if k.output == "json" {
			j := keyOf(rec)
			j.Key = string(key)
			return writeJSON(s.out, j)
		}
		fields(s.out, "ID", rec.ID, "Kind", rec.Kind, "Name", rec.Name, "Key", string(key))
		fmt.Fprintln(s.out, "The key is shown this once; paystep keeps only its hash.")
		return nil
	})
}

const keysListUsage = `Usage: paystep keys list [--db DB] [-o table|json]

Lists the API keys, oldest first, with a hint of each key (never the key).

Examples:
  paystep keys list
  paystep keys list --db data/paystep.db -o json
`

func keysList(ctx context.Context, args []string, s stdio) error {
	k := newKeysFlags("list", keysListUsage, s)
	if _, err := k.args(args, 0, "no arguments"); err != nil {
		return err
	}
	return withStore(ctx, k, func(st store.PaymentStore) error {
		keys, err := st.APIKeyList(ctx)
		if err != nil {
			return err
		}
		if k.output == "json" {
			out := make([]keyJSON, 0, len(keys))
			for _, key := range keys {
				out = append(out, keyOf(key))
			}
			return writeJSON(s.out, out)
		}
		t := newTable(s.out, "ID", "KIND", "NAME", "KEY", "CREATED", "REVOKED")
		for _, key := range keys {
			t.row(key.ID, key.Kind, clip(key.Name, 40), key.Hint, localTime(key.CreatedAt), localTime(key.RevokedAt))
		}
		t.flush()
		return nil
	})
}

const keysRevokeUsage = `Usage: paystep keys revoke KEY_ID [--db DB]

Revokes a key by its ID (key_…, from 'paystep keys list'): from now on
requests with it get 401. Revoking a revoked key changes nothing.

Examples:
  paystep keys revoke key_0f3kq2…
`

func keysRevoke(ctx context.Context, args []string, s stdio) error {
	k := newKeysFlags("revoke", keysRevokeUsage, s)
	pos, err := k.args(args, 1, "one KEY_ID (key_…)")
	if err != nil {
		return err
	}
	return withStore(ctx, k, func(st store.PaymentStore) error {
		err := st.APIKeyRevoke(ctx, pos[0], clock.System{}.Now().UTC().Truncate(time.Microsecond))
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no API key has the ID %q: see 'paystep keys list'", pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Revoked %s.\n", pos[0])
		return nil
	})
}
