// Package cli answers what every Pixelmill binary answers before it starts
// anything: --help and version. Neither reads the environment, opens a
// connection or loads libvips, so both work on a machine with nothing set
// up.
package cli

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/pixelmill/pixelmill/services/config"
)

// Handle answers args when they ask for help (-h, --help, help) or the
// version (version, --version): it prints usage or Version(name) to out and
// reports true. Any other arguments are left to the caller.
func Handle(args []string, name, usage string, out io.Writer) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(out, strings.TrimLeft(usage, "\n"))
		return true
	case "version", "-version", "--version":
		fmt.Fprintln(out, Version(name))
		return true
	}
	return false
}

// Version describes the running build: the binary's name, its module
// version, the commit it was built from (marked when the tree had
// uncommitted changes) and the Go release, as the Go toolchain stamped
// them into the binary.
func Version(name string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return name + " (no build information)"
	}
	return describe(name, info)
}

// describe words a build's information; split out so tests can feed it.
func describe(name string, info *debug.BuildInfo) string {
	parts := []string{name, info.Main.Version}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if settings["vcs.modified"] == "true" {
			rev += " (modified)"
		}
		parts = append(parts, "commit "+rev)
	}
	if t := settings["vcs.time"]; t != "" {
		parts = append(parts, "from "+t)
	}
	return strings.Join(append(parts, info.GoVersion), " ")
}

// PrintEnv prints the variables a binary reads, one NAME=default a line,
// for its `env` command: what an operator may set, and what a deployment
// check compares its manifests with.
func PrintEnv(out io.Writer, vars []config.Var) {
	for _, v := range vars {
		fmt.Fprintf(out, "%s=%s\n", v.Name, v.Default)
	}
}
