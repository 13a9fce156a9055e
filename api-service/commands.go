package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/pixelmill/pixelmill/services/cli"
	"github.com/pixelmill/pixelmill/services/config"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// command runs an operator command (env, health, keys, migrate, requeue) with the
// service's configuration from getenv, and returns its exit code; ok is
// false for anything else.
func command(ctx context.Context, args []string, getenv func(string) string, out, errOut io.Writer) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	var err error
	switch args[0] {
	case "env":
		cli.PrintEnv(out, config.Defaults(readConfig))
	case "health":
		err = cmdHealth(ctx, getenv)
	case "migrate":
		err = cmdMigrate(ctx, getenv, out)
	case "requeue":
		err = cmdRequeue(ctx, args[1:], getenv, out)
	case "keys":
		err = cmdKeys(ctx, args[1:], getenv, out)
	default:
		return 0, false
	}
	if err != nil {
		fmt.Fprintln(errOut, "api-service "+args[0]+":", err)
		return 1, true
	}
	return 0, true
}

// cmdHealth asks the service on PIXELMILL_HTTP_ADDR whether it is ready
// (Postgres, NATS and S3 answer), for a container's health check.
func cmdHealth(ctx context.Context, getenv func(string) string) error {
	addr := getenv("PIXELMILL_HTTP_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	return cli.Ready(ctx, addr)
}

// commandDB opens Postgres as the service would.
func commandDB(ctx context.Context, getenv func(string) string) (*postgres.DB, error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return postgres.Open(ctx, cfg.Postgres)
}

// cmdMigrate applies the migrations the binary carries, as the service does
// at start, for an upgrade that migrates before it rolls.
func cmdMigrate(ctx context.Context, getenv func(string) string, out io.Writer) error {
	db, err := commandDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "schema at version %d\n", v)
	return nil
}

// cmdRequeue gives each item a new job for its missing files (its kind's:
// renditions, a preview, its facts and poster), as a post-process does;
// the running API replicas' relays publish it.
func cmdRequeue(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("name the items: api-service requeue ID [ID]")
	}
	var ids []int64
	for _, a := range args {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%q is not an item id", a)
		}
		ids = append(ids, id)
	}
	db, err := commandDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer db.Close()
	store := postgres.NewMediaStore(db)
	for _, id := range ids {
		job, err := store.RequeueMedia(ctx, id, nil, nil)
		if err != nil {
			return fmt.Errorf("item %d: %w", id, err)
		}
		fmt.Fprintf(out, "item %d: %s job %d issued\n", id, job.Kind, job.Seq)
	}
	return nil
}
