package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// The Umbraco tree: folders and items under them, in sort order. Items of
// a /v1 key's library and presigned uploads not yet completed are not in
// it: the library is that key's own tenant.
const inTree = `api_key_id IS NULL AND status <> 'uploading'`

// fromTree joins each item to its node, the tree's own row (012): reads
// name the node's columns through n.
const fromTree = `media JOIN media_nodes n ON n.media_id = media.id`

// treeLock is the key of the advisory lock that serialises changes to the
// tree's shape: creates in it, moves, reorders and deletes. Each takes it
// first in its transaction, before any row lock, so two moves can't pass
// each other's cycle check, a delete sees every child committed before it,
// and sibling numbering never deadlocks. Each holds it for a few
// milliseconds.
const treeLock int64 = 0x706978656c747265 // "pixeltre"

// lockTree takes the tree lock until the transaction ends.
func lockTree(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, treeLock)
	return err
}

// nextSortOrder is the SQL for the sort order after the last child of the
// parent bound to param (NULL: the root), written so that either case uses
// the tree index. Items outside the tree take no place.
func nextSortOrder(param string) string {
	return fmt.Sprintf(`(CASE WHEN %[1]s::bigint IS NULL
		THEN (SELECT COALESCE(max(n.sort_order) + 1, 0) FROM `+fromTree+` WHERE n.parent_id IS NULL AND `+inTree+`)
		ELSE (SELECT COALESCE(max(n.sort_order) + 1, 0) FROM `+fromTree+` WHERE n.parent_id = %[1]s::bigint AND `+inTree+`) END)`, param)
}

// insertNode gives a new item its node: under at's parent (nil at: the
// root), after its last sibling, with at's property values.
func insertNode(ctx context.Context, tx pgx.Tx, id int64, at *media.Placement) error {
	var parent *int64
	var props map[string]json.RawMessage
	if at != nil {
		parent, props = at.ParentID, at.Properties
	}
	_, err := tx.Exec(ctx, `INSERT INTO media_nodes (media_id, parent_id, sort_order, properties)
		VALUES ($1, $2, `+nextSortOrder("$2")+`, $3)`, id, parent, propsArg(props))
	if err != nil {
		return fmt.Errorf("insert node: %w", err)
	}
	return nil
}

func focalLeft(p *media.Point) *float64 {
	if p == nil {
		return nil
	}
	return &p.Left
}

func focalTop(p *media.Point) *float64 {
	if p == nil {
		return nil
	}
	return &p.Top
}

func coordsArg(c map[string]media.Coords) map[string]media.Coords {
	if c == nil {
		return map[string]media.Coords{}
	}
	return c
}

func propsArg(p map[string]json.RawMessage) map[string]json.RawMessage {
	if p == nil {
		return map[string]json.RawMessage{}
	}
	return p
}

// treeColumns are selected after mediaColumns and filesJSON by tree reads,
// from fromTree: the node's own columns, the parent's key and whether the
// item has children.
const treeColumns = `n.parent_id, n.sort_order, n.properties,
	(SELECT p.key::text FROM media p WHERE p.id = n.parent_id),
	EXISTS (SELECT 1 FROM media_nodes cn JOIN media c ON c.id = cn.media_id
		WHERE cn.parent_id = media.id AND c.api_key_id IS NULL AND c.status <> 'uploading')`

