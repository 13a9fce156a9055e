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
		"PIXELMILL_PHOTO="+filepath.Join(dir, "photo-640x480.jpg"), "PIXELMILL_MEDIA="+filepath.Join(dir, "media"))
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("the npm clients failed: %v", err)
	}
}

// TestUmbracoHeadlessClient runs @umbraco/headless-client from npm
// (testdata/js/umbraco.test.mjs) against the live stack's Heartcore
// dialect, with an API key made by the administrator.
func TestUmbracoHeadlessClient(t *testing.T) {
	dir := testdataDir(t)
	if _, err := os.Stat(filepath.Join("testdata", "js", "node_modules", "@umbraco", "headless-client")); err != nil {
		t.Fatal("testdata/js/node_modules is missing: run `make test`, or `npm ci` in api-service/testdata/js")
	}
	s := startStack(t, 1)
	key := newAPIKey(t, s.base, map[string]any{"name": "headless client", "scopes": []string{"umbraco:read", "umbraco:write"}})
	cmd := exec.Command("node", "--test", "umbraco.test.mjs")
	cmd.Dir = filepath.Join("testdata", "js")
	cmd.Env = append(os.Environ(), "PIXELMILL_BASE="+s.base, "PIXELMILL_API_KEY="+key.key,
		"PIXELMILL_PHOTO="+filepath.Join(dir, "photo-640x480.jpg"))
	out, err := cmd.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("@umbraco/headless-client failed: %v", err)
	}
}
