#!/usr/bin/env bash
# tools.sh ensures and locates the programs Pixelmill's local stack runs on:
# a pinned NATS server and MinIO built with `go install`, and Debian's
# PostgreSQL and libvips packages.
#
# Usage:
#   deploy/local/tools.sh ensure                   install whatever is missing
#   deploy/local/tools.sh path nats-server|minio|pg_bin
#                                                  print a path (installing that tool first if missing)
#   . deploy/local/tools.sh                        only define the pm_tools_* functions
#
# Progress goes to stderr, so `$(tools.sh path minio)` captures just the path.
#
# Go tools live in ${PIXELMILL_TOOLS_DIR:-$HOME/.cache/pixelmill/tools}/<name>-<version>/,
# outside the repository, so fresh CI clones on the same machine reuse them
# (MinIO takes ~7 minutes to build on 2 cores). A flock per tool makes
# concurrent runs wait for one build instead of starting a second one.
#
# Environment:
#   PIXELMILL_TOOLS_DIR   where Go-built tools go (default ~/.cache/pixelmill/tools)
#   PIXELMILL_PG_BIN      use this PostgreSQL bin dir instead of the newest /usr/lib/postgresql/*/bin

PM_NATS_MODULE=github.com/nats-io/nats-server/v2
PM_NATS_VERSION=v2.14.9
PM_MINIO_MODULE=github.com/minio/minio
PM_MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# PM_PG_MIN_MAJOR is the oldest PostgreSQL the migrations are written for.
PM_PG_MIN_MAJOR=15
# PM_DEB_PACKAGES are the Debian packages the stack, the worker's cgo build
# and the scripts need. util-linux (flock, runuser, setsid) is essential on
# Debian, so it is always there.
PM_DEB_PACKAGES=(postgresql libvips-dev libvips-tools curl ca-certificates)

pm_tools_log() { printf 'tools: %s\n' "$*" >&2; }
pm_tools_die() { printf 'tools: error: %s\n' "$*" >&2; return 1; }

# pm_tools_dir prints (and creates) the directory Go-built tools live in.
pm_tools_dir() {
	local dir="${PIXELMILL_TOOLS_DIR:-${HOME:-/root}/.cache/pixelmill/tools}"
	mkdir -p "$dir"
	printf '%s\n' "$dir"
}

# pm_tools_as_root runs a command as root, through sudo when not root.
pm_tools_as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		pm_tools_die "need root to run: $*"
	fi
}

# pm_tools_deb_missing prints the packages of PM_DEB_PACKAGES not installed
# (one dpkg-query for all: this runs on every stack start).
pm_tools_deb_missing() {
	local -A installed=()
	local pkg status
	while read -r pkg status; do
		[[ $status == installed ]] && installed[${pkg%%:*}]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PM_DEB_PACKAGES[@]}" 2>/dev/null || true)
	for pkg in "${PM_DEB_PACKAGES[@]}"; do
		[[ -n ${installed[$pkg]:-} ]] || printf '%s\n' "$pkg"
	done
}

