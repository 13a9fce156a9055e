package media

import "time"

// Filter selects and orders items for a list. Empty fields don't filter.
type Filter struct {
	Search        string
	SearchColumns []string // title, caption, description; empty = all plus the file name
	// SearchExact matches the title exactly (search_semantics=exact).
	SearchExact bool
	After       *time.Time
	Before      *time.Time
	ModAfter    *time.Time
	ModBefore   *time.Time
	Authors     []int64
	AuthorsNot  []int64
	IDs         []int64
	IDsNot      []int64
	// Parents selects by attached post; 0 means unattached.
	Parents    []int64
	ParentsNot []int64
	Slugs      []string
	// Visibilities defaults to inherit only.
	Visibilities []Visibility
	// MIMEs and MIMEPrefixes (e.g. "image/") combine as a union.
	MIMEs        []string
	MIMEPrefixes []string
	// Folder, when set, keeps the items directly in that folder of the
	// media tree (a folder's row id); InRootFolder keeps those at the top.
	Folder       *int64
	InRootFolder bool
	// Statuses, when set, keeps the items in one of these processing
	// statuses (processing, ready, failed).
	Statuses []Status
	// APIKeyID, when set, keeps only the items of that key's library.
	APIKeyID *int64
	// IncludeUploading lists presigned uploads not yet completed, which
	// only their key's library shows.
	IncludeUploading bool
	// MatchNothing is set when a type filter was given but no type can
	// match it, so the list is empty.
	MatchNothing bool

	OrderBy Order
	Desc    bool
	Offset  int
	Limit   int
}

// Order is a list's sort key.
type Order string

// The sort keys WordPress offers for media.
const (
	OrderDate         Order = "date"
	OrderAuthor       Order = "author"
	OrderID           Order = "id"
	OrderInclude      Order = "include"
	OrderModified     Order = "modified"
	OrderParent       Order = "parent"
	OrderRelevance    Order = "relevance"
	OrderSlug         Order = "slug"
	OrderIncludeSlugs Order = "include_slugs"
	OrderTitle        Order = "title"
)
