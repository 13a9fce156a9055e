package wp

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

// Posts is what the dialect needs of the post store. Pixelmill is not a
// CMS: posts and pages exist so that media can be attached to them with
// WordPress's rules (readability, permissions, month folders).
type Posts interface {
	CreatePost(ctx context.Context, p *media.Post) error
	FindPostByID(ctx context.Context, id int64) (*media.Post, error)
	FindPosts(ctx context.Context, ids []int64) (map[int64]*media.Post, error)
	DeletePost(ctx context.Context, id int64) error
}

func (h *Handler) postJSON(p *media.Post) object {
	base := "posts"
	if p.Type == "page" {
		base = "pages"
	}
	return object{
		{"id", p.ID, ""},
		{"date", h.localDate(p.Date), ""},
		{"date_gmt", wpDate(p.Date), ""},
		{"slug", media.Slugify(p.Title), ""},
		{"status", p.Status, ""},
		{"type", p.Type, ""},
		{"link", fmt.Sprintf("%s/?p=%d", h.publicURL, p.ID), ""},
		{"title", object{{"raw", p.Title, ""}, {"rendered", p.Title, ""}}, ""},
		{"author", p.AuthorID, ""},
		{"_links", object{{"self", []object{{{"href", fmt.Sprintf("%s/wp-json/wp/v2/%s/%d", h.publicURL, base, p.ID), ""}}}, ""}}, ""},
	}
}

// handlePostCreate is a minimal POST /wp/v2/posts and /pages: title, status
// and date, with WordPress's edit_posts and publish_posts checks.
func (h *Handler) handlePostCreate(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals, err := requestValues(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		u, err := h.user(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if !u.CanEditPosts() {
			h.writeError(w, r, errorf(authRequired(u), "rest_cannot_create", "Sorry, you are not allowed to create posts as this user."))
			return
		}
		p := &media.Post{Type: typ, Status: "draft", AuthorID: u.ID}
		pp := newParams(nil)
		if t := stringField(pp, vals, "title"); t != nil {
			p.Title = kses(u, *t, true)
		}
		if st := stringField(pp, vals, "status"); st != nil {
			switch *st {
			case "publish", "future", "draft", "pending", "private":
				p.Status = *st
			default:
				pp.fail("status", "rest_not_in_enum", "status is not one of publish, future, draft, pending, and private.")
			}
		}
		if d := stringField(pp, vals, "date"); d != nil {
			if t, ok := parseDate(*d, h.loc); ok {
				p.Date = t
			} else {
				pp.fail("date", "rest_invalid_date", "Invalid date.")
			}
		}
		if err := pp.err(); err != nil {
			h.writeError(w, r, err)
			return
		}
		if (p.Status == "publish" || p.Status == "private" || p.Status == "future") && !u.CanUpload() {
			h.writeError(w, r, errorf(authRequired(u), "rest_cannot_publish", "Sorry, you are not allowed to publish posts in this post type."))
			return
		}
		if err := h.posts.CreatePost(r.Context(), p); err != nil {
			h.writeError(w, r, err)
			return
		}
		h.headers(w)
		httpx.WriteJSON(w, http.StatusCreated, h.postJSON(p))
	}
}

// postFromPath loads the post or page {id} names, of type typ.
func (h *Handler) postFromPath(r *http.Request, typ string) (*media.Post, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errorf(http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
	}
	p, err := h.posts.FindPostByID(r.Context(), id)
	if err != nil || p.Type != typ {
		return nil, errorf(http.StatusNotFound, "rest_post_invalid_id", "Invalid post ID.")
	}
	return p, nil
}

func (h *Handler) handlePostGet(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := h.user(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		p, err := h.postFromPath(r, typ)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if !p.Readable(u) {
			h.writeError(w, r, errorf(authRequired(u), "rest_forbidden", "Sorry, you are not allowed to do that."))
			return
		}
		h.headers(w)
		httpx.WriteJSON(w, http.StatusOK, h.postJSON(p))
	}
}

func (h *Handler) handlePostDelete(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		vals, err := requestValues(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		u, err := h.user(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		p, err := h.postFromPath(r, typ)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if !p.Editable(u) {
			h.writeError(w, r, errorf(authRequired(u), "rest_cannot_delete", "Sorry, you are not allowed to delete this post."))
			return
		}
		if !truthy(vals["force"]) {
			h.writeError(w, r, errorf(http.StatusNotImplemented, "rest_trash_not_supported", "Pixelmill keeps no trash. Set 'force=true' to delete."))
			return
		}
		previous := h.postJSON(p)
		if err := h.posts.DeletePost(r.Context(), p.ID); err != nil {
			h.writeError(w, r, err)
			return
		}
		h.headers(w)
		httpx.WriteJSON(w, http.StatusOK, object{{"deleted", true, ""}, {"previous", previous, ""}})
	}
}

// readableMedia reports whether u may read m in view or embed context: an
// attachment is as readable as its post; one without a post, or whose post
// is gone, is readable; a private one needs edit rights (spec §3, §4).
func (h *Handler) readableMedia(u *media.User, m *media.Attachment, parents map[int64]*media.Post) bool {
	var parent *media.Post
	if m.PostID != nil {
		parent = parents[*m.PostID]
	}
	return media.Can(media.Caller{User: u}, m.Media, parent).Read
}

// parentsOf loads the posts the items are attached to.
func (h *Handler) parentsOf(ctx context.Context, items ...*media.Attachment) (map[int64]*media.Post, error) {
	var ids []int64
	for _, m := range items {
		if m.PostID != nil {
			ids = append(ids, *m.PostID)
		}
	}
	if len(ids) == 0 {
		return map[int64]*media.Post{}, nil
	}
	return h.posts.FindPosts(ctx, ids)
}
