package core

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"time"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// Presigner is what presigned uploads need of object storage beyond
// Objects.
type Presigner interface {
	PresignPut(ctx context.Context, key string, size int64, contentType string, expires time.Duration) (string, error)
	Stat(ctx context.Context, key string) (objstore.PutInfo, error)
}

// UploadStore is what presigned uploads need of the media store beyond
// MediaStore.
type UploadStore interface {
	CompleteUpload(ctx context.Context, id int64, c postgres.UploadCheck, trace map[string]string) (*media.Job, bool, error)
	DeleteExpiredUploads(ctx context.Context, cutoff time.Time, limit int) ([]*media.Media, error)
	FindMediaByKey(ctx context.Context, key string) (*media.Media, error)
}

// Refusals of a presigned upload's completion, each wrapped in a media
// Error (CodeConflict, CodeInvalid).
var (
	ErrNotUploaded  = errors.New("no file uploaded")
	ErrTypeMismatch = errors.New("file type differs from the declared one")
)

// UploadSession is step 1 of a presigned upload: what the client declares
// about the file it is about to put straight into storage.
type UploadSession struct {
	Filename string
	Type     media.FileType // from the declared content type
	Size     int64
	Author   *media.User
	// APIKeyID makes the item its key's, in that key's library; Post, when
	// APIKeyID is 0, makes it a WordPress attachment with those fields,
	// in the media tree like any other upload.
	APIKeyID int64
	Post     *media.AttachmentFields
	TTL      time.Duration
}

// BeginUpload records an item waiting for its bytes and returns it with a
// URL that accepts exactly those bytes for TTL. The bytes never pass
// through the API.
func (s *Service) BeginUpload(ctx context.Context, us UploadSession) (*media.Media, string, error) {
	stem, ext, ok := media.DecideName(us.Filename, us.Type)
	if !ok {
		return nil, "", media.WrapError(media.CodeInvalid, "This file type is not accepted.", ErrFileType)
	}
	expires := s.now().Add(us.TTL)
	keyID := us.APIKeyID
	m := &media.Media{
		Key: newKey(), AuthorID: us.Author.ID, MIME: us.Type.MIME, Dir: folder(time.Time{}, s.now()),
		Stem: stem, Ext: ext, ClientFilename: us.Filename, Visibility: media.VisibilityPrivate,
		Status: media.StatusUploading, UploadSize: us.Size, UploadExpires: &expires, APIKeyID: &keyID,
	}
	facets := media.Facets{}
	if us.APIKeyID == 0 {
		if us.Post == nil {
			return nil, "", errors.New("core: a presigned upload needs a key's library or a post's fields")
		}
		m.APIKeyID, m.Visibility, facets.Post = nil, media.VisibilityInherit, us.Post
	}
	key := objstore.OriginalKey(m.Key)
	// Signed before the row is written, so a failure leaves nothing.
	url, err := s.presign.PresignPut(ctx, key, us.Size, us.Type.MIME, us.TTL)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.store.CreateMediaWith(ctx, m, media.File{Key: key, MIME: m.MIME}, facets, nil); err != nil {
		return nil, "", err
	}
	return m, url, nil
}

// CompleteUpload checks what the client put in storage (present, the
// declared size, the declared type from its bytes) and starts processing.
// Completing an item that is past uploading returns it unchanged.
func (s *Service) CompleteUpload(ctx context.Context, m *media.Media) (*media.Media, error) {
	if m.Status != media.StatusUploading {
		return m, nil
	}
	key := objstore.OriginalKey(m.Key)
	info, err := s.presign.Stat(ctx, key)
	if media.ErrorCode(err) == media.CodeNotFound {
		return nil, media.WrapError(media.CodeConflict, "No file was uploaded to the upload URL yet.", ErrNotUploaded)
	}
	if err != nil {
		return nil, err
	}
	if info.Size != m.UploadSize {
		return nil, media.Errorf(media.CodeInvalid, "The uploaded file has %d bytes, not the %d declared.", info.Size, m.UploadSize)
	}
	obj, err := s.objects.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	head, err := io.ReadAll(io.LimitReader(obj, headerBytes))
	obj.Close()
	if err != nil {
		return nil, err
	}
	ft, ok := media.DecideType(head, m.OriginalName())
	if !ok || ft.MIME != m.MIME {
		return nil, media.WrapError(media.CodeInvalid, "The uploaded file is not a "+m.MIME+" file.", ErrTypeMismatch)
	}
	check := postgres.UploadCheck{Filesize: info.Size}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(head)); err == nil {
		check.Width, check.Height = cfg.Width, cfg.Height
	}
	if ft.MIME == media.MP4.MIME {
		v, err := s.probeVideo(ctx, key, info.Size)
		if err != nil {
			return nil, err
		}
		check.Width, check.Height, check.Duration = v.Width, v.Height, &v.Duration
	}
	job, _, err := s.uploads.CompleteUpload(ctx, m.ID, check, jobqueue.InjectTrace(ctx))
	s.Cache.drop(m.ID)
	if err != nil {
		return nil, err
	}
	if job != nil {
		s.relay.Kick()
	}
	return s.uploads.FindMediaByKey(ctx, m.Key)
}

// probeVideo reads a stored MP4's duration and frame size.
func (s *Service) probeVideo(ctx context.Context, key string, size int64) (media.VideoInfo, error) {
	obj, err := s.objects.Get(ctx, key)
	if err != nil {
		return media.VideoInfo{}, err
	}
	defer obj.Close()
	ra, ok := obj.ReadSeekCloser.(io.ReaderAt)
	if !ok {
		return media.VideoInfo{}, errors.New("probe video: storage object can't be read at offsets")
	}
	v, err := media.ProbeMP4(ra, size)
	if err != nil {
		return media.VideoInfo{}, media.WrapError(media.CodeInvalid, "The video could not be read: "+err.Error(), err)
	}
	return v, nil
}

// FindMediaByKey returns an item by its UUID.
func (s *Service) FindMediaByKey(ctx context.Context, key string) (*media.Media, error) {
	return s.uploads.FindMediaByKey(ctx, key)
}

// ExpireUploads removes presigned uploads never completed, with whatever
// bytes they got, once their URL has expired (plus a grace period for an
// upload that started just before).
func (s *Service) ExpireUploads(ctx context.Context, grace time.Duration) (int, error) {
	items, err := s.uploads.DeleteExpiredUploads(ctx, s.now().Add(-grace), 100)
	if err != nil {
		return 0, err
	}
	for _, m := range items {
		if err := s.objects.DeletePrefix(ctx, objstore.MediaPrefix(m.Key)); err != nil {
			// The sweeper removes it later: the row is gone.
			s.log.WarnContext(ctx, "expired_upload_objects_left", "media_key", m.Key, "err", err)
		}
		s.log.InfoContext(ctx, "upload_expired", "media_id", m.ID, "media_key", m.Key)
	}
	return len(items), nil
}
