package core

import "github.com/google/uuid"

// newKey returns the UUID that names an item outside WordPress and keys its
// objects.
func newKey() string { return uuid.NewString() }
