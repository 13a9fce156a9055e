package wp

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/pixelmill/pixelmill/api-service/internal/core"
	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
)

// Users is what the dialect needs of the user store.
type Users interface {
	FindUserByID(ctx context.Context, id int64) (*media.User, error)
	FindUserByLogin(ctx context.Context, login string) (*media.User, error)
	FindUsers(ctx context.Context, search string, publishedOnly bool, limit, offset int) ([]*media.User, int, error)
	HasPublishedPosts(ctx context.Context, userID int64) (bool, error)
	RenameAppPassword(ctx context.Context, userID int64, uuid, name string) error
	FindAppPasswords(ctx context.Context, userID int64) ([]media.AppPassword, error)
}

// userJSON is WordPress's user object; edit context adds the private fields.
func (h *Handler) userJSON(u *media.User) object {
	name := u.DisplayName
	if name == "" {
		name = u.Login
	}
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(u.Email))))
	avatar := "https://secure.gravatar.com/avatar/" + hex.EncodeToString(sum[:])
	caps := object{}
	for _, c := range capabilities(u) {
		caps = append(caps, field{c, true, ""})
	}
	return object{
		{"id", u.ID, "vem"},
		{"username", u.Login, "e"},
		{"name", name, "vem"},
		{"first_name", "", "e"},
		{"last_name", "", "e"},
		{"email", u.Email, "e"},
		{"url", "", "vem"},
		{"description", "", "vem"},
		{"link", fmt.Sprintf("%s/?author=%d", h.publicURL, u.ID), "vem"},
		{"locale", "en_US", "e"},
		{"nickname", u.Login, "e"},
		{"slug", media.Slugify(u.Login), "vem"},
		{"roles", []string{string(u.Role)}, "e"},
		{"capabilities", caps, "e"},
		{"extra_capabilities", object{{string(u.Role), true, ""}}, "e"},
		{"avatar_urls", object{{"24", avatar + "?s=24", ""}, {"48", avatar + "?s=48", ""}, {"96", avatar + "?s=96", ""}}, "vem"},
		{"meta", []any{}, "ve"},
		{"_links", object{
			{"self", []object{{{"href", fmt.Sprintf("%s/wp-json/wp/v2/users/%d", h.publicURL, u.ID), ""}}}, ""},
			{"collection", []object{{{"href", h.publicURL + "/wp-json/wp/v2/users", ""}}}, ""},
		}, "vem"},
	}
}

// capabilities lists the WordPress capabilities of the user's role that
// Pixelmill's media routes check.
func capabilities(u *media.User) []string {
	caps := []string{"read"}
	if u.CanEditPosts() {
		caps = append(caps, "edit_posts", "delete_posts")
	}
	if u.CanUpload() {
		caps = append(caps, "upload_files", "publish_posts")
	}
	if u.CanEditOthers() {
		caps = append(caps, "edit_others_posts", "delete_others_posts", "read_private_posts")
	}
	if u.CanManageUsers() {
		caps = append(caps, "create_users", "edit_users", "delete_users", "list_users", "unfiltered_html")
	}
	return caps
}

