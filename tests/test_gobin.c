// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for gobin (gobin.h, gobin_*.c) against real Go binaries.
 *
 * Every expected value comes from the command line, computed by
 * tests/unit.sh with tools that share no code with gobin (go, dpkg, nm,
 * readelf, objdump, gdb, llvm-dwarfdump). Nothing here is a number copied
 * from an earlier gobin run, so a wrong answer from gobin cannot become the
 * reference.
 *
 * USAGE: test_gobin PLAIN STRIPPED GOHELLO KEY=VALUE...
 *
 *	go=go1.19.8			Go version of all three fixtures
 *	grpc=1.33.3			grpc-go version of PLAIN and STRIPPED
 *	grpc_source=rodata		where it is recorded (rodata|buildinfo)
 *	func=ADDR,SIZE,NAME		a function of PLAIN (nm -S)
 *	nofunc=NAME			a symbol that is not a function
 *	data=ADDR,SIZE,HEX,NAME		a data symbol of PLAIN (nm -S) and the
 *					bytes at ADDR + 16 in the file (od)
 *	entry=KIND,VADDR,OFFSET,NAME	entry probe site of NAME (objdump);
 *					KIND is stack_check or entry
 *	rets=ADDR:ADDR:...,NAME		every RET of NAME (objdump)
 *	vaddr=VADDR,OFFSET|none		file offset of VADDR (readelf -l)
 *	member=OFFSET,MEMBER,TYPE	DWARF member offset (gdb, llvm-dwarfdump)
 *	trunc=LEN			also try a copy of PLAIN cut to LEN bytes
 *	pcln=BIN,FILE			gobin_func_pclntab() on BIN for every
 *					line "ADDR END NAME" of FILE (nm, or
 *					go tool addr2line); when BIN has no
 *					.symtab, gobin_func() as well
 *	pcltext=BIN,ADDR		runtime.text of BIN (nm)
 *	rodata=BIN,LO,HI		gobin_fixed_rodata() of BIN (readelf
 *					-lW: its R-only LOAD; 0,0 for a PIE)
 *	versions=BIN,GO,GRPC,SOURCE	versions of BIN (go version -m, rodata
 *					grep); "-" for an empty GRPC/SOURCE
 *	params=BIN,FILE			gobin_param_reg() for every line
 *					"WANT PARAM FUNC" (llvm-dwarfdump + awk,
 *					checked against DWARF location lists):
 *					WANT is 0..8, stack, none or wrapper
 *	mtypes=BIN,FILE			gobin_member_type() for every line
 *					"TYPE<TAB>MEMBER<TAB>MEMBER_TYPE"
 *	corrupt=PCLN,BUILDINFO,UA[:UA]	file offsets in STRIPPED of .gopclntab,
 *					.go.buildinfo and of every version after
 *					"grpc-go/" (readelf, grep -b): damaged
 *					copies must fail cleanly
 *	callers=BIN,FILE		gobin_caller_sites() of NewStream in BIN
 *					(objdump + awk): FILE's first line is
 *					"P1|P2..." (caller prefixes, "-" for
 *					all), its second "complete" or
 *					"incomplete", then one line a site:
 *					"SITE CALL RET direct|itab"
 *	sites=BIN,FILE			gobin_first_pass_site() and
 *					gobin_body_site() (objdump + awk), one
 *					a line: "first|body FUNC KEEP SWAP
 *					WANT", KEEP the argument registers
 *					(0..8, comma separated; 14 is R14)
 *					from params=, SWAP that of the swap's
 *					base (first) or -, WANT 0xADDR or none
 *	sweep=FILE			every function of PLAIN, one a line:
 *					"ADDR SIZE KIND,SITE RETS NAME" (objdump);
 *					RETS is "A:B:...", "-" (none) or "bad"
 *					(objdump met undecodable bytes)
 *
 * Output is TAP-like; the last line is "gobin: N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <capstone/capstone.h>

#include "gobin.h"

#define MAX_EXPECT	32
#define MAX_RETS	64

struct func_expect {
	const char *name;
	uint64_t addr;
	uint64_t size;
};

struct entry_expect {
	const char *name;
	enum site_kind kind;
	uint64_t vaddr;
	uint64_t offset;
};

struct rets_expect {
	const char *name;
	uint64_t addrs[MAX_RETS];
	int n;
};

struct vaddr_expect {
	uint64_t vaddr;
	uint64_t offset;
	bool mapped;
};

struct member_expect {
	const char *type;
	const char *member;
	long offset;
};

static struct expect {
	const char *go;
	const char *grpc;
	const char *grpc_source;
	struct func_expect funcs[MAX_EXPECT];
	int nfuncs;
	const char *nofuncs[MAX_EXPECT];
	int nnofuncs;
	struct func_expect datas[MAX_EXPECT];
	const char *data_hex[MAX_EXPECT];
	int ndatas;
	struct entry_expect entries[MAX_EXPECT];
	int nentries;
	struct rets_expect rets[MAX_EXPECT];
	int nrets;
	struct vaddr_expect vaddrs[MAX_EXPECT];
	int nvaddrs;
	struct member_expect members[MAX_EXPECT];
	int nmembers;
	const char *sweep;
	uint64_t truncs[MAX_EXPECT];
	int ntruncs;
	char *pclns[MAX_EXPECT];	/* "BIN,FILE" */
	int npclns;
	char *pcltexts[MAX_EXPECT];	/* "BIN,ADDR" */
	int npcltexts;
	char *rodatas[MAX_EXPECT];	/* "BIN,LO,HI" */
	int nrodatas;
	char *versions[MAX_EXPECT];	/* "BIN,GO,GRPC,SOURCE" */
	int nversions;
	char *params[MAX_EXPECT];	/* "BIN,FILE" */
	int nparams;
	char *mtypes[MAX_EXPECT];	/* "BIN,FILE" */
	int nmtypes;
	char *callers[MAX_EXPECT];	/* "BIN,FILE" */
	int ncallers;
	char *sites[MAX_EXPECT];	/* "BIN,FILE" */
	int nsites;
	uint64_t corrupt_pcln, corrupt_buildinfo, corrupt_ua[4];
	int ncorrupt_ua;
	bool corrupt;
} truth;

/* Present in no grpc-go version; gobin must say so, not guess. */
static const char missing_func[] =
	"google.golang.org/grpc/internal/transport.(*http2Client).NoSuchMethod";
static const char http2client[] =
	"google.golang.org/grpc/internal/transport.http2Client";
static const char http2client_newstream[] =
	"google.golang.org/grpc/internal/transport.(*http2Client).NewStream";

static int ntests, nfailed;

static bool check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool check(bool ok, const char *fmt, ...)
{
	va_list ap;

	ntests++;
	if (!ok)
		nfailed++;
	printf("%s %d - ", ok ? "ok" : "not ok", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return ok;
}

static void check_str(const char *got, const char *want, const char *what)
{
	if (!check(got && !strcmp(got, want), "%s is \"%s\"", what, want))
		printf("#   got \"%s\"\n", got ? got : "(null)");
}

static void check_u64(uint64_t got, uint64_t want, const char *what)
{
	if (!check(got == want, "%s is 0x%" PRIx64, what, want))
		printf("#   got 0x%" PRIx64 "\n", got);
}

static void check_err(int got, int want, const char *what)
{
	if (!check(got == want, "%s returns %d (%s)", what, want,
		   want ? strerror(-want) : "success"))
		printf("#   got %d (%s)\n", got, got < 0 ? strerror(-got) : "success");
}

static const struct func_expect *find_func_expect(const char *name)
{
	int i;

	for (i = 0; i < truth.nfuncs; i++)
		if (!strcmp(truth.funcs[i].name, name))
			return &truth.funcs[i];
	return NULL;
}

/* --- command line ------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: test_gobin PLAIN STRIPPED GOHELLO KEY=VALUE...\n"
		"(see tests/unit.sh, which computes the KEY=VALUE expectations)\n");
	exit(2);
}

static void bad_arg(const char *arg)
{
	fprintf(stderr, "test_gobin: malformed expectation: %s\n", arg);
	exit(2);
}

/* A number up to the next ',' or ':' (or the end); returns what follows. */
static char *parse_num(char *s, uint64_t *v, const char *arg)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || (*end && *end != ',' && *end != ':'))
		bad_arg(arg);
	return *end ? end + 1 : end;
}

static void *next_slot(int *n, void *base, size_t size, const char *arg)
{
	if (*n == MAX_EXPECT)
		bad_arg(arg);
	return (char *)base + size * (*n)++;
}

static void parse_func(char *v, const char *arg)
{
	struct func_expect *f = next_slot(&truth.nfuncs, truth.funcs, sizeof(*f), arg);

	v = parse_num(v, &f->addr, arg);
	v = parse_num(v, &f->size, arg);
	if (!*v)
		bad_arg(arg);
	f->name = v;
}

