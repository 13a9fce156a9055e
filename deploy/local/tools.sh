#!/usr/bin/env bash
# tools.sh ensures and locates the programs Pixelmill's local stack runs on:
# a pinned NATS server and MinIO built with `go install`, libvips 8.16 with
# Highway built from Debian 13's source packages, and Debian's PostgreSQL.
#
# Usage:
#   deploy/local/tools.sh ensure                   install whatever is missing
#   deploy/local/tools.sh path nats-server|minio|pg_bin|libvips
#                                                  print a path (installing that tool first if missing)
#   deploy/local/tools.sh env                      print `export` lines that make cgo builds of the
#                                                  worker use that libvips (eval "$(tools.sh env)")
#   . deploy/local/tools.sh                        only define the pm_tools_* functions
#                                                  (pm_tools_vips_env exports the same as `env`)
#
# Progress goes to stderr, so `$(tools.sh path minio)` captures just the path.
#
# Built tools live in ${PIXELMILL_TOOLS_DIR:-$HOME/.cache/pixelmill/tools}/<name>-<version>/,
# outside the repository, so fresh CI clones on the same machine reuse them
# (MinIO takes ~7 minutes to build on 2 cores, libvips ~3). A flock per tool
# makes concurrent runs wait for one build instead of starting a second one.
#
# Environment:
#   PIXELMILL_TOOLS_DIR   where built tools go (default ~/.cache/pixelmill/tools)
#   PIXELMILL_PG_BIN      use this PostgreSQL bin dir instead of the newest /usr/lib/postgresql/*/bin

# PM_TOOLS_SCRIPT is this file, for steps that run in a bash of their own.
PM_TOOLS_SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/tools.sh
PM_NATS_MODULE=github.com/nats-io/nats-server/v2
PM_NATS_VERSION=v2.14.9
PM_MINIO_MODULE=github.com/minio/minio
PM_MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
# The second S3 server make test runs the object-store suite against, one
# that is not MinIO (whose server repository was archived in 2026): the
# Versity S3 Gateway on a POSIX directory (Apache-2.0, about a minute to
# build once).
PM_VERSITYGW_MODULE=github.com/versity/versitygw/cmd/versitygw
PM_VERSITYGW_VERSION=v1.8.0
# Helm renders deploy/helm/pixelmill in make test (helm template, helm lint)
# and is what operators install the chart with; built once like NATS.
PM_HELM_MODULE=helm.sh/helm/v4/cmd/helm
PM_HELM_VERSION=v4.3.2
# PM_PG_MIN_MAJOR is the oldest PostgreSQL the migrations are written for.
PM_PG_MIN_MAJOR=15
# PM_DEB_PACKAGES are the Debian packages the stack and the scripts need.
# libvips-tools is Debian's own libvips 8.14 with its `vips` command, which
# deploy/local/testdata.sh uses; the worker links the libvips of
# pm_tools_libvips instead (PM_VIPS_DEBS). util-linux (flock, runuser,
# setsid, prlimit, unshare) is essential on Debian, so it is always there.
# The workers run FFmpeg (ffmpeg, ffprobe) and poppler's PDF tools
# (poppler-utils: pdfinfo, pdftoppm) as child processes; mediadata.sh makes
# fixtures with them, espeak-ng and zip.
PM_DEB_PACKAGES=(postgresql libvips-tools curl ca-certificates ffmpeg poppler-utils espeak-ng zip)

