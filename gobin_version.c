// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin_version.c: which Go built the binary, and which grpc-go it holds:
 * .go.buildinfo's version and module list, else grpc-go's user agent
 * string in read-only data.
 */
#define _GNU_SOURCE
#include <string.h>

#include "gobin_internal.h"

/* Go's uvarint, bounded by END; returns NULL on a malformed number. */
static const uint8_t *read_uvarint(const uint8_t *p, const uint8_t *end,
				   uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (p < end && shift < 64) {
		*v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80))
			return p;
		shift += 7;
	}
	return NULL;
}

/*
 * Copy a version "X.Y.Z" from P into OUT, or leave OUT empty when P does
 * not start with one. Only the run of digits and dots is read: in rodata
 * grpc-go's user agent runs straight into the next string
 * ("grpc-go/1.33.3grpc-trace-bin"), so a suffix cannot be told apart from
 * what follows, and a pre-release or pseudo-version ("1.64.0-dev",
 * "v1.81.1-0.2025...") reports its X.Y.Z alone. Exactly three non-empty
 * numeric components, or nothing: "1.33", "1.2.3.4" and ".1.2" are refused.
 */
static void copy_version(char *out, const char *p, const char *end)
{
	size_t n = 0, i, digits = 0, dots = 0;

	out[0] = '\0';
	while (p + n < end && n < GOBIN_VERSION_LEN &&
	       ((p[n] >= '0' && p[n] <= '9') || p[n] == '.'))
		n++;
	if (n == GOBIN_VERSION_LEN)
		return;
	while (n && p[n - 1] == '.')
		n--;
	for (i = 0; i < n; i++) {
		if (p[i] != '.') {
			digits++;
			continue;
		}
		if (!digits)
			return;
		digits = 0;
		dots++;
	}
	if (dots != 2 || !digits)
		return;
	memcpy(out, p, n);
	out[n] = '\0';
}

static bool printable(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return false;
	return true;
}

/*
 * The header of .go.buildinfo, 32 bytes: debug/buildinfo/buildinfo.go's
 * buildInfoHeader (described there in a comment; buildInfoMagic,
 * buildInfoHeaderSize, flagsOffset, flagsVersionInl), written by
 * cmd/link/internal/ld/data.go, (*Link).buildinfo. With flagsVersionInl
 * (Go >= 1.18) the pointers are unused and the Go version and the module
 * info follow the header as varint-prefixed strings; the older,
 * pointer-based layout (flagsVersionPtr) is left unknown.
 */
struct go_buildinfo_hdr {
	char magic[14];		/* "\xff Go buildinf:" */
	uint8_t ptrSize;	/* with flagsVersionPtr only */
	uint8_t flags;		/* flagsEndianBig 0x1, flagsVersionInl 0x2 */
	uint64_t versPtr;	/* with flagsVersionPtr: *runtime.buildVersion */
	uint64_t modPtr;	/* with flagsVersionPtr: *runtime.modinfo */
};
_Static_assert(sizeof(struct go_buildinfo_hdr) == 32 &&
	       offsetof(struct go_buildinfo_hdr, flags) == 15, "buildInfoHeader");

#define BUILDINFO_VERSION_INL	0x2	/* flagsVersionInl */

static void parse_buildinfo(struct gobin *gb)
{
	static const char magic[] = "\xff Go buildinf:";
	static const char grpc_dep[] = "\tgoogle.golang.org/grpc\tv";
	const uint8_t *p, *end;
	const char *mod, *dep;
	GElf_Shdr sh;
	uint64_t n;

	_Static_assert(sizeof(magic) - 1 == sizeof(((struct go_buildinfo_hdr *)0)->magic),
		       "buildInfoMagic");
	p = gobin_section_bytes(gb, ".go.buildinfo", &sh);
	if (!p || sh.sh_size < sizeof(struct go_buildinfo_hdr) ||
	    memcmp(p, magic, sizeof(magic) - 1))
		return;
	end = p + sh.sh_size;
	if (!(p[offsetof(struct go_buildinfo_hdr, flags)] & BUILDINFO_VERSION_INL))
		return;
	p += sizeof(struct go_buildinfo_hdr);
	p = read_uvarint(p, end, &n);
	if (!p || n > (uint64_t)(end - p))
		return;
	if (n < GOBIN_VERSION_LEN && printable(p, n)) {
		memcpy(gb->go_version, p, n);
		gb->go_version[n] = '\0';
	}
	p += n;
	p = read_uvarint(p, end, &n);
	if (!p || n > (uint64_t)(end - p))
		return;
	mod = (const char *)p;
	dep = memmem(mod, n, grpc_dep, sizeof(grpc_dep) - 1);
	if (dep) {
		dep += sizeof(grpc_dep) - 1;
		copy_version(gb->grpc_version, dep, mod + n);
		if (gb->grpc_version[0])
			gb->grpc_version_source = "buildinfo";
	}
}

/*
 * GOPATH builds carry no module versions, but grpc-go's user agent
 * "grpc-go/" + Version is a constant, so the linker keeps it in read-only
 * data, stripped binaries included.
 */
static const char ua[] = "grpc-go/";

/*
 * The first grpc-go user agent with a version that starts in [P, NEXT)
 * (it may run on up to END) into gb->grpc_version.
 */
static bool ua_version(struct gobin *gb, const char *p, const char *next,
		       const char *end)
{
	const size_t n = sizeof(ua) - 1;
	const char *lim = (size_t)(end - next) > n - 1 ? next + n - 1 : end;

	for (; p < next; p += n) {
		p = memmem(p, lim - p, ua, n);
		if (!p)
			return false;
		copy_version(gb->grpc_version, p + n, end);
		if (gb->grpc_version[0]) {
			gb->grpc_version_source = "rodata";
			return true;
		}
	}
	return false;
}

static void find_grpc_version_string(struct gobin *gb)
{
	const char *names[] = { ".rodata", ".data.rel.ro" };
	const char *p, *start, *end, *next;
	GElf_Shdr sh;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		start = (const char *)gobin_section_bytes(gb, names[i], &sh);
		if (!start)
			continue;
		end = start + sh.sh_size;
		for (p = start; p < end; p = next) {
			/* A window at a time, each one dropped (gobin_open()). */
			next = end - p > SCAN_WINDOW ? p + SCAN_WINDOW : end;
			gobin_drop_pages(gb);
			if (ua_version(gb, p, next, end))
				return;
		}
	}
}

/* Build info first; grpc-go's user agent in rodata when it names no grpc. */
void gobin_read_versions(struct gobin *gb)
{
	parse_buildinfo(gb);
	if (!gb->grpc_version[0])
		find_grpc_version_string(gb);
}

const char *gobin_go_version(const struct gobin *gb)
{
	return gb->go_version;
}

const char *gobin_grpc_version(const struct gobin *gb)
{
	return gb->grpc_version;
}

const char *gobin_grpc_version_source(const struct gobin *gb)
{
	return gb->grpc_version_source;
}