static void parse_data(char *v, const char *arg)
{
	struct func_expect *d = next_slot(&truth.ndatas, truth.datas, sizeof(*d), arg);
	char *hex;

	v = parse_num(v, &d->addr, arg);
	v = parse_num(v, &d->size, arg);
	hex = v;
	v = strchr(v, ',');
	if (!v)
		bad_arg(arg);
	*v++ = '\0';
	truth.data_hex[truth.ndatas - 1] = hex;
	d->name = v;
}

static void parse_entry(char *v, const char *arg)
{
	struct entry_expect *e = next_slot(&truth.nentries, truth.entries, sizeof(*e), arg);

	if (!strncmp(v, "stack_check,", 12))
		e->kind = SITE_STACK_CHECK;
	else if (!strncmp(v, "entry,", 6))
		e->kind = SITE_ENTRY;
	else
		bad_arg(arg);
	v = strchr(v, ',') + 1;
	v = parse_num(v, &e->vaddr, arg);
	v = parse_num(v, &e->offset, arg);
	if (!*v)
		bad_arg(arg);
	e->name = v;
}

static void parse_rets(char *v, const char *arg)
{
	struct rets_expect *r = next_slot(&truth.nrets, truth.rets, sizeof(*r), arg);
	char *end;

	/* An empty list ("rets=,NAME") is a function without a RET. */
	while (*v != ',') {
		if (r->n == MAX_RETS)
			bad_arg(arg);
		errno = 0;
		r->addrs[r->n++] = strtoull(v, &end, 0);
		if (errno || end == v || (*end != ':' && *end != ','))
			bad_arg(arg);
		v = *end == ':' ? end + 1 : end;
	}
	r->name = v + 1;
	if (!*r->name)
		bad_arg(arg);
}

static void parse_vaddr(char *v, const char *arg)
{
	struct vaddr_expect *e = next_slot(&truth.nvaddrs, truth.vaddrs, sizeof(*e), arg);

	v = parse_num(v, &e->vaddr, arg);
	e->mapped = strcmp(v, "none");
	if (e->mapped && *parse_num(v, &e->offset, arg))
		bad_arg(arg);
}

static void parse_member(char *v, const char *arg)
{
	struct member_expect *m = next_slot(&truth.nmembers, truth.members, sizeof(*m), arg);
	uint64_t off;
	char *comma;

	v = parse_num(v, &off, arg);
	m->offset = (long)off;
	comma = strchr(v, ',');
	if (!comma || comma == v || !comma[1])
		bad_arg(arg);
	*comma = '\0';
	m->member = v;
	m->type = comma + 1;
}

static void parse_expect(char *arg)
{
	char *v = strchr(arg, '=');
	char *orig = strdup(arg);	/* for messages; the parsers cut ARG */

	if (!v || !orig)
		bad_arg(arg);
	*v++ = '\0';
	if (!strcmp(arg, "go"))
		truth.go = v;
	else if (!strcmp(arg, "grpc"))
		truth.grpc = v;
	else if (!strcmp(arg, "grpc_source"))
		truth.grpc_source = v;
	else if (!strcmp(arg, "func"))
		parse_func(v, orig);
	else if (!strcmp(arg, "nofunc"))
		*(const char **)next_slot(&truth.nnofuncs, truth.nofuncs,
					  sizeof(truth.nofuncs[0]), orig) = v;
	else if (!strcmp(arg, "data"))
		parse_data(v, orig);
	else if (!strcmp(arg, "entry"))
		parse_entry(v, orig);
	else if (!strcmp(arg, "rets"))
		parse_rets(v, orig);
	else if (!strcmp(arg, "vaddr"))
		parse_vaddr(v, orig);
	else if (!strcmp(arg, "member"))
		parse_member(v, orig);
	else if (!strcmp(arg, "sweep"))
		truth.sweep = v;
	else if (!strcmp(arg, "pcln"))
		*(char **)next_slot(&truth.npclns, truth.pclns, sizeof(char *), orig) = v;
	else if (!strcmp(arg, "pcltext"))
		*(char **)next_slot(&truth.npcltexts, truth.pcltexts, sizeof(char *), orig) = v;
	else if (!strcmp(arg, "rodata"))
		*(char **)next_slot(&truth.nrodatas, truth.rodatas, sizeof(char *), orig) = v;
	else if (!strcmp(arg, "versions"))
		*(char **)next_slot(&truth.nversions, truth.versions, sizeof(char *), orig) = v;
	else if (!strcmp(arg, "params"))
		*(char **)next_slot(&truth.nparams, truth.params, sizeof(char *), orig) = v;
	else if (!strcmp(arg, "mtypes"))
		*(char **)next_slot(&truth.nmtypes, truth.mtypes, sizeof(char *), orig) = v;
	else if (!strcmp(arg, "callers"))
		*(char **)next_slot(&truth.ncallers, truth.callers, sizeof(char *), orig) = v;
	else if (!strcmp(arg, "sites"))
		*(char **)next_slot(&truth.nsites, truth.sites, sizeof(char *), orig) = v;
	else if (!strcmp(arg, "corrupt")) {
		v = parse_num(v, &truth.corrupt_pcln, orig);
		v = parse_num(v, &truth.corrupt_buildinfo, orig);
		do {
			if (truth.ncorrupt_ua == 4)
				bad_arg(orig);
			v = parse_num(v, &truth.corrupt_ua[truth.ncorrupt_ua++], orig);
		} while (*v);
		truth.corrupt = true;
	} else if (!strcmp(arg, "trunc"))
		parse_num(v, next_slot(&truth.ntruncs, truth.truncs,
				       sizeof(truth.truncs[0]), orig), orig);
	else
		bad_arg(orig);
	free(orig);	/* what is kept points into ARG, not ORIG */
}

/*
 * A run without ground truth would pass by testing nothing, so the kinds of
 * expectation the suite is about are mandatory.
 */
static void check_expectations_given(void)
{
	check(truth.go && truth.grpc && truth.grpc_source && truth.nfuncs &&
	      truth.nnofuncs && truth.nentries && truth.nrets && truth.nvaddrs &&
	      truth.nmembers && truth.sweep && truth.npclns && truth.npcltexts && truth.nrodatas &&
	      truth.nversions && truth.nparams && truth.nmtypes && truth.corrupt &&
	      truth.ncallers && truth.nsites,
	      "every kind of expectation is given on the command line");
}

/* --- helpers ------------------------------------------------------------ */

static int read_at(const char *path, uint64_t off, uint8_t *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, (off_t)off);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/*
 * Decode the JBE at the site's file offset from the raw bytes (rel8 0x76 or
 * rel32 0x0f 0x86), independently of Capstone, and return its target.
 */
static bool decode_jbe(const char *path, uint64_t off, uint64_t vaddr,
		       uint64_t *target)
{
	uint8_t b[6];
	int32_t rel32;

	if (read_at(path, off, b, sizeof(b)))
		return false;
	if (b[0] == 0x76) {
		*target = vaddr + 2 + (int8_t)b[1];
		return true;
	}
	if (b[0] == 0x0f && b[1] == 0x86) {
		memcpy(&rel32, b + 2, sizeof(rel32));
		*target = vaddr + 6 + rel32;
		return true;
	}
	return false;
}

static struct gobin *open_ok(const char *path, const char *label)
{
	struct gobin *gb = NULL;
	const char *why = NULL;
	int err;

	err = gobin_open(path, &gb, &why);
	if (!check(!err && gb, "%s: gobin_open succeeds", label)) {
		printf("#   %s: %d (%s)\n", path, err, why ? why : "no message");
		return NULL;
	}
	return gb;
}

/* --- plain fixture: symbols, DWARF, sites ------------------------------- */

static void test_funcs(struct gobin *gb)
{
	uint64_t addr, size;
	char what[512];
	int i, err;

	for (i = 0; i < truth.nfuncs; i++) {
		const struct func_expect *f = &truth.funcs[i];

		addr = size = 0;
		err = gobin_func(gb, f->name, &addr, &size);
		snprintf(what, sizeof(what), "gobin_func(%s)", f->name);
		check_err(err, 0, what);
		snprintf(what, sizeof(what), "address of %s", f->name);
		check_u64(addr, f->addr, what);
		snprintf(what, sizeof(what), "size of %s", f->name);
		check_u64(size, f->size, what);
	}
	for (i = 0; i < truth.nnofuncs; i++) {
		snprintf(what, sizeof(what), "gobin_func(%s) (not a function)",
			 truth.nofuncs[i]);
		check_err(gobin_func(gb, truth.nofuncs[i], &addr, &size), -ENOENT, what);
	}
	for (i = 0; i < truth.ndatas; i++) {
		const struct func_expect *d = &truth.datas[i];
		const char *hex = truth.data_hex[i];
		uint8_t buf[64];
		char got[2 * sizeof(buf) + 1];
		size_t j, n = strlen(hex) / 2;

		addr = size = 0;
		snprintf(what, sizeof(what), "gobin_symbol(%s)", d->name);
		check_err(gobin_symbol(gb, d->name, &addr, &size), 0, what);
		snprintf(what, sizeof(what), "address and size of data %s", d->name);
		check(addr == d->addr && size == d->size, "%s", what);
		if (n > sizeof(buf))
			n = sizeof(buf);
		snprintf(what, sizeof(what), "gobin_read(%s + 16, %zu)", d->name, n);
		err = gobin_read(gb, d->addr + 16, buf, n);
		for (j = 0; j < n; j++)
			sprintf(got + 2 * j, "%02x", buf[j]);
		got[2 * n] = '\0';
		check(!err && !strcmp(got, hex), "%s: %s, want %s", what, err ? "error" : got, hex);
	}
	snprintf(what, sizeof(what), "gobin_read past every segment");
	check_err(gobin_read(gb, 0x1000, &addr, sizeof(addr)), -ERANGE, what);
	snprintf(what, sizeof(what), "gobin_func(%s) (absent)", missing_func);
	check_err(gobin_func(gb, missing_func, &addr, &size), -ENOENT, what);
	/* A name that is a prefix of real ones must not match them. */
	check_err(gobin_func(gb, "google.golang.org/grpc/internal/transport.(*http2Client).New",
			     &addr, &size), -ENOENT, "gobin_func(prefix of a name) (absent)");
}

