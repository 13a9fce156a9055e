// Package objstore keeps Pixelmill's files in S3-compatible storage (MinIO)
// and owns the object-key layout. It translates MinIO errors into media
// error codes.
package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/pixelmill/pixelmill/services/config"
	"github.com/pixelmill/pixelmill/services/media"
)

// Config says how to reach the bucket.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	UseTLS    bool
	Region    string
	// PublicEndpoint (host:port) is where clients reach the same storage,
	// for presigned upload URLs; empty means Endpoint. A presigned URL's
	// signature covers its host, so it must be signed for the host the
	// client will use.
	PublicEndpoint string
	PublicUseTLS   bool
}

// DefaultConfig returns the settings `make up` uses.
func DefaultConfig() Config {
	return Config{Endpoint: "127.0.0.1:59000", AccessKey: "pixelmill", SecretKey: "pixelmill-secret", Bucket: "pixelmill", Region: "us-east-1"}
}

// Validate reports a config that can't work.
func (c Config) Validate() error {
	var errs []error
	if c.Endpoint == "" {
		errs = append(errs, errors.New("objstore: Endpoint is empty"))
	}
	if c.Bucket == "" {
		errs = append(errs, errors.New("objstore: Bucket is empty"))
	}
	if c.AccessKey == "" || c.SecretKey == "" {
		errs = append(errs, errors.New("objstore: AccessKey and SecretKey are required"))
	}
	return errors.Join(errs...)
}

// Store is one bucket.
type Store struct {
	client    *minio.Client
	presigner *minio.Client // signs URLs for PublicEndpoint; never sends a request
	bucket    string
}

// New returns a Store. It does not contact the server.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
		// minio-go retries a failed request 10 times with back-off by
		// default; while storage is down that turns an upload into a long
		// hang. Three tries ride out a blip and let the API answer 503 fast.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	st := &Store{client: client, presigner: client, bucket: cfg.Bucket}
	if cfg.PublicEndpoint != "" && (cfg.PublicEndpoint != cfg.Endpoint || cfg.PublicUseTLS != cfg.UseTLS) {
		// Region is set, so presigning never asks the server for the
		// bucket's location: this client needs no route to PublicEndpoint.
		st.presigner, err = minio.New(cfg.PublicEndpoint, &minio.Options{
			Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Secure: cfg.PublicUseTLS, Region: cfg.Region,
		})
		if err != nil {
			return nil, fmt.Errorf("objstore: public endpoint: %w", err)
		}
	}
	return st, nil
}

// EnsureBucket creates the bucket when it does not exist yet.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return translate(err, "bucket")
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{})
	if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
		return translate(err, "bucket")
	}
	return nil
}

// Ping checks that the bucket answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.client.BucketExists(ctx, s.bucket)
	return translate(err, "bucket")
}

// OriginalKey is where an item's upload is stored. Keys are derived from the
// item's UUID, never from user-supplied names, so they are known before the
// stored name is decided and a redelivered job writes the same keys.
func OriginalKey(mediaKey string) string { return path.Join("media", mediaKey, "original") }

// FileKey is where a derived file (main copy or sub-size) of an item lives.
func FileKey(mediaKey, name string) string { return path.Join("media", mediaKey, "files", name) }

// MediaPrefix holds every object of an item.
func MediaPrefix(mediaKey string) string { return path.Join("media", mediaKey) + "/" }

// PutInfo describes a stored object.
type PutInfo struct {
	Size int64
	ETag string
}

// Put streams r into key. size may be -1 when unknown: minio-go then uploads
// in parts, holding one part in memory at a time, never the whole file.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (_ PutInfo, err error) {
	ctx, span := s.span(ctx, "PutObject", key)
	defer func() { endSpan(span, err) }()
	span.SetAttributes(attribute.Int64("pixelmill.object.size", size))
	info, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    16 << 20,
	})
	if err != nil {
		return PutInfo{}, translate(err, "object "+key)
	}
	return PutInfo{Size: info.Size, ETag: info.ETag}, nil
}

// Object is an open object and what is known about it.
type Object struct {
	io.ReadSeekCloser
	Size         int64
	ETag         string
	LastModified time.Time
	ContentType  string
}

// Get opens key for reading; the Object supports Seek, so it can serve
// Range requests with http.ServeContent.
func (s *Store) Get(ctx context.Context, key string) (_ *Object, err error) {
	ctx, span := s.span(ctx, "GetObject", key)
	defer func() { endSpan(span, err) }()
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, translate(err, "object "+key)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, translate(err, "object "+key)
	}
	return &Object{ReadSeekCloser: obj, Size: st.Size, ETag: st.ETag, LastModified: st.LastModified, ContentType: st.ContentType}, nil
}

// ReadAll reads a whole object into memory, for workers whose decoder needs
// the bytes; limit guards against surprises.
func (s *Store) ReadAll(ctx context.Context, key string, limit int64) (_ []byte, err error) {
	ctx, span := s.span(ctx, "ReadAll", key)
	defer func() { endSpan(span, err) }()
	obj, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	if obj.Size > limit {
		return nil, media.Errorf(media.CodeTooLarge, "object %s has %d bytes, over the limit of %d", key, obj.Size, limit)
	}
	buf := make([]byte, obj.Size)
	if _, err := io.ReadFull(obj, buf); err != nil {
		return nil, translate(err, "object "+key)
	}
	return buf, nil
}

