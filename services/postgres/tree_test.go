package postgres_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
)

// folder creates a folder under parent (nil: the root).
func folder(t *testing.T, store *postgres.MediaStore, u *media.User, name string, parent *int64) *media.Node {
	t.Helper()
	m := &media.Media{AuthorID: u.ID, Title: name, MediaType: media.TypeFolder, Stem: "folder-" + name}
	if job, err := store.CreateMediaWith(context.Background(), m, media.File{}, media.Facets{Place: &media.Placement{ParentID: parent}}, nil); err != nil || job != nil {
		t.Fatalf("create folder %s: job %v, %v", name, job, err)
	}
	return node(t, store, m.Key)
}

// node reads an item of the tree.
func node(t *testing.T, store *postgres.MediaStore, key string) *media.Node {
	t.Helper()
	n, err := store.FindNode(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fileIn creates a JPEG item under parent.
func fileIn(t *testing.T, store *postgres.MediaStore, u *media.User, name string, parent *int64) *media.Node {
	t.Helper()
	m := newItem(u, name, name)
	m.Dir = "abcd1234"
	if _, err := store.CreateMediaWith(context.Background(), m, media.File{Key: "k-" + name, MIME: "image/jpeg"}, media.Facets{Place: &media.Placement{ParentID: parent}}, nil); err != nil {
		t.Fatal(err)
	}
	return node(t, store, m.Key)
}

func childNames(t *testing.T, store *postgres.MediaStore, parent *int64, q media.ChildQuery) ([]string, int) {
	t.Helper()
	if q.Take == 0 {
		q.Take = 100
	}
	items, total, err := store.Children(context.Background(), parent, q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range items {
		out = append(out, m.Title)
	}
	return out, total
}

func TestTreeReadsAndOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)

	photos := folder(t, store, u, "Photos", nil)
	docs := folder(t, store, u, "Docs", nil)
	if photos.SortOrder != 0 || docs.SortOrder != 1 || photos.Status != media.StatusReady || !photos.IsFolder() {
		t.Fatalf("folders %+v %+v", photos, docs)
	}
	sub := folder(t, store, u, "Summer", &photos.ID)
	a := fileIn(t, store, u, "Beach", &sub.ID)
	b := fileIn(t, store, u, "sand", &sub.ID)
	fileIn(t, store, u, "Boat", &sub.ID)

	got, err := store.FindNode(ctx, a.Key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tree.Level != 3 || got.Tree.ParentKey != sub.Key || !slices.Equal(got.Tree.Names, []string{"Photos", "Summer", "Beach"}) || got.TypeAlias() != media.TypeImage {
		t.Fatalf("tree info %+v type %s", got.Tree, got.TypeAlias())
	}
	if p, _ := store.FindNode(ctx, photos.Key); !p.Tree.HasChildren {
		t.Fatal("Photos has children")
	}
	byPath, err := store.FindNodeByPath(ctx, []string{"photos", "SUMMER", "sand"})
	if err != nil || byPath.Key != b.Key {
		t.Fatalf("by path: %v %v", byPath, err)
	}
	// A private item of the same name, first in order, hides nothing.
	priv := fileIn(t, store, u, "Sand", &sub.ID)
	first, private := 0, media.VisibilityPrivate
	if _, err := store.UpdateMedia(ctx, priv.ID, media.Update{Visibility: &private}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateNode(ctx, priv.ID, media.NodeUpdate{SortOrder: &first}, nil); err != nil {
		t.Fatal(err)
	}
	if byPath, err := store.FindNodeByPath(ctx, []string{"photos", "summer", "sand"}); err != nil || byPath.Key != b.Key {
		t.Fatalf("by path past a private namesake: %v %v", byPath, err)
	}
	if _, err := store.DeleteNode(ctx, priv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.FindNodeByPath(ctx, []string{"photos", "nope"}); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("missing path: %v", err)
	}
	nodes, err := store.FindNodes(ctx, []string{b.Key, a.Key, b.Key, "not-a-key", "7d4f8a7e-0000-4000-8000-000000000000"})
	if err != nil || len(nodes) != 2 || nodes[0].Key != b.Key || nodes[1].Key != a.Key {
		t.Fatalf("FindNodes: %v %v", nodes, err)
	}

	if names, total := childNames(t, store, nil, media.ChildQuery{}); !slices.Equal(names, []string{"Photos", "Docs"}) || total != 2 {
		t.Fatalf("root %v %d", names, total)
	}
	names, _ := childNames(t, store, &sub.ID, media.ChildQuery{Sort: []media.SortKey{{Field: "name"}}})
	if !slices.Equal(names, []string{"Beach", "Boat", "sand"}) {
		t.Fatalf("by name, ignoring case: %v", names)
	}
	names, _ = childNames(t, store, &sub.ID, media.ChildQuery{Sort: []media.SortKey{{Field: "name", Desc: true}}})
	if !slices.Equal(names, []string{"sand", "Boat", "Beach"}) {
		t.Fatalf("by name desc: %v", names)
	}
	names, total := childNames(t, store, &sub.ID, media.ChildQuery{NameContains: []string{"B"}, MediaType: media.TypeImage, Skip: 1, Take: 1})
	if !slices.Equal(names, []string{"Boat"}) || total != 2 {
		t.Fatalf("filtered page %v of %d", names, total)
	}
	// Several names: every one must be in the name, in the store's query
	// (the Delivery API's filter=name:a,name:b), paged and counted there.
	names, total = childNames(t, store, &sub.ID, media.ChildQuery{NameContains: []string{"b", "OA"}})
	if !slices.Equal(names, []string{"Boat"}) || total != 1 {
		t.Fatalf("two names: %v of %d", names, total)
	}
	if _, total := childNames(t, store, &sub.ID, media.ChildQuery{Take: -1}); total != 3 {
		t.Fatalf("an empty page still counts: %d", total)
	}
	if names, _ := childNames(t, store, &sub.ID, media.ChildQuery{MediaType: "image"}); len(names) != 0 {
		t.Fatalf("type matches exactly: %v", names)
	}
	// Folders are not WordPress items.
	list, _, err := store.FindAttachments(ctx, media.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.IsFolder() {
			t.Fatalf("folder %q in the WordPress list", m.Title)
		}
	}
}

func TestTreeMovesAndDeletes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	top := folder(t, store, u, "Top", nil)
	inner := folder(t, store, u, "Inner", &top.ID)
	other := folder(t, store, u, "Other", nil)
	x := fileIn(t, store, u, "x", &inner.ID)
	y := fileIn(t, store, u, "y", &inner.ID)
	z := fileIn(t, store, u, "z", &inner.ID)

	// No cycles, no files as parents.
	for _, target := range []int64{top.ID, inner.ID, x.ID} {
		if _, err := store.UpdateNode(ctx, top.ID, media.NodeUpdate{Move: true, ParentID: &target}, nil); media.ErrorCode(err) != media.CodeInvalid {
			t.Fatalf("move Top under %d: %v", target, err)
		}
	}
	// Reorder: z first, then the rest in order, numbered densely.
	first := 0
	if _, err := store.UpdateNode(ctx, z.ID, media.NodeUpdate{SortOrder: &first}, nil); err != nil {
		t.Fatal(err)
	}
	if names, _ := childNames(t, store, &inner.ID, media.ChildQuery{}); !slices.Equal(names, []string{"z", "x", "y"}) {
		t.Fatalf("after reorder %v", names)
	}
	items, _, _ := store.Children(ctx, &inner.ID, media.ChildQuery{Take: 10})
	for i, m := range items {
		if m.SortOrder != i {
			t.Fatalf("sort orders %d at %d", m.SortOrder, i)
		}
	}
	// Move x to Other: appended there, level follows.
	if _, err := store.UpdateNode(ctx, x.ID, media.NodeUpdate{Move: true, ParentID: &other.ID}, nil); err != nil {
		t.Fatal(err)
	}
	moved, _ := store.FindNode(ctx, x.Key)
	if moved.Tree.Level != 2 || moved.Tree.ParentKey != other.Key {
		t.Fatalf("moved %+v", moved.Tree)
	}
	// A focal point set while the first job is pending reissues that job
	// whole: the new sequence number supersedes it.
	job, err := store.UpdateNode(ctx, y.ID, media.NodeUpdate{Focal: &media.Point{Left: 0.5, Top: 0.5}}, nil)
	if err != nil || job == nil || job.Kind != media.JobRenditions || job.Seq != 2 {
		t.Fatalf("focal point job while processing %+v %v", job, err)
	}
	if err := store.RecordRenditions(ctx, y.ID, job.Seq, media.Renditions{Width: 10, Height: 10}); err != nil {
		t.Fatal(err)
	}
	// Once ready, a new focal point sends the image back for its crops
	// only; properties merge.
	job, err = store.UpdateNode(ctx, y.ID, media.NodeUpdate{Focal: &media.Point{Left: 0.2, Top: 0.9},
		Properties: map[string]json.RawMessage{"altText": json.RawMessage(`"A boat"`)}}, nil)
	if err != nil || job == nil || job.Kind != media.JobCrops {
		t.Fatalf("focal point job %v %v", job, err)
	}
	got, _ := store.FindNode(ctx, y.Key)
	if got.Focal == nil || got.Focal.Left != 0.2 || got.Status != media.StatusProcessing || string(got.Properties["altText"]) != `"A boat"` {
		t.Fatalf("after focal update %+v %s %v", got.Focal, got.Status, got.Properties)
	}
	if err := store.RecordCrops(ctx, y.ID, job.Seq, []media.File{{SizeName: "thumb", Name: "y~thumb.jpg", Key: "k-crop", MIME: "image/jpeg", Width: 300, Height: 300}}); err != nil {
		t.Fatal(err)
	}
	got, _ = store.FindNode(ctx, y.Key)
	if c, ok := got.FileByRole(media.RoleCrop); got.Status != media.StatusReady || !ok || c.SizeName != "thumb" {
		t.Fatalf("after crops %s %+v", got.Status, got.Files)
	}

	// Deleting Top takes Inner and its files, not Other's.
	removed, err := store.DeleteNode(ctx, top.ID)
	if err != nil || len(removed) != 4 {
		t.Fatalf("delete subtree: %d removed, %v", len(removed), err)
	}
	for _, k := range []string{top.Key, inner.Key, y.Key, z.Key} {
		if _, err := store.FindNode(ctx, k); media.ErrorCode(err) != media.CodeNotFound {
			t.Fatalf("%s survived: %v", k, err)
		}
	}
	if _, err := store.FindNode(ctx, x.Key); err != nil {
		t.Fatalf("Other's file went too: %v", err)
	}
}

func TestReplaceFileAndDerived(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	m := fileIn(t, store, u, "photo", nil)
	if err := store.RecordDerived(ctx, m.ID, "k-other", media.File{SizeName: "w=100"}); media.ErrorCode(err) != media.CodeConflict {
		t.Fatalf("a rendition of a replaced file: %v", err)
	}
	if err := store.RecordDerived(ctx, m.ID, "k-photo", media.File{SizeName: "w=100", Name: "photo~abc.jpg", Key: "k-derived", MIME: "image/jpeg", Width: 100, Height: 50}); err != nil {
		t.Fatal(err)
	}
	if f, ok, err := store.FindDerived(ctx, m.ID, "w=100"); err != nil || !ok || f.Key != "k-derived" {
		t.Fatalf("derived %+v %v %v", f, ok, err)
	}
	// Derived files are not the item's files.
	got, _ := store.FindNode(ctx, m.Key)
	if len(got.Files) != 1 {
		t.Fatalf("files %+v", got.Files)
	}
	owner, err := store.FindMediaByFilePath(ctx, "abcd1234/photo.jpg")
	if err != nil || owner.ID != m.ID {
		t.Fatalf("owner of the file: %v %v", owner, err)
	}

	r := &media.Media{MIME: "image/png", Stem: "photo", Ext: "png", Width: 40, Height: 30, OriginalFilesize: 99}
	job, old, err := store.ReplaceFile(ctx, m.ID, r, media.File{Key: "k-new", MIME: "image/png", Width: 40, Height: 30, Filesize: 99}, nil)
	if err != nil || job == nil || job.Seq != 2 {
		t.Fatalf("replace: %v %v", job, err)
	}
	slices.Sort(old)
	if !slices.Equal(old, []string{"k-derived", "k-photo"}) {
		t.Fatalf("old keys %v", old)
	}
	got, _ = store.FindNode(ctx, m.Key)
	if got.Stem == "photo" || got.MIME != "image/png" || got.Width != 40 || got.Status != media.StatusProcessing || len(got.Files) != 1 || got.Files[0].Key != "k-new" {
		t.Fatalf("after replace %+v", got)
	}
	if _, ok, _ := store.FindDerived(ctx, m.ID, "w=100"); ok {
		t.Fatal("the old derived file survived the replacement")
	}
}

func TestMediaTypesRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, _ := newStores(t)
	types := media.DefaultMediaTypes()
	if err := store.SaveMediaTypes(ctx, types); err != nil {
		t.Fatal(err)
	}
	img, err := store.MediaType(ctx, media.TypeImage)
	if err != nil || len(img.Crops) != 2 || img.Crops[1] != (media.CropDef{Alias: "wide", Width: 1200, Height: 630}) {
		t.Fatalf("Image %+v %v", img, err)
	}
	// A new configuration replaces the old one.
	if err := store.SaveMediaTypes(ctx, types[:1]); err != nil {
		t.Fatal(err)
	}
	if img, _ := store.MediaType(ctx, media.TypeImage); len(img.Crops) != 0 {
		t.Fatalf("a type no longer configured keeps crops: %+v", img)
	}
}

func TestRequeueMissingCrop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	m := fileIn(t, store, u, "old", nil)
	// Still processing: its own job will make the crops.
	if job, err := store.RequeueCrops(ctx, m.ID, "thumb", nil); err != nil || job != nil {
		t.Fatalf("while processing: %v %v", job, err)
	}
	if err := store.RecordRenditions(ctx, m.ID, 1, media.Renditions{Width: 10, Height: 10}); err != nil {
		t.Fatal(err)
	}
	job, err := store.RequeueCrops(ctx, m.ID, "thumb", nil)
	if err != nil || job == nil || job.Kind != media.JobCrops || job.Seq != 2 {
		t.Fatalf("ready without its crop: %+v %v", job, err)
	}
	// Asked twice at once: the second finds it processing.
	if again, err := store.RequeueCrops(ctx, m.ID, "thumb", nil); err != nil || again != nil {
		t.Fatalf("second request: %v %v", again, err)
	}
	if err := store.RecordCrops(ctx, m.ID, job.Seq, []media.File{{SizeName: "thumb", Name: "old~thumb.jpg", Key: "k-thumb", MIME: "image/jpeg"}}); err != nil {
		t.Fatal(err)
	}
	if again, err := store.RequeueCrops(ctx, m.ID, "thumb", nil); err != nil || again != nil {
		t.Fatalf("the crop exists: %v %v", again, err)
	}
}