/* Functions of one package, by name, in table order. */
struct pkg_walk {
	const char *pkg;
	bool filter;		/* the full walk: keep the package's only */
	char names[4096][160];
	uint64_t addr[4096];
	int n;
};

static int pkg_walk_cb(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct pkg_walk *w = ctx;
	size_t len = strlen(w->pkg);

	/* The package path ends at the first '.' past it: "net." not "net/http.". */
	if (w->filter && (strncmp(name, w->pkg, len) || name[len] != '.'))
		return 0;
	if (w->n < 4096) {
		snprintf(w->names[w->n], sizeof(w->names[0]), "%s", name);
		w->addr[w->n] = addr;
	}
	w->n++;
	(void)size;
	return 0;
}

/*
 * gobin_for_each_func_in() against a filtered gobin_for_each_func(): the
 * same functions, in the same order, for packages with and without a '/'.
 */
static void test_funcs_in(struct gobin *gb)
{
	static const char *const pkgs[] = {
		"net", "google.golang.org/grpc", "google.golang.org/grpc/internal/transport",
		"google.golang.org/grpc/internal/status", "runtime", "no/such/package",
	};
	static struct pkg_walk all, in;
	size_t p;
	int i, diff;

	for (p = 0; p < sizeof(pkgs) / sizeof(pkgs[0]); p++) {
		memset(&all, 0, sizeof(all));
		memset(&in, 0, sizeof(in));
		all.pkg = in.pkg = pkgs[p];
		all.filter = true;
		check_err(gobin_for_each_func(gb, pkg_walk_cb, &all), 0, "gobin_for_each_func");
		check_err(gobin_for_each_func_in(gb, pkgs[p], pkg_walk_cb, &in), 0,
			  "gobin_for_each_func_in");
		for (i = 0, diff = -1; i < all.n && i < in.n && i < 4096 && diff < 0; i++)
			if (strcmp(all.names[i], in.names[i]) || all.addr[i] != in.addr[i])
				diff = i;
		check(all.n == in.n && diff < 0, "gobin_for_each_func_in(%s): %d functions, "
		      "the full walk %d (first difference at %d)", pkgs[p], in.n, all.n, diff);
		if (p < 4)
			check(in.n > 0, "gobin_for_each_func_in(%s) finds functions", pkgs[p]);
	}
}

static void test_vaddrs(struct gobin *gb)
{
	uint64_t off;
	char what[128];
	int i, err;

	for (i = 0; i < truth.nvaddrs; i++) {
		const struct vaddr_expect *v = &truth.vaddrs[i];

		off = UINT64_MAX;
		err = gobin_vaddr_to_offset(gb, v->vaddr, &off);
		if (!v->mapped) {
			if (!check(err < 0, "vaddr 0x%" PRIx64 " has no file offset",
				   v->vaddr))
				printf("#   got %d, offset 0x%" PRIx64 "\n", err, off);
			continue;
		}
		snprintf(what, sizeof(what), "gobin_vaddr_to_offset(0x%" PRIx64 ")",
			 v->vaddr);
		check_err(err, 0, what);
		snprintf(what, sizeof(what), "file offset of vaddr 0x%" PRIx64, v->vaddr);
		check_u64(off, v->offset, what);
	}
}

static void test_members(struct gobin *gb)
{
	char what[512];
	long off;
	int i, err;

	for (i = 0; i < truth.nmembers; i++) {
		const struct member_expect *m = &truth.members[i];

		off = -1;
		err = gobin_member_offset(gb, m->type, m->member, &off);
		snprintf(what, sizeof(what), "gobin_member_offset(%s, %s)",
			 m->type, m->member);
		check_err(err, 0, what);
		if (!check(off == m->offset, "%s.%s is at offset %ld", m->type,
			   m->member, m->offset))
			printf("#   got %ld\n", off);
	}
	check_err(gobin_member_offset(gb, http2client, "noSuchMember", &off), -ENOENT,
		  "gobin_member_offset(http2Client, noSuchMember)");
	check_err(gobin_member_offset(gb, "google.golang.org/grpc/internal/transport.noSuchType",
				      "id", &off), -ENOENT,
		  "gobin_member_offset(noSuchType, id)");
	/* Go's DWARF has pointer types "*T": only the struct T itself counts. */
	check_err(gobin_member_offset(gb, "*net.TCPAddr", "Port", &off), -ENOENT,
		  "gobin_member_offset(*net.TCPAddr, Port)");
}

static void test_entry_site(struct gobin *gb, const char *path,
			    const struct entry_expect *e)
{
	const struct func_expect *f = find_func_expect(e->name);
	struct probe_site site = { 0 };
	uint64_t target = 0;
	char what[512];
	int err;

	if (!check(f != NULL, "entry site of %s: func= expectation given", e->name))
		return;
	err = gobin_entry_site(gb, f->addr, f->size, &site);
	snprintf(what, sizeof(what), "gobin_entry_site(%s)", e->name);
	check_err(err, 0, what);
	if (!check(site.kind == e->kind, "entry site of %s is a %s", e->name,
		   gobin_site_kind_str(e->kind)))
		printf("#   got %s\n", gobin_site_kind_str(site.kind));
	snprintf(what, sizeof(what), "entry site vaddr of %s", e->name);
	check_u64(site.vaddr, e->vaddr, what);
	snprintf(what, sizeof(what), "entry site file offset of %s", e->name);
	check_u64(site.offset, e->offset, what);
	if (e->kind != SITE_STACK_CHECK)
		return;
	/*
	 * The BPF side ignores the hit when this branch is taken, so it had
	 * better be the JBE to the morestack call at the function's tail.
	 */
	if (!check(decode_jbe(path, site.offset, site.vaddr, &target),
		   "bytes at the entry site of %s are a JBE", e->name))
		return;
	if (!check(target > site.vaddr && target < f->addr + f->size,
		   "JBE of %s jumps forward inside the function", e->name))
		printf("#   target 0x%" PRIx64 ", function [0x%" PRIx64 ", 0x%" PRIx64 ")\n",
		       target, f->addr, f->addr + f->size);
}

static void test_ret_sites(struct gobin *gb, const char *path,
			   const struct rets_expect *r)
{
	const struct func_expect *f = find_func_expect(r->name);
	struct probe_site sites[MAX_RETS];
	uint8_t op;
	bool same;
	int i, n;

	if (!check(f != NULL, "RET sites of %s: func= expectation given", r->name))
		return;
	memset(sites, 0, sizeof(sites));
	n = gobin_ret_sites(gb, f->addr, f->size, sites, MAX_RETS);
	if (!check(n == r->n, "%s has %d RET sites", r->name, r->n)) {
		printf("#   got %d%s%s\n", n, n < 0 ? ": " : "", n < 0 ? strerror(-n) : "");
		if (n < 0)
			return;
	}
	same = true;
	for (i = 0; i < n && i < r->n; i++)
		same &= sites[i].vaddr == r->addrs[i] && sites[i].kind == SITE_RET;
	if (!check(same, "RET sites of %s are at objdump's ret addresses", r->name))
		for (i = 0; i < n; i++)
			printf("#   got 0x%" PRIx64 " (%s)\n", sites[i].vaddr,
			       gobin_site_kind_str(sites[i].kind));
	same = true;
	for (i = 0; i < n; i++)
		same &= !read_at(path, sites[i].offset, &op, 1) && op == 0xc3;
	check(same, "every RET site file offset of %s holds a 0xc3 byte", r->name);
	if (r->n > 0)
		check_err(gobin_ret_sites(gb, f->addr, f->size, sites, r->n - 1), -E2BIG,
			  "gobin_ret_sites with room for one site less");
}

/*
 * Every function of the binary against objdump, so that the prologue and
 * RET finders meet all the shapes the Go compiler, the runtime's assembly
 * and cgo's C code produce, not only the few functions named above.
 */