# libvips 8.16 with Highway SIMD, which halves the rendition time of
# Debian 12's 8.14 (its resize is scalar; see shared NOTES), built from
# Debian 13's source packages with Debian 13's Highway linked in statically
# (Debian 12's libhwy 1.0.3 is older than the 1.0.5 libvips needs). Each
# source package is pinned by its Debian version and the SHA-256 of its
# .dsc; the .dsc lists the SHA-256 of the tarballs, which dpkg-source checks
# before it unpacks them and applies Debian's patches. Debian 13's index
# lists vips 8.16.1-1+deb13u2, but its pool has only the .dsc and patches of
# 8.16.1-1+deb13u1 (the upstream tarball is the same), so that is the pin
# until the pool catches up.
PM_VIPS_VERSION=8.16.1-1+deb13u1
PM_VIPS_DSC_SHA256=60205e00d061b9d8072938e04899f2ca2fdac0513068e561d33f7c87fae1ae2e
PM_HWY_VERSION=1.2.0-2
PM_HWY_DSC_SHA256=dbb82d12fe7a8a7cae6970d5ccc74d0854ce405dfaab3a7f0d1345cfe351dcd4
PM_VIPS_SOURCE_SUITE=trixie
# PM_VIPS_DEBS are the Debian 12 packages that build it: the toolchain and
# the -dev package of every library PM_VIPS_MESON enables. libheif1 brings
# libde265 (HEIC) and dav1d/aom (AVIF) with it.
PM_VIPS_DEBS=(g++ cmake meson ninja-build pkgconf dpkg-dev xz-utils curl ca-certificates
	libglib2.0-dev libexpat1-dev zlib1g-dev libjpeg-dev libspng-dev libwebp-dev libtiff-dev
	libheif-dev libcgif-dev librsvg2-dev libpoppler-glib-dev libexif-dev liblcms2-dev
	libimagequant-dev libfftw3-dev libarchive-dev libjxl-dev libopenjp2-7-dev
	libpango1.0-dev libfontconfig-dev)
# PM_VIPS_MESON are libvips' build options. Every library is named, so a
# missing -dev package fails the build instead of silently dropping a
# loader, and every machine builds the same library. Kept: the loaders
# Pixelmill reads (JPEG, PNG through libspng, WebP, GIF, HEIC and AVIF
# through libheif, TIFF) and those it may render one day (PDF through
# poppler, SVG through librsvg; VIPS_BLOCK_UNTRUSTED blocks both in the
# worker), plus JPEG XL and JPEG 2000 of Debian's own build. Left out:
# Debian's ImageMagick, OpenSlide, Matlab, FITS and OpenEXR loaders, which
# VIPS_BLOCK_UNTRUSTED blocks anyway and which would pull in large
# libraries. Modules (heif, poppler, jxl) are on, as in Debian.
PM_VIPS_MESON=(--buildtype=release -Dhighway=enabled -Dorc=disabled
	-Djpeg=enabled -Dspng=enabled -Dwebp=enabled -Dnsgif=true -Dcgif=enabled -Dheif=enabled
	-Dtiff=enabled -Dpoppler=enabled -Drsvg=enabled -Djpeg-xl=enabled -Dopenjpeg=enabled
	-Dexif=enabled -Dlcms=enabled -Dimagequant=enabled -Dfftw=enabled -Darchive=enabled
	-Dzlib=enabled -Dpangocairo=enabled -Dfontconfig=enabled
	-Dmagick=disabled -Dopenslide=disabled -Dmatio=disabled -Dcfitsio=disabled
	-Dopenexr=disabled -Dnifti=disabled -Dpdfium=disabled -Dquantizr=disabled
	-Dintrospection=disabled -Dvapi=false -Ddoxygen=false -Dgtk_doc=false -Dexamples=false)
# PM_HWY_CMAKE builds Highway as a static library for linking into
# libvips.so; -DHWY_BROKEN_EMU128=0 as in Debian's package.
PM_HWY_CMAKE=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON
	-DBUILD_TESTING=OFF -DHWY_ENABLE_TESTS=OFF -DHWY_ENABLE_EXAMPLES=OFF -DHWY_ENABLE_CONTRIB=OFF
	-DHWY_ENABLE_INSTALL=ON -DCMAKE_CXX_FLAGS=-DHWY_BROKEN_EMU128=0)

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

