package delivery

import (
	"slices"
	"testing"

	"github.com/pixelmill/pixelmill/services/media"
)

func TestParseFetch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fetch  string
		source sourceKind
		key    string
		names  []string
	}{
		{"children:/", sourceRoot, "", nil},
		{"children:///", sourceRoot, "", nil},
		{"CHILDREN:/", sourceRoot, "", nil},
		{"Children:/", sourceRoot, "", nil},
		{"children:", sourceNone, "", nil},
		{"children:  ", sourceNone, "", nil},
		// Regressions: the prefix is cut once, as a string, not as a set
		// of characters, so a key starting with "e" and "news" survive.
		{"children:eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee", sourceKey, "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee", nil},
		{"children:news", sourcePath, "", []string{"news"}},
		{"children:children:/", sourcePath, "", []string{"children:"}},
		{"children:3FA85F6457174562B3FC2C963F66AFA6", sourceKey, "3fa85f64-5717-4562-b3fc-2c963f66afa6", nil},
		{"children:/root level folder/child folder/", sourcePath, "", []string{"root level folder", "child folder"}},
		{"children:root level folder//child folder", sourcePath, "", []string{"root level folder", "child folder"}},
	}
	for _, tt := range tests {
		q := &mediaQuery{}
		if p := parseFetch(tt.fetch, q); p != nil {
			t.Errorf("%q: %s", tt.fetch, p.Title)
			continue
		}
		if q.source != tt.source || q.key != tt.key || !slices.Equal(q.names, tt.names) {
			t.Errorf("%q = source %d key %q names %q; want %d %q %q", tt.fetch, q.source, q.key, q.names, tt.source, tt.key, tt.names)
		}
	}
	for _, fetch := range []string{"", " ", "ancestors:/", "descendants:/", "children", "childrens:/", "/", "children/"} {
		if p := parseFetch(fetch, &mediaQuery{}); p != errSelector {
			t.Errorf("%q: got %v, want the selector error", fetch, p)
		}
	}
}

func TestParseFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		filters   []string
		mediaType string
		noMatch   bool
		contains  []string
	}{
		{"none", nil, "", false, nil},
		{"type", []string{"mediaType:Image"}, "Image", false, nil},
		{"type keeps case", []string{"mediaType:image"}, "image", false, nil},
		{"same type twice", []string{"mediaType:Image", "mediaType:Image"}, "Image", false, nil},
		{"two types", []string{"mediaType:Image", "mediaType:File"}, "File", true, nil},
		{"empty type", []string{"mediaType:"}, "", true, nil},
		{"name", []string{"name:SIZE"}, "", false, []string{"SIZE"}},
		{"name and type", []string{"name:size", "mediaType:Image"}, "Image", false, []string{"size"}},
		{"two names", []string{"name:a", "name:b", "name:a"}, "", false, []string{"a", "b"}},
		{"empty name", []string{"name:"}, "", false, nil},
		{"blank skipped", []string{"", " "}, "", false, nil},
	}
	for _, tt := range tests {
		q := &mediaQuery{}
		if p := parseFilters(tt.filters, q); p != nil {
			t.Errorf("%s: %s", tt.name, p.Title)
			continue
		}
		if q.mediaType != tt.mediaType || q.noMatch != tt.noMatch || !slices.Equal(q.nameContains, tt.contains) {
			t.Errorf("%s: got %+v", tt.name, q)
		}
	}
	for _, f := range []string{"foo:bar", "mediaType", "name:a:b", "MediaType:Image", "Name:x", ":x", "name"} {
		if p := parseFilters([]string{"mediaType:Image", f}, &mediaQuery{}); p != errFilter {
			t.Errorf("%q: got %v, want the filter error", f, p)
		}
	}
}

func TestParseSort(t *testing.T) {
	t.Parallel()
	asc := func(f string) media.SortKey { return media.SortKey{Field: f} }
	desc := func(f string) media.SortKey { return media.SortKey{Field: f, Desc: true} }
	tests := []struct {
		sorts []string
		want  []media.SortKey
	}{
		{nil, nil},
		{[]string{"name:asc"}, []media.SortKey{asc("name")}},
		{[]string{"name:desc"}, []media.SortKey{desc("name")}},
		// Only a direction starting with "asc", exactly, is ascending.
		{[]string{"name:ASC"}, []media.SortKey{desc("name")}},
		{[]string{"name:Asc"}, []media.SortKey{desc("name")}},
		{[]string{"name:ascending"}, []media.SortKey{asc("name")}},
		{[]string{"name:foo"}, []media.SortKey{desc("name")}},
		{[]string{"name:"}, []media.SortKey{desc("name")}},
		{[]string{"createDate:asc"}, []media.SortKey{asc("createDate")}},
		{[]string{"updateDate:desc"}, []media.SortKey{desc("updateDate")}},
		{[]string{"sortOrder:asc"}, []media.SortKey{asc("sortOrder")}},
		// The last parameter is the primary key.
		{[]string{"name:asc", "createDate:desc"}, []media.SortKey{desc("createDate"), asc("name")}},
		{[]string{"sortOrder:desc", "name:asc", "updateDate:asc"}, []media.SortKey{asc("updateDate"), asc("name"), desc("sortOrder")}},
		{[]string{"", "name:asc", " "}, []media.SortKey{asc("name")}},
	}
	for _, tt := range tests {
		q := &mediaQuery{}
		if p := parseSort(tt.sorts, q); p != nil {
			t.Errorf("%q: %s", tt.sorts, p.Title)
			continue
		}
		if !slices.Equal(q.sort, tt.want) {
			t.Errorf("%q = %+v, want %+v", tt.sorts, q.sort, tt.want)
		}
	}
	for _, s := range []string{"bogus:asc", "name", "name:asc:x", "Name:asc", "createdate:asc", ":asc"} {
		if p := parseSort([]string{"name:asc", s}, &mediaQuery{}); p != errSort {
			t.Errorf("%q: got %v, want the sort error", s, p)
		}
	}
}

func TestParseQueryOrder(t *testing.T) {
	t.Parallel()
	// Umbraco checks fetch, then filters, then sorts.
	tests := map[string]*problem{
		"filter=foo:bar&sort=bogus:asc":                  errSelector,
		"fetch=children:&filter=foo:bar&sort=bogus:asc":  errFilter,
		"fetch=children:/&sort=bogus:asc&filter=name:ok": errSort,
	}
	for query, want := range tests {
		if _, p := parseQuery(parseParams(query)); p != want {
			t.Errorf("%s: got %v, want %s", query, p, want.Title)
		}
	}
	q, p := parseQuery(parseParams("fetch=children:/&filter=mediaType:Image&filter=name:size&sort=name:asc"))
	if p != nil || q.source != sourceRoot || q.mediaType != "Image" || !slices.Equal(q.nameContains, []string{"size"}) || len(q.sort) != 1 {
		t.Errorf("got %+v, %v", q, p)
	}
}

func TestPage(t *testing.T) {
	t.Parallel()
	tests := []struct{ skip, take, wantSkip, wantTake int }{
		{0, 10, 0, 10},
		{-5, 10, 0, 10},
		{10, 5, 10, 5},
		{0, -1, 0, 0},
		{0, 0, 0, 0},
		{0, 5000, 0, maxTake},
	}
	for _, tt := range tests {
		if s, k := page(tt.skip, tt.take); s != tt.wantSkip || k != tt.wantTake {
			t.Errorf("page(%d, %d) = %d, %d; want %d, %d", tt.skip, tt.take, s, k, tt.wantSkip, tt.wantTake)
		}
	}
}
