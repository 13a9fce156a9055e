package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// keysUsage is what `api-service keys` prints when asked wrongly.
const keysUsage = `usage:
  api-service keys list
  api-service keys create [--owner LOGIN] [--scopes read,write] [--rate-limit N] NAME
  api-service keys revoke ID`

// cmdKeys manages the API keys of /v1 and the Umbraco dialects from the
// command line, through the same core the API's /v1/keys routes use: for
// the first key of an install, for automation, and for revoking a leaked
// key when no administrator can sign in.
func cmdKeys(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	db, err := postgres.Open(ctx, cfg.Postgres)
	if err != nil {
		return err
	}
	defer db.Close()
	users, keys := postgres.NewUserStore(db), postgres.NewAPIKeyStore(db)
	// Revoking here reaches the API replicas through Postgres: each stops
	// accepting the key when its cache of it expires, within 5 s.
	accounts := core.NewAccounts(users, keys, core.Credentials{NewAPIKey: httpx.NewAPIKey, ForgetKeys: func() {}})
	switch args[0] {
	case "list":
		return listKeys(ctx, keys, out)
	case "create":
		return createKey(ctx, args[1:], cfg.AdminUser, users, accounts, out)
	case "revoke":
		if len(args) != 2 {
			return errors.New(keysUsage)
		}
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not a key id", args[1])
		}
		k, err := accounts.RevokeAPIKey(ctx, id)
		if media.ErrorCode(err) == media.CodeNotFound {
			return fmt.Errorf("no API key %d", id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "key %d (%s, %s…) revoked; every replica refuses it within 5 s\n", k.ID, k.Name, k.Prefix)
		return nil
	}
	return errors.New(keysUsage)
}

func listKeys(ctx context.Context, keys *postgres.APIKeyStore, out io.Writer) error {
	list, err := keys.FindAPIKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tSCOPES\tRATE LIMIT\tCREATED\tLAST USED\tREVOKED")
	when := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, k := range list {
		scopes := make([]string, len(k.Scopes))
		for i, s := range k.Scopes {
			scopes[i] = string(s)
		}
		limit := "default"
		if k.RateLimit > 0 {
			limit = strconv.Itoa(k.RateLimit) + "/min"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix, strings.Join(scopes, ","), limit,
			k.CreatedAt.UTC().Format(time.RFC3339), when(k.LastUsedAt), when(k.RevokedAt))
	}
	return tw.Flush()
}

func createKey(ctx context.Context, args []string, adminLogin string, users *postgres.UserStore, accounts *core.Accounts, out io.Writer) error {
	fs := flag.NewFlagSet("keys create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	owner := fs.String("owner", adminLogin, "the administrator who owns the key and what it uploads")
	scopeList := fs.String("scopes", "read,write", "comma-separated: read, write, umbraco:read, umbraco:write")
	rateLimit := fs.Int("rate-limit", 0, "requests per minute; 0: the configured default")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return errors.New(keysUsage)
	}
	name := fs.Arg(0)
	if name == "" || len(name) > 200 {
		return errors.New("a key's name is 1 to 200 characters")
	}
	var scopes []media.Scope
	for _, s := range strings.Split(*scopeList, ",") {
		sc := media.Scope(strings.TrimSpace(s))
		switch sc {
		case media.ScopeRead, media.ScopeWrite, media.ScopeUmbracoRead, media.ScopeUmbracoWrite:
			scopes = append(scopes, sc)
		default:
			return fmt.Errorf("unknown scope %q (want read, write, umbraco:read, umbraco:write)", s)
		}
	}
	if *rateLimit < 0 || *rateLimit > 1_000_000 {
		return errors.New("--rate-limit is requests per minute, from 1 to 1000000 (0: the default)")
	}
	u, err := users.FindUserByLogin(ctx, *owner)
	if media.ErrorCode(err) == media.CodeNotFound {
		return fmt.Errorf("no user %q", *owner)
	}
	if err != nil {
		return err
	}
	if !u.CanManageUsers() {
		return fmt.Errorf("%q is not an administrator; only administrators own API keys", *owner)
	}
	k := &media.APIKey{UserID: u.ID, Name: name, Scopes: scopes, RateLimit: *rateLimit}
	key, err := accounts.CreateAPIKey(ctx, k)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "key %d (%s) created; it is shown only this once:\n%s\n", k.ID, k.Name, key)
	return nil
}
