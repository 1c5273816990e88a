#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# fetch-debian.sh bookworm|trixie|sid DEST
# fetch-debian.sh go1.NN DEST
#
# Fetch .deb files from another Debian suite and unpack them with `dpkg -x`
# into DEST, e.g. .cache/debian/sid. Two kinds of sets:
#
#   bookworm, trixie, sid
#                that suite's Go toolchain and grpc-go, plus grpc-go's GOPATH
#                dependencies (x/net, x/sys, x/text, protobuf, genproto): a
#                "dependency suite" for tools/build-releases.sh too.
#                (bookworm: the system's own /usr/share/gocode lacks
#                google.golang.org/protobuf, which upstream grpc-go needs)
#   go1.NN       the Go 1.NN toolchain alone (golang-1.NN-go, -src), from the
#                suite that ships it: 1.19 bookworm, 1.21-1.23
#                bookworm-backports, 1.24 trixie, 1.25-1.27 trixie-backports
#
# Nothing is installed into the system: apt runs with a throw-away
# configuration (its own sources list, lists and cache dirs) whose mirror URI
# is taken from this machine's own apt sources, only the suite changed.
# Release files are verified with the machine's Debian archive keyring.
#
# Afterwards, e.g. for sid:
#   GOROOT=DEST/usr/lib/go-1.27 GOPATH=DEST/usr/share/gocode GO111MODULE=off \
#   GOTOOLCHAIN=local DEST/usr/lib/go-1.27/bin/go build ...
#
# DEST/.goroot holds GOROOT relative to DEST, DEST/.versions the package
# versions. Idempotent: when DEST/.done lists the same packages, it does
# nothing and prints nothing. Any failure (no mirror found, update, bad
# signature, download, unpack) exits non-zero and leaves DEST untouched.
set -eu

usage() {
	echo "usage: $0 bookworm|trixie|sid|go1.NN DEST" >&2
	exit 2
}
[ $# -eq 2 ] || usage
SET=$1
DEST=$2

# Packages per set. grpc-go built in GOPATH mode needs the toolchain, its
# own source and the source of every package it imports (transitively, for
# the packages the fixture uses). Debian's Depends pull in far more (xds,
# opentelemetry, ...) that a GOPATH build of the core package never reads,
# so the list is explicit rather than resolved.
PKGS_COMMON="golang-google-grpc-dev golang-golang-x-net-dev
golang-golang-x-sys-dev golang-golang-x-text-dev golang-google-protobuf-dev
golang-google-genproto-dev golang-github-golang-protobuf-1-5-dev"
case $SET in
bookworm)
	SUITE=bookworm
	GOVER=1.19
	PKGS="golang-$GOVER-go golang-$GOVER-src $PKGS_COMMON"
	;;
trixie)
	SUITE=trixie
	GOVER=1.24
	PKGS="golang-$GOVER-go golang-$GOVER-src $PKGS_COMMON"
	;;
sid | unstable)
	SUITE=sid
	GOVER=1.27
	PKGS="golang-$GOVER-go golang-$GOVER-src $PKGS_COMMON"
	;;
go1.*)
	# Each toolchain from one suite only, so that a version always means
	# the same packages (sid's 1.26 and 1.27 are not used: a moving target).
	GOVER=${SET#go}
	case $GOVER in
	1.19) SUITE=bookworm ;;
	1.21 | 1.22 | 1.23) SUITE=bookworm-backports ;;
	1.24) SUITE=trixie ;;
	1.25 | 1.26 | 1.27) SUITE=trixie-backports ;;
	*) usage ;;
	esac
	PKGS="golang-$GOVER-go golang-$GOVER-src"
	;;
*)
	usage
	;;
