// Package postgres is Pixelmill's source of truth: the pgx pool, the
// embedded migrations, and the stores for media, users and the job outbox.
// It translates pgx errors into media error codes, so no caller imports pgx
// to check an error.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"

	"github.com/pixelmill/pixelmill/services/config"
	"github.com/pixelmill/pixelmill/services/media"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Config says how to reach Postgres.
type Config struct {
	URL      string
	MaxConns int32
}

// DefaultConfig returns the settings `make up` uses.
func DefaultConfig() Config {
	return Config{URL: "postgres://pixelmill:pixelmill@127.0.0.1:55432/pixelmill?sslmode=disable", MaxConns: 10}
}

// Validate reports a config that can't work.
func (c Config) Validate() error {
	if c.URL == "" {
		return errors.New("postgres: URL is empty")
	}
	if _, err := pgxpool.ParseConfig(c.URL); err != nil {
		return fmt.Errorf("postgres: URL: %w", err)
	}
	if c.MaxConns < 1 {
		return errors.New("postgres: MaxConns must be at least 1")
	}
	return nil
}

// DB is the connection pool every store shares.
type DB struct {
	Pool *pgxpool.Pool
}

// Open connects a pool. It does not wait for the server: the pool
// reconnects by itself, and Ping tells readiness.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = cfg.MaxConns
	// A dead server must fail a request fast rather than hang it.
	pc.ConnConfig.ConnectTimeout = 5 * time.Second
	// Every query is a span of the caller's trace (the statement, never
	// its parameters), so a job's trace shows its time in Postgres.
	pc.ConnConfig.Tracer = otelpgx.NewTracer(otelpgx.WithDisableConnectionDetailsInAttributes())
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open postgres pool: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// Close releases the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks that Postgres answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// Migrate applies the embedded migrations. tern serializes concurrent
// migrators (several API replicas starting at once) with an advisory lock.
func (db *DB) Migrate(ctx context.Context) error { return db.MigrateTo(ctx, -1) }

// SchemaVersion is the number of the last migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int32, error) {
	var v int32
	err := db.Pool.QueryRow(ctx, `SELECT version FROM pixelmill_schema_version`).Scan(&v)
	return v, err
}

// MigrateTo applies or reverts the embedded migrations up to version
// (their number: 12 for 012_…; -1 for the last). A test of a migration
// that moves rows uses it to write rows as the schema before it had them.
func (db *DB) MigrateTo(ctx context.Context, version int32) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire: %w", err)
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), "pixelmill_schema_version")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	if err := m.LoadMigrations(sub); err != nil {
		return fmt.Errorf("migrate: load: %w", err)
	}
	if version < 0 {
		err = m.Migrate(ctx)
	} else {
		err = m.MigrateTo(ctx, version)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// translate maps pgx errors to media errors at the adapter boundary.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return media.WrapError(media.CodeNotFound, what+" not found", err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return media.WrapError(media.CodeConflict, what+" already exists", err)
		case "23503", "23514", "22P02", "22021":
			return media.WrapError(media.CodeInvalid, "invalid "+what, err)
		}
		return err
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) || isConnError(err) {
		return media.WrapError(media.CodeUnavailable, "The database is unavailable; try again shortly.", err)
	}
	return err
}

func isConnError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || errors.Is(err, context.DeadlineExceeded)
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// ConfigFromEnv reads PIXELMILL_DATABASE_URL and
// PIXELMILL_DATABASE_MAX_CONNS; a bad value is remembered by e.
func ConfigFromEnv(e *config.Env) Config {
	d := DefaultConfig()
	c := Config{
		URL:      e.String("PIXELMILL_DATABASE_URL", d.URL),
		MaxConns: int32(e.Int("PIXELMILL_DATABASE_MAX_CONNS", int(d.MaxConns))),
	}
	e.Check("postgres", c.Validate())
	return c
}