# pm_tools_deb_missing [PKG...] prints the packages not installed of those
# named, or of PM_DEB_PACKAGES (one dpkg-query for all: this runs on every
# stack start).
pm_tools_deb_missing() {
	local -a want=("$@")
	((${#want[@]} > 0)) || want=("${PM_DEB_PACKAGES[@]}")
	local -A installed=()
	local pkg status
	while read -r pkg status; do
		[[ $status == installed ]] && installed[${pkg%%:*}]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${want[@]}" 2>/dev/null || true)
	for pkg in "${want[@]}"; do
		[[ -n ${installed[$pkg]:-} ]] || printf '%s\n' "$pkg"
	done
}

# pm_tools_ensure_debs [PKG...] installs the missing ones of those named, or
# of PM_DEB_PACKAGES, running `apt-get update` once and only when something
# must be installed.
pm_tools_ensure_debs() {
	local -a missing
	mapfile -t missing < <(pm_tools_deb_missing "$@")
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
		mapfile -t missing < <(pm_tools_deb_missing "$@")
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

pm_tools_versitygw() {
	pm_tools_go_tool versitygw "$PM_VERSITYGW_MODULE" "$PM_VERSITYGW_VERSION" versitygw
}

pm_tools_helm() {
	pm_tools_go_tool helm "$PM_HELM_MODULE" "$PM_HELM_VERSION" helm
}

# pm_tools_libvips_prefix prints where the pinned libvips lives. The name
# carries libvips' version and a hash of everything that shapes the build
# (both pins, the options, the Debian release it links against), so a new
# pin or option builds beside the old one and never over a library a
# running worker uses.
pm_tools_libvips_prefix() {
	local release=unknown hash
	release=$(. /etc/os-release 2>/dev/null && printf '%s-%s' "${ID:-}" "${VERSION_ID:-}") || true
	hash=$(printf '%s\n' "$PM_VIPS_VERSION" "$PM_VIPS_DSC_SHA256" "$PM_HWY_VERSION" "$PM_HWY_DSC_SHA256" \
		"${PM_VIPS_MESON[*]}" "${PM_HWY_CMAKE[*]}" "$release" | sha256sum | cut -c1-10)
	printf '%s/libvips-%s-%s\n' "$(pm_tools_dir)" "${PM_VIPS_VERSION%%-*}" "$hash"
}

# pm_tools_debian_mirror SUITE prints the URI this machine's apt uses for
# SUITE (bookworm, bookworm-security), or the default one for that kind of
# suite.
pm_tools_debian_mirror() {
	local suite=$1 uri release
	while read -r uri release; do
		if [[ $release == "$suite" ]]; then
			printf '%s\n' "${uri%/}"
			return 0
		fi
	done < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null | sort -u)
	case $suite in
	*-security) printf 'http://deb.debian.org/debian-security\n' ;;
	*) printf 'http://deb.debian.org/debian\n' ;;
	esac
}

# pm_tools_debian_source WORKDIR NAME VERSION DSC_SHA256 unpacks a Debian 13
# source package, patched, into WORKDIR/NAME. apt-get source fetches it
# when Debian 13's index lists VERSION; when the index has moved on (or its
# pool lacks the files), the .dsc and the files it lists come from the pool
# by name. Either way the .dsc must match DSC_SHA256, and dpkg-source
# checks the tarballs against the .dsc.
pm_tools_debian_source() {
	local work=$1 name=$2 version=$3 sha256=$4
	local dsc="${name}_${version}.dsc" apt="$work/apt" dl="$work/dl-$name" codename main security
	codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-bookworm}")
	main=$(pm_tools_debian_mirror "$codename")
	security=$(pm_tools_debian_mirror "$codename-security")
	local -a apt_opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=-
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Dir::State::status=/dev/null
		-o Acquire::Languages=none)
	[[ $EUID -eq 0 ]] && apt_opts+=(-o APT::Sandbox::User=root)
	mkdir -p "$dl"
	if [[ ! -f $apt/sources.list ]]; then
		# A private apt setup: Debian 13's source index from the mirrors
		# this machine's apt uses, checked with Debian's archive keyring;
		# the machine's own apt configuration stays untouched.
		mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
		cat >"$apt/sources.list" <<-SOURCES
			deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $main $PM_VIPS_SOURCE_SUITE main
			deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $security $PM_VIPS_SOURCE_SUITE-security main
		SOURCES
		apt-get "${apt_opts[@]}" -q update || return 1
	fi
	if ! (cd "$dl" && apt-get "${apt_opts[@]}" -q source --download-only "$name=$version"); then
		local listed letter=${name:0:1} base file
		listed=$(apt-cache "${apt_opts[@]}" showsrc "$name" 2>/dev/null | sed -n 's/^Version: //p' | sort -u | paste -sd ' ')
		echo "apt-get source $name=$version failed (Debian $PM_VIPS_SOURCE_SUITE lists ${listed:-nothing}); fetching $dsc from the pool"
		[[ $name == lib* ]] && letter=${name:0:4}
		rm -f "$dl"/*
		for base in "$main/pool/main/$letter/$name" "$security/pool/updates/main/$letter/$name"; do
			curl -fsSL --retry 3 -o "$dl/$dsc" "$base/$dsc" || continue
			echo "$sha256  $dl/$dsc" | sha256sum -c - || return 1
			# The files the .dsc lists, by name (dpkg-source checks them).
			for file in $(sed -n '/^Checksums-Sha256:/,/^[^ ]/s/^ [0-9a-f]\{64\} [0-9]* //p' "$dl/$dsc"); do
				curl -fsSL --retry 3 -o "$dl/$file" "$base/$file" || return 1
			done
			break
		done
	fi
	[[ -f $dl/$dsc ]] || {
		echo "no mirror has $dsc"
		return 1
	}
	echo "$sha256  $dl/$dsc" | sha256sum -c - || return 1
	dpkg-source --require-strong-checksums -x "$dl/$dsc" "$work/$name"
}

# pm_tools_libvips prints the prefix of the pinned libvips (lib/, include/,
# lib/pkgconfig/vips.pc, bin/vips), building it first when missing: Highway
# and libvips from Debian 13's sources, against Debian 12's libraries, into
# the tools dir and never /usr/local, where its libvips.so.42 would shadow
# Debian's for every program (the `vips` command testdata.sh runs among
# them). The worker finds it through an rpath (pm_tools_vips_env). The
# marker file .complete, written last, is what makes a prefix count.
pm_tools_libvips() {
	local prefix tools
	prefix=$(pm_tools_libvips_prefix)
	if [[ -f $prefix/.complete ]]; then
		printf '%s\n' "$prefix"
		return 0
	fi
	pm_tools_ensure_debs "${PM_VIPS_DEBS[@]}" || return
	tools=$(pm_tools_dir)
	local name=${prefix##*/}
	local log="$tools/$name.build.log"
	(
		flock 9
		if [[ -f $prefix/.complete ]]; then
			exit 0 # another run built it while we waited
		fi
		pm_tools_log "building libvips $PM_VIPS_VERSION with Highway $PM_HWY_VERSION from Debian $PM_VIPS_SOURCE_SUITE's sources, once per machine (~3 min on 2 cores); log: $log"
		local start=$SECONDS work="$tools/.$name.build"
		rm -rf "$prefix" "$work"
		mkdir -p "$work"
		# The steps run in a bash of their own: under this function's
		# callers (`|| return`, `$(…)`) bash ignores set -e in every nested
		# subshell, and a failed step would go unnoticed.
		local rc=0
		bash -euo pipefail -c '. "$1"; pm_tools_libvips_steps "$2" "$3"' _ "$PM_TOOLS_SCRIPT" "$work" "$prefix" \
			>"$log" 2>&1 </dev/null || rc=$?
		if ((rc != 0)); then
			tail -n 25 "$log" >&2
			rm -rf "$prefix"
			pm_tools_die "building libvips $PM_VIPS_VERSION failed (see $log; sources in $work)"
			exit 1
		fi
		rm -rf "$work"
		printf 'vips %s\nhighway %s\nbuilt %s in %ss\n' "$PM_VIPS_VERSION" "$PM_HWY_VERSION" \
			"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$((SECONDS - start))" >"$prefix/.complete"
		pm_tools_log "built libvips $PM_VIPS_VERSION in $((SECONDS - start))s into $prefix"
	) 9>"$tools/.libvips.lock" || return
	printf '%s\n' "$prefix"
}

