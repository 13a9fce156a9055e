package media

import "time"

// Role is a WordPress role; it decides what a user may do.
type Role string

// The stock WordPress roles.
const (
	RoleAdministrator Role = "administrator"
	RoleEditor        Role = "editor"
	RoleAuthor        Role = "author"
	RoleContributor   Role = "contributor"
	RoleSubscriber    Role = "subscriber"
)

// User is an account that may authenticate.
type User struct {
	ID           int64
	Login        string
	Email        string
	DisplayName  string
	Role         Role
	PasswordHash string // argon2id, PHC string format
}

// CanUpload reports WordPress's upload_files capability.
func (u *User) CanUpload() bool {
	return u != nil && (u.Role == RoleAdministrator || u.Role == RoleEditor || u.Role == RoleAuthor)
}

// CanEditOthers reports WordPress's edit_others_posts capability.
func (u *User) CanEditOthers() bool {
	return u != nil && (u.Role == RoleAdministrator || u.Role == RoleEditor)
}

// CanEditPosts reports WordPress's edit_posts capability (contributors
// have it too, though they can't upload).
func (u *User) CanEditPosts() bool {
	return u != nil && (u.CanUpload() || u.Role == RoleContributor)
}

// CanManageUsers reports WordPress's create_users/edit_users/delete_users.
func (u *User) CanManageUsers() bool { return u != nil && u.Role == RoleAdministrator }

// ValidRole reports whether r is a stock WordPress role.
func ValidRole(r Role) bool {
	switch r {
	case RoleAdministrator, RoleEditor, RoleAuthor, RoleContributor, RoleSubscriber:
		return true
	}
	return false
}

// AppPassword is a WordPress application password (the hash only).
type AppPassword struct {
	UUID         string
	UserID       int64
	AppID        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
	LastUsedAt   *time.Time
	LastIP       string
}

// UserUpdate is a change to a user; nil fields stay.
type UserUpdate struct {
	Email        *string
	DisplayName  *string
	Role         *Role
	PasswordHash *string
}