// FindNode returns an item of the tree by key, with its files and its
// place: level, names from the root, parent, children. Items outside the
// tree are not found.
func (s *MediaStore) FindNode(ctx context.Context, key string) (*media.Node, error) {
	k, err := uuid.Parse(key)
	if err != nil {
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	return s.findNode(ctx, `key = $1`, k)
}

// findNode returns the one tree item where selects.
func (s *MediaStore) findNode(ctx context.Context, where string, args ...any) (*media.Node, error) {
	items, err := s.findNodes(ctx, where, args...)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	return items[0], nil
}

// FindNodes returns the tree's items of the keys that exist, in the order
// of keys, each once.
func (s *MediaStore) FindNodes(ctx context.Context, keys []string) ([]*media.Node, error) {
	var ids []uuid.UUID
	for _, k := range keys {
		if u, err := uuid.Parse(k); err == nil {
			ids = append(ids, u)
		}
	}
	if len(ids) == 0 {
		return []*media.Node{}, nil
	}
	found, err := s.findNodes(ctx, `key = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*media.Node, len(found))
	for _, m := range found {
		byKey[m.Key] = m
	}
	out := make([]*media.Node, 0, len(found))
	for _, k := range ids {
		if m, ok := byKey[k.String()]; ok {
			out = append(out, m)
			delete(byKey, k.String())
		}
	}
	return out, nil
}

func (s *MediaStore) findNodes(ctx context.Context, where string, args ...any) ([]*media.Node, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+mediaColumns+`, `+filesJSON+`, `+treeColumns+`
		FROM `+fromTree+` WHERE `+inTree+` AND `+where, args...)
	if err != nil {
		return nil, translate(err, "media")
	}
	items, err := pgx.CollectRows(rows, scanNode)
	if err != nil {
		return nil, translate(err, "media")
	}
	// Items often share a folder (items?id=… of one gallery): its
	// ancestors are read once.
	byParent := map[int64][]string{}
	for _, m := range items {
		var names []string
		if m.ParentID != nil {
			var ok bool
			if names, ok = byParent[*m.ParentID]; !ok {
				if names, err = s.ancestorNames(ctx, m.ParentID); err != nil {
					return nil, err
				}
				byParent[*m.ParentID] = names
			}
		}
		m.Tree.Names = append(slices.Clone(names), m.Title)
		m.Tree.Level = len(m.Tree.Names)
	}
	return items, nil
}

// scanNode scans mediaColumns, filesJSON and treeColumns.
func scanNode(r pgx.CollectableRow) (*media.Node, error) { return scanNodeWith(r) }

// scanNodeWith scans mediaColumns, filesJSON, treeColumns and then extra.
func scanNodeWith(r pgx.CollectableRow, extra ...any) (*media.Node, error) {
	var files []byte
	var parentKey *string
	n := &media.Node{}
	m, err := scanMediaWith(r, append([]any{&files, &n.ParentID, &n.SortOrder, &n.Properties, &parentKey, &n.Tree.HasChildren}, extra...)...)
	if err != nil {
		return nil, err
	}
	if parentKey != nil {
		n.Tree.ParentKey = *parentKey
	}
	n.Media = m
	return n, decodeFiles(m, files)
}

// ancestorNames returns the names from the root down to the folder id
// (nil: none). A cycle can't be stored (moves are checked), and the depth
// bound keeps a corrupted row from looping.
func (s *MediaStore) ancestorNames(ctx context.Context, id *int64) ([]string, error) {
	if id == nil {
		return []string{}, nil
	}
	rows, err := s.db.Pool.Query(ctx, `
		WITH RECURSIVE up(id, parent, title, depth) AS (
			SELECT media.id, n.parent_id, media.title, 0 FROM `+fromTree+` WHERE media.id = $1
			UNION ALL
			SELECT m.id, n.parent_id, m.title, up.depth + 1 FROM media m JOIN media_nodes n ON n.media_id = m.id JOIN up ON m.id = up.parent
			WHERE up.depth < 1000)
		SELECT title FROM up ORDER BY depth DESC`, *id)
	if err != nil {
		return nil, translate(err, "media")
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return names, translate(err, "media")
}

// NodeID returns the row id of a tree item by key.
func (s *MediaStore) NodeID(ctx context.Context, key string) (int64, error) {
	k, err := uuid.Parse(key)
	if err != nil {
		return 0, media.Errorf(media.CodeNotFound, "media not found")
	}
	var id int64
	err = s.db.Pool.QueryRow(ctx, `SELECT media.id FROM `+fromTree+` WHERE key = $1 AND `+inTree, k).Scan(&id)
	return id, translate(err, "media")
}

// FindNodeByPath resolves names from the root, each matched to a child's
// name ignoring case (the first in sort order when siblings share one).
// Paths are the public Delivery API's: private items are not matched, so
// they neither show nor hide a public sibling of the same name.
func (s *MediaStore) FindNodeByPath(ctx context.Context, names []string) (*media.Node, error) {
	if len(names) == 0 {
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	var parent *int64
	var id int64
	for _, name := range names {
		err := s.db.Pool.QueryRow(ctx, `SELECT media.id FROM `+fromTree+`
			WHERE n.parent_id IS NOT DISTINCT FROM $1 AND lower(title) = lower($2) AND visibility = 'inherit' AND `+inTree+`
			ORDER BY n.sort_order, media.id LIMIT 1`, parent, name).Scan(&id)
		if err != nil {
			return nil, translate(err, "media")
		}
		parent = &id
	}
	return s.findNode(ctx, `id = $1`, id)
}

// sortColumns maps the Delivery API's sort fields to columns.
var sortColumns = map[string]string{
	"createDate": "created_at",
	"updateDate": "updated_at",
	"name":       "lower(title)",
	"sortOrder":  "n.sort_order",
}

// Children returns a page of the children of parent (nil: the root) that q
// selects, and how many it selects in all. Sort keys apply in the order
// given, then the sort order, then the id.
func (s *MediaStore) Children(ctx context.Context, parent *int64, q media.ChildQuery) ([]*media.Node, int, error) {
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	conds := []string{inTree}
	if parent == nil {
		conds = append(conds, "n.parent_id IS NULL")
	} else {
		conds = append(conds, "n.parent_id = "+arg(*parent))
	}
	if q.MediaType != "" {
		conds = append(conds, "media_type = "+arg(q.MediaType))
	}
	for _, n := range q.NameContains {
		if n != "" {
			conds = append(conds, "title ILIKE "+arg("%"+likeEscape(n)+"%"))
		}
	}
	if q.PublicOnly {
		conds = append(conds, "visibility = 'inherit'")
	}
	var order []string
	for _, k := range q.Sort {
		col, ok := sortColumns[k.Field]
		if !ok {
			return nil, 0, media.Errorf(media.CodeInvalid, "unknown sort field %q", k.Field)
		}
		if k.Desc {
			col += " DESC"
		}
		order = append(order, col)
	}
	order = append(order, "n.sort_order", "media.id")
	where := strings.Join(conds, " AND ")
	take := max(q.Take, 0)
	skip := max(q.Skip, 0)
	query := `SELECT ` + mediaColumns + `, ` + filesJSON + `, ` + treeColumns + `, count(*) OVER ()
		FROM ` + fromTree + ` WHERE ` + where + ` ORDER BY ` + strings.Join(order, ", ") +
		` LIMIT ` + arg(take) + ` OFFSET ` + arg(skip)
	rows, err := s.db.Pool.Query(ctx, query, args...)
	if err != nil {
		return nil, 0, translate(err, "media")
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.Node, error) {
		return scanNodeWith(r, &total)
	})
	if err != nil {
		return nil, 0, translate(err, "media")
	}
	if len(items) == 0 {
		// An empty page (take 0, or past the end) counted nothing.
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM `+fromTree+` WHERE `+where, args[:len(args)-2]...).Scan(&total); err != nil {
			return nil, 0, translate(err, "media")
		}
		return items, total, nil
	}
	// Siblings share their ancestors: one walk serves the page.
	names, err := s.ancestorNames(ctx, parent)
	if err != nil {
		return nil, 0, err
	}
	for _, m := range items {
		m.Tree.Names = append(append([]string{}, names...), m.Title)
		m.Tree.Level = len(m.Tree.Names)
	}
	return items, total, nil
}

