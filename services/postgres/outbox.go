package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// OutboxStore is the relay's view of the outbox table.
type OutboxStore struct{ db *DB }

// NewOutboxStore returns an OutboxStore on db.
func NewOutboxStore(db *DB) *OutboxStore { return &OutboxStore{db: db} }

// RelayPending claims up to limit unpublished messages, oldest first, hands
// each to publish and marks those that were published. Rows are claimed with
// FOR UPDATE SKIP LOCKED, so several relays (API replicas) share the work
// without publishing a row twice at once; a crash between publish and mark
// republishes, which the broker's duplicate window and idempotent jobs
// absorb. It stops at the first publish error and returns it.
func (s *OutboxStore) RelayPending(ctx context.Context, limit int, publish func(context.Context, media.OutboxMessage) error) (int, error) {
	published := 0
	var pubErr error
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id, subject, payload, headers FROM outbox
			WHERE published_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`, limit)
		if err != nil {
			return err
		}
		msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (media.OutboxMessage, error) {
			var m media.OutboxMessage
			var id uuid.UUID
			err := r.Scan(&id, &m.Subject, &m.Payload, &m.Headers)
			m.ID = id.String()
			return m, err
		})
		if err != nil {
			return err
		}
		var done []string
		for _, m := range msgs {
			if pubErr = publish(ctx, m); pubErr != nil {
				break
			}
			done = append(done, m.ID)
		}
		if len(done) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[])`, done)
		published = len(done)
		return err
	})
	if err != nil {
		return 0, translate(err, "outbox")
	}
	return published, pubErr
}

// insertJob writes a job into the outbox inside the caller's transaction.
func insertJob(ctx context.Context, tx pgx.Tx, job *media.Job, trace map[string]string) error {
	payload, err := json.Marshal(job)
	if err != nil {
		return err
	}
	headers := make(map[string]string, len(trace)+1)
	for k, v := range trace {
		headers[k] = v
	}
	// When the job was issued, for the workers' queue-wait metric.
	headers[media.QueuedAtHeader] = time.Now().UTC().Format(time.RFC3339Nano)
	if err := insertOutbox(ctx, tx, uuid.New(), job.Subject(), payload, headers); err != nil {
		return fmt.Errorf("insert job for media %d: %w", job.MediaID, err)
	}
	return nil
}

// OutboxChannel is the Postgres NOTIFY channel that wakes the relays when a
// message is committed, so an event written by a worker reaches the API's
// listeners in milliseconds rather than at the relay's next poll.
const OutboxChannel = "pixelmill_outbox"

// MediaChannel is the Postgres NOTIFY channel on which every committed
// change to an item or its files is announced, with the item's id as
// payload (migration 009's triggers): API replicas drop the item from
// their read caches.
const MediaChannel = "pixelmill_media"

// issueJob makes an item's next job in the caller's transaction, the one
// way a job is issued to an existing item: when cond holds (SQL on the row
// m, whose id is $1; args are $2 on) it moves the item's job sequence on,
// so any older job in flight can no longer record, and sets it processing;
// media.JobFor decides the kind from want and the item's state before; the
// job goes to the outbox (insertJob) with the trace. touch also moves
// updated_at, for a job someone asked for. It returns nil when cond does
// not hold.
func issueJob(ctx context.Context, tx pgx.Tx, want media.Job, trace map[string]string, touch bool, cond string, args ...any) (*media.Job, error) {
	set := "job_seq = m.job_seq + 1, status = 'processing', status_error = ''"
	if touch {
		set += ", updated_at = now()"
	}
	job := want
	var before media.Status
	var mime string
	var needsEdit bool
	err := tx.QueryRow(ctx, `
		UPDATE media m SET `+set+`
		FROM (SELECT id, status FROM media WHERE id = $1 FOR UPDATE) prior
		WHERE m.id = prior.id `+cond+`
		RETURNING m.key, m.job_seq, prior.status, m.mime, m.edit IS NOT NULL AND m.original_filesize = 0`,
		append([]any{want.MediaID}, args...)...).Scan(&job.MediaKey, &job.Seq, &before, &mime, &needsEdit)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if job.Kind, _ = media.JobFor(want.Kind, media.JobState{Status: before, MIME: mime, NeedsEdit: needsEdit}); job.Kind != want.Kind {
		job.Sizes = nil // an edit, a preview: the job makes every size
	}
	return &job, insertJob(ctx, tx, &job, trace)
}

func insertOutbox(ctx context.Context, tx pgx.Tx, id uuid.UUID, subject string, payload []byte, headers map[string]string) error {
	if headers == nil {
		headers = map[string]string{}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO outbox (id, subject, payload, headers) VALUES ($1, $2, $3, $4)`, id, subject, payload, headers); err != nil {
		return err
	}
	// Delivered at commit, once per transaction however many rows it adds.
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, OutboxChannel)
	return err
}

// EventSubject is the subject of an item's status event.
func EventSubject(status media.Status) string { return "media.events." + string(status) }

// insertEvent writes the event of an item's new status into the outbox in
// the caller's transaction: the event commits with the change it tells of,
// so webhooks and listeners hear of every change at least once.
func insertEvent(ctx context.Context, tx pgx.Tx, mediaID int64, status media.Status, reason string) error {
	ev := media.Event{MediaID: mediaID, Status: status, Error: reason}
	switch status {
	case media.StatusReady:
		ev.Type = media.EventReady
	case media.StatusFailed:
		ev.Type = media.EventFailed
	default:
		return fmt.Errorf("no event for status %q", status)
	}
	if err := tx.QueryRow(ctx, `SELECT key::text, api_key_id, now() FROM media WHERE id = $1`, mediaID).Scan(&ev.MediaKey, &ev.APIKeyID, &ev.CreatedAt); err != nil {
		return fmt.Errorf("read media %d for its event: %w", mediaID, err)
	}
	id := uuid.New()
	ev.ID = id.String()
	ev.CreatedAt = ev.CreatedAt.UTC()
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if err := insertOutbox(ctx, tx, id, EventSubject(status), payload, nil); err != nil {
		return fmt.Errorf("insert event for media %d: %w", mediaID, err)
	}
	return nil
}

// Backlog is what waits in Postgres, for the metrics: outbox rows not yet
// published and the oldest one's age; items processing and the age of the
// oldest one's newest job.
type Backlog struct {
	OutboxPending    int64
	OutboxOldest     time.Duration
	Processing       int64
	ProcessingOldest time.Duration
}

// ReadBacklog reads it in one query.
func (s *OutboxStore) ReadBacklog(ctx context.Context) (Backlog, error) {
	var b Backlog
	var outboxAge, processingAge float64
	err := s.db.Pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL),
		       COALESCE((SELECT EXTRACT(EPOCH FROM now() - min(created_at)) FROM outbox WHERE published_at IS NULL), 0),
		       (SELECT count(*) FROM media WHERE status = 'processing'),
		       COALESCE((SELECT EXTRACT(EPOCH FROM now() - min(job_at)) FROM media WHERE status = 'processing'), 0)`).
		Scan(&b.OutboxPending, &outboxAge, &b.Processing, &processingAge)
	b.OutboxOldest = time.Duration(outboxAge * float64(time.Second))
	b.ProcessingOldest = time.Duration(processingAge * float64(time.Second))
	return b, translate(err, "backlog")
}
