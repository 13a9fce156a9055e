// Package objstoretest gives tests a real MinIO bucket of their own.
// `make test` starts MinIO and exports PIXELMILL_TEST_S3_*; a test that finds
// no server fails, it never skips.
package objstoretest

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pixelmill/pixelmill/services/objstore"
)

var counter atomic.Int64

// Config returns MinIO's settings from the environment with a fresh
// bucket name, failing the test when they are missing.
func Config(t testing.TB) objstore.Config {
	t.Helper()
	return fromEnv(t, "PIXELMILL_TEST_S3_", "MinIO")
}

// fromEnv reads a server's settings from the variables under prefix
// (ENDPOINT, ACCESS_KEY, SECRET_KEY), with a fresh bucket name.
func fromEnv(t testing.TB, prefix, what string) objstore.Config {
	t.Helper()
	c := objstore.Config{
		Endpoint:  os.Getenv(prefix + "ENDPOINT"),
		AccessKey: os.Getenv(prefix + "ACCESS_KEY"),
		SecretKey: os.Getenv(prefix + "SECRET_KEY"),
		Region:    "us-east-1",
		Bucket:    fmt.Sprintf("pmtest-%d-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6, counter.Add(1)),
	}
	if c.Endpoint == "" {
		t.Fatalf("%sENDPOINT is not set: run the tests with `make test`, which starts %s", prefix, what)
	}
	return c
}

// NewStore returns a store on a new MinIO bucket that is emptied and
// removed at cleanup.
func NewStore(t testing.TB) (*objstore.Store, objstore.Config) {
	t.Helper()
	cfg := Config(t)
	return Open(t, cfg), cfg
}

// Server is one S3 server `make test` runs.
type Server struct {
	Name   string // "minio", "versitygw"
	Config objstore.Config
}

// Servers are every S3 server `make test` runs: MinIO (PIXELMILL_TEST_S3_*)
// and a second one that is not MinIO (PIXELMILL_TEST_S3B_*), each with a
// fresh bucket name. It fails the test when either is missing.
func Servers(t testing.TB) []Server {
	t.Helper()
	second := fromEnv(t, "PIXELMILL_TEST_S3B_", "a second S3 server")
	return []Server{{"minio", Config(t)}, {os.Getenv("PIXELMILL_TEST_S3B_NAME"), second}}
}

// Open returns a store on cfg's bucket, created now and emptied and
// removed at cleanup.
func Open(t testing.TB, cfg objstore.Config) *objstore.Store {
	t.Helper()
	s, err := objstore.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.EnsureBucket(ctx); err != nil {
		t.Fatalf("create bucket %s: %v", cfg.Bucket, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.DeletePrefix(ctx, ""); err != nil {
			t.Errorf("empty bucket %s: %v", cfg.Bucket, err)
		}
		if err := s.RemoveBucket(ctx); err != nil {
			t.Errorf("remove bucket %s: %v", cfg.Bucket, err)
		}
	})
	return s
}
