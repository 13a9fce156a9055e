package core

import (
	"context"
	"time"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/objstore"
)

// UpkeepConfig bounds the two repair passes.
type UpkeepConfig struct {
	// Every is how often both passes run.
	Every time.Duration
	// StuckAfter is how long an item may stay processing before it gets a
	// new job. It must exceed the longest legitimate job with its retries
	// (AckWait × MaxDeliver plus back-off), or slow jobs are superseded.
	StuckAfter time.Duration
	// MaxReissues is how many new jobs an item stuck in processing gets;
	// stuck once more, it fails with a reason instead, so nothing stays
	// processing without bound whatever goes wrong.
	MaxReissues int
	// OrphanAfter is how old an object with no row must be before it is
	// removed: an upload writes its object before its row, so a younger
	// one may belong to a request still under way.
	OrphanAfter time.Duration
	// UploadGrace is how long after its URL expired a presigned upload
	// that was never completed is removed.
	UploadGrace time.Duration
}

// Reconcile gives a new job to every item stuck in processing: Postgres is
// the source of truth, so a job the broker lost is only a delay. An item
// that got maxReissues new jobs already and is stuck again fails instead.
func (s *Service) Reconcile(ctx context.Context, stuckAfter time.Duration, maxReissues int) (requeued, failed int, err error) {
	jobs, gaveUp, err := s.store.RequeueStuck(ctx, s.now().Add(-stuckAfter), 100, maxReissues, jobqueue.InjectTrace(ctx))
	if err != nil {
		return 0, 0, err
	}
	for _, j := range jobs {
		s.log.WarnContext(ctx, "media_requeued", "media_id", j.MediaID, "job_seq", j.Seq, "reason", "stuck in processing")
	}
	for _, id := range gaveUp {
		s.log.ErrorContext(ctx, "media_failed_stuck", "media_id", id, "reissues", maxReissues)
	}
	// A failure's event waits in the outbox too.
	if len(jobs) > 0 || len(gaveUp) > 0 {
		s.relay.Kick()
	}
	return len(jobs), len(gaveUp), nil
}

// Sweep removes objects that belong to no item and are older than
// orphanAfter: left by an upload whose row was never written, or by a
// delete whose object removal failed.
func (s *Service) Sweep(ctx context.Context, orphanAfter time.Duration) (int, error) {
	objs, err := s.objects.ListInfo(ctx, "media/")
	if err != nil {
		return 0, err
	}
	cutoff := s.now().Add(-orphanAfter)
	byKey := map[string][]string{}
	for _, o := range objs {
		if k, ok := objstore.MediaKeyOf(o.Key); ok && o.LastModified.Before(cutoff) {
			byKey[k] = append(byKey[k], o.Key)
		}
	}
	if len(byKey) == 0 {
		return 0, nil
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	known, err := s.store.KnownKeys(ctx, keys)
	if err != nil {
		return 0, err
	}
	removed := 0
	for k, objects := range byKey {
		if known[k] {
			continue
		}
		for _, o := range objects {
			if err := s.objects.Delete(ctx, o); err != nil {
				return removed, err
			}
			removed++
		}
		s.log.InfoContext(ctx, "orphans_removed", "media_key", k, "objects", len(objects))
	}
	return removed, nil
}

// RunUpkeep runs Reconcile, Sweep and ExpireUploads every cfg.Every until ctx ends. Both
// are safe to run on every API replica at once.
func (s *Service) RunUpkeep(ctx context.Context, cfg UpkeepConfig) {
	t := time.NewTicker(cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, _, err := s.Reconcile(ctx, cfg.StuckAfter, cfg.MaxReissues); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "reconcile_failed", "err", err)
		}
		if _, err := s.Sweep(ctx, cfg.OrphanAfter); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "sweep_failed", "err", err)
		}
		if _, err := s.ExpireUploads(ctx, cfg.UploadGrace); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "expire_uploads_failed", "err", err)
		}
	}
}