#define SWEEP_MAX_RETS	1024
#define SWEEP_SHOW	5
#define SWEEP_SHOW_PCLN	10

struct sweep_stats {
	int funcs, stack_checks, entries, bad;
	int entry_wrong, rets_wrong;
};

static bool sweep_rets_match(const struct probe_site *sites, int n, char *want)
{
	char *tok, *save = NULL;
	int i = 0;

	if (!strcmp(want, "-"))
		return n == 0;
	for (tok = strtok_r(want, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (i >= n || sites[i].vaddr != strtoull(tok, NULL, 0) ||
		    sites[i].kind != SITE_RET)
			return false;
		i++;
	}
	return i == n;
}

static void sweep_one(struct gobin *gb, char *line, struct sweep_stats *st)
{
	static struct probe_site sites[SWEEP_MAX_RETS];
	char *addr_s, *size_s, *entry_s, *rets_s, *name, *save = NULL;
	uint64_t addr, size, want_site;
	enum site_kind want_kind;
	struct probe_site site = { 0 };
	char *comma;
	int n;

	addr_s = strtok_r(line, " \n", &save);
	size_s = strtok_r(NULL, " \n", &save);
	entry_s = strtok_r(NULL, " \n", &save);
	rets_s = strtok_r(NULL, " \n", &save);
	name = strtok_r(NULL, " \n", &save);
	comma = entry_s ? strchr(entry_s, ',') : NULL;
	if (!name || !comma)
		bad_arg(line);
	st->funcs++;
	addr = strtoull(addr_s, NULL, 0);
	size = strtoull(size_s, NULL, 0);
	want_kind = strncmp(entry_s, "stack_check,", 12) ? SITE_ENTRY : SITE_STACK_CHECK;
	want_site = strtoull(comma + 1, NULL, 0);
	if (want_kind == SITE_STACK_CHECK)
		st->stack_checks++;
	else
		st->entries++;
	if (gobin_entry_site(gb, addr, size, &site) || site.kind != want_kind ||
	    site.vaddr != want_site) {
		if (st->entry_wrong++ < SWEEP_SHOW)
			printf("# entry of %s: want %s, got 0x%" PRIx64 " %s\n", name,
			       entry_s, site.vaddr, gobin_site_kind_str(site.kind));
	}
	n = gobin_ret_sites(gb, addr, size, sites, SWEEP_MAX_RETS);
	if (!strcmp(rets_s, "bad")) {
		/* Data in text: refusing is right, any list would be garbage. */
		st->bad++;
		if (n >= 0 && st->rets_wrong++ < SWEEP_SHOW)
			printf("# RETs of %s: objdump finds undecodable bytes, gobin found %d RETs\n",
			       name, n);
		return;
	}
	if ((n < 0 || !sweep_rets_match(sites, n, rets_s)) &&
	    st->rets_wrong++ < SWEEP_SHOW)
		printf("# RETs of %s: got %d (%s)\n", name, n, n < 0 ? strerror(-n) : "list differs");
}

static void test_sweep(struct gobin *gb)
{
	struct sweep_stats st = { 0 };
	FILE *f = fopen(truth.sweep, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!check(f != NULL, "sweep: %s opened", truth.sweep))
		return;
	while (getline(&line, &cap, f) > 0)
		sweep_one(gb, line, &st);
	free(line);
	fclose(f);
	printf("# sweep: %d functions, %d with a stack check, %d without, %d with data in text\n",
	       st.funcs, st.stack_checks, st.entries, st.bad);
	/* An empty or one-sided list would make the next two checks vacuous. */
	check(st.funcs >= 1000 && st.stack_checks && st.entries,
	      "sweep: over 1000 functions, with and without a stack check");
	if (!check(!st.entry_wrong, "sweep: entry sites of all %d functions agree with objdump",
		   st.funcs))
		printf("#   %d differ\n", st.entry_wrong);
	if (!check(!st.rets_wrong, "sweep: RET sites of all %d functions agree with objdump",
		   st.funcs))
		printf("#   %d differ\n", st.rets_wrong);
}

static void test_bad_ranges(struct gobin *gb)
{
	const struct func_expect *f = &truth.funcs[0];
	struct probe_site site;

	check(gobin_entry_site(gb, 0x1000, 16, &site) < 0,
	      "gobin_entry_site of an unmapped address fails");
	check(gobin_ret_sites(gb, 0x1000, 16, &site, 1) < 0,
	      "gobin_ret_sites of an unmapped address fails");
	check(gobin_entry_site(gb, f->addr, 0, &site) < 0,
	      "gobin_entry_site of an empty range fails");
	check(gobin_ret_sites(gb, f->addr, 0, &site, 1) < 0,
	      "gobin_ret_sites of an empty range fails");
}

static void test_versions(struct gobin *gb, const char *label, bool grpc)
{
	char what[128];

	snprintf(what, sizeof(what), "%s: Go version", label);
	check_str(gobin_go_version(gb), truth.go, what);
	snprintf(what, sizeof(what), "%s: grpc-go version", label);
	check_str(gobin_grpc_version(gb), grpc ? truth.grpc : "", what);
	snprintf(what, sizeof(what), "%s: grpc-go version source", label);
	check_str(gobin_grpc_version_source(gb), grpc ? truth.grpc_source : "", what);
}

/* --- caller-side return sites ---------------------------------------------- */

static char *split_bin(char *spec);

#define MAX_CALLER_SITES	64
#define MAX_PREFIXES		8

static const uint16_t result_regs[] = {
	X86_REG_RAX, X86_REG_RBX, X86_REG_RCX, X86_REG_R14, 0
};

static const char client_itab[] =
	"go.itab.*google.golang.org/grpc/internal/transport.http2Client,"
	"google.golang.org/grpc/internal/transport.ClientTransport";

/*
 * NewStream's callers in BIN against objdump's: FILE as described at the
 * top. Every site must also be a real uprobe target: its file bytes are an
 * emulated branch opcode.
 */
/*
 * SPEC "BIN,FILE" (cut at the comma): BIN opened as a gobin, FILE for
 * reading. False, after a failed check, when either cannot be opened.
 */
static bool open_spec(char *spec, char **file, struct gobin **gb, FILE **f)
{
	*file = split_bin(spec);
	*gb = open_ok(spec, spec);
	if (!*gb)
		return false;
	*f = fopen(*file, "r");
	if (!check(*f != NULL, "%s: %s opened", spec, *file)) {
		gobin_close(*gb);
		return false;
	}
	return true;
}

/* Does the file hold, at OFF, a branch the kernel emulates (CALL, JMP, Jcc rel)? */
static bool emulated_at(const char *path, uint64_t off)
{
	uint8_t b[2];

	return !read_at(path, off, b, 2) &&
	       (b[0] == 0xe8 || b[0] == 0xe9 || b[0] == 0xeb || (b[0] >= 0x70 && b[0] <= 0x7f) ||
		(b[0] == 0x0f && b[1] >= 0x80 && b[1] <= 0x8f));
}

static void test_callers(char *spec)
{
	char *file, *line = NULL, *pfx_line = NULL, *label, *p;
	struct probe_site got[MAX_CALLER_SITES];
	const char *prefixes[MAX_PREFIXES + 1] = { 0 }, *why;
	struct caller_query q;
	uint64_t want[MAX_CALLER_SITES][3];
	bool want_itab[MAX_CALLER_SITES], want_complete = false, complete;
	int nwant = 0, npfx = 0, n, i, ok;
	struct gobin *gb;
	size_t cap = 0;
	char kind[16];
	FILE *f;

	if (!open_spec(spec, &file, &gb, &f))
		return;
	for (i = 0; getline(&line, &cap, f) > 0; i++) {
		line[strcspn(line, "\n")] = '\0';
		if (i == 0) {
			pfx_line = strdup(line);
			continue;
		}
		if (i == 1) {
			want_complete = !strcmp(line, "complete");
			continue;
		}
		if (nwant == MAX_CALLER_SITES ||
		    sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64 " %15s", &want[nwant][0],
			   &want[nwant][1], &want[nwant][2], kind) != 4)
			bad_arg(line);
		want_itab[nwant++] = !strcmp(kind, "itab");
	}
	free(line);
	fclose(f);
	if (!pfx_line)
		bad_arg(file);
	label = strdup(pfx_line);
	if (!label)
		bad_arg(file);
	if (strcmp(pfx_line, "-"))
		for (p = strtok(pfx_line, "|"); p && npfx < MAX_PREFIXES; p = strtok(NULL, "|"))
			prefixes[npfx++] = p;
	q = (struct caller_query){
		.func = http2client_newstream, .itab_sym = client_itab,
		.callers = npfx ? prefixes : NULL, .keep_regs = result_regs,
	};
	n = gobin_caller_sites(gb, &q, got, MAX_CALLER_SITES, &complete, &why);
	check(n == nwant, "%s [%s]: %d caller sites, want %d", spec, label, n, nwant);
	check(complete == want_complete, "%s [%s]: complete is %d, want %d (%s)", spec,
	      label, complete, want_complete, why ? why : "");
	for (i = 0; i < n && i < nwant; i++) {
		ok = got[i].vaddr == want[i][0] && got[i].call == want[i][1] &&
		     got[i].ret == want[i][2] && got[i].via_itab == want_itab[i] &&
		     got[i].kind == SITE_CALLER_BRANCH;
		check(ok, "%s: site %d at 0x%" PRIx64 " after the call at 0x%" PRIx64
		      " (ret 0x%" PRIx64 ", %s, %s), want 0x%" PRIx64 " after 0x%" PRIx64,
		      spec, i, got[i].vaddr, got[i].call, got[i].ret,
		      got[i].via_itab ? "itab" : "direct",
		      got[i].caller ? got[i].caller : "?", want[i][0], want[i][1]);
		check(emulated_at(spec, got[i].offset), "%s: file offset 0x%" PRIx64 " of site 0x%" PRIx64
		      " holds an emulated branch", spec, got[i].offset, got[i].vaddr);
	}
	free(pfx_line);
	free(label);
	gobin_close(gb);
}