// userFromPath resolves {id} of the users routes ("me" is the caller).
func (h *Handler) userFromPath(r *http.Request, caller *media.User) (*media.User, error) {
	raw := r.PathValue("id")
	if raw == "me" {
		if caller == nil {
			return nil, errorf(http.StatusUnauthorized, "rest_not_logged_in", "You are not currently logged in.")
		}
		return caller, nil
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, errorf(http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
	}
	u, err := h.users.FindUserByID(r.Context(), id)
	if err != nil {
		return nil, errorf(http.StatusNotFound, "rest_user_invalid_id", "Invalid user ID.")
	}
	return u, nil
}

// callerAndTarget authenticates the request and resolves the user its
// path names.
func (h *Handler) callerAndTarget(r *http.Request) (caller, target *media.User, err error) {
	if caller, err = h.user(r); err != nil {
		return nil, nil, err
	}
	target, err = h.userFromPath(r, caller)
	return caller, target, err
}

func (h *Handler) handleUserList(w http.ResponseWriter, r *http.Request) {
	caller, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p := newParams(vals)
	ctx := p.enum("context", "view", "view", "embed", "edit")
	page := p.integer("page", 1, 1, 0)
	perPage := p.integer("per_page", 10, 1, 100)
	search := p.scalar("search", "string")
	if err := p.err(); err != nil {
		h.writeError(w, r, err)
		return
	}
	if ctx == "edit" && !caller.CanManageUsers() {
		h.writeError(w, r, errorf(authRequired(caller), "rest_forbidden_context", "Sorry, you are not allowed to list users."))
		return
	}
	// Without list_users, WordPress lists only authors of published posts.
	users, total, err := h.users.FindUsers(r.Context(), search, !caller.CanManageUsers(), perPage, (page-1)*perPage)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]any, 0, len(users))
	for _, u := range users {
		out = append(out, h.userJSON(u).filter(ctx))
	}
	h.headers(w)
	w.Header().Set("X-WP-Total", strconv.Itoa(total))
	w.Header().Set("X-WP-TotalPages", strconv.Itoa((total+perPage-1)/perPage))
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) handleUserGet(w http.ResponseWriter, r *http.Request) {
	caller, u, err := h.callerAndTarget(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	ctx, err := contextParam(vals)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	self := caller != nil && caller.ID == u.ID
	if !self && !caller.CanManageUsers() {
		public, err := h.users.HasPublishedPosts(r.Context(), u.ID)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		if !public || ctx == "edit" {
			h.writeError(w, r, errorf(authRequired(caller), "rest_user_cannot_view", "Sorry, you are not allowed to list users."))
			return
		}
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, h.userJSON(u).filter(ctx))
}

// handleUserCreate is POST /wp/v2/users: administrators create users with
// a role (username, email and password required).
func (h *Handler) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	var missing []string
	for _, k := range []string{"username", "email", "password"} {
		if s, _ := vals[k].(string); s == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		h.writeError(w, r, &restError{status: http.StatusBadRequest, code: "rest_missing_callback_param",
			message: "Missing parameter(s): " + strings.Join(missing, ", ")})
		return
	}
	caller, err := h.user(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !caller.CanManageUsers() {
		h.writeError(w, r, errorf(authRequired(caller), "rest_cannot_create_user", "Sorry, you are not allowed to create new users."))
		return
	}
	role := media.RoleSubscriber
	if roles, ok := vals["roles"]; ok {
		var list []string
		switch t := roles.(type) {
		case string:
			list = strings.Split(t, ",")
		case []any:
			for _, v := range t {
				list = append(list, fmt.Sprint(v))
			}
		}
		if len(list) > 0 {
			role = media.Role(strings.TrimSpace(list[0]))
		}
	}
	name, _ := vals["name"].(string)
	u := &media.User{Login: vals["username"].(string), Email: vals["email"].(string), DisplayName: name, Role: role}
	if err := h.accounts.CreateUser(r.Context(), u, vals["password"].(string)); err != nil {
		if media.ErrorCode(err) == media.CodeConflict {
			err = errorf(http.StatusBadRequest, "existing_user_login", "Sorry, that username already exists!")
		}
		h.writeError(w, r, accountError(err))
		return
	}
	h.headers(w)
	w.Header().Set("Location", fmt.Sprintf("%s/wp-json/wp/v2/users/%d", h.publicURL, u.ID))
	httpx.WriteJSON(w, http.StatusCreated, h.userJSON(u).filter("edit"))
}

func (h *Handler) handleUserUpdate(w http.ResponseWriter, r *http.Request) {
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	caller, u, err := h.callerAndTarget(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if _, ok := vals["roles"]; ok && !caller.CanManageUsers() {
		// WordPress checks promote_user before edit_user.
		h.writeError(w, r, errorf(authRequired(caller), "rest_cannot_edit_roles", "Sorry, you are not allowed to edit roles of this user."))
		return
	}
	self := caller != nil && caller.ID == u.ID
	if !caller.CanManageUsers() && !self {
		h.writeError(w, r, errorf(authRequired(caller), "rest_cannot_edit", "Sorry, you are not allowed to edit this user."))
		return
	}
	var upd core.UserChange
	if v, ok := vals["email"].(string); ok {
		upd.Email = &v
	}
	if v, ok := vals["name"].(string); ok {
		upd.DisplayName = &v
	}
	if v, ok := vals["password"].(string); ok {
		upd.Password = v
	}
	if roles, ok := vals["roles"]; ok {
		var role media.Role
		switch t := roles.(type) {
		case string:
			role = media.Role(strings.Split(t, ",")[0])
		case []any:
			if len(t) > 0 {
				role = media.Role(fmt.Sprint(t[0]))
			}
		}
		upd.Role = &role
	}
	u, err = h.accounts.UpdateUser(r.Context(), u.ID, upd)
	if err != nil {
		h.writeError(w, r, accountError(err))
		return
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, h.userJSON(u).filter("edit"))
}

// handleUserDelete needs force=true and reassign, as WordPress's does.
func (h *Handler) handleUserDelete(w http.ResponseWriter, r *http.Request) {
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	p := newParams(nil)
	reassign := intField(p, vals, "reassign")
	if reassign == nil {
		h.writeError(w, r, &restError{status: http.StatusBadRequest, code: "rest_missing_callback_param", message: "Missing parameter(s): reassign"})
		return
	}
	if err := p.err(); err != nil {
		h.writeError(w, r, err)
		return
	}
	caller, u, err := h.callerAndTarget(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !caller.CanManageUsers() {
		h.writeError(w, r, errorf(authRequired(caller), "rest_user_cannot_delete", "Sorry, you are not allowed to delete this user."))
		return
	}
	if !truthy(vals["force"]) {
		h.writeError(w, r, errorf(http.StatusNotImplemented, "rest_trash_not_supported", "Users do not support trashing. Set 'force' to true to delete."))
		return
	}
	previous := h.userJSON(u).filter("edit")
	if err := h.accounts.DeleteUser(r.Context(), u.ID, *reassign); err != nil {
		h.writeError(w, r, accountError(err))
		return
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, object{{"deleted", true, ""}, {"previous", previous, ""}})
}

// appPasswordJSON is WordPress's application-password object.
func appPasswordJSON(p media.AppPassword) object {
	var lastUsed any
	if p.LastUsedAt != nil {
		lastUsed = wpDate(*p.LastUsedAt)
	}
	var lastIP any
	if p.LastIP != "" {
		lastIP = p.LastIP
	}
	return object{
		{"uuid", p.UUID, ""}, {"app_id", p.AppID, ""}, {"name", p.Name, ""},
		{"created", wpDate(p.CreatedAt), ""}, {"last_used", lastUsed, ""}, {"last_ip", lastIP, ""},
	}
}

// appPasswordTarget authenticates and resolves the user whose application
// passwords are managed: themselves, or anyone for an administrator. code
// is WordPress 5.7+'s refusal for the action (list, create, read, edit,
// delete one, delete all).
func (h *Handler) appPasswordTarget(w http.ResponseWriter, r *http.Request, code string) (*media.User, bool) {
	caller, u, err := h.callerAndTarget(r)
	if err != nil {
		h.writeError(w, r, err)
		return nil, false
	}
	// (Anonymous on /users/me/… was answered rest_not_logged_in above.)
	if caller == nil || u.ID != caller.ID && !caller.CanManageUsers() {
		h.writeError(w, r, errorf(authRequired(caller), code, "Sorry, you are not allowed to manage application passwords for this user."))
		return nil, false
	}
	return u, true
}

// handleAppPasswordCreate makes a new application password and shows it
// once, in WordPress's four-letter groups.
func (h *Handler) handleAppPasswordCreate(w http.ResponseWriter, r *http.Request) {
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	name, _ := vals["name"].(string)
	if strings.TrimSpace(name) == "" {
		h.writeError(w, r, &restError{status: http.StatusBadRequest, code: "rest_missing_callback_param", message: "Missing parameter(s): name"})
		return
	}
	u, ok := h.appPasswordTarget(w, r, "rest_cannot_create_application_passwords")
	if !ok {
		return
	}
	password := newAppPassword()
	appID, _ := vals["app_id"].(string)
	p := media.AppPassword{UUID: uuid.NewString(), UserID: u.ID, AppID: appID, Name: sanitizeText(name)}
	if err := h.accounts.CreateAppPassword(r.Context(), &p, password); err != nil {
		h.writeError(w, r, err)
		return
	}
	out := appPasswordJSON(p)
	out = append(out, field{"password", chunk(password), ""})
	h.headers(w)
	httpx.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handler) handleAppPasswordList(w http.ResponseWriter, r *http.Request) {
	u, ok := h.appPasswordTarget(w, r, "rest_cannot_list_application_passwords")
	if !ok {
		return
	}
	list, err := h.users.FindAppPasswords(r.Context(), u.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]any, 0, len(list))
	for _, p := range list {
		out = append(out, appPasswordJSON(p))
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) handleAppPasswordDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("uuid")
	code := "rest_cannot_delete_application_passwords"
	if id != "" {
		code = "rest_cannot_delete_application_password"
	}
	u, ok := h.appPasswordTarget(w, r, code)
	if !ok {
		return
	}
	if id != "" {
		if _, err := uuid.Parse(id); err != nil {
			h.writeError(w, r, errorf(http.StatusNotFound, "application_password_not_found", "Could not find an application password with that id."))
			return
		}
	}
	var previous object
	if id != "" {
		list, _ := h.users.FindAppPasswords(r.Context(), u.ID)
		for _, p := range list {
			if p.UUID == id {
				previous = appPasswordJSON(p)
			}
		}
	}
	n, err := h.accounts.DeleteAppPasswords(r.Context(), u.ID, id)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.headers(w)
	if id == "" {
		httpx.WriteJSON(w, http.StatusOK, object{{"deleted", true, ""}, {"count", n, ""}})
		return
	}
	if n == 0 {
		h.writeError(w, r, errorf(http.StatusNotFound, "application_password_not_found", "Could not find an application password with that id."))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, object{{"deleted", true, ""}, {"previous", previous, ""}})
}

// newAppPassword returns 24 random characters from WordPress's alphabet.
// Bytes at or above 248 (4 × 62) are skipped, so every character is
// equally likely.
func newAppPassword() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	out := make([]byte, 0, 24)
	var buf [32]byte
	for len(out) < 24 {
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			if b < 248 && len(out) < 24 {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// chunk writes a password in groups of four, as WordPress shows it.
func chunk(p string) string {
	var parts []string
	for i := 0; i < len(p); i += 4 {
		parts = append(parts, p[i:min(i+4, len(p))])
	}
	return strings.Join(parts, " ")
}

// findAppPassword returns the user's application password {uuid}.
func (h *Handler) findAppPassword(r *http.Request, u *media.User) (media.AppPassword, error) {
	list, err := h.users.FindAppPasswords(r.Context(), u.ID)
	if err != nil {
		return media.AppPassword{}, err
	}
	for _, p := range list {
		if p.UUID == r.PathValue("uuid") {
			return p, nil
		}
	}
	return media.AppPassword{}, errorf(http.StatusNotFound, "application_password_not_found", "Could not find an application password with that id.")
}

// handleAppPasswordGet is GET …/application-passwords/{uuid}.
func (h *Handler) handleAppPasswordGet(w http.ResponseWriter, r *http.Request) {
	u, ok := h.appPasswordTarget(w, r, "rest_cannot_read_application_password")
	if !ok {
		return
	}
	p, err := h.findAppPassword(r, u)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, appPasswordJSON(p))
}

// handleAppPasswordUpdate renames an application password.
func (h *Handler) handleAppPasswordUpdate(w http.ResponseWriter, r *http.Request) {
	vals, err := requestValues(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	u, ok := h.appPasswordTarget(w, r, "rest_cannot_edit_application_password")
	if !ok {
		return
	}
	p, err := h.findAppPassword(r, u)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if name, _ := vals["name"].(string); strings.TrimSpace(name) != "" {
		p.Name = sanitizeText(name)
		if err := h.users.RenameAppPassword(r.Context(), u.ID, p.UUID, p.Name); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	h.headers(w)
	httpx.WriteJSON(w, http.StatusOK, appPasswordJSON(p))
}

// handleAppPasswordIntrospect is GET …/application-passwords/introspect:
// the application password the request authenticated with.
func (h *Handler) handleAppPasswordIntrospect(w http.ResponseWriter, r *http.Request) {
	u, ok := h.appPasswordTarget(w, r, "rest_cannot_introspect_app_password_for_non_authenticated_user")
	if !ok {
		return
	}
	_, pass, _ := r.BasicAuth()
	list, err := h.users.FindAppPasswords(r.Context(), u.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	for _, p := range list {
		if httpx.PasswordMatches(strings.ReplaceAll(pass, " ", ""), p.PasswordHash) {
			h.headers(w)
			httpx.WriteJSON(w, http.StatusOK, appPasswordJSON(p))
			return
		}
	}
	h.writeError(w, r, errorf(http.StatusNotFound, "application_password_not_found", "The current request was not authenticated with an application password."))
}

// accountError words the core's account refusals as WordPress does.
func accountError(err error) error {
	switch {
	case errors.Is(err, core.ErrInvalidRole):
		return errorf(http.StatusBadRequest, "rest_user_invalid_role", "The role specified is not valid.")
	case errors.Is(err, core.ErrInvalidReassign):
		return errorf(http.StatusBadRequest, "rest_user_invalid_reassign", "Invalid user ID for reassignment.")
	}
	return err
}
