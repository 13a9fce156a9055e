// Package core is the one media core every HTTP dialect calls: it takes an
// upload from the wire to MinIO, records it with its job in Postgres, and
// reads items and files back. Dialects translate HTTP to these calls and
// own nothing else.
package core

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"image"
	_ "image/gif" // register decoders for DecodeConfig (header only)
	_ "image/jpeg"
	_ "image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	_ "golang.org/x/image/webp"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
)

// MediaStore is what the core needs of the Postgres store.
type MediaStore interface {
	// CreateMediaWith records a new item with its first job, and what the
	// dialects keep beside it.
	CreateMediaWith(ctx context.Context, m *media.Media, original media.File, f media.Facets, trace map[string]string) (*media.Job, error)
	FindMediaByID(ctx context.Context, id int64) (*media.Media, error)
	FindAttachment(ctx context.Context, id int64) (*media.Attachment, error)
	FindFileByPath(ctx context.Context, path string) (media.File, media.Visibility, int64, error)
	RequeueMedia(ctx context.Context, id int64, sizes []string, trace map[string]string) (*media.Job, error)
	FindAttachments(ctx context.Context, f media.Filter) ([]*media.Attachment, int, error)
	UpdateMedia(ctx context.Context, id int64, u media.Update) (*media.Attachment, error)
	DeleteMedia(ctx context.Context, id int64) (*media.Media, error)
	RequeueStuck(ctx context.Context, cutoff time.Time, limit, maxReissues int, trace map[string]string) (jobs []*media.Job, failed []int64, err error)
	KnownKeys(ctx context.Context, keys []string) (map[string]bool, error)
}

// Objects is what the core needs of object storage.
type Objects interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) (objstore.PutInfo, error)
	Get(ctx context.Context, key string) (*objstore.Object, error)
	Delete(ctx context.Context, key string) error
	DeletePrefix(ctx context.Context, prefix string) error
	ListInfo(ctx context.Context, prefix string) ([]objstore.ObjectInfo, error)
}

// Kicker wakes the outbox relay after a commit that added a job.
type Kicker interface{ Kick() }

// Service is the media core.
type Service struct {
	store   MediaStore
	uploads UploadStore
	tree    TreeStore
	derive  DeriveStore
	// pending remembers the renditions this replica asked workers for,
	// so a burst of requests for one issues one job.
	pendingMu sync.Mutex
	pending   map[string]time.Time
	objects   Objects
	presign   Presigner
	relay     Kicker
	signer    *URLSigner
	log       *slog.Logger
	now       func() time.Time
	// Cache, when set, serves FindMedia; see ItemCache.
	Cache *ItemCache
	// MaxDerived bounds the renditions cached for image URL parameters per
	// item: anyone may ask for one, and each is stored. 0 means no bound.
	MaxDerived int
	// AllowSVG accepts SVG uploads (stored, never rendered, served as
	// downloads); off by default, as in WordPress.
	AllowSVG bool
}

// New returns the core over its adapters. signer makes the expiring URLs
// of private items' files.
func New(store Store, objects Storage, relay Kicker, signer *URLSigner, log *slog.Logger) *Service {
	return &Service{store: store, uploads: store, tree: store, derive: store, pending: map[string]time.Time{}, objects: objects, presign: objects, relay: relay, signer: signer, log: log, now: time.Now}
}

// Store is the whole of what the core needs of the media store.
type Store interface {
	MediaStore
	UploadStore
	TreeStore
	DeriveStore
}

// Storage is the whole of what the core needs of object storage.
type Storage interface {
	Objects
	Presigner
}

// SignedQuery returns the query string that lets anyone fetch the file at
// path ("2026/11/x.jpg") until it expires.
func (s *Service) SignedQuery(path string) string { return s.signer.Query(path) }