/* Capstone's id of an argument register index (0..8, ABIInternal), or R14. */
static uint16_t arg_reg(int i)
{
	static const uint16_t regs[] = {
		X86_REG_RAX, X86_REG_RBX, X86_REG_RCX, X86_REG_RDI, X86_REG_RSI,
		X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
	};

	if (i == 14)
		return X86_REG_R14;
	return i >= 0 && i < (int)(sizeof(regs) / sizeof(regs[0])) ? regs[i] : 0;
}

#define MAX_KEEP 12

static void test_sites(char *spec)
{
	char *file, *line = NULL, *p;
	char kind[16], func[512], keep_s[64], swap_s[16], want_s[32];
	struct gobin *gb;
	uint16_t keep[MAX_KEEP + 1];
	struct first_pass_regs regs = { .keep = keep };
	struct probe_site site;
	uint64_t addr, size, want;
	const char *why = "";
	int err, nkeep;
	size_t cap = 0;
	FILE *f;

	if (!open_spec(spec, &file, &gb, &f))
		return;
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%15s %511s %63s %15s %31s", kind, func, keep_s, swap_s,
			   want_s) != 5)
			bad_arg(line);
		nkeep = 0;
		for (p = strtok(keep_s, ","); p && nkeep < MAX_KEEP; p = strtok(NULL, ","))
			if (!(keep[nkeep++] = arg_reg(atoi(p))))
				bad_arg(line);
		keep[nkeep] = 0;
		regs.swap_base = strcmp(swap_s, "-") ? arg_reg(atoi(swap_s)) : 0;
		want = strcmp(want_s, "none") ? strtoull(want_s, NULL, 16) : 0;
		if (!check(!gobin_func(gb, func, &addr, &size), "%s: %s found", spec, func))
			continue;
		memset(&site, 0, sizeof(site));
		if (!strcmp(kind, "first"))
			err = gobin_first_pass_site(gb, addr, size, &regs, &site, &why);
		else
			err = gobin_body_site(gb, addr, size, keep, &site);
		if (!want) {
			check(err == -ENOENT, "%s: %s site of %s: none (got %d, 0x%" PRIx64 ")",
			      spec, kind, func, err, site.vaddr);
			continue;
		}
		check(!err && site.vaddr == want &&
		      site.kind == (strcmp(kind, "first") ? SITE_BODY : SITE_FIRST_PASS),
		      "%s: %s site of %s at 0x%" PRIx64 ", want 0x%" PRIx64 " (%d: %s)", spec,
		      kind, func, site.vaddr, want, err, why);
		check(emulated_at(spec, site.offset), "%s: file offset 0x%" PRIx64 " of the %s site holds an emulated branch",
		      spec, site.offset, kind);
	}
	free(line);
	fclose(f);
	gobin_close(gb);
}

/* Bad input and calls that cannot all be found. */
static void test_callers_negative(struct gobin *gb)
{
	static const char *const nobody[] = { "no.such.package.", NULL };
	static const char *const clients[] = {
		"google.golang.org/grpc.(*csAttempt).newStream",
		"google.golang.org/grpc.newNonRetryClientStream", NULL,
	};
	static const char server_itab[] =
		"go.itab.*google.golang.org/grpc/internal/transport.http2Server,"
		"google.golang.org/grpc/internal/transport.ServerTransport";
	const struct caller_query any = {
		.func = http2client_newstream, .keep_regs = result_regs,
	};
	const struct caller_query in_nobody = {
		.func = http2client_newstream, .itab_sym = client_itab,
		.callers = nobody, .keep_regs = result_regs,
	};
	const struct caller_query in_clients = {
		.func = http2client_newstream, .itab_sym = client_itab,
		.callers = clients, .keep_regs = result_regs,
	};
	const struct caller_query server = {
		.func = http2client_newstream, .itab_sym = server_itab,
		.callers = clients, .keep_regs = result_regs,
	};
	struct caller_query q;
	struct probe_site s[MAX_CALLER_SITES];
	bool complete = true;
	const char *why;
	int n;

	n = gobin_caller_sites(gb, NULL, s, 4, &complete, &why);
	check_err(n, -EINVAL, "caller sites without a query");
	q = (struct caller_query){ .keep_regs = result_regs };
	n = gobin_caller_sites(gb, &q, s, 4, &complete, &why);
	check_err(n, -EINVAL, "caller sites of NULL");
	q = (struct caller_query){ .func = http2client_newstream };
	n = gobin_caller_sites(gb, &q, s, 4, &complete, &why);
	check_err(n, -EINVAL, "caller sites without KEEP_REGS");
	n = gobin_caller_sites(gb, &any, s, -1, &complete, &why);
	check_err(n, -EINVAL, "caller sites with MAX < 0");
	n = gobin_caller_sites(gb, &any, NULL, 4, &complete, &why);
	check_err(n, -EINVAL, "caller sites into NULL");
	q = (struct caller_query){ .func = missing_func, .keep_regs = result_regs };
	n = gobin_caller_sites(gb, &q, s, 4, &complete, &why);
	check_err(n, -ENOENT, "caller sites of a missing function");
	/* A data symbol is not a function. */
	q = (struct caller_query){ .func = "runtime.buildVersion", .keep_regs = result_regs };
	n = gobin_caller_sites(gb, &q, s, 4, &complete, &why);
	check_err(n, -ENOENT, "caller sites of a data symbol");
	/* Its only callers go through the interface, in no scanned function. */
	complete = false;
	n = gobin_caller_sites(gb, &in_nobody, s, MAX_CALLER_SITES, &complete, &why);
	check(n == 0 && complete, "no caller in scope: %d sites, complete %d (%s)",
	      n, complete, why);
	n = gobin_caller_sites(gb, &in_clients, s, 1, &complete, &why);
	check_err(n, -E2BIG, "two caller sites into one slot");
	/* The server's itab does not hold the client's NewStream. */
	n = gobin_caller_sites(gb, &server, s, MAX_CALLER_SITES, &complete, &why);
	check(n == 2 && !complete && strstr(why, "does not hold"), "wrong itab symbol: %d sites, complete %d (%s)",
	      n, complete, why);
	/* runtime.main calls main.main through a func value: not seen. */
	q = (struct caller_query){ .func = "main.main", .callers = nobody,
				   .keep_regs = result_regs };
	n = gobin_caller_sites(gb, &q, s, MAX_CALLER_SITES, &complete, &why);
	check(n >= 0 && !complete && strstr(why, "func value"), "a function called through a func value: %d sites, complete %d (%s)",
	      n, complete, why);
	check(!strcmp(gobin_site_kind_str(SITE_CALLER_BRANCH),
		      "branch after the call in a caller (emulated)"),
	      "SITE_CALLER_BRANCH is described");
}

static void test_plain(const char *path)
{
	struct gobin *gb = open_ok(path, "plain");
	int i;

	if (!gb)
		return;
	check(gobin_has_symtab(gb), "plain: has a symbol table");
	check(gobin_has_dwarf(gb), "plain: has DWARF");
	test_versions(gb, "plain", true);
	test_funcs(gb);
	test_funcs_in(gb);
	test_vaddrs(gb);
	test_members(gb);
	for (i = 0; i < truth.nentries; i++)
		test_entry_site(gb, path, &truth.entries[i]);
	for (i = 0; i < truth.nrets; i++)
		test_ret_sites(gb, path, &truth.rets[i]);
	test_bad_ranges(gb);
	test_sweep(gb);
	test_callers_negative(gb);
	gobin_close(gb);
}

/*
 * grpcstreams opens one binary, but a leak per open shows memory handled
 * wrongly (libelf drops section buffers when the file is read whole after
 * some sections were read one by one: 2 MB per open of this fixture).
 */
