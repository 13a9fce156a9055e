// Package postgrestest gives tests a real, migrated, private Postgres
// database. `make test` starts a Postgres server and exports
// PIXELMILL_TEST_DATABASE_URL; a test that finds no server fails, it never
// skips.
package postgrestest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/postgres"
)

// EnvURL names the variable holding the URL of a database whose user may
// create databases.
const EnvURL = "PIXELMILL_TEST_DATABASE_URL"

var counter atomic.Int64

// URL returns the server URL from the environment, failing the test when it
// is missing.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, which starts Postgres, NATS and MinIO", EnvURL)
	}
	return u
}

// NewDatabase creates a fresh database for this test, migrates it, and
// drops it at cleanup. It returns the database's URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	dbURL := NewEmptyDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := Open(t, dbURL).Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return dbURL
}

// NewEmptyDatabase creates a fresh database without any schema, dropped
// at cleanup, for a test that migrates it step by step.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	base := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", base, err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("pmtest_%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(t.Name()))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	dbURL := u.String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		// A backend the test's role may not terminate (an autovacuum
		// worker that just started on the database) makes DROP fail for a
		// moment; the database is scratch space inside a throwaway
		// cluster, so a last failure is logged, not fatal.
		for attempt := 0; attempt < 10; attempt++ {
			if _, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err == nil {
				return
			}
			time.Sleep(300 * time.Millisecond)
		}
		t.Logf("drop database %s: %v (left for the stack's teardown)", name, err)
	})
	return dbURL
}

// NewDB returns an open pool on a fresh migrated database.
func NewDB(t testing.TB) *postgres.DB {
	t.Helper()
	return Open(t, NewDatabase(t))
}

// Open opens a pool on dbURL, closed at cleanup.
func Open(t testing.TB, dbURL string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), postgres.Config{URL: dbURL, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if len(out) > 30 {
		out = out[:30]
	}
	return out
}
