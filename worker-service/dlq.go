package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/pixelmill/pixelmill/services/cli"
	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// runDLQ is `worker-service dlq list` and `worker-service dlq replay
// [--all | SEQ...]`: an operator's view of the jobs whose last delivery
// failed. Replay issues a new job for each item through the outbox (so the
// API's relay publishes it) and removes the dead letter.
func runDLQ(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	const usage = "usage: worker-service dlq list | dlq replay [--all | SEQ...]"
	if len(args) == 0 {
		return errors.New(usage)
	}
	if cli.Handle(args, "worker-service dlq", usage+"\n", out) {
		return nil
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	nc, err := jobqueue.Connect(cfg.JobQueue, "pixelmill-dlq-cli")
	if err != nil {
		return err
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := nc.EnsureDLQ(ctx); err != nil {
		return err
	}
	letters, err := nc.ListDLQ(ctx)
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tMEDIA\tKEY\tJOB\tDELIVERIES\tFAILED AT\tREASON")
		for _, d := range letters {
			var job media.Job
			_ = json.Unmarshal(d.Payload, &job)
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d\t%s\t%s\n", d.Seq, job.MediaID, job.MediaKey, job.Kind, d.Deliveries, d.FailedAt.Format(time.RFC3339), d.Reason)
		}
		return tw.Flush()
	case "replay":
		fs := flag.NewFlagSet("replay", flag.ContinueOnError)
		all := fs.Bool("all", false, "replay every dead letter")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		var want []uint64
		for _, a := range fs.Args() {
			n, err := strconv.ParseUint(a, 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a sequence number", a)
			}
			want = append(want, n)
		}
		if !*all && len(want) == 0 {
			return errors.New("name the sequence numbers to replay, or --all")
		}
		db, err := postgres.Open(ctx, cfg.Postgres)
		if err != nil {
			return err
		}
		defer db.Close()
		store := postgres.NewMediaStore(db)
		replayed := 0
		for _, d := range letters {
			if !*all && !slices.Contains(want, d.Seq) {
				continue
			}
			var job media.Job
			if err := json.Unmarshal(d.Payload, &job); err != nil {
				return fmt.Errorf("dead letter %d: %w", d.Seq, err)
			}
			switch job.Kind {
			case media.JobDerive:
				// An image URL's rendition is asked for again, as it was:
				// the item itself is fine.
				if err := store.EnqueueDerive(ctx, &job, nil); err != nil {
					return fmt.Errorf("replay %d (media %d): %w", d.Seq, job.MediaID, err)
				}
			default:
				var sizes []string
				if job.Kind == media.JobRenditions {
					sizes = job.Sizes
				}
				if _, err := store.RequeueMedia(ctx, job.MediaID, sizes, nil); err != nil && media.ErrorCode(err) != media.CodeNotFound {
					return fmt.Errorf("replay %d (media %d): %w", d.Seq, job.MediaID, err)
				}
			}
			if err := nc.DeleteDLQ(ctx, d.Seq); err != nil {
				return fmt.Errorf("remove dead letter %d: %w", d.Seq, err)
			}
			fmt.Fprintf(out, "replayed %d: media %d\n", d.Seq, job.MediaID)
			replayed++
		}
		fmt.Fprintf(out, "%d replayed\n", replayed)
		return nil
	}
	return fmt.Errorf("unknown dlq command %q", args[0])
}
