package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pixelmill/pixelmill/services/media"
)

// FindAttachments returns one page of the items f selects, with their
// files and attachments, and the total number of items f selects without
// paging. The page, its files and the total come in one round trip; only a
// page past the end costs a second query for the total. The filter's
// words are WordPress's (its slugs, parents, search columns), which /v1's
// lists use a part of.
func (s *MediaStore) FindAttachments(ctx context.Context, f media.Filter) ([]*media.Attachment, int, error) {
	if f.MatchNothing {
		return []*media.Attachment{}, 0, nil
	}
	where, args := filterSQL(f)
	whereArgs := slices.Clone(args)
	order := orderSQL(f, &args)
	args = append(args, f.Limit, f.Offset)
	// The page's ids and the total first; the page's columns and files
	// only for its rows, not for every row the total counts.
	q := fmt.Sprintf(`WITH page AS MATERIALIZED (
			SELECT media.id AS page_id, count(*) OVER () AS page_total, row_number() OVER (ORDER BY %[5]s) AS page_pos
			FROM %[4]s WHERE %[6]s ORDER BY %[5]s LIMIT $%[7]d OFFSET $%[8]d)
		SELECT %[1]s, %[2]s, %[3]s, page.page_total FROM page JOIN %[4]s ON media.id = page.page_id ORDER BY page.page_pos`,
		mediaColumns, attachmentColumns, filesJSON, fromAttachments, order, where, len(args)-1, len(args))
	rows, err := s.db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, translate(err, "media")
	}
	total := 0
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*media.Attachment, error) {
		var files []byte
		a := &media.Attachment{}
		m, err := scanMediaWith(r, append(attachmentDest(&a.AttachmentFields), &files, &total)...)
		if err != nil {
			return nil, err
		}
		a.Media = m
		return a, decodeFiles(m, files)
	})
	if err != nil {
		return nil, 0, translate(err, "media")
	}
	if len(items) == 0 && f.Offset > 0 {
		// Past the end: the window counted nothing, so count apart.
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM `+fromAttachments+` WHERE `+where, whereArgs...).Scan(&total); err != nil {
			return nil, 0, translate(err, "media")
		}
	}
	return items, total, nil
}

// filterSQL builds the WHERE clause; every value is a bind parameter.
func filterSQL(f media.Filter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	vis := f.Visibilities
	if len(vis) == 0 {
		vis = []media.Visibility{media.VisibilityInherit}
	}
	vs := make([]string, len(vis))
	for i, v := range vis {
		vs[i] = string(v)
	}
	conds = append(conds, "visibility = ANY("+arg(vs)+")")
	// Folders belong to the Umbraco tree only: WordPress and /v1 list files.
	conds = append(conds, "mime <> ''")
	if !f.IncludeUploading {
		conds = append(conds, "status <> 'uploading'")
	}
	if f.Folder != nil {
		conds = append(conds, "id IN (SELECT media_id FROM media_nodes WHERE parent_id = "+arg(*f.Folder)+")")
	} else if f.InRootFolder {
		conds = append(conds, "id IN (SELECT media_id FROM media_nodes WHERE parent_id IS NULL)")
	}
	if len(f.Statuses) > 0 {
		ss := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			ss[i] = string(st)
		}
		conds = append(conds, "status = ANY("+arg(ss)+")")
	}
	if f.APIKeyID != nil {
		conds = append(conds, "api_key_id = "+arg(*f.APIKeyID))
	}
	if f.Search != "" && f.SearchExact {
		conds = append(conds, "lower(title) = lower("+arg(f.Search)+")")
	} else if f.Search != "" {
		like := arg("%" + likeEscape(f.Search) + "%")
		cols := map[string]string{"post_title": "title", "post_content": "description", "post_excerpt": "caption"}
		var ors []string
		if len(f.SearchColumns) == 0 {
			ors = []string{"title ILIKE " + like, "description ILIKE " + like, "caption ILIKE " + like,
				"(stem || '.' || ext) ILIKE " + like, "file ILIKE " + like}
		}
		for _, c := range f.SearchColumns {
			if col, ok := cols[c]; ok {
				ors = append(ors, col+" ILIKE "+like)
			}
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	if f.After != nil {
		conds = append(conds, "created_at > "+arg(*f.After))
	}
	if f.Before != nil {
		conds = append(conds, "created_at < "+arg(*f.Before))
	}
	if f.ModAfter != nil {
		conds = append(conds, "updated_at > "+arg(*f.ModAfter))
	}
	if f.ModBefore != nil {
		conds = append(conds, "updated_at < "+arg(*f.ModBefore))
	}
	if len(f.Authors) > 0 {
		conds = append(conds, "author_id = ANY("+arg(f.Authors)+")")
	}
	if len(f.AuthorsNot) > 0 {
		conds = append(conds, "NOT author_id = ANY("+arg(f.AuthorsNot)+")")
	}
	if len(f.IDs) > 0 {
		conds = append(conds, "id = ANY("+arg(f.IDs)+")")
	}
	if len(f.IDsNot) > 0 {
		conds = append(conds, "NOT id = ANY("+arg(f.IDsNot)+")")
	}
	if len(f.Parents) > 0 {
		// Parent 0 is WordPress's "unattached".
		conds = append(conds, "COALESCE(post_id, 0) = ANY("+arg(f.Parents)+")")
	}
	if len(f.ParentsNot) > 0 {
		conds = append(conds, "NOT COALESCE(post_id, 0) = ANY("+arg(f.ParentsNot)+")")
	}
	if len(f.Slugs) > 0 {
		conds = append(conds, "slug = ANY("+arg(f.Slugs)+")")
	}
	if len(f.MIMEs) > 0 || len(f.MIMEPrefixes) > 0 {
		var ors []string
		if len(f.MIMEs) > 0 {
			ors = append(ors, "mime = ANY("+arg(f.MIMEs)+")")
		}
		for _, p := range f.MIMEPrefixes {
			ors = append(ors, "mime LIKE "+arg(likeEscape(p)+"%"))
		}
		conds = append(conds, "("+strings.Join(ors, " OR ")+")")
	}
	return strings.Join(conds, " AND "), args
}

// orderSQL returns the ORDER BY clause; id breaks ties so pages are stable.
func orderSQL(f media.Filter, args *[]any) string {
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	col := map[media.Order]string{
		media.OrderDate: "created_at", media.OrderAuthor: "author_id", media.OrderID: "id",
		media.OrderModified: "updated_at", media.OrderParent: "COALESCE(post_id, 0)", media.OrderSlug: "slug",
		media.OrderTitle: "lower(title)",
	}[f.OrderBy]
	switch f.OrderBy {
	case media.OrderInclude:
		*args = append(*args, f.IDs)
		return fmt.Sprintf("array_position($%d::bigint[], id), id", len(*args))
	case media.OrderIncludeSlugs:
		*args = append(*args, f.Slugs)
		return fmt.Sprintf("array_position($%d::text[], slug), id", len(*args))
	case media.OrderRelevance:
		// WordPress ranks a title match first, then recency.
		*args = append(*args, "%"+likeEscape(f.Search)+"%")
		return fmt.Sprintf("(title ILIKE $%d) DESC, created_at DESC, id DESC", len(*args))
	}
	if col == "" {
		col = "created_at"
	}
	return col + " " + dir + ", id " + dir
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