# pm_tools_libvips_steps fetches, builds and checks Highway and libvips
# from WORK into PREFIX. pm_tools_libvips runs it in a fresh bash with
# set -euo pipefail, so that any failing step stops the build.
pm_tools_libvips_steps() {
	local work=$1 prefix=$2
	pm_tools_debian_source "$work" highway "$PM_HWY_VERSION" "$PM_HWY_DSC_SHA256"
	pm_tools_debian_source "$work" vips "$PM_VIPS_VERSION" "$PM_VIPS_DSC_SHA256"
	cmake -S "$work/highway" -B "$work/highway-build" -G Ninja \
		-DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib "${PM_HWY_CMAKE[@]}"
	ninja -C "$work/highway-build" install
	# Highway's libhwy.pc lands in the prefix too: vips.pc requires
	# it (privately), so pkg-config needs it for the worker's cflags.
	# The rpath lets the prefix's own programs (bin/vips) find its
	# libvips rather than Debian's.
	PKG_CONFIG_PATH="$prefix/lib/pkgconfig" LDFLAGS="-Wl,-rpath,$prefix/lib" \
		meson setup "$work/vips-build" "$work/vips" --prefix="$prefix" --libdir=lib "${PM_VIPS_MESON[@]}"
	ninja -C "$work/vips-build" -j "$(nproc)" install
	"$prefix/bin/vips" --version
	"$prefix/bin/vips" --version | grep -x "vips-${PM_VIPS_VERSION%%-*}" >/dev/null
	"$prefix/bin/vips" --vips-config | grep -x 'SIMD support with libhwy: true' >/dev/null
}