# pm_tools_ensure_debs installs missing Debian packages, running
# `apt-get update` once and only when something must be installed.
pm_tools_ensure_debs() {
	local -a missing
	mapfile -t missing < <(pm_tools_deb_missing)
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	local lock
	lock="$(pm_tools_dir)/.apt.lock"
	(
		# apt-get fails rather than waits when another apt holds its lock;
		# our own flock serialises concurrent runs of this script, and
		# DPkg::Lock::Timeout makes apt wait for anyone else.
		flock 9
		mapfile -t missing < <(pm_tools_deb_missing)
		if ((${#missing[@]} == 0)); then
			exit 0
		fi
		pm_tools_log "installing Debian packages: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		pm_tools_as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=600 -qq update >&2
		pm_tools_as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=600 -qq install -y --no-install-recommends \
			-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
			"${missing[@]}" >&2
	) 9>"$lock"
}

# pm_tools_pg_bin prints the bin dir of the newest installed PostgreSQL
# server (>= PM_PG_MIN_MAJOR), or fails.
pm_tools_pg_bin() {
	if [[ -n ${PIXELMILL_PG_BIN:-} ]]; then
		[[ -x $PIXELMILL_PG_BIN/postgres ]] || pm_tools_die "PIXELMILL_PG_BIN=$PIXELMILL_PG_BIN has no postgres binary" || return
		printf '%s\n' "$PIXELMILL_PG_BIN"
		return 0
	fi
	local dir major best=0
	for dir in /usr/lib/postgresql/*/bin; do
		[[ -x $dir/postgres && -x $dir/initdb && -x $dir/pg_ctl ]] || continue
		major=${dir#/usr/lib/postgresql/}
		major=${major%/bin}
		[[ $major =~ ^[0-9]+$ ]] || continue
		if ((major >= PM_PG_MIN_MAJOR && major > best)); then
			best=$major
		fi
	done
	if ((best == 0)); then
		pm_tools_die "no PostgreSQL >= $PM_PG_MIN_MAJOR under /usr/lib/postgresql (run: $0 ensure)"
		return
	fi
	printf '/usr/lib/postgresql/%s/bin\n' "$best"
}

# pm_tools_go_tool NAME MODULE VERSION BINARY prints the path of a Go-built
# tool, building it first when missing. Builds go to a temporary GOBIN and
# are renamed into place, so an interrupted build never leaves a truncated
# binary behind that later runs would trust.
pm_tools_go_tool() {
	local name=$1 module=$2 version=$3 binary=$4
	local tools dir bin
	tools=$(pm_tools_dir)
	dir="$tools/$name-$version"
	bin="$dir/$binary"
	if [[ -x $bin ]]; then
		printf '%s\n' "$bin"
		return 0
	fi
	command -v go >/dev/null 2>&1 || pm_tools_die "go is not on PATH; install Go (see go.work) to build $name" || return
	(
		flock 9
		if [[ -x $bin ]]; then
			exit 0 # another run built it while we waited
		fi
		pm_tools_log "building $module@$version, once per machine (MinIO takes ~7 min on 2 cores); log: $tools/$name-$version.build.log"
		local tmp="$dir/.gobin.$$"
		mkdir -p "$tmp"
		local start=$SECONDS
		# GOWORK=off and cd: the tool's own go.mod decides, never a go.work
		# or go.mod around the caller. CGO off: static binaries, no gcc.
		if ! (cd "$tools" && GOWORK=off GOFLAGS='' CGO_ENABLED=0 GOBIN="$tmp" \
			go install "$module@$version") >"$tools/$name-$version.build.log" 2>&1; then
			rm -rf "$tmp"
			tail -n 20 "$tools/$name-$version.build.log" >&2
			pm_tools_die "building $module@$version failed (see $tools/$name-$version.build.log)"
			exit 1
		fi
		mv -f "$tmp/$binary" "$bin"
		rm -rf "$tmp"
		pm_tools_log "built $name $version in $((SECONDS - start))s"
	) 9>"$tools/.$name.lock" || return
	printf '%s\n' "$bin"
}

pm_tools_nats_server() {
	pm_tools_go_tool nats-server "$PM_NATS_MODULE" "$PM_NATS_VERSION" nats-server
}

pm_tools_minio() {
	pm_tools_go_tool minio "$PM_MINIO_MODULE" "$PM_MINIO_VERSION" minio
}

# pm_tools_ensure installs everything the local stack needs.
pm_tools_ensure() {
	pm_tools_ensure_debs
	pm_tools_pg_bin >/dev/null
	pm_tools_nats_server >/dev/null
	pm_tools_minio >/dev/null
}

# pm_tools_path NAME prints one tool's path, installing it if missing.
pm_tools_path() {
	case ${1:-} in
	nats-server) pm_tools_nats_server ;;
	minio) pm_tools_minio ;;
	pg_bin)
		pm_tools_pg_bin 2>/dev/null || { pm_tools_ensure_debs && pm_tools_pg_bin; }
		;;
	*) pm_tools_die "unknown tool '${1:-}' (want nats-server, minio or pg_bin)" ;;
	esac
}

pm_tools_usage() {
	cat >&2 <<'EOF'
usage: tools.sh ensure
       tools.sh path nats-server|minio|pg_bin
EOF
}

pm_tools_main() {
	case ${1:-} in
	ensure)
		pm_tools_ensure
		printf 'nats-server %s\nminio %s\npg_bin %s\n' \
			"$(pm_tools_nats_server)" "$(pm_tools_minio)" "$(pm_tools_pg_bin)"
		;;
	path)
		[[ $# -eq 2 ]] || {
			pm_tools_usage
			return 2
		}
		pm_tools_path "$2"
		;;
	-h | --help | help)
		pm_tools_usage
		;;
	*)
		pm_tools_usage
		return 2
		;;
	esac
}

# Executed rather than sourced: run the CLI. Sourcing only defines the
# functions and leaves the caller's shell options alone.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	pm_tools_main "$@"
fi