static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void open_use_close(const char *path)
{
	const struct func_expect *f = &truth.funcs[0];
	const struct member_expect *m = &truth.members[0];
	struct probe_site sites[MAX_RETS];
	struct gobin *gb;
	const char *why;
	uint64_t addr, size;
	long off;

	if (gobin_open(path, &gb, &why))
		return;
	gobin_func(gb, f->name, &addr, &size);
	gobin_member_offset(gb, m->type, m->member, &off);
	gobin_entry_site(gb, f->addr, f->size, sites);
	gobin_ret_sites(gb, f->addr, f->size, sites, MAX_RETS);
	gobin_close(gb);
}

static void test_no_leak(const char *path)
{
	size_t before, after;
	int i;

	open_use_close(path);	/* first-use allocations of the libraries */
	before = heap_in_use();
	for (i = 0; i < 4; i++)
		open_use_close(path);
	after = heap_in_use();
	if (!check(after <= before + 64 * 1024,
		   "plain: 4 more opens and closes leave the heap as it was"))
		printf("#   heap grew by %zu bytes\n", after - before);
}

/* --- stripped and non-grpc fixtures ------------------------------------- */

static void test_stripped(const char *path)
{
	struct gobin *gb = open_ok(path, "stripped");
	const struct member_expect *m = &truth.members[0];
	long off;

	if (!gb)
		return;
	check(!gobin_has_symtab(gb), "stripped: has no symbol table");
	check(!gobin_has_dwarf(gb), "stripped: has no DWARF");
	test_versions(gb, "stripped", true);
	test_funcs_in(gb);
	check_err(gobin_member_offset(gb, m->type, m->member, &off), -ENODATA,
		  "stripped: gobin_member_offset");
	gobin_close(gb);
}

static void test_gohello(const char *path)
{
	struct gobin *gb = open_ok(path, "gohello");
	uint64_t addr, size;
	long off;

	if (!gb)
		return;
	test_versions(gb, "gohello", false);
	check_err(gobin_func(gb, truth.funcs[0].name, &addr, &size), -ENOENT,
		  "gohello: gobin_func of a grpc-go function");
	check_err(gobin_member_offset(gb, http2client, "nextID", &off),
		  gobin_has_dwarf(gb) ? -ENOENT : -ENODATA,
		  "gohello: gobin_member_offset of a grpc-go type");
	gobin_close(gb);
}

/* --- files that are not Go programs ------------------------------------- */

static void expect_open_fails(const char *path, int want, const char *label)
{
	struct gobin *gb = NULL;
	const char *why = NULL;
	char what[256];
	int err;

	err = gobin_open(path, &gb, &why);
	snprintf(what, sizeof(what), "%s: gobin_open", label);
	check_err(err, want, what);
	if (check(why && *why, "%s: gobin_open explains why", label))
		printf("#   %s\n", why);
	if (!err)
		gobin_close(gb);
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = len ? write(fd, buf, len) : 0;
	if (close(fd) || n != (ssize_t)len)
		return -EIO;
	return 0;
}

static int copy_head(const char *from, const char *to, size_t len)
{
	void *buf = malloc(len);
	int err;

	if (!buf)
		return -ENOMEM;
	err = read_at(from, 0, buf, len);
	if (!err)
		err = write_file(to, buf, len);
	free(buf);
	return err;
}

static void test_not_go(const char *dir)
{
	static const char text[] = "#!/bin/sh\necho this is not an ELF file\n";
	char path[4096];

	expect_open_fails("/bin/true", -ENOEXEC, "non-Go ELF /bin/true");
	snprintf(path, sizeof(path), "%s/text", dir);
	if (check(!write_file(path, text, sizeof(text) - 1), "text file created"))
		expect_open_fails(path, -ENOEXEC, "text file");
	unlink(path);
	snprintf(path, sizeof(path), "%s/empty", dir);
	if (check(!write_file(path, "", 0), "empty file created"))
		expect_open_fails(path, -ENOEXEC, "empty file");
	unlink(path);
	snprintf(path, sizeof(path), "%s/does-not-exist", dir);
	expect_open_fails(path, -ENOENT, "nonexistent path");
}

/* gobin_peek() of PATH, as a file descriptor: WANT. */
static void expect_peek(const char *path, int want, const char *label)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), got;

	if (!check(fd >= 0, "%s: opened for gobin_peek", label))
		return;
	got = gobin_peek(fd);
	check(got == want, "%s: gobin_peek is %d (got %d)", label, want, got);
	close(fd);
}

/*
 * The look at every executable of a host: Go or not, and whose machine,
 * from the headers alone. A Go program for another machine is told apart
 * (its e_machine patched), and so is a Go program cut to its first pages.
 */
static void test_peek(const char *plain, const char *stripped, const char *gohello,
		      const char *dir)
{
	static const char text[] = "#!/bin/sh\necho not ELF\n";
	uint16_t arm64 = 183;	/* EM_AARCH64 */
	char path[4096];
	struct stat st;
	int fd;

	expect_peek(plain, GOBIN_GO, "plain fixture");
	expect_peek(stripped, GOBIN_GO, "stripped fixture");
	expect_peek(gohello, GOBIN_GO, "gohello (Go, no grpc-go)");
	expect_peek("/bin/true", GOBIN_NOT_GO, "/bin/true");
	snprintf(path, sizeof(path), "%s/peek-text", dir);
	if (check(!write_file(path, text, sizeof(text) - 1), "text file created"))
		expect_peek(path, GOBIN_NOT_GO, "text file");
	unlink(path);
	/* Its section headers are at the end: cut off, no Go section is seen. */
	snprintf(path, sizeof(path), "%s/peek-head", dir);
	if (check(!copy_head(stripped, path, 1 << 20), "first MiB of the stripped fixture copied"))
		expect_peek(path, GOBIN_NOT_GO, "the first MiB of a Go program");
	unlink(path);
	snprintf(path, sizeof(path), "%s/peek-arm64", dir);
	if (check(!stat(stripped, &st) && !copy_head(stripped, path, st.st_size),
		  "stripped fixture copied")) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		check(fd >= 0 && pwrite(fd, &arm64, 2, 18) == 2, "e_machine patched to AArch64");
		if (fd >= 0)
			close(fd);
		expect_peek(path, GOBIN_GO_OTHER_ARCH, "a Go program for AArch64");
	}
	unlink(path);
}

/*
 * A truncated binary (a copy cut short, a download in progress) must either
 * be refused or give answers that are right or absent: never code bytes or
 * offsets from beyond the end of the file. Whether a given cut is refused
 * depends on which sections survive, so both outcomes are accepted, but an
 * opened file is then held to the expected values.
 */
static void test_truncated_opened(struct gobin *gb, const char *label, size_t len)
{
	const struct func_expect *f = &truth.funcs[0];
	const struct member_expect *m = &truth.members[0];
	const struct entry_expect *e = NULL;
	struct probe_site sites[MAX_RETS] = { 0 };
	uint64_t addr = 0, size = 0, off;
	long moff = -1;
	const char *v;
	int i, err;

	v = gobin_go_version(gb);
	check(!*v || !strcmp(v, truth.go), "%s: Go version is right or unknown", label);
	v = gobin_grpc_version(gb);
	check(!*v || !strcmp(v, truth.grpc), "%s: grpc-go version is right or unknown", label);
	err = gobin_func(gb, f->name, &addr, &size);
	check(err == -ENOENT || (!err && addr == f->addr && size == f->size),
	      "%s: gobin_func is right or -ENOENT", label);
	err = gobin_member_offset(gb, m->type, m->member, &moff);
	check(err < 0 || moff == m->offset, "%s: gobin_member_offset is right or fails",
	      label);
	if (gobin_vaddr_to_offset(gb, f->addr, &off) || off + f->size > len) {
		check(gobin_entry_site(gb, f->addr, f->size, sites) < 0,
		      "%s: no entry site from code beyond the end of the file", label);
		check(gobin_ret_sites(gb, f->addr, f->size, sites, MAX_RETS) < 0,
		      "%s: no RET sites from code beyond the end of the file", label);
		return;
	}
	for (i = 0; i < truth.nentries; i++)
		if (!strcmp(truth.entries[i].name, f->name))
			e = &truth.entries[i];
	if (!e)
		return;
	err = gobin_entry_site(gb, f->addr, f->size, sites);
	check(!err && sites[0].kind == e->kind && sites[0].vaddr == e->vaddr,
	      "%s: entry site of code still in the file is right", label);
}

static void test_truncated_at(const char *plain, const char *dir, size_t len)
{
	struct gobin *gb = NULL;
	const char *why = NULL;
	char path[4096], label[64];
	int err;

	snprintf(label, sizeof(label), "plain cut to %zu bytes", len);
	snprintf(path, sizeof(path), "%s/trunc-%zu", dir, len);
	if (!check(!copy_head(plain, path, len), "%s: copy made", label)) {
		unlink(path);
		return;
	}
	err = gobin_open(path, &gb, &why);
	if (err) {
		if (check(err < 0 && why && *why, "%s: refused with a reason", label))
			printf("#   %d: %s\n", err, why);
	} else {
		printf("# %s: opened\n", label);
		test_truncated_opened(gb, label, len);
		gobin_close(gb);
	}
	unlink(path);
}

