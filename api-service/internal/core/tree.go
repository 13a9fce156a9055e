package core

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/pixelmill/pixelmill/services/jobqueue"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/objstore"
)

// TreeStore is what the Umbraco dialects need of the media store: the
// folder tree, its moves and the renditions made for image URLs.
type TreeStore interface {
	FindNode(ctx context.Context, key string) (*media.Node, error)
	FindNodes(ctx context.Context, keys []string) ([]*media.Node, error)
	FindNodeByPath(ctx context.Context, names []string) (*media.Node, error)
	NodeID(ctx context.Context, key string) (int64, error)
	Children(ctx context.Context, parent *int64, q media.ChildQuery) ([]*media.Node, int, error)
	UpdateNode(ctx context.Context, id int64, u media.NodeUpdate, trace map[string]string) (*media.Job, error)
	ReplaceFile(ctx context.Context, id int64, r *media.Media, original media.File, trace map[string]string) (*media.Job, []string, error)
	DeleteNode(ctx context.Context, id int64) ([]*media.Media, error)
	SaveMediaTypes(ctx context.Context, types []media.MediaType) error
	FindFolders(ctx context.Context) ([]media.Folder, error)
}

// DeriveStore is what image URL parameters need of the media store.
type DeriveStore interface {
	FindMediaByFilePath(ctx context.Context, path string) (*media.Media, error)
	FindDerived(ctx context.Context, mediaID int64, spec string) (media.File, bool, error)
	CountDerived(ctx context.Context, mediaID int64) (int, error)
	RequeueCrops(ctx context.Context, id int64, alias string, trace map[string]string) (*media.Job, error)
	EnqueueDerive(ctx context.Context, job *media.Job, trace map[string]string) error
}

// NewMediaDir returns a new Umbraco media folder name: eight characters
// of lower-case letters and digits, as Umbraco's own ("cpnpcua5").
func NewMediaDir() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

// SaveMediaTypes records the configured media types for the workers.
func (s *Service) SaveMediaTypes(ctx context.Context, types []media.MediaType) error {
	return s.tree.SaveMediaTypes(ctx, types)
}

// CreateFolder makes a folder of the tree (or an item of any type without
// a file) under p.ParentID.
func (s *Service) CreateFolder(ctx context.Context, author *media.User, name string, p media.Placement) (*media.Node, error) {
	key := newKey()
	m := &media.Media{
		Key: key, AuthorID: author.ID, Title: name, Dir: "", Stem: "folder-" + key,
		MediaType: p.MediaType,
	}
	if _, err := s.store.CreateMediaWith(ctx, m, media.File{}, media.Facets{Place: &p}, nil); err != nil {
		return nil, err
	}
	if p.SortOrder != nil {
		if _, err := s.tree.UpdateNode(ctx, m.ID, media.NodeUpdate{SortOrder: p.SortOrder}, nil); err != nil {
			return nil, err
		}
	}
	return s.tree.FindNode(ctx, key)
}

// CreateNode uploads a file into the tree and returns the item as the tree
// shows it.
func (s *Service) CreateNode(ctx context.Context, up Upload) (*media.Node, error) {
	m, err := s.Upload(ctx, up)
	if err != nil {
		return nil, err
	}
	if up.Placement != nil && up.Placement.SortOrder != nil {
		if _, err := s.tree.UpdateNode(ctx, m.ID, media.NodeUpdate{SortOrder: up.Placement.SortOrder}, nil); err != nil {
			return nil, err
		}
	}
	return s.tree.FindNode(ctx, m.Key)
}

// FindNode returns an item of the tree by key.
func (s *Service) FindNode(ctx context.Context, key string) (*media.Node, error) {
	return s.tree.FindNode(ctx, key)
}

// FindNodes returns the tree's items of the keys that exist, in the order
// given, each once.
func (s *Service) FindNodes(ctx context.Context, keys []string) ([]*media.Node, error) {
	return s.tree.FindNodes(ctx, keys)
}

// FindNodeByPath resolves names from the root, ignoring case, among the
// public items (the Delivery API's paths).
func (s *Service) FindNodeByPath(ctx context.Context, names []string) (*media.Node, error) {
	return s.tree.FindNodeByPath(ctx, names)
}

// Children returns a page of a folder's children (parentKey "" is the
// root) and how many q selects in all. An unknown parent is CodeNotFound.
func (s *Service) Children(ctx context.Context, parentKey string, q media.ChildQuery) ([]*media.Node, int, error) {
	var parent *int64
	if parentKey != "" {
		id, err := s.tree.NodeID(ctx, parentKey)
		if err != nil {
			return nil, 0, err
		}
		parent = &id
	}
	return s.tree.Children(ctx, parent, q)
}

// Folders returns every folder of the tree, each after its parent.
func (s *Service) Folders(ctx context.Context) ([]media.Folder, error) {
	return s.tree.FindFolders(ctx)
}

// NodeID returns the row id of a tree item's key.
func (s *Service) NodeID(ctx context.Context, key string) (int64, error) {
	return s.tree.NodeID(ctx, key)
}

// UpdateNode changes an item's name, place, focal point, crops or
// properties, and returns it as stored. A new focal point or new crop
// coordinates have the crops cut again by a job.
func (s *Service) UpdateNode(ctx context.Context, key string, u media.NodeUpdate) (*media.Node, error) {
	id, err := s.tree.NodeID(ctx, key)
	if err != nil {
		return nil, err
	}
	job, err := s.tree.UpdateNode(ctx, id, u, jobqueue.InjectTrace(ctx))
	s.Cache.drop(id)
	if err != nil {
		return nil, err
	}
	if job != nil {
		s.relay.Kick()
	}
	return s.tree.FindNode(ctx, key)
}

// ReplaceFile gives a tree item a new file: it is streamed to storage
// beside the old one, the item switches to it with a new job in one
// transaction, and then the old objects are removed, so a failure on the
// way leaves the item whole, old or new.
func (s *Service) ReplaceFile(ctx context.Context, key string, up Upload) (*media.Node, error) {
	id, err := s.tree.NodeID(ctx, key)
	if err != nil {
		return nil, err
	}
	objectKey := objstore.OriginalKey(key) + "-" + newKey()[:8]
	r, original, err := s.receive(ctx, up, key, objectKey)
	if err != nil {
		return nil, err
	}
	job, old, err := s.tree.ReplaceFile(ctx, id, r, original, jobqueue.InjectTrace(ctx))
	s.Cache.drop(id)
	if err != nil {
		s.removeObject(objectKey)
		return nil, err
	}
	if job != nil {
		s.relay.Kick()
	}
	for _, k := range old {
		if k != objectKey {
			s.removeObject(k)
		}
	}
	return s.tree.FindNode(ctx, key)
}

// DeleteNode removes an item and, for a folder, everything under it, rows
// first and then their objects. It returns the item as it was, with the
// time of its deletion.
func (s *Service) DeleteNode(ctx context.Context, key string) (*media.Node, time.Time, error) {
	m, err := s.tree.FindNode(ctx, key)
	if err != nil {
		return nil, time.Time{}, err
	}
	removed, err := s.tree.DeleteNode(ctx, m.ID)
	if err != nil {
		return nil, time.Time{}, err
	}
	deleted := s.now()
	for _, r := range removed {
		s.Cache.drop(r.ID)
		if r.IsFolder() {
			continue
		}
		if err := s.objects.DeletePrefix(ctx, objstore.MediaPrefix(r.Key)); err != nil {
			s.log.WarnContext(ctx, "delete_objects_failed", "media_key", r.Key, "err", err)
		}
	}
	return m, deleted, nil
}
