package media

// Caller is who asks for an item, as its credentials say. At most one of
// User and KeyID is set: a WordPress user (application password, basic
// auth) or a /v1 API key; neither is the public.
type Caller struct {
	User  *User
	KeyID int64 // the /v1 API key's id; 0 for none
	// Signed: the request carries a valid, unexpired signature for the
	// file it asks for (a signed URL of a private item's file).
	Signed bool
}

// Access is what a caller may do with one item.
type Access struct {
	// Read: see the item and its metadata (WordPress's view and embed
	// contexts, /v1's GET, the event stream of a /v1 key).
	Read bool
	// Edit: change or delete it (WordPress's edit_post and delete_post,
	// which agree for attachments; /v1's PATCH and DELETE).
	Edit bool
	// Files: fetch its stored files (original, sizes, crops) by URL.
	Files bool
	// Derive: have renditions made of it on request (image URL
	// parameters), which costs a worker's time: public WordPress and
	// Umbraco items only, never a /v1 library's, never before the upload
	// is complete.
	Derive bool
	// Public: anyone may read it, so the public Delivery API shows it and
	// an anonymous answer about it may be shared between readers.
	Public bool
}

// Can is the one access decision of Pixelmill: every dialect and file
// route asks it. parent is the post the item is attached to, when it is
// attached and the post exists (nil otherwise); only the WordPress rules
// read it.
//
//   - A /v1 key reads and edits its own library's items, and no other.
//   - A WordPress user, or the public, reads an item as WordPress reads an
//     attachment: a private one needs edit rights; one attached to a post
//     is as readable as the post; any other is public. Edit rights are
//     edit_others_posts, or upload_files on one's own item.
//   - A private item's files are fetched by its author, by whoever may edit
//     others' items (read_private_posts) or through a signed URL; any other
//     item's files by anyone, as WordPress serves wp-content/uploads.
func Can(c Caller, m *Media, parent *Post) Access {
	public := m.Visibility == VisibilityInherit
	a := Access{
		Public: public,
		Derive: public && m.APIKeyID == nil && m.Status != StatusUploading,
		Files:  public || c.Signed || c.User != nil && (c.User.CanEditOthers() || c.User.ID == m.AuthorID),
	}
	if c.KeyID != 0 {
		a.Read = m.APIKeyID != nil && *m.APIKeyID == c.KeyID
		a.Edit = a.Read
		return a
	}
	u := c.User
	a.Edit = u != nil && (u.CanEditOthers() || u.CanUpload() && u.ID == m.AuthorID)
	switch {
	case !public:
		a.Read = a.Edit
	case parent != nil:
		a.Read = parent.Readable(u)
	default:
		a.Read = true
	}
	return a
}