esac
# shellcheck disable=SC2086
PKGS=$(printf '%s\n' $PKGS)
case $DEST in
/*) ;;
*) DEST=$(pwd)/$DEST ;;
esac

done_already() {
	[ -f "$DEST/.done" ] && [ "$(cat "$DEST/.done")" = "$PKGS" ]
}
done_already && exit 0

die() {
	echo "fetch-debian: $*" >&2
	exit 1
}

# One fetch per DEST at a time; a run that waited finds the work done.
mkdir -p "$(dirname "$DEST")"
exec 9>"$DEST.lock"
flock 9
done_already && exit 0

# --- the mirror, from this machine's apt configuration -------------------
# The entry whose Suites include this machine's own release (e.g. bookworm);
# deb822 files first, then one-line sources.list.
# shellcheck disable=SC1091
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$CODENAME" ] || die "no VERSION_CODENAME in /etc/os-release"

URI=""
KEYRING=""
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	line=$(awk -v suite="$CODENAME" '
		BEGIN { RS = ""; FS = "\n" }
		{
			types = uris = suites = signed = ""; enabled = "yes"
			for (i = 1; i <= NF; i++) {
				l = $i
				if (l ~ /^#/) continue
				k = l; sub(/:.*/, "", k); v = l; sub(/^[^:]*:[ \t]*/, "", v)
				k = tolower(k)
				if (k == "types") types = v
				else if (k == "uris") uris = v
				else if (k == "suites") suites = v
				else if (k == "signed-by") signed = v
				else if (k == "enabled") enabled = tolower(v)
			}
			if (enabled == "no" || (" " types " ") !~ / deb /) next
			if ((" " suites " ") !~ (" " suite " ")) next
			split(uris, u, /[ \t]+/)
			if (signed !~ /^\//) signed = ""
			print u[1], signed
			exit
		}' "$f")
	if [ -n "$line" ]; then
		URI=${line%% *}
		KEYRING=${line#* }
		[ "$KEYRING" != "$line" ] || KEYRING=""
		break
	fi
done
if [ -z "$URI" ] && [ -f /etc/apt/sources.list ]; then
	# deb [opts] URI SUITE COMPONENTS...
	URI=$(awk -v suite="$CODENAME" '
		$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) == suite) { print $i; exit }
		}' /etc/apt/sources.list)
fi
[ -n "$URI" ] || die "no apt source for suite $CODENAME in /etc/apt"
[ -n "$KEYRING" ] || KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$KEYRING" ] || die "keyring $KEYRING not readable"

# --- throw-away apt configuration ----------------------------------------
WORK=$(mktemp -d "$(dirname "$DEST")/.fetch-$SET.XXXXXX")
trap 'rm -rf "$WORK" "$DEST.tmp"' EXIT
trap 'exit 130' INT TERM
chmod 755 "$WORK"
mkdir -p "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs"
: >"$WORK/status"
echo "deb [signed-by=$KEYRING] $URI $SUITE main" >"$WORK/sources.list"

# apt drops to the _apt user for downloads; let it write where it must.
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
	chown _apt "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/debs"
fi

apt_run() {
	cmd=$1
	shift
	"$cmd" -q \
		-o Dir::Etc::sourcelist="$WORK/sources.list" \
		-o Dir::Etc::sourceparts=/dev/null \
		-o Dir::Etc::preferences=/dev/null \
		-o Dir::Etc::preferencesparts=/dev/null \
		-o Dir::State::Lists="$WORK/lists" \
		-o Dir::State::status="$WORK/status" \
		-o Dir::Cache="$WORK/cache" \
		-o Debug::NoLocking=1 \
		"$@"
}

start=$(date +%s)
echo "fetch-debian: $SUITE from $URI (keyring $KEYRING)" >&2
# --error-on=any: a failed fetch or a bad signature is an error, not a warning.
apt_run apt-get --error-on=any update >"$WORK/update.log" 2>&1 || {
	cat "$WORK/update.log" >&2
	die "apt-get update for $SUITE failed"
}
if grep -q '^[WE]:' "$WORK/update.log"; then
	cat "$WORK/update.log" >&2
	die "apt-get update for $SUITE reported problems"
fi

# shellcheck disable=SC2086
(cd "$WORK/debs" && apt_run apt-get download $PKGS) >"$WORK/download.log" 2>&1 || {
	cat "$WORK/download.log" >&2
	die "apt-get download from $SUITE failed"
}
for p in $PKGS; do
	set -- "$WORK/debs/${p}_"*.deb
	[ -f "$1" ] || die "package $p was not downloaded"
done

# --- unpack ---------------------------------------------------------------
rm -rf "$DEST.tmp"
mkdir -p "$DEST.tmp"
for deb in "$WORK/debs"/*.deb; do
	dpkg -x "$deb" "$DEST.tmp" || die "dpkg -x $deb failed"
	# shellcheck disable=SC2016
	dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb" >>"$DEST.tmp/.versions"
done

# An absolute symlink inside a package points into the system's own /usr
# (e.g. bookworm's older copy): make every one relative to the unpacked tree.
find "$DEST.tmp" -type l | while read -r l; do
	t=$(readlink "$l")
	case $t in
	/*)
		rel=$(realpath -m --relative-to="$(dirname "$l")" "$DEST.tmp$t")
		ln -sfn "$rel" "$l"
		;;
	esac
done

[ -x "$DEST.tmp/usr/lib/go-$GOVER/bin/go" ] || die "no go binary in the $SUITE packages"
echo "usr/lib/go-$GOVER" >"$DEST.tmp/.goroot"
printf '%s\n' "$PKGS" >"$DEST.tmp/.done"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
echo "fetch-debian: $SUITE unpacked into $DEST in $(($(date +%s) - start)) s ($(du -sh "$DEST" | cut -f1))" >&2
