package core

import (
	"context"
	"time"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
)

// pollEvery is how often a request waiting for a rendition looks for it.
const pollEvery = 50 * time.Millisecond

// FindPublicMediaByFile returns the item owning the file at path, if
// anyone may read it without credentials: a WordPress item that is not
// private, or an item of the Umbraco tree. /v1 libraries and private items
// are not found.
func (s *Service) FindPublicMediaByFile(ctx context.Context, path string) (*media.Media, error) {
	m, err := s.derive.FindMediaByFilePath(ctx, path)
	if err != nil {
		return nil, err
	}
	if m.Visibility != media.VisibilityInherit || m.APIKeyID != nil || m.Status == media.StatusUploading {
		return nil, media.Errorf(media.CodeNotFound, "file not found")
	}
	return m, nil
}

// OpenCrop opens an item's named crop, waiting up to wait for a worker to
// cut it when the item is being processed.
func (s *Service) OpenCrop(ctx context.Context, m *media.Media, alias string, wait time.Duration) (media.File, *objstore.Object, error) {
	deadline := s.now().Add(wait)
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
		if !s.now().Before(deadline) {
			return media.File{}, nil, media.Errorf(media.CodeUnavailable, "the crop is being made; retry shortly")
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return media.File{}, nil, err
		}
		var err error
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
	deadline := s.now().Add(wait)
	asked := false
	for {
		f, ok, err := s.derive.FindDerived(ctx, m.ID, spec)
		if err != nil {
			return media.File{}, nil, err
		}
		if ok {
			obj, err := s.objects.Get(ctx, f.Key)
			return f, obj, err
		}
		if m.Status == media.StatusFailed {
			return media.File{}, nil, media.Errorf(media.CodeNotFound, "the image could not be processed")
		}
		if !asked {
			if err := s.checkDerivedBound(ctx, m); err != nil {
				return media.File{}, nil, err
			}
			if err := s.askDerive(ctx, m, t, spec); err != nil {
				return media.File{}, nil, err
			}
			asked = true
		}
		if !s.now().Before(deadline) {
			return media.File{}, nil, media.Errorf(media.CodeUnavailable, "the image is being made; retry shortly")
		}
		if err := sleepCtx(ctx, pollEvery); err != nil {
			return media.File{}, nil, err
		}
	}
}

// checkDerivedBound refuses a new rendition of an item that has
// MaxDerived cached already, so that enumerating parameters can't fill
// storage; the cached ones are still served.
func (s *Service) checkDerivedBound(ctx context.Context, m *media.Media) error {
	if s.MaxDerived <= 0 {
		return nil
	}
	n, err := s.derive.CountDerived(ctx, m.ID)
	if err != nil {
		return err
	}
	if n >= s.MaxDerived {
		return media.Errorf(media.CodeForbidden, "this image has %d renditions already, the most one may have; ask for one of them", n)
	}
	return nil
}

// askDerive issues the job for a rendition, once per item and parameters
// among the requests this replica is serving at once.
func (s *Service) askDerive(ctx context.Context, m *media.Media, t media.Transform, spec string) error {
	id := m.Key + " " + spec
	s.pendingMu.Lock()
	if at, ok := s.pending[id]; ok && s.now().Sub(at) < time.Minute {
		s.pendingMu.Unlock()
		return nil
	}
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
