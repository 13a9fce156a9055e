package cli

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
)

func TestHandle(t *testing.T) {
	const usage = "\nUsage: pm [command]\n"
	for _, tc := range []struct {
		args    []string
		handled bool
		want    string
	}{
		{nil, false, ""},
		{[]string{"dlq", "list"}, false, ""},
		{[]string{"-h"}, true, "Usage: pm [command]\n"},
		{[]string{"--help"}, true, "Usage: pm [command]\n"},
		{[]string{"help"}, true, "Usage: pm [command]\n"},
		{[]string{"version"}, true, "pm "},
		{[]string{"--version"}, true, "pm "},
	} {
		var out bytes.Buffer
		if got := Handle(tc.args, "pm", usage, &out); got != tc.handled {
			t.Errorf("Handle(%q) = %v, want %v", tc.args, got, tc.handled)
		}
		if !strings.HasPrefix(out.String(), tc.want) || (tc.want == "") != (out.Len() == 0) {
			t.Errorf("Handle(%q) printed %q, want it to start with %q", tc.args, out.String(), tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "5fc1f7812345678abcdef"},
		{Key: "vcs.time", Value: "2026-12-03T13:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	want := "worker-service (devel) commit 5fc1f7812345 (modified) from 2026-12-03T13:00:00Z go1.26.8"
	if got := describe("worker-service", info); got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	info.Settings = nil
	if got := describe("api-service", info); got != "api-service (devel) go1.26.8" {
		t.Errorf("describe without vcs = %q", got)
	}
}
