package media

import "time"

// Post is a WordPress post or page that media can be attached to. Pixelmill
// keeps only what attachment rules need: its type (uploads to a post go to
// the post's year/month folder), its status and author (an attachment is as
// readable as its post).
type Post struct {
	ID       int64
	Type     string // "post" or "page"
	Status   string // publish, future, draft, pending, private
	AuthorID int64
	Title    string
	Date     time.Time
}

// Readable reports whether u may read the post: published posts are
// public; others need their author or edit_others_posts.
func (p *Post) Readable(u *User) bool {
	return p.Status == "publish" || u != nil && (u.CanEditOthers() || u.ID == p.AuthorID && u.CanEditPosts())
}

// Editable reports WordPress's edit_post on the post for u.
func (p *Post) Editable(u *User) bool {
	return u != nil && (u.CanEditOthers() || u.ID == p.AuthorID && u.CanEditPosts())
}
