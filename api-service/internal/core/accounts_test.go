package core

import (
	"context"
	"errors"
	"testing"

	"github.com/pixelmill/pixelmill/api-service/internal/httpx"
	"github.com/pixelmill/pixelmill/services/media"
	"github.com/pixelmill/pixelmill/services/postgres"
	"github.com/pixelmill/pixelmill/services/postgres/postgrestest"
)

// TestAccounts checks the account rules on a real database: a valid role,
// hashed passwords, a reassignment to another existing user, keys stored
// hashed, and the authenticators told to forget on every change of a
// credential.
func TestAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgrestest.NewDB(t)
	users, keys := postgres.NewUserStore(db), postgres.NewAPIKeyStore(db)
	var forgotUsers, forgotKeys int
	a := NewAccounts(users, keys, Credentials{HashPassword: httpx.HashPassword, NewAPIKey: httpx.NewAPIKey,
		ForgetUsers: func() { forgotUsers++ }, ForgetKeys: func() { forgotKeys++ }})

	if err := a.CreateUser(ctx, &media.User{Login: "bad", Role: "overlord"}, "pw"); !errors.Is(err, ErrInvalidRole) || media.ErrorCode(err) != media.CodeInvalid {
		t.Fatalf("invalid role: %v", err)
	}
	if _, err := users.FindUserByLogin(ctx, "bad"); media.ErrorCode(err) != media.CodeNotFound {
		t.Fatalf("a refused user was stored: %v", err)
	}
	ann := &media.User{Login: "ann", Role: media.RoleAuthor}
	if err := a.CreateUser(ctx, ann, "first secret"); err != nil {
		t.Fatal(err)
	}
	stored, err := users.FindUserByLogin(ctx, "ann")
	if err != nil || stored.PasswordHash == "first secret" || !httpx.PasswordMatches("first secret", stored.PasswordHash) {
		t.Fatalf("stored %+v (%v): want the password hashed", stored, err)
	}
	if err := a.CreateUser(ctx, &media.User{Login: "ann", Role: media.RoleAuthor}, "x"); media.ErrorCode(err) != media.CodeConflict {
		t.Fatalf("a taken login: %v", err)
	}

	bad := media.Role("")
	if _, err := a.UpdateUser(ctx, ann.ID, UserChange{Role: &bad}); !errors.Is(err, ErrInvalidRole) {
		t.Fatalf("update to an invalid role: %v", err)
	}
	if _, err := a.UpdateUser(ctx, ann.ID, UserChange{Password: "second secret"}); err != nil || forgotUsers != 1 {
		t.Fatalf("password change: %v, forgot %d", err, forgotUsers)
	}
	stored, _ = users.FindUserByID(ctx, ann.ID)
	if !httpx.PasswordMatches("second secret", stored.PasswordHash) {
		t.Fatal("the new password does not match its hash")
	}

	bob := &media.User{Login: "bob", Role: media.RoleEditor}
	if err := a.CreateUser(ctx, bob, "pw"); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteUser(ctx, ann.ID, ann.ID); !errors.Is(err, ErrInvalidReassign) {
		t.Fatalf("reassign to oneself: %v", err)
	}
	if err := a.DeleteUser(ctx, ann.ID, 999999); !errors.Is(err, ErrInvalidReassign) {
		t.Fatalf("reassign to nobody: %v", err)
	}
	if err := a.DeleteUser(ctx, ann.ID, bob.ID); err != nil || forgotUsers != 2 {
		t.Fatalf("delete: %v, forgot %d", err, forgotUsers)
	}

	p := &media.AppPassword{UUID: "00000000-0000-4000-8000-000000000001", UserID: bob.ID, Name: "laptop"}
	if err := a.CreateAppPassword(ctx, p, "app secret"); err != nil || !httpx.PasswordMatches("app secret", p.PasswordHash) {
		t.Fatalf("app password: %v", err)
	}
	if n, err := a.DeleteAppPasswords(ctx, bob.ID, ""); err != nil || n != 1 || forgotUsers != 3 {
		t.Fatalf("delete app passwords: %d, %v, forgot %d", n, err, forgotUsers)
	}

	k := &media.APIKey{UserID: bob.ID, Name: "ci", Scopes: []media.Scope{media.ScopeRead}}
	key, err := a.CreateAPIKey(ctx, k)
	if err != nil || key == "" || k.Prefix == "" || len(k.Hash) == 0 {
		t.Fatalf("key %q %+v: %v", key, k, err)
	}
	if found, err := keys.FindAPIKeyByHash(ctx, k.Hash); err != nil || found.ID != k.ID {
		t.Fatalf("the key is not found by its hash: %v", err)
	}
	if _, err := a.RevokeAPIKey(ctx, k.ID); err != nil || forgotKeys != 1 {
		t.Fatalf("revoke: %v, forgot %d", err, forgotKeys)
	}
}
