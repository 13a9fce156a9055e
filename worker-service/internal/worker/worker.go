// Package worker consumes jobs from JetStream and runs them through its
// table of handlers, one file a kind (kinds.go, kind_*.go): it fetches the
// original, has imaging make the renditions (or only the media type's
// named crops, or one rendition for image URL parameters), stores them,
// and records the result in Postgres. Its ack policy is the contract with the
// broker: ack only after the result is durable, terminate permanent
// failures after recording them, nak the rest with back-off.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/worker-service/internal/imaging"
)

// Store is what a worker needs of the media store.
type Store interface {
	FindMediaByID(ctx context.Context, id int64) (*media.Media, error)
	RecordRenditions(ctx context.Context, id, seq int64, r media.Renditions) error
	FailMedia(ctx context.Context, id, seq int64, reason string) error
	// MediaType returns a type's definition, for its named crops; an
	// alias nobody configured gives a type without crops.
	MediaType(ctx context.Context, alias string) (media.MediaType, error)
	// RecordCrops stores a crops job's result and marks the item ready,
	// with RecordRenditions' conflict and not-found answers.
	RecordCrops(ctx context.Context, id, seq int64, crops []media.File) error
	// RecordDerived caches a derive job's file (SizeName the transform's
	// canonical form); not found when the item is gone.
	FindDerived(ctx context.Context, mediaID int64, spec string) (media.File, bool, error)
	RecordDerived(ctx context.Context, mediaID int64, source string, f media.File) error
}

// Broker is what a worker publishes besides acks: dead letters for
// operators. Status events are not published here: the store writes them to
// the outbox in the transaction that changes the status, so none is lost.
type Broker interface {
	PublishDLQ(ctx context.Context, kind string, payload []byte, reason string, deliveries int, trace map[string]string) error
}

// Config is the worker's behaviour.
type Config struct {
	Concurrency int           // jobs run at once by this process
	JobTimeout  time.Duration // bound on one job, after which it is retried
	AckWait     time.Duration // the consumer's; heartbeats come well within it
	MaxDeliver  int           // deliveries before a failure is final (matches the consumer)
	MaxBytes    int64         // largest original a worker will load
	// DrainTimeout bounds how long shutdown waits for jobs in flight.
	DrainTimeout time.Duration
	// RetryBase and RetryMax space the deliveries of a failing job: the
	// n-th retry waits RetryBase×2ⁿ⁻¹, at most RetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration
	// PDF bounds the PDFs a preview is made of, and poppler's runs.
	PDF imaging.PDFLimits
	// AV bounds the audio and video files read, and FFmpeg's runs.
	AV imaging.AVLimits
}

// DefaultConfig returns the settings `make up` uses.
func DefaultConfig() Config {
	return Config{Concurrency: 1, JobTimeout: 5 * time.Minute, AckWait: time.Minute, MaxDeliver: 5, MaxBytes: 512 << 20, DrainTimeout: 30 * time.Second,
		RetryBase: 2 * time.Second, RetryMax: time.Minute, PDF: imaging.DefaultPDFLimits(), AV: imaging.DefaultAVLimits()}
}

// Validate reports a config that can't work.
func (c Config) Validate() error {
	var errs []error
	if c.Concurrency < 1 {
		errs = append(errs, errors.New("worker: Concurrency must be at least 1"))
	}
	if c.JobTimeout < time.Second {
		errs = append(errs, errors.New("worker: JobTimeout must be at least 1s"))
	}
	if c.MaxDeliver < 1 {
		errs = append(errs, errors.New("worker: MaxDeliver must be at least 1"))
	}
	if c.RetryBase <= 0 || c.RetryMax < c.RetryBase {
		errs = append(errs, errors.New("worker: RetryBase must be positive and RetryMax at least RetryBase"))
	}
	return errors.Join(errs...)
}

// Worker runs rendition jobs.
type Worker struct {
	cfg     Config
	store   Store
	objects *objstore.Store
	events  Broker
	log     *slog.Logger
	sizes   []media.Size
}

// New returns a Worker.
func New(cfg Config, store Store, objects *objstore.Store, events Broker, log *slog.Logger) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Worker{cfg: cfg, store: store, objects: objects, events: events, log: log, sizes: media.DefaultSizes()}, nil
}

