package main

import (
	"context"

	"github.com/pixelmill/pixelmill/services/cli"
)

// health asks the worker on PIXELMILL_WORKER_HTTP_ADDR whether it is ready.
func health(ctx context.Context, getenv func(string) string) error {
	addr := getenv("PIXELMILL_WORKER_HTTP_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	return cli.Ready(ctx, addr)
}
