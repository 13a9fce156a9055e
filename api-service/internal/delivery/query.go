package delivery

import (
	"slices"
	"strings"

	"github.com/pixelmill/pixelmill/services/media"
)

// The Delivery API's query errors, as Umbraco's media controllers word
// them.
var (
	errSelector = &problem{Type: "Error", Title: "Selector option not found",
		Detail: "The attempted 'fetch' option does not exist", Status: 400}
	errFilter = &problem{Type: "Error", Title: "Filter option not found",
		Detail: "One of the attempted 'filter' options does not exist", Status: 400}
	errSort = &problem{Type: "Error", Title: "Sort option not found",
		Detail: "One of the attempted 'sort' options does not exist", Status: 400}
)

// Take bounds. Umbraco documents no maximum for take, but every item of a
// page is rendered with its files, so a page is capped to protect the
// server: a larger take is silently served as maxTake, and a client paging
// by take still sees the right total.
const (
	defaultTake = 10
	maxTake     = 1000
)

// sourceKind says whose children a query lists.
type sourceKind int

const (
	sourceNone sourceKind = iota // "children:" with nothing after it: no items
	sourceRoot                   // "children:/": the items at the root
	sourceKey                    // "children:{guid}"
	sourcePath                   // "children:/name/name/"
)

// mediaQuery is a parsed D4 query: whose children, filtered and sorted how.
type mediaQuery struct {
	source sourceKind
	key    string   // sourceKey: the parent's key, canonical
	names  []string // sourcePath: the names from the root
	// mediaType is the one alias every item must have; noMatch is set when
	// the filters can't all hold (two different aliases, or an empty one).
	mediaType string
	noMatch   bool
	// nameContains are the name filters, ANDed; empty ones are dropped,
	// since every name contains "".
	nameContains []string
	// sort is the store's order: primary key first. The request's last
	// sort parameter comes first here (see parseSort).
	sort []media.SortKey
}

// parseFetch reads fetch as Umbraco's ApiMediaQueryService does. It must
// start with "children:", ignoring case; anything else (missing,
// "ancestors:", "descendants:") is the selector error. The prefix is cut
// once, as a string: .NET 9 once resolved Umbraco's TrimStart("children:")
// to character-set trimming, which ate the leading "e" of keys like
// "eeeeeeee-…" and turned "news" into "ws".
func parseFetch(fetch string, q *mediaQuery) *problem {
	const prefix = "children:"
	if len(fetch) < len(prefix) || !strings.EqualFold(fetch[:len(prefix)], prefix) {
		return errSelector
	}
	rest := fetch[len(prefix):]
	switch {
	case strings.TrimSpace(rest) == "":
		// Umbraco answers no items here, mirroring the content API.
		q.source = sourceNone
	case strings.Trim(rest, "/") == "":
		q.source = sourceRoot
	default:
		if key, ok := parseGUID(rest); ok {
			q.source, q.key = sourceKey, key
		} else {
			q.source, q.names = sourcePath, splitPath(rest)
		}
	}
	return nil
}

// splitPath splits a name path on '/', dropping empty segments, so leading,
// trailing and doubled slashes don't matter.
func splitPath(p string) []string {
	var names []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			names = append(names, s)
		}
	}
	return names
}

// parseFilters reads the filter parameters, which are ANDed. Each must
// split on ':' into exactly two parts, so a value with a second colon is an
// error; the keys are mediaType (the exact, case-sensitive alias) and name
// (a case-insensitive substring). Blank values are skipped: ASP.NET binds
// them as null, and Umbraco's first implementation skipped them.
func parseFilters(filters []string, q *mediaQuery) *problem {
	for _, f := range filters {
		if strings.TrimSpace(f) == "" {
			continue
		}
		parts := strings.Split(f, ":")
		if len(parts) != 2 {
			return errFilter
		}
		switch v := parts[1]; parts[0] {
		case "mediaType":
			if v == "" || (q.mediaType != "" && q.mediaType != v) {
				q.noMatch = true
			}
			q.mediaType = v
		case "name":
			if v != "" && !slices.Contains(q.nameContains, v) {
				q.nameContains = append(q.nameContains, v)
			}
		default:
			return errFilter
		}
	}
	return nil
}

// sortFields are the sort keys Umbraco knows, spelled exactly.
var sortFields = []string{"createDate", "updateDate", "name", "sortOrder"}

// parseSort reads the sort parameters. Each must split on ':' into exactly
// two parts with a known key. A direction starting with "asc" (exactly, so
// not "ASC") is ascending and anything else descending. Umbraco applies
// each sort as a fresh stable OrderBy, so the last parameter is the
// primary key and earlier ones only break its ties: the keys are returned
// in reverse, primary first, as the store's ORDER BY wants them. Blank
// values are skipped, as for filters.
func parseSort(sorts []string, q *mediaQuery) *problem {
	var keys []media.SortKey
	for _, s := range sorts {
		if strings.TrimSpace(s) == "" {
			continue
		}
		parts := strings.Split(s, ":")
		if len(parts) != 2 || !slices.Contains(sortFields, parts[0]) {
			return errSort
		}
		keys = append(keys, media.SortKey{Field: parts[0], Desc: !strings.HasPrefix(parts[1], "asc")})
	}
	slices.Reverse(keys)
	q.sort = keys
	return nil
}

// parseQuery reads fetch, filter and sort, in the order Umbraco checks
// them.
func parseQuery(ps params) (*mediaQuery, *problem) {
	q := &mediaQuery{}
	// A blank fetch binds as null in ASP.NET: the selector error.
	fetch, _ := ps.first("fetch")
	if p := parseFetch(fetch, q); p != nil {
		return nil, p
	}
	if p := parseFilters(ps.list("filter"), q); p != nil {
		return nil, p
	}
	if p := parseSort(ps.list("sort"), q); p != nil {
		return nil, p
	}
	return q, nil
}

// page is the skip and take of a query as the store takes them: a negative
// skip acts as 0 and a negative take gives an empty page, as LINQ's Skip
// and Take do; take is capped at maxTake.
func page(skip, take int) (int, int) {
	return max(skip, 0), min(max(take, 0), maxTake)
}