// Run fetches and runs jobs from cons until ctx ends. Then it stops
// fetching, lets jobs in flight finish within DrainTimeout and returns;
// a job cut off by the drain bound is nak'ed for another worker.
// derive, when not nil, is the consumer of image URL renditions, read in
// one slot of its own besides Concurrency's: small jobs that anyone may
// ask for, so they never take an item job's slot.
func (w *Worker) Run(ctx context.Context, cons, derive jetstream.Consumer) {
	var wg sync.WaitGroup
	for range w.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, cons)
		}()
	}
	if derive != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, derive)
		}()
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context, cons jetstream.Consumer) {
	for ctx.Err() == nil {
		// Fetch one at a time: nothing waits in a local buffer with its
		// AckWait running while this slot is busy, and idle workers get
		// the next job.
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			if ctx.Err() == nil {
				w.log.WarnContext(ctx, "fetch_failed", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		for msg := range batch.Messages() {
			w.handle(ctx, msg)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && ctx.Err() == nil {
			w.log.WarnContext(ctx, "fetch_failed", "err", err)
			sleep(ctx, time.Second)
		}
	}
}

// handle runs one delivery and settles it. The job runs on a context that
// survives the shutdown signal for DrainTimeout, so a drain lets it finish.
func (w *Worker) handle(parent context.Context, msg jetstream.Msg) {
	var job media.Job
	if err := json.Unmarshal(msg.Data(), &job); err != nil || job.MediaID == 0 {
		w.log.ErrorContext(parent, "job_malformed", "subject", msg.Subject(), "err", err)
		_ = msg.TermWithReason("malformed job")
		return
	}
	meta, _ := msg.Metadata()
	delivery := uint64(1)
	if meta != nil {
		delivery = meta.NumDelivered
	}

	ctx, cancel := drainContext(parent, w.cfg.DrainTimeout)
	defer cancel()
	ctx, cancelJob := context.WithTimeout(ctx, w.cfg.JobTimeout)
	defer cancelJob()
	ctx = jobqueue.ExtractTrace(ctx, msg.Headers())
	ctx, span := otel.Tracer("pixelmill/worker").Start(ctx, "job "+string(job.Kind))
	defer span.End()
	span.SetAttributes(attribute.Int64("media.id", job.MediaID), attribute.Int64("job.seq", job.Seq), attribute.Int64("job.delivery", int64(delivery)))
	log := w.log.With("media_id", job.MediaID, "job_seq", job.Seq, "delivery", delivery)

	stopBeat := heartbeat(ctx, msg, w.cfg.AckWait)
	ended := observeStart(ctx, msg, job)
	start := time.Now()
	log.InfoContext(ctx, "job_started", "kind", string(job.Kind))
	var tm phases
	err := w.run(withPhases(ctx, &tm), job)
	stopBeat()

	switch {
	case err == nil:
		// Logged before the ack: the result is recorded, and a redelivery
		// after a crash right here is dropped as already recorded.
		log.InfoContext(ctx, "job_done", append([]any{"duration_ms", time.Since(start).Milliseconds()}, tm.attrs()...)...)
		ended("done")
		if err := msg.DoubleAck(ctx); err != nil {
			log.WarnContext(ctx, "ack_failed", "err", err)
		}
	case errors.Is(err, errDrop):
		_ = msg.Ack()
		log.InfoContext(ctx, "job_dropped", "reason", err.Error())
		ended("dropped")
	case imaging.IsInputError(err) || delivery >= uint64(w.cfg.MaxDeliver):
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		reason := failureReason(err)
		record, deadLetter := finalFailure(job, err)
		// The failure is written before the message is terminated: a
		// terminated work-queue message is gone.
		if record {
			if ferr := w.recordFinal(ctx, job, reason); ferr != nil {
				log.ErrorContext(ctx, "record_failure_failed", "err", ferr)
				_ = msg.NakWithDelay(5 * time.Second)
				ended("retried")
				return
			}
		}
		// Every final failure that a replay could fix is kept in the
		// dead-letter stream, so an operator sees them all and can replay
		// those whose cause is fixed.
		if deadLetter {
			if derr := w.events.PublishDLQ(ctx, string(job.Kind), msg.Data(), reason, int(delivery), jobqueue.InjectTrace(ctx)); derr != nil {
				log.ErrorContext(ctx, "dead_letter_failed", "err", derr)
				_ = msg.NakWithDelay(5 * time.Second)
				ended("retried")
				return
			}
		}
		_ = msg.TermWithReason(reason)
		log.WarnContext(ctx, "job_failed", "reason", reason, "err", err)
		ended("failed")
	default:
		span.RecordError(err)
		delay := backoff(delivery, w.cfg.RetryBase, w.cfg.RetryMax)
		_ = msg.NakWithDelay(delay)
		log.WarnContext(ctx, "job_retry", "err", err, "retry_in", delay.String())
		ended("retried")
	}
}

// errDrop marks a job that is no longer wanted: its item was deleted or a
// newer job superseded it. It is acked and forgotten.
var errDrop = errors.New("job no longer wanted")

// jobItem loads the job's item; a deleted item or one of another
// deployment drops the job.
func (w *Worker) jobItem(ctx context.Context, job media.Job) (*media.Media, error) {
	m, err := w.store.FindMediaByID(ctx, job.MediaID)
	if media.ErrorCode(err) == media.CodeNotFound {
		return nil, fmt.Errorf("media %d deleted: %w", job.MediaID, errDrop)
	}
	if err != nil {
		return nil, fmt.Errorf("load media %d: %w", job.MediaID, err)
	}
	if job.MediaKey != "" && m.Key != job.MediaKey {
		// Ids are per database; the key is global. A job meant for another
		// deployment sharing the broker must never touch this item.
		return nil, fmt.Errorf("job for media key %s does not match %s: %w", job.MediaKey, m.Key, errDrop)
	}
	return m, nil
}

// record stores a job's result; a superseded job or a deleted item drops.
func (w *Worker) record(ctx context.Context, m *media.Media, job media.Job, r media.Renditions) error {
	defer phase(&phasesOf(ctx).record)()
	return settle(w.store.RecordRenditions(ctx, m.ID, job.Seq, r), "record media %d", m.ID)
}

// settle words the answer of a store write that records a job's work: nil,
// errDrop when the job is no longer wanted (superseded, or its item gone),
// else the error, to be retried. Only those two reasons drop a job: a
// conflict of any other kind (two files with one name, say) is a fault,
// and a dropped job would leave its item processing until the reconciler.
func settle(err error, format string, args ...any) error {
	switch {
	case err == nil:
		return nil
	case unwanted(err):
		return fmt.Errorf(format+": %v: %w", append(args, err, errDrop)...)
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// unwanted says whether a store's answer means the job is no longer wanted.
func unwanted(err error) bool {
	return errors.Is(err, media.ErrSuperseded) || errors.Is(err, media.ErrGone)
}

// storeWrites bounds a job's object-store writes in flight.
const storeWrites = 4

// storeAll writes a job's outputs, each file name once (sizes of equal
// dimensions share a file, see imaging.Process) and several at a time:
// each write is a round trip to the object store, and a job's seven or so
// need not wait on each other. It returns the stored files in outs' order,
// each with its own size name.
func (w *Worker) storeAll(ctx context.Context, m *media.Media, outs []imaging.File) ([]media.File, error) {
	first := make(map[string]int, len(outs))
	stored := make([]media.File, len(outs))
	errs := make([]error, len(outs))
	sem := make(chan struct{}, storeWrites)
	var wg sync.WaitGroup
	for i, out := range outs {
		if _, ok := first[out.Name]; ok {
			continue
		}
		first[out.Name] = i
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			stored[i], errs[i] = w.store1(ctx, m, out)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	files := make([]media.File, len(outs))
	for i, out := range outs {
		files[i] = stored[first[out.Name]]
		files[i].SizeName = out.SizeName
	}
	return files, nil
}

// store1 writes one output under its deterministic key.
func (w *Worker) store1(ctx context.Context, m *media.Media, out imaging.File) (media.File, error) {
	key := objstore.FileKey(m.Key, out.Name)
	if _, err := w.objects.Put(ctx, key, bytesReader(out.Data), int64(len(out.Data)), out.MIME); err != nil {
		return media.File{}, fmt.Errorf("store %s: %w", key, err)
	}
	return media.File{SizeName: out.SizeName, Name: out.Name, Key: key, MIME: out.MIME, Width: out.Width, Height: out.Height, Filesize: int64(len(out.Data))}, nil
}

// heartbeat tells JetStream the job is alive (InProgress resets AckWait)
// while a large file is worked on: three beats per AckWait, so one lost
// beat never lets a running job be redelivered.
func heartbeat(ctx context.Context, msg jetstream.Msg, ackWait time.Duration) (stop func()) {
	done := make(chan struct{})
	every := max(ackWait/3, 100*time.Millisecond)
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	return func() { close(done) }
}

// drainContext returns a context that ends drain after parent ends.
func drainContext(parent context.Context, drain time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	stop := context.AfterFunc(parent, func() {
		t := time.NewTimer(drain)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-ctx.Done():
		}
	})
	return ctx, func() { stop(); cancel() }
}

// backoff is the wait before the next delivery after the given one failed.
func backoff(delivery uint64, base, maxWait time.Duration) time.Duration {
	d := base << min(delivery-1, 20)
	return min(d, maxWait)
}

func failureReason(err error) string {
	var ie *imaging.InputError
	if errors.As(err, &ie) {
		return ie.Reason
	}
	return "processing kept failing: " + err.Error()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// HandleExhausted records a job JetStream gave up on because a worker died
// on every delivery (a file that crashes libvips, say): the item is marked
// failed and the job dead-lettered. It is called from the max-deliveries
// advisory, by one worker of the fleet.
func (w *Worker) HandleExhausted(ctx context.Context, e jobqueue.Exhausted) error {
	var job media.Job
	if err := json.Unmarshal(e.Payload, &job); err != nil {
		return nil // nothing to record; the message is removed
	}
	ctx = jobqueue.ExtractTrace(ctx, e.Headers)
	const reason = "processing stopped the worker on every attempt"
	if record, _ := finalFailure(job, nil); record {
		if err := w.recordFinal(ctx, job, reason); err != nil {
			return err
		}
	}
	if err := w.events.PublishDLQ(ctx, string(job.Kind), e.Payload, reason, w.cfg.MaxDeliver, jobqueue.InjectTrace(ctx)); err != nil {
		return err
	}
	w.log.WarnContext(ctx, "job_exhausted", "media_id", job.MediaID, "job_seq", job.Seq, "stream_seq", e.StreamSeq)
	return nil
}
