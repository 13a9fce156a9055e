package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWordPressClients runs real WordPress REST clients from npm (wpapi,
// @wordpress/api-fetch; testdata/js) against the live stack. `make test`
// installs them with npm ci.
func TestWordPressClients(t *testing.T) {
	dir := testdataDir(t)
	if _, err := os.Stat(filepath.Join("testdata", "js", "node_modules", "wpapi")); err != nil {
		t.Fatal("testdata/js/node_modules is missing: run `make test`, or `npm ci` in api-service/testdata/js")
	}
	s := startStack(t, 1)
	cmd := exec.Command("node", "--test", "clients.test.mjs")
	cmd.Dir = filepath.Join("testdata", "js")
	cmd.Env = append(os.Environ(),
		"PIXELMILL_BASE="+s.base, "PIXELMILL_USER=admin", "PIXELMILL_PASSWORD="+adminPassword,
		"PIXELMILL_PHOTO="+filepath.Join(dir, "photo-640x480.jpg"))
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("the npm clients failed: %v", err)
	}
}