// UpdateNode changes an item's name, place, focal point, crops and
// properties. A move into the item itself or one of its descendants, or
// under an item that is not a folder, is refused. Setting a sort order
// renumbers the siblings densely with the item at that place. When the
// focal point or the crops of an image change, its crops are cut again by
// a job, which is returned (nil otherwise).
func (s *MediaStore) UpdateNode(ctx context.Context, id int64, u media.NodeUpdate, trace map[string]string) (*media.Job, error) {
	var job *media.Job
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if u.Move || u.SortOrder != nil {
			if err := lockTree(ctx, tx); err != nil {
				return err
			}
		}
		var parent *int64
		var mime string
		var status media.Status
		if err := tx.QueryRow(ctx, `SELECT n.parent_id, mime, status FROM `+fromTree+` WHERE media.id = $1 AND `+inTree+` FOR UPDATE`, id).
			Scan(&parent, &mime, &status); err != nil {
			return err
		}
		// The asset's columns and the node's are set apart, each in its
		// own table.
		var asset, node assignments
		if u.Name != nil {
			asset.set("title", *u.Name)
			asset.set("title_default", false)
		}
		if u.Move && !sameParent(parent, u.ParentID) {
			if u.ParentID != nil {
				if err := checkMove(ctx, tx, id, *u.ParentID); err != nil {
					return err
				}
			}
			parent = u.ParentID
			node.set("parent_id", parent)
			if u.SortOrder == nil {
				var next int
				if err := tx.QueryRow(ctx, `SELECT `+nextSortOrder("$1"), parent).Scan(&next); err != nil {
					return err
				}
				node.set("sort_order", next)
			}
		}
		recrop := false
		if u.ClearFocal {
			asset.set("focal_left", nil)
			asset.set("focal_top", nil)
			recrop = true
		} else if u.Focal != nil {
			asset.set("focal_left", u.Focal.Left)
			asset.set("focal_top", u.Focal.Top)
			recrop = true
		}
		if u.CropCoords != nil {
			asset.set("crop_coords", u.CropCoords)
			recrop = true
		}
		if u.Properties != nil {
			// Values merge in; a null removes its key (and only that: a
			// null inside a value stays).
			merge, drop := map[string]json.RawMessage{}, []string{}
			for k, v := range u.Properties {
				if string(v) == "null" {
					drop = append(drop, k)
				} else {
					merge[k] = v
				}
			}
			node.expr("properties = (properties || $%d) - $%d::text[]", merge, drop)
		}
		if !node.empty() {
			if _, err := node.update(ctx, tx, "media_nodes", "media_id", id); err != nil {
				return err
			}
		}
		if !asset.empty() || !node.empty() {
			// The item changed, as a whole: its date moves and the API
			// replicas hear of it (009), whichever table changed.
			if _, err := asset.update(ctx, tx, "media", "id", id, "updated_at = now()"); err != nil {
				return err
			}
		}
		if u.SortOrder != nil {
			if err := placeAmongSiblings(ctx, tx, id, parent, *u.SortOrder); err != nil {
				return err
			}
		}
		if recrop && media.IsRenderable(mime) && status != media.StatusFailed {
			// A ready item needs its crops only; JobFor says what one
			// still processing or never edited needs instead.
			var err error
			if job, err = issueJob(ctx, tx, media.Job{Kind: media.JobCrops, MediaID: id}, trace, false, ""); err == nil && job == nil {
				err = pgx.ErrNoRows
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, translate(err, "media")
	}
	return job, nil
}

func sameParent(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// checkMove refuses a new parent that is not a folder of the tree, or is
// the item or one of its descendants.
func checkMove(ctx context.Context, tx pgx.Tx, id, parent int64) error {
	var isFolder, inside bool
	err := tx.QueryRow(ctx, `
		WITH RECURSIVE up(id, parent, depth) AS (
			SELECT media_id, parent_id, 0 FROM media_nodes WHERE media_id = $2
			UNION ALL
			SELECT n.media_id, n.parent_id, up.depth + 1 FROM media_nodes n JOIN up ON n.media_id = up.parent WHERE up.depth < 1000)
		SELECT COALESCE((SELECT mime = '' FROM `+fromTree+` WHERE media.id = $2 AND `+inTree+`), false), EXISTS (SELECT 1 FROM up WHERE id = $1)`, id, parent).
		Scan(&isFolder, &inside)
	if err != nil {
		return err
	}
	if !isFolder {
		return media.Errorf(media.CodeInvalid, "the parent is not a folder")
	}
	if inside {
		return media.Errorf(media.CodeInvalid, "an item can't be moved into itself or its descendants")
	}
	return nil
}

// placeAmongSiblings puts the item at position pos among its siblings and
// numbers them all 0, 1, 2, … in their order.
func placeAmongSiblings(ctx context.Context, tx pgx.Tx, id int64, parent *int64, pos int) error {
	_, err := tx.Exec(ctx, `
		WITH sib AS (
			SELECT media.id, row_number() OVER (ORDER BY n.sort_order, media.id) - 1 AS rn
			FROM `+fromTree+` WHERE n.parent_id IS NOT DISTINCT FROM $2 AND media.id <> $1 AND `+inTree+`),
		placed AS (
			SELECT id, CASE WHEN rn < $3 THEN rn ELSE rn + 1 END AS pos FROM sib
			UNION ALL SELECT $1, LEAST(GREATEST($3, 0), (SELECT count(*) FROM sib)))
		UPDATE media_nodes m SET sort_order = placed.pos FROM placed WHERE m.media_id = placed.id AND m.sort_order <> placed.pos`,
		id, parent, pos)
	return err
}

// DeleteNode removes an item and, for a folder, everything under it, and
// returns what was removed, so the caller can remove their objects.
func (s *MediaStore) DeleteNode(ctx context.Context, id int64) ([]*media.Media, error) {
	var items []*media.Media
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// Under the tree lock no child can be added or moved in while the
		// subtree is read and deleted, so every removed row is returned and
		// its objects removed.
		if err := lockTree(ctx, tx); err != nil {
			return err
		}
		var err error
		items, err = deleteSubtree(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, translate(err, "media")
	}
	if len(items) == 0 {
		return nil, media.Errorf(media.CodeNotFound, "media not found")
	}
	return items, nil
}

func deleteSubtree(ctx context.Context, tx pgx.Tx, id int64) ([]*media.Media, error) {
	rows, err := tx.Query(ctx, `
		WITH RECURSIVE down(id, depth) AS (
			SELECT media.id, 0 FROM `+fromTree+` WHERE media.id = $1 AND `+inTree+`
			UNION ALL
			SELECT n.media_id, down.depth + 1 FROM media_nodes n JOIN down ON n.parent_id = down.id WHERE down.depth < 1000)
		DELETE FROM media WHERE id IN (SELECT id FROM down) RETURNING id, key::text, mime`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.Media, error) {
		var m media.Media
		return &m, r.Scan(&m.ID, &m.Key, &m.MIME)
	})
}

// SaveMediaTypes records the configured media types, replacing those
// recorded before, so that workers read the crops the API shows.
func (s *MediaStore) SaveMediaTypes(ctx context.Context, types []media.MediaType) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		aliases := make([]string, len(types))
		for i, t := range types {
			aliases[i] = t.Alias
			if _, err := tx.Exec(ctx, `INSERT INTO media_types (alias, definition) VALUES ($1, $2)
				ON CONFLICT (alias) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()
				WHERE media_types.definition <> EXCLUDED.definition`, t.Alias, t); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `DELETE FROM media_types WHERE NOT alias = ANY($1)`, aliases)
		return err
	})
	return translate(err, "media type")
}