// Upload is a file arriving from a client, with the fields sent with it.
type Upload struct {
	Body           io.Reader
	ClientFilename string
	// ContentMD5, when set, must equal the hex MD5 of the body.
	ContentMD5 string
	Author     *media.User
	// Title empty means the stored stem, as WordPress names raw uploads.
	Title string
	// TitleDefault says Title is the dialect's default, made from the
	// file's name: a title the file carries (an ID3 title) replaces it.
	TitleDefault bool
	// Post, when set, are WordPress's attachment fields asked for (the
	// slug, caption, post, discussion settings…); the store fills it
	// with what it recorded. Nil takes WordPress's defaults.
	Post *media.AttachmentFields
	// SizesDeferred asks for metadata only; sizes wait for a post-process.
	SizesDeferred bool
	// Visibility, when set, is the item's from its first moment: it is
	// written with the row, so a private upload is never public.
	Visibility media.Visibility
	// Date, when set, is the item's date (WordPress's post_date) instead
	// of now. It does not move the uploads folder.
	Date time.Time
	// AuthorID, when set, makes another user the item's author (an editor
	// uploading on someone's behalf); Author is still who uploads.
	AuthorID int64
	// Folder, when set, dates the uploads folder (YYYY/MM) instead of now:
	// WordPress files an upload to a post under the post's month.
	Folder time.Time
	// APIKeyID, when set, puts the item in that key's library (the /v1
	// API); such items are private to WordPress's public side.
	APIKeyID *int64
	// Placement, when set, puts the item into the Umbraco tree with its
	// type, parent, focal point, crops and properties, and its Dir.
	Placement *media.Placement
	// Accept, when set, is what the dialect takes: the file types, by the
	// MIME type decided from the bytes, and the most bytes of each. Another
	// type is refused (ErrFileType) before anything is stored; a larger
	// file is refused (CodeTooLarge) once it passes its limit, and what was
	// stored of it goes. Nil takes every type the core takes.
	Accept map[string]int64
	// Trailer, when set, runs after the body was read to its end and before
	// the item is made and recorded: a multipart request's fields may follow
	// its file part (wpapi sends them so), and they still shape the new
	// item. An error from it removes the stored file: nothing is recorded.
	Trailer func(up *Upload) error
}

// Refusals a dialect may want to tell apart; each is wrapped in a
// CodeInvalid media.Error with a neutral message, which each dialect words
// its own way.
var (
	ErrEmptyFile    = errors.New("empty file")
	ErrFileType     = errors.New("file type not allowed")
	ErrHashMismatch = errors.New("content hash mismatch")
	ErrPartial      = errors.New("body ended early")
)

// strictEOF turns a body that ends early (a multipart part cut off before
// its boundary, a connection dropped mid-upload) into an error of its own.
// minio-go reads parts with io.ReadFull and takes io.ErrUnexpectedEOF for
// the normal end of the data, so without this half a file would be stored
// as if whole.
type strictEOF struct{ r io.Reader }

func (s strictEOF) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = ErrPartial
	}
	return n, err
}

// headerBytes is how much of the start of a file is kept to read its
// dimensions: JPEG's SOF marker can follow up to 64 KiB of EXIF, plus ICC.
const headerBytes = 256 << 10

// Upload streams the file to object storage (never holding it whole in
// memory), then records the item and its job in one transaction. The object
// is written first and removed again if the row can't be written, so a
// failure leaves neither a row without a file nor, for long, a file without
// a row.
func (s *Service) Upload(ctx context.Context, up Upload) (*media.Media, error) {
	key := newKey()
	m, original, err := s.receive(ctx, up, key, objstore.OriginalKey(key))
	if err != nil {
		return nil, err
	}
	if _, err := s.store.CreateMediaWith(ctx, m, original, media.Facets{Post: up.Post, Place: up.Placement}, jobqueue.InjectTrace(ctx)); err != nil {
		s.removeObject(original.Key)
		return nil, err
	}
	s.relay.Kick()
	return m, nil
}

