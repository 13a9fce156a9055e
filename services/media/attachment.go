package media

// Attachment is an item as WordPress holds it: the asset, and the fields
// of its attachment post, which WordPress's own table keeps
// (wp_attachments). Every item has them, whichever dialect made it, as
// every item is in WordPress's media library.
type Attachment struct {
	*Media
	AttachmentFields
}

// AttachmentFields are WordPress's fields of an attachment post.
type AttachmentFields struct {
	// PostID is the post the item is attached to; nil when unattached.
	PostID      *int64
	Caption     string
	Description string
	AltText     string
	// Slug is unique among items; a new item's is made from the one asked
	// for, its title or its stem (SlugBase), with WordPress's numeric
	// suffix when taken.
	Slug string
	// CommentStatus, PingStatus and Template are WordPress's discussion
	// settings and page template, kept as given; a new item's empty
	// discussion settings take WordPress's defaults (open, closed).
	CommentStatus string
	PingStatus    string
	Template      string
}

// AttachmentUpdate is a change to an attachment's fields; nil fields stay
// as they are.
type AttachmentUpdate struct {
	Caption     *string
	Description *string
	AltText     *string
	Slug        *string
	// PostID sets the attached post; a pointer to 0 detaches.
	PostID        *int64
	CommentStatus *string
	PingStatus    *string
	Template      *string
}

// Facets are what the dialects keep of a new item beside its asset,
// written with it in one transaction.
type Facets struct {
	// Post is WordPress's; nil takes its defaults. The store fills it
	// with what it recorded (the slug made unique, the defaults).
	Post *AttachmentFields
	// Place is Umbraco's; nil puts the item at the root.
	Place *Placement
}