static void test_truncated(const char *plain, const char *dir)
{
	/* Inside the first page (headers only), and inside .text. */
	static const size_t fixed[] = { 4096, 1 << 20 };
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		test_truncated_at(plain, dir, fixed[i]);
	for (i = 0; i < (size_t)truth.ntruncs; i++)
		test_truncated_at(plain, dir, truth.truncs[i]);
}

/* --- any fixture: pclntab, versions, parameters, member types ----------- */

/* Split "BIN,REST" at its first comma; returns REST. */
static char *split_bin(char *spec)
{
	char *c = strchr(spec, ',');

	if (!c || c == spec || !c[1])
		bad_arg(spec);
	*c = '\0';
	return c + 1;
}

static void test_pcln(char *spec)
{
	char *file, *line = NULL, *save, *name;
	uint64_t want, end, addr, size, a2, s2;
	int n = 0, wrong = 0, err;
	struct gobin *gb;
	size_t cap = 0;
	bool autoo;
	FILE *f;

	if (!open_spec(spec, &file, &gb, &f))
		return;
	autoo = !gobin_has_symtab(gb);
	check(gobin_has_pclntab(gb), "%s: has a usable .gopclntab", spec);
	check_str(gobin_func_source(gb), autoo ? "pclntab" : "symtab", spec);
	while (getline(&line, &cap, f) > 0) {
		save = NULL;
		want = strtoull(strtok_r(line, " \n", &save), NULL, 0);
		end = strtoull(strtok_r(NULL, " \n", &save), NULL, 0);
		name = strtok_r(NULL, "\n", &save);
		if (!name)
			bad_arg(file);
		n++;
		addr = size = a2 = s2 = 0;
		err = gobin_func_pclntab(gb, name, &addr, &size);
		if (autoo && !err && (gobin_func(gb, name, &a2, &s2) || a2 != addr || s2 != size))
			err = -EBADE;
		if (err || addr != want || size != end - want) {
			if (wrong++ < SWEEP_SHOW_PCLN)
				printf("# %s: want 0x%" PRIx64 "+0x%" PRIx64 ", got %d 0x%"
				       PRIx64 "+0x%" PRIx64 "\n", name, want, end - want,
				       err, addr, size);
		}
	}
	free(line);
	fclose(f);
	check(n >= 1000, "%s: pclntab sweep has over 1000 functions (%d)", spec, n);
	if (!check(!wrong, "%s: %s of all %d functions agree with %s", spec,
		   autoo ? "gobin_func and gobin_func_pclntab" : "gobin_func_pclntab",
		   n, file))
		printf("#   %d differ\n", wrong);
	gobin_close(gb);
}

static void test_pcltext(char *spec)
{
	char *v = split_bin(spec);
	struct gobin *gb = open_ok(spec, spec);
	uint64_t want, got = 0;
	char what[600];

	if (!gb)
		return;
	parse_num(v, &want, v);
	snprintf(what, sizeof(what), "%s: pclntab runtime.text", spec);
	check_err(gobin_pclntab_text(gb, &got), 0, what);
	check_u64(got, want, what);
	gobin_close(gb);
}

/* Both kinds must be there: a PIE (0,0: none) and a fixed program. */
static void test_rodata(char *spec)
{
	char *v = split_bin(spec), *hs = split_bin(v);
	struct gobin *gb = open_ok(spec, spec);
	uint64_t lo = 0, hi = 0, want_lo, want_hi;
	char what[600];
	int err;

	if (!gb)
		return;
	parse_num(v, &want_lo, v);
	parse_num(hs, &want_hi, hs);
	err = gobin_fixed_rodata(gb, &lo, &hi);
	snprintf(what, sizeof(what), "%s: fixed read-only data", spec);
	if (!want_hi) {
		check_err(err, -ENOENT, what);
	} else {
		check_err(err, 0, what);
		snprintf(what, sizeof(what), "%s: fixed read-only data's start", spec);
		check_u64(lo, want_lo, what);
		snprintf(what, sizeof(what), "%s: fixed read-only data's end", spec);
		check_u64(hi, want_hi, what);
	}
	gobin_close(gb);
}

static void test_versions_of(char *spec)
{
	char *go = split_bin(spec), *grpc, *src;
	struct gobin *gb = open_ok(spec, spec);
	char what[600];

	grpc = split_bin(go);
	src = split_bin(grpc);
	if (!gb)
		return;
	snprintf(what, sizeof(what), "%s: Go version", spec);
	check_str(gobin_go_version(gb), go, what);
	snprintf(what, sizeof(what), "%s: grpc-go version", spec);
	check_str(gobin_grpc_version(gb), strcmp(grpc, "-") ? grpc : "", what);
	snprintf(what, sizeof(what), "%s: grpc-go version source", spec);
	check_str(gobin_grpc_version_source(gb), strcmp(src, "-") ? src : "", what);
	gobin_close(gb);
}

static void test_params(char *spec)
{
	char *file, *line = NULL, *save, *w, *param, *func;
	int n = 0, wrong = 0, nreg = 0, nstack = 0, err, reg, want;
	struct gobin *gb;
	size_t cap = 0;
	FILE *f;

	if (!open_spec(spec, &file, &gb, &f))
		return;
	while (getline(&line, &cap, f) > 0) {
		save = NULL;
		w = strtok_r(line, " \n", &save);
		param = strtok_r(NULL, " \n", &save);
		func = strtok_r(NULL, "\n", &save);
		if (!func)
			bad_arg(file);
		n++;
		if (!strcmp(w, "stack"))
			want = -E2BIG, nstack++;
		else if (!strcmp(w, "none"))
			want = -ENOTSUP;
		else if (!strcmp(w, "wrapper"))
			want = -EINVAL;
		else
			want = atoi(w), nreg++;
		reg = -1;
		err = gobin_param_reg(gb, func, param, &reg);
		if ((want < 0 && err != want) || (want >= 0 && (err || reg != want))) {
			if (wrong++ < SWEEP_SHOW_PCLN)
				printf("# %s %s: want %s, got %d (%s)\n", func, param, w,
				       err, err ? strerror(-err) : gobin_reg_name(reg));
		}
	}
	free(line);
	fclose(f);
	printf("# %s: %d parameters, %d in registers, %d on the stack\n", spec, n,
	       nreg, nstack);
	check(n > 0 && nreg > 0, "%s: parameter list is not empty", spec);
	if (!check(!wrong, "%s: gobin_param_reg of all %d parameters agrees with %s",
		   spec, n, file))
		printf("#   %d differ\n", wrong);
	/* Results are not parameters; absent names and functions are -ENOENT. */
	check_err(gobin_param_reg(gb, "google.golang.org/grpc/internal/transport.(*http2Client).NewStream",
				  "~r0", &reg), -ENOENT, "gobin_param_reg(NewStream, ~r0)");
	check_err(gobin_param_reg(gb, "google.golang.org/grpc/internal/transport.(*http2Client).NewStream",
				  "noSuchParam", &reg), -ENOENT,
		  "gobin_param_reg(NewStream, noSuchParam)");
	check_err(gobin_param_reg(gb, missing_func, "t", &reg), -ENOENT,
		  "gobin_param_reg(absent function)");
	gobin_close(gb);
}

static void test_mtypes(char *spec)
{
	char *file, *line = NULL, *type, *member, *want;
	struct gobin *gb;
	int n = 0, wrong = 0, err;
	char got[512], small[8];
	size_t cap = 0;
	FILE *f;

	if (!open_spec(spec, &file, &gb, &f))
		return;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		type = line;
		member = strchr(type, '\t');
		want = member ? strchr(member + 1, '\t') : NULL;
		if (!want)
			bad_arg(file);
		*member++ = '\0';
		*want++ = '\0';
		n++;
		got[0] = '\0';
		err = gobin_member_type(gb, type, member, got, sizeof(got));
		if (err || strcmp(got, want)) {
			wrong++;
			printf("# %s.%s: want \"%s\", got %d \"%s\"\n", type, member,
			       want, err, got);
		} else {
			printf("# %s.%s is a %s\n", type, member, got);
		}
		if (!err && n == 1 && strlen(want) >= sizeof(small))
			check_err(gobin_member_type(gb, type, member, small, sizeof(small)),
				  -ERANGE, "gobin_member_type into a short buffer");
	}
	free(line);
	fclose(f);
	if (!check(n && !wrong, "%s: gobin_member_type of all %d members agrees with %s",
		   spec, n, file))
		printf("#   %d differ\n", wrong);
	check_err(gobin_member_type(gb, http2client, "noSuchMember", got, sizeof(got)),
		  -ENOENT, "gobin_member_type(http2Client, noSuchMember)");
	gobin_close(gb);
}

/* --- damaged copies of the stripped fixture ----------------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc(n);
		if (buf && fread(buf, 1, n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = n;
	}
	fclose(f);
	return buf;
}

struct patch {
	const char *what;
	uint64_t off;		/* from the section start */
	const char *bytes;
	size_t len;
};