# pm_tools_vips_env exports what cgo builds of the worker (go build, go
# test, go vet, staticcheck) need to compile and link against
# pm_tools_libvips, building it first if missing:
#   PKG_CONFIG_PATH  finds its vips.pc (and libhwy.pc) before Debian's;
#   CGO_LDFLAGS      gives the binary an rpath to its lib/, so the worker
#                    runs with it and no LD_LIBRARY_PATH, while every other
#                    program keeps Debian's libvips.so.42;
#   CGO_CFLAGS       names the prefix in a macro: Go's build cache does not
#                    see a change of PKG_CONFIG_PATH, and without a change
#                    in the flags it would reuse objects and binaries made
#                    against the old library.
# Calling it again changes nothing.
pm_tools_vips_env() {
	local prefix
	prefix=$(pm_tools_libvips) || return
	local pc="$prefix/lib/pkgconfig" tag="-DPIXELMILL_LIBVIPS=$prefix" rpath="-Wl,-rpath,$prefix/lib"
	[[ ":${PKG_CONFIG_PATH:-}:" == *":$pc:"* ]] || export PKG_CONFIG_PATH="$pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
	# Setting CGO_CFLAGS replaces Go's default (-O2 -g), so start from it.
	local cflags ldflags
	if [[ -n ${CGO_CFLAGS+set} ]]; then cflags=$CGO_CFLAGS; else cflags=$(go env CGO_CFLAGS 2>/dev/null) || cflags='-O2 -g'; fi
	if [[ -n ${CGO_LDFLAGS+set} ]]; then ldflags=$CGO_LDFLAGS; else ldflags=$(go env CGO_LDFLAGS 2>/dev/null) || ldflags='-O2 -g'; fi
	[[ " $cflags " == *" $tag "* ]] || cflags="$cflags $tag"
	[[ " $ldflags " == *" $rpath "* ]] || ldflags="$ldflags $rpath"
	export CGO_CFLAGS=$cflags CGO_LDFLAGS=$ldflags
}

# pm_tools_ensure installs everything the local stack needs.
pm_tools_ensure() {
	pm_tools_ensure_debs "${PM_DEB_PACKAGES[@]}" "${PM_VIPS_DEBS[@]}"
	pm_tools_pg_bin >/dev/null
	pm_tools_nats_server >/dev/null
	pm_tools_minio >/dev/null
	pm_tools_versitygw >/dev/null
	pm_tools_helm >/dev/null
	pm_tools_libvips >/dev/null
}

# pm_tools_path NAME prints one tool's path, installing it if missing.
pm_tools_path() {
	case ${1:-} in
	nats-server) pm_tools_nats_server ;;
	minio) pm_tools_minio ;;
	versitygw) pm_tools_versitygw ;;
	helm) pm_tools_helm ;;
	libvips) pm_tools_libvips ;;
	pg_bin)
		pm_tools_pg_bin 2>/dev/null || { pm_tools_ensure_debs && pm_tools_pg_bin; }
		;;
	*) pm_tools_die "unknown tool '${1:-}' (want nats-server, minio, versitygw, helm, pg_bin or libvips)" ;;
	esac
}

pm_tools_usage() {
	cat >&2 <<'EOF'
usage: tools.sh ensure
       tools.sh path nats-server|minio|versitygw|helm|pg_bin|libvips
       tools.sh env
EOF
}

pm_tools_main() {
	case ${1:-} in
	ensure)
		pm_tools_ensure
		printf 'nats-server %s\nminio %s\npg_bin %s\nlibvips %s\n' \
			"$(pm_tools_nats_server)" "$(pm_tools_minio)" "$(pm_tools_pg_bin)" "$(pm_tools_libvips)"
		;;
	env)
		pm_tools_vips_env
		printf 'export PKG_CONFIG_PATH=%q CGO_CFLAGS=%q CGO_LDFLAGS=%q\n' \
			"$PKG_CONFIG_PATH" "$CGO_CFLAGS" "$CGO_LDFLAGS"
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
