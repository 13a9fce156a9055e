package media

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