/*
 * Open a copy of STRIPPED with PATCH applied at BASE + patch->off; the
 * answers must be right or absent: never a wrong address, a wrong version.
 */
static void try_damaged(const char *dir,
			const uint64_t *bases, int nbases, const struct patch *pt, const uint8_t *orig, size_t len,
			const char *func, uint64_t faddr, uint64_t fsize,
			bool func_must_fail, const char *want_grpc)
{
	char path[4096];
	struct gobin *gb;
	const char *why;
	uint64_t a = 0, s = 0;
	uint8_t *buf;
	int err, i;

	snprintf(path, sizeof(path), "%s/damaged", dir);
	buf = malloc(len);
	if (!buf) {
		check(false, "damaged copy (%s) made", pt->what);
		return;
	}
	memcpy(buf, orig, len);
	for (i = 0; i < nbases; i++) {
		if (bases[i] + pt->off + pt->len > len) {
			check(false, "damaged copy (%s) made", pt->what);
			free(buf);
			return;
		}
		memcpy(buf + bases[i] + pt->off, pt->bytes, pt->len);
	}
	if (write_file(path, buf, len)) {
		check(false, "damaged copy (%s) written", pt->what);
		free(buf);
		return;
	}
	free(buf);
	err = gobin_open(path, &gb, &why);
	if (err) {
		check(err < 0, "%s: refused (%s)", pt->what, why ? why : "?");
		unlink(path);
		return;
	}
	err = gobin_func(gb, func, &a, &s);
	if (func_must_fail)
		check(err == -ENOENT || err == -EINVAL,
		      "%s: gobin_func fails with -ENOENT or -EINVAL (%d)", pt->what, err);
	else
		check(err == -ENOENT || err == -EINVAL || (!err && a == faddr && s == fsize),
		      "%s: gobin_func is right or fails (%d)", pt->what, err);
	if (want_grpc)
		check_str(gobin_grpc_version(gb), want_grpc, pt->what);
	check(!*gobin_go_version(gb) || !strcmp(gobin_go_version(gb), truth.go),
	      "%s: Go version is right or unknown", pt->what);
	gobin_close(gb);
	unlink(path);
}

#define P(s) s, sizeof(s) - 1

static void test_corrupt(const char *stripped, const char *dir)
{
	/* .gopclntab header: magic 0, pad 4, minLC 6, ptrSize 7, nfunc 8,
	 * nfiles 16, textStart 24, funcnameOffset 32, cuOffset 40, ...,
	 * pclnOffset 64. */
	static const struct patch pcln_must_fail[] = {
		{ "pclntab magic flipped", 0, P("\xf0\xff\xff\x7f") },
		{ "pclntab magic of Go 1.16", 0, P("\xfa\xff\xff\xff") },
		{ "pclntab pad set", 4, P("\x01") },
		{ "pclntab ptrSize 4", 7, P("\x04") },
		{ "pclntab minLC 0", 6, P("\x00") },
		{ "pclntab nfunc huge", 8, P("\xff\xff\xff\x0f\x00\x00\x00\x00") },
		{ "pclntab nfunc 0", 8, P("\x00\x00\x00\x00\x00\x00\x00\x00") },
		{ "pclntab textStart unmapped", 24, P("\x00\x00\x00\x00\x00\x7f\x00\x00") },
		{ "pclntab funcnameOffset past the end", 32, P("\x00\x00\x00\x7f\x00\x00\x00\x00") },
		{ "pclntab funcnameOffset in the header", 32, P("\x08\x00\x00\x00\x00\x00\x00\x00") },
		{ "pclntab cuOffset past the end", 40, P("\x00\x00\x00\x7f\x00\x00\x00\x00") },
		{ "pclntab pclnOffset past the end", 64, P("\x00\x00\x00\x7f\x00\x00\x00\x00") },
		{ "pclntab pclnOffset at the very end", 64, P("\xff\xff\xff\xff\xff\xff\xff\xff") },
	};
	/* .go.buildinfo: magic 0..13, ptrSize 14, flags 15, varints at 32. */
	static const struct patch bi[] = {
		{ "buildinfo magic flipped", 1, P("X") },
		{ "buildinfo flags without inline strings", 15, P("\x00") },
		{ "buildinfo Go version length huge", 32, P("\xff\xff\xff\xff\x0f") },
		{ "buildinfo Go version varint unterminated", 32,
		  P("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff") },
		{ "buildinfo Go version with a control byte", 34, P("\x01") },
	};
	/* The version digits after "grpc-go/" ("1.33.3" here). */
	static const struct patch ua_bad[] = {
		{ "user agent 1.33..", 0, P("1.33..") },
		{ "user agent 1.3333", 0, P("1.3333") },
		{ "user agent .33.3x", 0, P(".33.3x") },
		{ "user agent x.33.3", 0, P("x.33.3") },
		{ "user agent 1..3.3", 0, P("1..3.3") },
		{ "user agent 1.3.3.", 0, P("1.3.3.") },	/* trailing dot: 1.3.3 */
		{ "user agent 9.33.3", 0, P("9.33.3") },	/* positive control */
	};
	static const char *const ua_want[] = { "", "", "", "", "", "1.3.3", "9.33.3" };
	const struct func_expect *fe = &truth.funcs[0];
	struct gobin *gb = NULL;
	uint64_t faddr = 0, fsize = 0;
	const char *why;
	uint8_t *orig;
	size_t len = 0, i;

	/* Reference: the undamaged stripped file's own pclntab answer. */
	if (gobin_open(stripped, &gb, &why) ||
	    !check(!gobin_func(gb, fe->name, &faddr, &fsize),
		   "stripped: gobin_func(%s) from pclntab", fe->name)) {
		gobin_close(gb);
		return;
	}
	gobin_close(gb);
	orig = slurp(stripped, &len);
	if (!check(orig != NULL, "stripped fixture read"))
		return;
	for (i = 0; i < sizeof(pcln_must_fail) / sizeof(pcln_must_fail[0]); i++)
		try_damaged(dir, &truth.corrupt_pcln, 1, &pcln_must_fail[i], orig,
			    len, fe->name, faddr, fsize, true, NULL);
	for (i = 0; i < sizeof(bi) / sizeof(bi[0]); i++)
		try_damaged(dir, &truth.corrupt_buildinfo, 1, &bi[i], orig, len,
			    fe->name, faddr, fsize, false, NULL);
	for (i = 0; i < sizeof(ua_bad) / sizeof(ua_bad[0]); i++)
		try_damaged(dir, truth.corrupt_ua, truth.ncorrupt_ua, &ua_bad[i], orig, len,
			    fe->name, faddr, fsize, false, ua_want[i]);
	/* Random damage anywhere in the first 64 KiB of the table. */
	srand(1);
	for (i = 0; i < 64; i++) {
		uint64_t off = rand() % 65536;
		char b[8], what[64];
		struct patch pt = { what, off & ~7ull, b, sizeof(b) };
		size_t j;

		for (j = 0; j < sizeof(b); j++)
			b[j] = rand();
		snprintf(what, sizeof(what), "pclntab + 0x%" PRIx64 " random", pt.off);
		try_damaged(dir, &truth.corrupt_pcln, 1, &pt, orig, len,
			    fe->name, faddr, fsize, false, NULL);
	}
	free(orig);
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	int i;

	if (argc < 4)
		usage();
	for (i = 4; i < argc; i++)
		parse_expect(argv[i]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_expectations_given();
	if (nfailed)
		goto out;
	test_plain(argv[1]);
	test_no_leak(argv[1]);
	test_stripped(argv[2]);
	test_gohello(argv[3]);
	for (i = 0; i < truth.npcltexts; i++)
		test_pcltext(truth.pcltexts[i]);
	for (i = 0; i < truth.nrodatas; i++)
		test_rodata(truth.rodatas[i]);
	for (i = 0; i < truth.npclns; i++)
		test_pcln(truth.pclns[i]);
	for (i = 0; i < truth.nversions; i++)
		test_versions_of(truth.versions[i]);
	for (i = 0; i < truth.nparams; i++)
		test_params(truth.params[i]);
	for (i = 0; i < truth.nmtypes; i++)
		test_mtypes(truth.mtypes[i]);
	for (i = 0; i < truth.ncallers; i++)
		test_callers(truth.callers[i]);
	for (i = 0; i < truth.nsites; i++)
		test_sites(truth.sites[i]);
	snprintf(dir, sizeof(dir), "%s/test_gobin.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (check(mkdtemp(dir) != NULL, "temporary directory created")) {
		test_not_go(dir);
		test_peek(argv[1], argv[2], argv[3], dir);
		test_truncated(argv[1], dir);
		test_corrupt(argv[2], dir);
		rmdir(dir);
	}
out:
	printf("gobin: %d passed, %d failed\n", ntests - nfailed, nfailed);
	return nfailed ? 1 : 0;
}