// MediaType returns a recorded media type; an alias nobody configured
// gives a type without crops.
func (s *MediaStore) MediaType(ctx context.Context, alias string) (media.MediaType, error) {
	var t media.MediaType
	err := s.db.Pool.QueryRow(ctx, `SELECT definition FROM media_types WHERE alias = $1`, alias).Scan(&t)
	if err == pgx.ErrNoRows {
		return media.MediaType{Alias: alias, Name: alias}, nil
	}
	return t, translate(err, "media type")
}

// ReplaceFile gives a tree item the new original described by r (its
// MIME, Stem, Ext, ClientFilename, Width, Height, OriginalFilesize and
// Duration) and a new job, in one transaction: the item keeps its key, id,
// place and dates; its old files are forgotten and their object keys
// returned, for the caller to remove. The new stem is unique in the item's
// folder, its own old stem included, so the new files get new URLs.
func (s *MediaStore) ReplaceFile(ctx context.Context, id int64, r *media.Media, original media.File, trace map[string]string) (*media.Job, []string, error) {
	var job *media.Job
	var old []string
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		m := &media.Media{ID: id}
		if err := tx.QueryRow(ctx, `SELECT key, dir, mime, job_seq FROM `+fromTree+` WHERE media.id = $1 AND `+inTree+` FOR UPDATE OF media`, id).
			Scan(&m.Key, &m.Dir, &m.MIME, &m.JobSeq); err != nil {
			return err
		}
		if m.IsFolder() {
			return media.Errorf(media.CodeInvalid, "a folder has no file")
		}
		// The item's own stem counts as taken: the new files must not share
		// a name (an object key) with the old ones, which are removed after
		// this commits, maybe after a worker wrote the new ones.
		taken, err := takenNames(ctx, tx, `SELECT lower(stem) FROM media WHERE dir = $1 AND lower(stem) LIKE $2 ESCAPE '\'`,
			m.Dir, likePrefix(strings.ToLower(r.Stem)))
		if err != nil {
			return err
		}
		stem := media.UniqueStem(r.Stem, taken)
		rows, err := tx.Query(ctx, `DELETE FROM media_files WHERE media_id = $1 RETURNING key`, id)
		if err != nil {
			return err
		}
		if old, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		m.MIME, m.Stem, m.Ext = r.MIME, stem, r.Ext
		m.File = m.OriginalName()
		status, first := media.FirstStatus(m)
		if err := tx.QueryRow(ctx, `
			UPDATE media SET mime = $2, stem = $3, ext = $4, client_filename = $5, file = $6, width = $7, height = $8,
			       filesize = $9, original_filesize = $9, duration = $10, image_meta = NULL, facts = NULL, status = $11, status_error = '',
			       job_seq = job_seq + 1, updated_at = now()
			WHERE id = $1 RETURNING job_seq`,
			id, m.MIME, stem, m.Ext, r.ClientFilename, m.File, r.Width, r.Height, r.OriginalFilesize, r.Duration, status).Scan(&m.JobSeq); err != nil {
			return err
		}
		original.Role, original.Name = media.RoleOriginal, m.File
		if err := upsertFile(ctx, tx, m, original, 0); err != nil {
			return err
		}
		if first == "" {
			return insertEvent(ctx, tx, id, media.StatusReady, "")
		}
		job = &media.Job{Kind: first, MediaID: id, MediaKey: m.Key, Seq: m.JobSeq}
		return insertJob(ctx, tx, job, trace)
	})
	if err != nil {
		return nil, nil, translate(err, "media")
	}
	return job, old, nil
}

// FindFolders returns every folder of the tree, each after its parent,
// siblings in their order.
func (s *MediaStore) FindFolders(ctx context.Context) ([]media.Folder, error) {
	rows, err := s.db.Pool.Query(ctx, `WITH RECURSIVE t AS (
			SELECT m.id, m.key, m.title, ''::text AS parent_key, ARRAY[n.sort_order, m.id::int] AS path
			FROM media m JOIN media_nodes n ON n.media_id = m.id
			WHERE m.mime = '' AND n.parent_id IS NULL
			UNION ALL
			SELECT m.id, m.key, m.title, t.key::text, t.path || ARRAY[n.sort_order, m.id::int]
			FROM media m JOIN media_nodes n ON n.media_id = m.id JOIN t ON n.parent_id = t.id
			WHERE m.mime = '')
		SELECT key, title, parent_key FROM t ORDER BY path`)
	if err != nil {
		return nil, translate(err, "media")
	}
	folders, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (media.Folder, error) {
		var f media.Folder
		return f, r.Scan(&f.Key, &f.Name, &f.ParentKey)
	})
	return folders, translate(err, "media")
}