// receive streams an upload to the object key and returns the item
// it makes (not yet recorded) and its original file. On error nothing is
// left in storage.
func (s *Service) receive(ctx context.Context, up Upload, mediaKey, key string) (*media.Media, media.File, error) {
	br := bufio.NewReaderSize(up.Body, 64<<10)
	head, err := br.Peek(media.DetectHead)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, media.File{}, readError(err)
	}
	if len(head) == 0 {
		return nil, media.File{}, media.WrapError(media.CodeInvalid, "The file is empty.", ErrEmptyFile)
	}
	ft, ok := media.DecideType(head, up.ClientFilename)
	if !ok && s.AllowSVG && media.SniffSVG(head) {
		ft, ok = media.SVG, true
	}
	if !ok {
		return nil, media.File{}, media.WrapError(media.CodeInvalid, "This file type is not accepted.", ErrFileType)
	}
	stem, ext, ok := media.DecideName(up.ClientFilename, ft)
	if !ok {
		return nil, media.File{}, media.WrapError(media.CodeInvalid, "This file type is not accepted.", ErrFileType)
	}
	var body io.Reader = br
	limit, accepted := up.Accept[ft.MIME]
	if up.Accept != nil {
		if !accepted {
			return nil, media.File{}, media.WrapError(media.CodeInvalid, ft.MIME+" files are not accepted.", ErrFileType)
		}
		// One byte past the limit is enough to know.
		body = io.LimitReader(br, limit+1)
	}

	sum := md5.New()
	headBuf := &capped{max: headerBytes}
	info, err := s.objects.Put(ctx, key, strictEOF{io.TeeReader(body, io.MultiWriter(sum, headBuf))}, -1, ft.MIME)
	if err != nil {
		s.removeObject(key)
		return nil, media.File{}, readError(err)
	}
	uploadBytes.Add(ctx, info.Size, metric.WithAttributes(attribute.String("pixelmill.family", string(media.FamilyOf(ft.MIME)))))
	if accepted && info.Size > limit {
		s.removeObject(key)
		return nil, media.File{}, media.Errorf(media.CodeTooLarge, "%s files may have at most %d bytes.", ft.MIME, limit)
	}
	if err := checkMD5(up.ContentMD5, sum); err != nil {
		s.removeObject(key)
		return nil, media.File{}, err
	}
	if up.Trailer != nil {
		if err := up.Trailer(&up); err != nil {
			s.removeObject(key)
			return nil, media.File{}, err
		}
	}
	m := s.item(up, ft, stem, ext)
	m.Key = mediaKey
	m.OriginalFilesize = info.Size
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(headBuf.Bytes())); err == nil {
		m.Width, m.Height = cfg.Width, cfg.Height
	}
	if ft.MIME == media.MP4.MIME {
		// A video's length and size are in its moov box, which may come
		// after the media data: read from storage, not from the stream.
		v, err := s.probeVideo(ctx, key, info.Size)
		if err != nil {
			s.removeObject(key)
			return nil, media.File{}, err
		}
		m.Width, m.Height, m.Duration = v.Width, v.Height, &v.Duration
	}
	original := media.File{Key: key, MIME: ft.MIME, Width: m.Width, Height: m.Height, Filesize: info.Size}
	return m, original, nil
}

// item is the item an upload makes, not yet recorded, from the upload as
// its trailer left it.
func (s *Service) item(up Upload, ft media.FileType, stem, ext string) *media.Media {
	m := &media.Media{
		AuthorID: up.Author.ID, Title: up.Title, TitleDefault: up.TitleDefault, Visibility: up.Visibility, CreatedAt: up.Date,
		MIME: ft.MIME, Dir: folder(up.Folder, s.now()), Stem: stem, Ext: ext,
		ClientFilename: up.ClientFilename, SizesDeferred: up.SizesDeferred,
		APIKeyID: up.APIKeyID,
	}
	if up.AuthorID != 0 {
		m.AuthorID = up.AuthorID
	}
	if up.APIKeyID != nil {
		m.Visibility = media.VisibilityPrivate
	}
	if p := up.Placement; p != nil {
		m.MediaType, m.Focal, m.CropCoords = p.MediaType, p.Focal, p.CropCoords
		if p.Dir != "" {
			m.Dir = p.Dir
		}
	}
	return m
}

