package media

import "testing"

// TestCan is the access table: every role and credential against public
// and private items, attached or not, of WordPress and of a /v1 library.
func TestCan(t *testing.T) {
	const owner, other, key, otherKey = 10, 20, 7, 8
	user := func(id int64, r Role) *User { return &User{ID: id, Role: r} }
	admin, editor := user(other, RoleAdministrator), user(other, RoleEditor)
	author, otherAuthor := user(owner, RoleAuthor), user(other, RoleAuthor)
	contributor, subscriber := user(owner, RoleContributor), user(owner, RoleSubscriber)
	k := int64(key)
	item := func(v Visibility, lib bool) *Media {
		m := &Media{AuthorID: owner, Visibility: v, Status: StatusReady}
		if lib {
			m.APIKeyID = &k
		}
		return m
	}
	published := &Post{Status: "publish", AuthorID: other}
	draft := &Post{Status: "draft", AuthorID: other}
	ownDraft := &Post{Status: "draft", AuthorID: owner}

	type want struct{ read, edit, files, derive, public bool }
	for _, tc := range []struct {
		name   string
		caller Caller
		m      *Media
		parent *Post
		want   want
	}{
		// Public WordPress items: anyone reads; authors edit their own.
		{"anonymous, public", Caller{}, item(VisibilityInherit, false), nil, want{true, false, true, true, true}},
		{"subscriber owner, public", Caller{User: subscriber}, item(VisibilityInherit, false), nil, want{true, false, true, true, true}},
		{"contributor owner, public", Caller{User: contributor}, item(VisibilityInherit, false), nil, want{true, false, true, true, true}},
		{"author owner, public", Caller{User: author}, item(VisibilityInherit, false), nil, want{true, true, true, true, true}},
		{"other author, public", Caller{User: otherAuthor}, item(VisibilityInherit, false), nil, want{true, false, true, true, true}},
		{"editor, public", Caller{User: editor}, item(VisibilityInherit, false), nil, want{true, true, true, true, true}},
		{"administrator, public", Caller{User: admin}, item(VisibilityInherit, false), nil, want{true, true, true, true, true}},
		// Private items: edit rights read them; the files also go to
		// their author and to a signed URL.
		{"anonymous, private", Caller{}, item(VisibilityPrivate, false), nil, want{false, false, false, false, false}},
		{"signed, private", Caller{Signed: true}, item(VisibilityPrivate, false), nil, want{false, false, true, false, false}},
		{"subscriber owner, private", Caller{User: subscriber}, item(VisibilityPrivate, false), nil, want{false, false, true, false, false}},
		{"contributor owner, private", Caller{User: contributor}, item(VisibilityPrivate, false), nil, want{false, false, true, false, false}},
		{"author owner, private", Caller{User: author}, item(VisibilityPrivate, false), nil, want{true, true, true, false, false}},
		{"other author, private", Caller{User: otherAuthor}, item(VisibilityPrivate, false), nil, want{false, false, false, false, false}},
		{"editor, private", Caller{User: editor}, item(VisibilityPrivate, false), nil, want{true, true, true, false, false}},
		{"administrator, private", Caller{User: admin}, item(VisibilityPrivate, false), nil, want{true, true, true, false, false}},
		// Attached items are as readable as their post; files stay public.
		{"anonymous, on a published post", Caller{}, item(VisibilityInherit, false), published, want{true, false, true, true, true}},
		{"anonymous, on a draft", Caller{}, item(VisibilityInherit, false), draft, want{false, false, true, true, true}},
		{"other author, on a draft", Caller{User: otherAuthor}, item(VisibilityInherit, false), draft, want{true, false, true, true, true}},
		{"author owner, on another's draft", Caller{User: author}, item(VisibilityInherit, false), draft, want{false, true, true, true, true}},
		{"author owner, on own draft", Caller{User: author}, item(VisibilityInherit, false), ownDraft, want{true, true, true, true, true}},
		{"editor, on a draft", Caller{User: editor}, item(VisibilityInherit, false), draft, want{true, true, true, true, true}},
		// A /v1 library: its key reads and edits it, no other key; its
		// public files are fetched by anyone, but nobody derives from it.
		{"own key, library", Caller{KeyID: key}, item(VisibilityInherit, true), nil, want{true, true, true, false, true}},
		{"other key, library", Caller{KeyID: otherKey}, item(VisibilityInherit, true), nil, want{false, false, true, false, true}},
		{"own key, private library item", Caller{KeyID: key}, item(VisibilityPrivate, true), nil, want{true, true, false, false, false}},
		{"key, WordPress item", Caller{KeyID: key}, item(VisibilityInherit, false), nil, want{false, false, true, true, true}},
		{"anonymous, library item by WordPress", Caller{}, item(VisibilityInherit, true), nil, want{true, false, true, false, true}},
		{"editor, library item by WordPress", Caller{User: editor}, item(VisibilityInherit, true), nil, want{true, true, true, false, true}},
		// Trashed is not public; an upload in progress is not derived.
		{"anonymous, trashed", Caller{}, item(VisibilityTrash, false), nil, want{false, false, false, false, false}},
		{"anonymous, uploading", Caller{}, &Media{AuthorID: owner, Visibility: VisibilityInherit, Status: StatusUploading}, nil, want{true, false, true, false, true}},
	} {
		a := Can(tc.caller, tc.m, tc.parent)
		got := want{a.Read, a.Edit, a.Files, a.Derive, a.Public}
		if got != tc.want {
			t.Errorf("%s: read/edit/files/derive/public = %v, want %v", tc.name, got, tc.want)
		}
	}
}
