package postgres_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// TestMigrationsMoveDialectFields writes items as the schema before 012
// held them, every dialect's fields in the media row, and checks that
// after 012 and 013 every item is where it was in the tree, in its order,
// with its properties, that a /v1 library's item took no place, and that
// every item kept WordPress's fields.
func TestMigrationsMoveDialectFields(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgrestest.Open(t, postgrestest.NewEmptyDatabase(t))
	if err := db.MigrateTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO users (id, login, role, password_hash) VALUES (1, 'root', 'administrator', 'x')`)
	exec(`INSERT INTO api_keys (id, user_id, prefix, hash, scopes) VALUES (1, 1, 'pm_x', '\x00', '{read}')`)
	const insert = `INSERT INTO media (id, key, author_id, title, slug, mime, dir, stem, ext, file, status,
		media_type, node_parent_id, sort_order, properties, api_key_id, caption, alt_text, comment_status, template)
		VALUES ($1, $2, 1, $3, $3, $4, 'd', $3, 'jpg', $3, 'ready', $5, $6, $7, $8, $9,
		        'caption of ' || $3, 'alt of ' || $3, 'closed', 'page.php')`
	folderKey := "00000000-0000-4000-8000-000000000001"
	exec(insert, 1, folderKey, "photos", "", media.TypeFolder, nil, 0, `{}`, nil)
	exec(insert, 2, "00000000-0000-4000-8000-000000000002", "boat", "image/jpeg", media.TypeImage, 1, 1, `{"altText":"A boat"}`, nil)
	exec(insert, 3, "00000000-0000-4000-8000-000000000003", "beach", "image/jpeg", media.TypeImage, 1, 0, `{}`, nil)
	exec(insert, 4, "00000000-0000-4000-8000-000000000004", "library", "image/jpeg", media.TypeImage, nil, 0, `{}`, 1)

	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewMediaStore(db)
	parent := int64(1)
	kids, total, err := store.Children(ctx, &parent, media.ChildQuery{Take: 10})
	if err != nil || total != 2 || len(kids) != 2 {
		t.Fatalf("children after 012: %d of %d, %v", len(kids), total, err)
	}
	if kids[0].Title != "beach" || kids[1].Title != "boat" || kids[1].SortOrder != 1 || kids[1].Tree.ParentKey != folderKey {
		t.Fatalf("children moved out of order: %s %s, %+v", kids[0].Title, kids[1].Title, kids[1].Tree)
	}
	var alt string
	if err := json.Unmarshal(kids[1].Properties["altText"], &alt); err != nil || alt != "A boat" {
		t.Fatalf("properties after 012: %v", kids[1].Properties)
	}
	if _, err := store.FindNode(ctx, "00000000-0000-4000-8000-000000000004"); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("a /v1 library item is in the tree after 012: %v", err)
	}
	if m, err := store.FindMediaByID(ctx, 4); err != nil || m.Title != "library" {
		t.Fatalf("the /v1 item after 012: %+v %v", m, err)
	}
	var nodes int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM media_nodes`).Scan(&nodes); err != nil || nodes != 3 {
		t.Fatalf("%d nodes, want 3: %v", nodes, err)
	}
	for id, name := range map[int64]string{2: "boat", 4: "library"} {
		a, err := store.FindAttachment(ctx, id)
		if err != nil || a.Slug != name || a.Caption != "caption of "+name || a.AltText != "alt of "+name ||
			a.CommentStatus != "closed" || a.PingStatus != "closed" || a.Template != "page.php" || a.Title != name {
			t.Fatalf("%s after 013: %+v %v", name, a, err)
		}
	}
	if _, err := db.Pool.Exec(ctx, `SELECT slug FROM media`); err == nil {
		t.Fatal("media still has WordPress's slug after 013")
	}
}