// removeObject deletes an object whose row was never written. It runs on
// its own context: the request's may be what failed.
func (s *Service) removeObject(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.objects.Delete(ctx, key); err != nil {
		s.log.Warn("orphan_object_left", "key", key, "err", err)
	}
}

// FindMedia returns an item with its files, from the read cache when it
// holds it. Folders of the Umbraco tree are not found: WordPress knows
// only files. The item may be shared: callers must not modify it.
func (s *Service) FindMedia(ctx context.Context, id int64) (*media.Media, error) {
	a, err := s.FindAttachment(ctx, id)
	if err != nil {
		return nil, err
	}
	return a.Media, nil
}

// FindAttachment is FindMedia with the item's WordPress attachment, which
// the read cache keeps with it: the store reads both in one round trip.
func (s *Service) FindAttachment(ctx context.Context, id int64) (*media.Attachment, error) {
	a, ok := s.Cache.get(id)
	if !ok {
		version, keep := s.Cache.begin()
		var err error
		if a, err = s.store.FindAttachment(ctx, id); err != nil {
			return nil, err
		}
		if keep {
			s.Cache.put(a, version)
		}
	}
	if a.IsFolder() {
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	return a, nil
}

// Requeue asks the workers to make the listed sizes (all missing when
// empty) of an item.
func (s *Service) Requeue(ctx context.Context, id int64, sizes []string) error {
	_, err := s.store.RequeueMedia(ctx, id, sizes, jobqueue.InjectTrace(ctx))
	s.Cache.drop(id)
	if err != nil {
		return err
	}
	s.relay.Kick()
	return nil
}

// OpenFile opens the stored file a URL path names ("2026/11/x-300x188.jpg").
// A private item's files are found only by who may read the item or with
// an unexpired signature in q; for anyone else they don't exist.
func (s *Service) OpenFile(ctx context.Context, path string, q url.Values, viewer *media.User) (media.File, *objstore.Object, error) {
	f, vis, author, err := s.store.FindFileByPath(ctx, path)
	if err != nil {
		return media.File{}, nil, err
	}
	// Who may fetch a file is the item's access (media.Can): a private
	// item's files go to its author, to whoever may read others' private
	// items, and through a signed URL.
	item := &media.Media{Visibility: vis, AuthorID: author}
	if !media.Can(media.Caller{User: viewer, Signed: s.signer.Valid(path, q)}, item, nil).Files {
		return media.File{}, nil, media.Errorf(media.CodeNotFound, "file not found")
	}
	obj, err := s.objects.Get(ctx, f.Key)
	if err != nil {
		return media.File{}, nil, err
	}
	return f, obj, nil
}

func checkMD5(want string, sum hash.Hash) error {
	want = strings.ToLower(strings.TrimSpace(want))
	if want == "" {
		return nil
	}
	if want != hex.EncodeToString(sum.Sum(nil)) {
		return media.WrapError(media.CodeInvalid, "The file does not match the content hash sent with it.", ErrHashMismatch)
	}
	return nil
}

// readError classifies a failure while reading the request body.
func readError(err error) error {
	var mbe *http.MaxBytesError
	// minio-go does not always wrap the reader's error, so the text is
	// checked too.
	if errors.As(err, &mbe) || strings.Contains(err.Error(), "http: request body too large") {
		return media.WrapError(media.CodeTooLarge, "The file exceeds the upload size limit.", err)
	}
	if errors.Is(err, ErrPartial) || strings.Contains(err.Error(), ErrPartial.Error()) {
		// Joined, so that errors.Is finds ErrPartial even when only the
		// text said so.
		return media.WrapError(media.CodeInvalid, "The upload ended before the whole file arrived.", errors.Join(ErrPartial, err))
	}
	if media.ErrorCode(err) != media.CodeInternal {
		return err
	}
	return fmt.Errorf("read upload: %w", err)
}

// capped keeps the first max bytes written to it and discards the rest.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// ListMedia returns one page of the items f selects and the total.
func (s *Service) ListMedia(ctx context.Context, f media.Filter) ([]*media.Attachment, int, error) {
	return s.store.FindAttachments(ctx, f)
}

// UpdateMedia changes an item's fields.
func (s *Service) UpdateMedia(ctx context.Context, id int64, u media.Update) (*media.Attachment, error) {
	m, err := s.store.UpdateMedia(ctx, id, u)
	// This replica reads its own write at once, before Postgres's notice.
	s.Cache.drop(id)
	return m, err
}

// DeleteMedia removes an item and then every object it stored. The row goes
// first: Postgres is the truth, and an object left behind by a failure here
// is only wasted space, while a row without its files would be a broken
// item.
func (s *Service) DeleteMedia(ctx context.Context, id int64) (*media.Media, error) {
	m, err := s.store.DeleteMedia(ctx, id)
	s.Cache.drop(id)
	if err != nil {
		return nil, err
	}
	if err := s.objects.DeletePrefix(ctx, objstore.MediaPrefix(m.Key)); err != nil {
		s.log.WarnContext(ctx, "delete_objects_failed", "media_id", id, "err", err)
	}
	return m, nil
}

// editedSuffix matches a stem that already came out of an edit.
var editedSuffix = regexp.MustCompile(`-edited(-\d+)?$`)

// EditMedia creates a new item whose original a worker makes by applying
// ops to parent's original (WordPress's /edit). The parent is not changed.
// A nil title takes the parent's, as WordPress does; post are the new
// item's attachment fields (the dialect takes them from the parent's), and
// are filled with what was recorded.
func (s *Service) EditMedia(ctx context.Context, parent *media.Media, author *media.User, ops []media.EditOp, title *string, post *media.AttachmentFields) (*media.Media, error) {
	orig, ok := parent.FileByRole(media.RoleOriginal)
	if !ok {
		return nil, media.Errorf(media.CodeNotFound, "the item has no original file")
	}
	stem := editedSuffix.ReplaceAllString(parent.Stem, "") + "-edited"
	parentID := parent.ID
	m := &media.Media{
		Key: newKey(), AuthorID: author.ID, Title: parent.Title,
		MIME: parent.MIME, Dir: s.now().UTC().Format("2006/01"), Stem: stem, Ext: parent.Ext,
		ClientFilename: parent.ClientFilename,
		ParentID:       &parentID, ParentFile: parent.Dir + "/" + parent.OriginalName(),
		Edit: &media.Edit{SourceKey: orig.Key, Ops: ops},
	}
	if title != nil {
		m.Title = *title
	}
	if m.Title == "" {
		m.Title = stem
	}
	original := media.File{Key: objstore.OriginalKey(m.Key), MIME: m.MIME}
	if _, err := s.store.CreateMediaWith(ctx, m, original, media.Facets{Post: post}, jobqueue.InjectTrace(ctx)); err != nil {
		return nil, err
	}
	s.relay.Kick()
	return m, nil
}

// folder is the uploads sub-directory for a date: t when set, else now.
func folder(t, now time.Time) string {
	if t.IsZero() {
		t = now
	}
	return t.UTC().Format("2006/01")
}

// uploadBytes counts the bytes of the uploads stored, by media family.
var uploadBytes, _ = otel.Meter("github.com/pixelmill/pixelmill/api-service/internal/core").Int64Counter(
	"pixelmill.upload.received", metric.WithUnit("By"),
	metric.WithDescription("Bytes of uploads stored, by media family (image, audio, video, document, archive)."))