// TestConcurrentMovesKeepATree moves three folders under each other from
// many goroutines at once: the cycle check must hold under concurrency, so
// every folder still reaches the root.
func TestConcurrentMovesKeepATree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _, u := newStores(t)
	folders := []*media.Node{folder(t, store, u, "A", nil), folder(t, store, u, "B", nil), folder(t, store, u, "C", nil)}
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			item, target := folders[i%3], folders[(i/3+i+1)%3]
			parent := &target.ID
			if i%7 == 0 {
				parent = nil
			}
			if _, err := store.UpdateNode(ctx, item.ID, media.NodeUpdate{Move: true, ParentID: parent}, nil); err != nil && media.ErrorCode(err) != media.CodeInvalid {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("move: %v", err)
	}
	for _, f := range folders {
		got, err := store.FindNode(ctx, f.Key)
		if err != nil {
			t.Fatal(err)
		}
		if got.Tree.Level > 3 {
			t.Fatalf("%s is %d deep: a cycle (%v)", f.Title, got.Tree.Level, got.Tree.Names)
		}
	}
	// Sort orders stay dense under concurrent reorders of one folder.
	parent := folder(t, store, u, "P", nil)
	var kids []*media.Node
	for i := range 6 {
		kids = append(kids, fileIn(t, store, u, "kid"+string(rune('a'+i)), &parent.ID))
	}
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pos := i % 6
			if _, err := store.UpdateNode(ctx, kids[i%6].ID, media.NodeUpdate{SortOrder: &pos}, nil); err != nil {
				t.Errorf("reorder: %v", err)
			}
		}()
	}
	wg.Wait()
	items, _, err := store.Children(ctx, &parent.ID, media.ChildQuery{Take: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range items {
		if m.SortOrder != i {
			t.Fatalf("sort order %d at %d after concurrent reorders", m.SortOrder, i)
		}
	}
}
