package wp

import (
	"net/http/httptest"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

func TestViews(t *testing.T) {
	v := newViews(2)
	a := &media.Attachment{Media: &media.Media{ID: 1}}
	v.put(a, "", []byte("a"))
	if got, ok := v.get(a, ""); !ok || string(got) != "a" {
		t.Fatalf("get(a) = %q, %v", got, ok)
	}
	// The same item read again from Postgres is another pointer: a change
	// may be in it, so the kept view is not served.
	if _, ok := v.get(&media.Attachment{Media: &media.Media{ID: 1}}, ""); ok {
		t.Fatal("a view served for another read of the item")
	}
	if _, ok := v.get(a, "_fields=id"); ok {
		t.Fatal("a view served for another query")
	}
	v.put(a, "_fields=id", []byte("a-id"))
	if _, ok := v.get(a, ""); ok {
		t.Fatal("the replaced view is still served")
	}
	b, c := &media.Attachment{Media: &media.Media{ID: 2}}, &media.Attachment{Media: &media.Media{ID: 3}}
	v.put(b, "", []byte("b"))
	v.put(c, "", []byte("c"))
	if len(v.byID) != 2 {
		t.Fatalf("%d views kept, limit 2", len(v.byID))
	}
	if got, ok := v.get(c, ""); !ok || string(got) != "c" {
		t.Fatalf("get(c) = %q, %v", got, ok)
	}

	var none *views
	none.put(a, "", []byte("a"))
	if _, ok := none.get(a, ""); ok {
		t.Fatal("a nil views serves")
	}
	off := newViews(0)
	off.put(a, "", []byte("a"))
	if _, ok := off.get(a, ""); ok {
		t.Fatal("views with limit 0 keeps")
	}
}

func TestMemoizable(t *testing.T) {
	public := &media.Attachment{Media: &media.Media{ID: 1, Visibility: media.VisibilityInherit}}
	private := &media.Attachment{Media: &media.Media{ID: 1, Visibility: media.VisibilityPrivate}}
	for _, c := range []struct {
		target string
		u      *media.User
		m      *media.Attachment
		ctx    string
		want   bool
	}{
		{"/wp-json/wp/v2/media/1", nil, public, "view", true},
		{"/wp-json/wp/v2/media/1?_fields=id,title", nil, public, "view", true},
		{"/wp-json/wp/v2/media/1?_embed", nil, public, "view", false},
		{"/wp-json/wp/v2/media/1?_embed=author", nil, public, "view", false},
		{"/wp-json/wp/v2/media/1", &media.User{ID: 1}, public, "view", false},
		{"/wp-json/wp/v2/media/1", nil, private, "view", false},
		{"/wp-json/wp/v2/media/1?context=embed", nil, public, "embed", false},
	} {
		r := httptest.NewRequest("GET", c.target, nil)
		if got := memoizable(r, c.u, c.m, c.ctx); got != c.want {
			t.Errorf("memoizable(%s, user %v, %s, %s) = %v, want %v", c.target, c.u != nil, c.m.Visibility, c.ctx, got, c.want)
		}
	}
}
