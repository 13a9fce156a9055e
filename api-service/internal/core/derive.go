package core

import (
	"context"
	"strings"
	"time"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
)

// A request waiting for a rendition looks for it first after pollFirst,
// then at twice the interval each time, up to pollMax: a small image is
// served within tens of milliseconds of its job, a slow one costs few
// queries.
const (
	pollFirst = 25 * time.Millisecond
	pollMax   = 400 * time.Millisecond
)

// poll sleeps for the next interval of a wait and returns the one after.
func poll(ctx context.Context, every time.Duration) (time.Duration, error) {
	if err := sleepCtx(ctx, every); err != nil {
		return 0, err
	}
	return min(every*2, pollMax), nil
}

// FindPublicMediaByFile returns the item owning the file at path, if
// anyone may read it without credentials: a WordPress item that is not
// private, or an item of the Umbraco tree. /v1 libraries and private items
// are not found.
func (s *Service) FindPublicMediaByFile(ctx context.Context, path string) (*media.Media, error) {
	m, err := s.derive.FindMediaByFilePath(ctx, path)
	if err != nil {
		return nil, err
	}
	if !media.Can(media.Caller{}, m, nil).Derive {
		return nil, media.Errorf(media.CodeNotFound, "file not found")
	}
	return m, nil
}

// OpenCrop opens an item's named crop, waiting up to wait for a worker to
// cut it: while the item is processed, or when a ready item has no such
// crop (made before its type had it), which asks the workers for it.
func (s *Service) OpenCrop(ctx context.Context, m *media.Media, alias string, wait time.Duration) (media.File, *objstore.Object, error) {
	deadline := s.now().Add(wait)
	every := pollFirst
	for {
		for _, f := range m.Files {
			if f.Role == media.RoleCrop && f.SizeName == alias && m.Status == media.StatusReady {
				obj, err := s.objects.Get(ctx, f.Key)
				return f, obj, err
			}
		}
		if m.Status == media.StatusFailed {
			return media.File{}, nil, media.Errorf(media.CodeNotFound, "the image could not be processed")
		}
		if m.Status == media.StatusReady {
			job, err := s.derive.RequeueCrops(ctx, m.ID, alias, jobqueue.InjectTrace(ctx))
			s.Cache.drop(m.ID)
			if err != nil {
				return media.File{}, nil, err
			}
			if job != nil {
				s.relay.Kick()
			}
		}
		if !s.now().Before(deadline) {
			return media.File{}, nil, media.Errorf(media.CodeUnavailable, "the crop is being made; retry shortly")
		}
		var err error
		if every, err = poll(ctx, every); err != nil {
			return media.File{}, nil, err
		}
		if m, err = s.store.FindMediaByID(ctx, m.ID); err != nil {
			return media.File{}, nil, err
		}
	}
}

// OpenDerived opens the rendition of an item for image URL parameters: the
// cached one, or one a worker makes now (asked for through a job), waiting
// up to wait for it. It fails with CodeUnavailable when the wait ends
// first; the job still runs and a later request finds its result.
func (s *Service) OpenDerived(ctx context.Context, m *media.Media, t media.Transform, wait time.Duration) (media.File, *objstore.Object, error) {
	spec := t.Canonical()
	orig, ok, err := s.Picture(ctx, m)
	if err != nil {
		return media.File{}, nil, err
	}
	if !ok {
		return media.File{}, nil, media.Errorf(media.CodeNotFound, "the item has no picture")
	}
	deadline := s.now().Add(wait)
	every := pollFirst
	asked := false
	for {
		f, ok, err := s.derive.FindDerived(ctx, m.ID, spec)
		if err != nil {
			return media.File{}, nil, err
		}
		if ok {
			// Stored: no longer in flight (for the bound in askDerive).
			s.pendingMu.Lock()
			delete(s.pending, orig.Key+" "+spec)
			s.pendingMu.Unlock()
			obj, err := s.objects.Get(ctx, f.Key)
			return f, obj, err
		}
		if m.Status == media.StatusFailed {
			return media.File{}, nil, media.Errorf(media.CodeNotFound, "the image could not be processed")
		}
		if !asked {
			if err := s.askDerive(ctx, m, orig.Key, t, spec); err != nil {
				return media.File{}, nil, err
			}
			asked = true
		}
		if !s.now().Before(deadline) {
			return media.File{}, nil, media.Errorf(media.CodeUnavailable, "the image is being made; retry shortly")
		}
		if every, err = poll(ctx, every); err != nil {
			return media.File{}, nil, err
		}
	}
}

// askDerive issues the job for a rendition of the original stored as
// source, once per source and parameters among the requests this replica
// is serving at once (a replaced file is a new source). It refuses a new
// rendition of an item that has MaxDerived stored or asked for already,
// so that enumerating parameters can't fill storage or the job queue; the
// stored ones are still served.
func (s *Service) askDerive(ctx context.Context, m *media.Media, source string, t media.Transform, spec string) error {
	id := source + " " + spec
	s.pendingMu.Lock()
	if at, ok := s.pending[id]; ok && s.now().Sub(at) < time.Minute {
		s.pendingMu.Unlock()
		return nil
	}
	inFlight := 0
	for k, at := range s.pending {
		if strings.HasPrefix(k, source+" ") && s.now().Sub(at) < time.Minute {
			inFlight++
		}
	}
	s.pendingMu.Unlock()
	if s.MaxDerived > 0 {
		n, err := s.derive.CountDerived(ctx, m.ID)
		if err != nil {
			return err
		}
		if n+inFlight >= s.MaxDerived {
			return media.Errorf(media.CodeForbidden, "this image has %d renditions stored or being made, the most one may have; ask for one of them", n+inFlight)
		}
	}
	s.pendingMu.Lock()
	if len(s.pending) > 10000 {
		clear(s.pending)
	}
	s.pending[id] = s.now()
	s.pendingMu.Unlock()
	t2 := t
	job := &media.Job{Kind: media.JobDerive, MediaID: m.ID, MediaKey: m.Key, Transform: &t2}
	if err := s.derive.EnqueueDerive(ctx, job, jobqueue.InjectTrace(ctx)); err != nil {
		s.pendingMu.Lock()
		delete(s.pending, id)
		s.pendingMu.Unlock()
		return err
	}
	s.relay.Kick()
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Picture is the still image URL renditions of m are made from
// (media.Media.Picture): an image's original, a PDF's preview, an audio or
// video file's poster. ok is false while there is none.
func (s *Service) Picture(ctx context.Context, m *media.Media) (media.File, bool, error) {
	var poster *media.Media
	if m.PosterID != nil {
		p, err := s.FindMedia(ctx, *m.PosterID)
		if err != nil && media.ErrorCode(err) != media.CodeNotFound {
			return media.File{}, false, err
		}
		poster = p
	}
	f, ok := m.Picture(poster)
	return f, ok, nil
}