// Stat returns an object's size and ETag.
func (s *Store) Stat(ctx context.Context, key string) (_ PutInfo, err error) {
	ctx, span := s.span(ctx, "StatObject", key)
	defer func() { endSpan(span, err) }()
	st, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return PutInfo{}, translate(err, "object "+key)
	}
	return PutInfo{Size: st.Size, ETag: st.ETag}, nil
}

// PresignPut returns a URL that lets its holder PUT exactly size bytes of
// contentType to key until expires passes, without credentials. The
// Content-Length and Content-Type headers are signed: storage refuses a
// body of another length or type, so a client can't store more than it
// declared.
func (s *Store) PresignPut(ctx context.Context, key string, size int64, contentType string, expires time.Duration) (string, error) {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	u, err := s.presigner.PresignHeader(ctx, http.MethodPut, s.bucket, key, expires, nil, h)
	if err != nil {
		return "", fmt.Errorf("presign %s: %w", key, err)
	}
	return u.String(), nil
}

// Delete removes key; a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) (err error) {
	ctx, span := s.span(ctx, "DeleteObject", key)
	defer func() { endSpan(span, err) }()
	return translate(s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}), "object "+key)
}

// DeletePrefix removes every object under prefix.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) (err error) {
	ctx, span := s.span(ctx, "DeleteObjects", prefix)
	defer func() { endSpan(span, err) }()
	objs := s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true})
	for res := range s.client.RemoveObjects(ctx, s.bucket, objs, minio.RemoveObjectsOptions{}) {
		if res.Err != nil {
			return translate(res.Err, "objects under "+prefix)
		}
	}
	return nil
}

// tracer makes a span of every object-store call, a client span named
// after the S3 operation with OpenTelemetry's aws-api attributes, so a
// trace shows the time a job or a request spends in the store.
var tracer = otel.Tracer("pixelmill/objstore")

func (s *Store) span(ctx context.Context, op, key string) (context.Context, trace.Span) {
	return tracer.Start(ctx, "S3."+op, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		attribute.String("rpc.system", "aws-api"),
		attribute.String("rpc.service", "S3"),
		attribute.String("rpc.method", op),
		attribute.String("aws.s3.bucket", s.bucket),
		attribute.String("aws.s3.key", key),
	))
}

// endSpan ends a store call's span, marking it failed with err.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchKey" || resp.Code == "NoSuchBucket" || resp.StatusCode == http.StatusNotFound:
		return media.WrapError(media.CodeNotFound, what+" not found", err)
	case resp.StatusCode == 0 || resp.StatusCode >= 500:
		return media.WrapError(media.CodeUnavailable, "Storage is unavailable; try again shortly.", err)
	}
	return err
}

// RemoveBucket deletes the (empty) bucket; tests use it to clean up.
func (s *Store) RemoveBucket(ctx context.Context) error {
	return translate(s.client.RemoveBucket(ctx, s.bucket), "bucket")
}

// ObjectInfo is a listed object.
type ObjectInfo struct {
	Key          string
	LastModified time.Time
}

// ListInfo returns the objects under prefix with their modification times,
// for the sweeper.
func (s *Store) ListInfo(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	var out []ObjectInfo
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, translate(o.Err, "objects under "+prefix)
		}
		out = append(out, ObjectInfo{Key: o.Key, LastModified: o.LastModified})
	}
	return out, nil
}

// MediaKeyOf returns the item UUID an object key belongs to, if it is one
// of the layout's keys.
func MediaKeyOf(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "media/")
	if !ok {
		return "", false
	}
	k, _, ok := strings.Cut(rest, "/")
	return k, ok && k != ""
}

// ConfigFromEnv reads the PIXELMILL_S3_* variables; a bad value is
// remembered by e.
func ConfigFromEnv(e *config.Env) Config {
	d := DefaultConfig()
	c := Config{
		Endpoint:  e.String("PIXELMILL_S3_ENDPOINT", d.Endpoint),
		AccessKey: e.String("PIXELMILL_S3_ACCESS_KEY", d.AccessKey),
		SecretKey: e.String("PIXELMILL_S3_SECRET_KEY", d.SecretKey),
		Bucket:    e.String("PIXELMILL_S3_BUCKET", d.Bucket),
		UseTLS:    e.Bool("PIXELMILL_S3_USE_TLS", d.UseTLS),
		Region:    e.String("PIXELMILL_S3_REGION", d.Region),
		// Where clients reach storage for presigned uploads, when not the
		// same address as the services use (a proxy, a public name).
		PublicEndpoint: e.String("PIXELMILL_S3_PUBLIC_ENDPOINT", ""),
		PublicUseTLS:   e.Bool("PIXELMILL_S3_PUBLIC_USE_TLS", false),
	}
	e.Check("objstore", c.Validate())
	return c
}
