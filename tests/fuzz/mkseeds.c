// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mkseeds OUTDIR BINARY...: structure-aware seed corpora for the fuzz
 * harnesses, cut from real Go programs (the fixtures), a few KB each:
 *
 *  code/      fuzz_code: the grpc-go functions of fuzz_funcs.h as BINARY
 *             has them, 768 bytes of each at most, their rel32 calls of each
 *             other relocated to where fuzz_code puts them, NewStream's
 *             itab method index and the grpc-go version as BINARY has them
 *  sections/  fuzz_sections: the same code with a .gopclntab of its own,
 *             BINARY's .go.buildinfo (cut), an itab and the user agent in
 *             .rodata; three ways to find runtime.text: the header, a
 *             relocation (PIE), a moduledata (Go >= 1.26)
 *  gobin/     fuzz_gobin: the sections seeds and the DWARF one as whole
 *             ELF files (tests/fuzz/minielf.h)
 *  dwarf/     fuzz_dwarf: a DWARF 4 unit in Go's shapes with the types and
 *             functions layout.c reads, offsets and member types from
 *             BINARY's own DWARF when it has some
 *
 * Built with the tool's own gobin (it finds the functions and offsets); a
 * binary it cannot open is an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "minielf.h"
#include "fuzz_funcs.h"
#include "gobin_internal.h"

#define CUT		768
#define T		FUZZ_T
#define G		FUZZ_G

/* Other names of a role in other releases. */
static const char *const alt_names[NFUNCS] = {
	[FN_CLIENT_CLOSE] = T "(*ClientStream).Close",
	[FN_NEW_CLIENT] = T "NewHTTP2Client",
	[FN_WRITE_STATUS] = T "(*http2Server).writeStatus",
	[FN_NEW_SERVER] = T "newHTTP2Server",
	[FN_PEER] = T "(*http2Server).getPeer",
};

static const char *outdir;

static void put_file(const char *sub, const char *name, const void *a, size_t alen,
		     const void *b, size_t blen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	f = fopen(path, "w");
	if (!f || fwrite(a, 1, alen, f) != alen || (blen && fwrite(b, 1, blen, f) != blen) ||
	    fclose(f)) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* ---- the code of the functions ---- */

struct cut {
	uint8_t text[NFUNCS * CUT];
	size_t tlen;
	uint32_t sizes[NFUNCS];
	int32_t args[NFUNCS];
	uint64_t addr[NFUNCS];		/* in fuzz_code's and the seeds' layout */
	unsigned int slot;		/* NewStream's itab method index */
	char grpc[GOBIN_VERSION_LEN];
	bool rodata_version;
};

static void cut_code(struct gobin *gb, struct cut *c)
{
	uint64_t orig[NFUNCS] = { 0 }, size, tgt;
	struct itab_slots is;
	size_t len[NFUNCS] = { 0 }, p, off[NFUNCS];
	int i, j;
	int32_t rel;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NFUNCS; i++) {
		if (gobin_func(gb, fuzz_funcs[i], &orig[i], &size) &&
		    (!alt_names[i] || gobin_func(gb, alt_names[i], &orig[i], &size))) {
			orig[i] = 0;
			continue;
		}
		len[i] = size < CUT ? size : CUT;
		if (gobin_func_args(gb, fuzz_funcs[i], &c->args[i]) &&
		    (!alt_names[i] || gobin_func_args(gb, alt_names[i], &c->args[i])))
			c->args[i] = 0;
	}
	for (i = 0; i < NFUNCS; i++) {
		off[i] = c->tlen;
		c->addr[i] = MINI_TEXT + c->tlen;
		if (!len[i] || gobin_read(gb, orig[i], c->text + c->tlen, len[i])) {
			c->text[c->tlen++] = 0xc3;	/* what fuzz_code puts for none */
			c->sizes[i] = 1;
			len[i] = 0;
			continue;
		}
		c->sizes[i] = len[i];
		c->tlen += len[i];
	}
	/* CALL/JMP rel32 of one of them: where it is now. */
	for (i = 0; i < NFUNCS; i++)
		for (p = 0; len[i] && p + 5 <= len[i]; p++) {
			uint8_t *b = c->text + off[i] + p;

			if ((b[0] & 0xfe) != 0xe8)
				continue;
			memcpy(&rel, b + 1, 4);
			tgt = orig[i] + p + 5 + rel;
			for (j = 0; j < NFUNCS; j++)
				if (orig[j] && tgt == orig[j]) {
					rel = (int32_t)(c->addr[j] - (c->addr[i] + p + 5));
					memcpy(b + 1, &rel, 4);
				}
		}
	gobin_find_itab_slots(gb, orig[FN_NEWSTREAM], &is);
	c->slot = is.n ? (is.slot[0] - 24) / 8 : 0;
	snprintf(c->grpc, sizeof(c->grpc), "%s", gobin_grpc_version(gb));
	c->rodata_version = !strcmp(gobin_grpc_version_source(gb), "rodata");
}

static void code_seed(const struct cut *c, const char *name)
{
	static const char *const versions[4] = { "", "1.33.3", "1.64.0", "1.81.1" };
	uint8_t hdr[1 + 4 * NFUNCS];
	int i, v = 0;

	for (i = 1; i < 4; i++)
		if (!strcmp(c->grpc, versions[i]))
			v = i;
	hdr[0] = (c->slot & 0xf) | v << 4 | (c->rodata_version ? 0x40 : 0);
	for (i = 0; i < NFUNCS; i++) {
		uint32_t n = c->sizes[i] == 1 && c->text[c->addr[i] - MINI_TEXT] == 0xc3 ? 0 :
			     c->sizes[i];

		hdr[1 + 4 * i] = n & 0xff;
		hdr[2 + 4 * i] = n >> 8;
		hdr[3 + 4 * i] = c->args[i] & 0xff;
		hdr[4 + 4 * i] = c->args[i] >> 8 & 0xff;
	}
	put_file("code", name, hdr, sizeof(hdr), c->text, c->tlen);
}

/* ---- the sections ---- */

enum { P_PCLN, P_BUILDINFO, P_RODATA, P_NOPTR, P_RELA, NPARTS };

struct parts {
	uint8_t buf[NPARTS][8192];
	size_t len[NPARTS];
};

/* HOW: 0 textStart in the header, 1 a relocation of it, 2 a moduledata. */
static void build_parts(struct gobin *gb, const struct cut *c, int how, struct parts *pt)
{
	const uint8_t *bi;
	uint64_t functab, names;
	GElf_Shdr sh;
	Elf64_Rela r;
	uint8_t *md;

	memset(pt, 0, sizeof(*pt));
	pt->len[P_PCLN] = mini_pclntab(pt->buf[P_PCLN], sizeof(pt->buf[P_PCLN]), fuzz_funcs,
				       c->sizes, c->args, NFUNCS, how ? 0 : MINI_TEXT);
	bi = gobin_section_bytes(gb, ".go.buildinfo", &sh);
	if (bi) {
		pt->len[P_BUILDINFO] = sh.sh_size < 1024 ? sh.sh_size : 1024;
		memcpy(pt->buf[P_BUILDINFO], bi, pt->len[P_BUILDINFO]);
	}
	pt->len[P_RODATA] = mini_itab(pt->buf[P_RODATA], MINI_RODATA, 0x5eed, c->slot,
				      c->addr[FN_NEWSTREAM], c->addr[FN_TCPADDR_STRING]);
	if (c->grpc[0])
		pt->len[P_RODATA] += (size_t)sprintf((char *)pt->buf[P_RODATA] + pt->len[P_RODATA],
						     "grpc-go/%sgrpc-trace-bin", c->grpc);
	if (how == 1) {
		r = (Elf64_Rela){ MINI_PCLN + 24, ELF64_R_INFO(0, R_X86_64_RELATIVE),
				  (int64_t)MINI_TEXT };
		memcpy(pt->buf[P_RELA], &r, sizeof(r));
		/* and the itab's NewStream word, as a PIE has it */
		r = (Elf64_Rela){ MINI_RODATA + 128 + 24 + 8 * (c->slot % 14),
				  ELF64_R_INFO(0, R_X86_64_RELATIVE),
				  (int64_t)c->addr[FN_NEWSTREAM] };
		memcpy(pt->buf[P_RELA] + sizeof(r), &r, sizeof(r));
		pt->len[P_RELA] = 2 * sizeof(r);
	} else if (how == 2) {
		/* runtime.moduledata: gobin_pcln.c's struct go_moduledata */
		md = pt->buf[P_NOPTR] + 64;
		memcpy(&names, pt->buf[P_PCLN] + 32, 8);
		memcpy(&functab, pt->buf[P_PCLN] + 64, 8);
		mini_put64(md, MINI_PCLN);
		mini_put64(md + 8, MINI_PCLN + names);
		mini_put64(md + 8 * 16, MINI_PCLN + functab);
		mini_put64(md + 8 * 17, NFUNCS + 1);
		mini_put64(md + 8 * 18, NFUNCS + 1);
		mini_put64(md + 8 * 20, MINI_TEXT);
		mini_put64(md + 8 * 21, MINI_TEXT + c->tlen);
		mini_put64(md + 8 * 22, MINI_TEXT);
		mini_put64(md + 8 * 23, MINI_TEXT + c->tlen);
		pt->len[P_NOPTR] = 64 + 8 * 24;
	}
}

static void sections_seed(const struct cut *c, const struct parts *pt, const char *name)
{
	uint8_t hdr[2 * NPARTS], *all, *p;
	size_t total = sizeof(hdr) + c->tlen;
	int i;

	for (i = 0; i < NPARTS; i++) {
		hdr[2 * i] = pt->len[i] & 0xff;
		hdr[2 * i + 1] = pt->len[i] >> 8;
		total += pt->len[i];
	}
	all = malloc(total);
	if (!all)
		exit(1);
	memcpy(all, hdr, sizeof(hdr));
	p = all + sizeof(hdr);
	for (i = 0; i < NPARTS; i++) {
		memcpy(p, pt->buf[i], pt->len[i]);
		p += pt->len[i];
	}
	memcpy(p, c->text, c->tlen);
	put_file("sections", name, all, total, NULL, 0);
	free(all);
}

static void gobin_seed(const struct cut *c, const struct parts *pt, const char *name)
{
	static const char *const names[NPARTS] = { ".gopclntab", ".go.buildinfo", ".rodata",
						   ".noptrdata", ".rela.dyn" };
	static const uint64_t vaddr[NPARTS] = { MINI_PCLN, MINI_BUILDINFO, MINI_RODATA,
						MINI_NOPTRDATA, 0 };
	static const uint64_t flags[NPARTS] = { SHF_ALLOC, SHF_ALLOC | SHF_WRITE, SHF_ALLOC,
						SHF_ALLOC | SHF_WRITE, 0 };
	struct mini_sec secs[NPARTS + 1];
	size_t size;
	uint8_t *img;
	int i, n = 0;

	for (i = 0; i < NPARTS; i++)
		if (pt->len[i])
			secs[n++] = (struct mini_sec){ names[i], i == P_RELA ? SHT_RELA : SHT_PROGBITS,
						       flags[i], vaddr[i], pt->buf[i], pt->len[i],
						       i == P_RELA ? sizeof(Elf64_Rela) : 0 };
	secs[n++] = (struct mini_sec){ ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
				       MINI_TEXT, c->text, c->tlen };
	img = mini_elf(secs, n, &size);
	if (!img)
		exit(1);
	put_file("gobin", name, img, size, NULL, 0);
	free(img);
}

/* ---- DWARF ---- */

/* Abbreviation codes: one per DIE shape. */
enum { A_CU = 1, A_STRUCT, A_MEMBER, A_PTR, A_BASE, A_TYPEDEF, A_FUNC, A_PARAM, A_ARRAY,
       A_COUNT, A_TRAMP, A_EMPTY, A_UPPER, A_SUBR };

static const uint8_t abbrev[] = {
	A_CU, 0x11, 1, 0x03, 0x08, 0, 0,				/* compile_unit: name */
	A_STRUCT, 0x13, 1, 0x03, 0x08, 0x0b, 0x0f, 0, 0,		/* struct: name, byte_size */
	A_MEMBER, 0x0d, 0, 0x03, 0x08, 0x38, 0x0f, 0x49, 0x13, 0, 0,	/* member: name, loc, type */
	A_PTR, 0x0f, 0, 0x03, 0x08, 0x49, 0x13, 0, 0,			/* pointer: name, type */
	A_BASE, 0x24, 0, 0x03, 0x08, 0x3e, 0x0b, 0x0b, 0x0b, 0, 0,	/* base: name, encoding, size */
	A_TYPEDEF, 0x16, 0, 0x03, 0x08, 0x49, 0x13, 0, 0,		/* typedef: name, type */
	A_FUNC, 0x2e, 1, 0x03, 0x08, 0, 0,				/* subprogram: name */
	A_PARAM, 0x05, 0, 0x03, 0x08, 0x49, 0x13, 0x4b, 0x0c, 0, 0,	/* param: name, type, result */
	A_ARRAY, 0x01, 1, 0x03, 0x08, 0x49, 0x13, 0, 0,			/* array: name, type */
	A_COUNT, 0x21, 0, 0x37, 0x0f, 0, 0,				/* subrange: count */
	A_TRAMP, 0x2e, 1, 0x03, 0x08, 0x4e, 0x0c, 0, 0,			/* subprogram, trampoline */
	A_EMPTY, 0x13, 0, 0x03, 0x08, 0x0b, 0x0f, 0, 0,			/* struct{} */
	A_UPPER, 0x21, 0, 0x2f, 0x0f, 0, 0,				/* subrange: upper_bound */
	A_SUBR, 0x15, 0, 0x03, 0x08, 0, 0,				/* func type: name */
	0,
};

struct dw {
	uint8_t b[65536];
	size_t n;
	struct { const char *name; size_t off; } die[256];
	int ndie;
	struct { size_t at; const char *name; } fix[512];
	int nfix;
	char names[64][160];	/* types made up on the way */
	int nnames;
};

static void u8(struct dw *d, uint8_t v)
{
	if (d->n < sizeof(d->b))
		d->b[d->n++] = v;
}

static void uleb(struct dw *d, uint64_t v)
{
	do {
		u8(d, (v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static void str(struct dw *d, const char *s)
{
	do
		u8(d, (uint8_t)*s);
	while (*s++);
}

/* A DIE of ABBREV named NAME starts here (found by name by refs). */
static void die(struct dw *d, int abbrev, const char *name)
{
	if (d->ndie < 256) {
		d->die[d->ndie].name = name;
		d->die[d->ndie++].off = d->n;
	}
	uleb(d, abbrev);
	str(d, name);
}

static void ref(struct dw *d, const char *name)
{
	if (d->nfix < 512) {
		d->fix[d->nfix].at = d->n;
		d->fix[d->nfix++].name = name;
	}
	u8(d, 0), u8(d, 0), u8(d, 0), u8(d, 0);
}

struct member {
	const char *type, *name, *mtype;
	long off;
};

/* Types by name: what each struct holds (offsets: 1.33.3's where none is read). */
static const struct member members[] = {
	{ "string", "str", "*uint8", 0 }, { "string", "len", "int", 8 },
	{ "[]uint8", "array", "*uint8", 0 }, { "[]uint8", "len", "int", 8 },
	{ "[]uint8", "cap", "int", 16 },
	{ "runtime.iface", "tab", "*uint8", 0 }, { "runtime.iface", "data", "*uint8", 8 },
	{ T "CallHdr", "Host", "string", 0 }, { T "CallHdr", "Method", "string", 16 },
	{ G "StreamDesc", "StreamName", "string", 0 },
	{ G "StreamDesc", "ServerStreams", "bool", 24 },
	{ G "StreamDesc", "ClientStreams", "bool", 25 },
	{ T "http2Client", "remoteAddr", "net.Addr", 96 },
	{ T "http2Client", "nextID", "uint32", 348 },
	{ T "http2Client", "connectionID", "uint64", 440 },
	{ T "ClientStream", "Stream", "*" T "Stream", 0 },
	{ T "ClientStream", "ct", "*" T "http2Client", 8 },
	{ T "ClientStream", "status", "*google.golang.org/grpc/internal/status.Status", 16 },
	{ T "ServerStream", "Stream", "*" T "Stream", 0 },
	{ T "ServerStream", "st", T "ServerTransport", 8 },
	{ T "Stream", "id", "uint32", 0 }, { T "Stream", "st", T "ServerTransport", 8 },
	{ T "Stream", "ct", "*" T "http2Client", 24 }, { T "Stream", "method", "string", 72 },
	{ T "Stream", "state", "uint32", 216 },
	{ T "Stream", "status", "*google.golang.org/grpc/internal/status.Status", 224 },
	{ T "http2Server", "remoteAddr", "net.Addr", 72 },
	{ T "http2Server", "peer", "google.golang.org/grpc/peer.Peer", 72 },
	{ T "http2Server", "connectionID", "uint64", 376 },
	{ "google.golang.org/grpc/peer.Peer", "Addr", "net.Addr", 0 },
	{ "google.golang.org/grpc/internal/status.Status", "s",
	  "*google.golang.org/genproto/googleapis/rpc/status.Status", 0 },
	{ "google.golang.org/genproto/googleapis/rpc/status.Status", "Code", "int32", 40 },
	{ "net.TCPAddr", "IP", "net.IP", 0 }, { "net.TCPAddr", "Port", "int", 24 },
	{ "net.UnixAddr", "Name", "string", 0 }, { "main.T", "a", "int", 0 },
	{ "main.T", "b", "float64", 8 },
};

static const struct { const char *name; int enc, size; } bases[] = {
	{ "int", 5, 8 }, { "int32", 5, 4 }, { "uint32", 7, 4 }, { "uint64", 7, 8 },
	{ "uint8", 8, 1 }, { "bool", 2, 1 }, { "float64", 4, 8 }, { "complex128", 3, 16 },
	{ "[16]uint64", 7, 128 },
};

/* name, [type] pairs of each function's parameters; "~r" ones are results. */
static const char *const funcs[][16] = {
	{ T "(*http2Client).NewStream", "t", "*" T "http2Client", "ctx", "context.Context",
	  "callHdr", "*" T "CallHdr", "~r0", "*" T "ClientStream", "~r1", "error" },
	{ T "(*http2Client).closeStream", "t", "*" T "http2Client", "s", "*" T "ClientStream",
	  "err", "error", "rst", "bool", "rstCode", "uint32", "st",
	  "*google.golang.org/grpc/internal/status.Status" },
	{ T "(*http2Client).CloseStream", "t", "*" T "http2Client", "s", "*" T "ClientStream",
	  "err", "error" },
	{ G "newClientStream", "ctx", "context.Context", "desc", "*" G "StreamDesc",
	  "cc", "*uint8", "method", "string" },
	{ G "(*Server).handleStream", "s", "*" G "Server", "t", T "ServerTransport",
	  "stream", "*" T "ServerStream" },
	{ G "(*Server).processUnaryRPC", "s", "*" G "Server", "ctx", "context.Context",
	  "stream", "*" T "ServerStream", "info", "*uint8" },
	{ G "(*Server).processStreamingRPC", "s", "*" G "Server", "ctx", "context.Context",
	  "stream", "*" T "ServerStream", "info", "*uint8", "sd", "*" G "StreamDesc" },
	{ T "(*http2Server).WriteStatus", "t", "*" T "http2Server", "s", "*" T "ServerStream",
	  "st", "*google.golang.org/grpc/internal/status.Status" },
	{ "net.TCPAddr.Network", "a", "net.TCPAddr", "~r0", "string" },
	{ "main.f", "x", "float64", "y", "complex128", "z", "[1]int", "w", "[0]int",
	  "v", "[3]int", "u", "struct {}", "fn", "func()" },
	{ "main.g", "r", "[16]uint64", "big", "main.T" },
};

/* The type of TYPE.MEMBER as BINARY's DWARF has it, else the table's. */
static const char *member_type(struct gobin *gb, struct dw *d, const struct member *m)
{
	char t[160];
	int i;

	if (!gb || gobin_member_type(gb, m->type, m->name, t, sizeof(t)))
		return m->mtype;
	if (!strcmp(t, m->mtype))
		return m->mtype;
	/* Stream by value (1.77+), an interface where a pointer was (1.66 - 1.68) */
	if (!strcmp(t, T "Stream"))
		return T "Stream";
	if (t[0] != '*')
		return T "ClientTransport";
	for (i = 0; i < d->nnames; i++)
		if (!strcmp(d->names[i], t))
			return d->names[i];
	if (d->nnames == 64)
		return "*uint8";
	snprintf(d->names[d->nnames], sizeof(d->names[0]), "%s", t);
	return d->names[d->nnames++];
}

static bool emitted(const struct dw *d, const char *name)
{
	int i;

	for (i = 0; i < d->ndie; i++)
		if (!strcmp(d->die[i].name, name))
			return true;
	return false;
}

/* Every struct of members[], with the members BINARY's DWARF has. */
static void structs(struct gobin *gb, struct dw *d)
{
	const char *mt[sizeof(members) / sizeof(members[0])];
	long off[sizeof(members) / sizeof(members[0])];
	bool has[sizeof(members) / sizeof(members[0])];
	size_t i, j;
	bool any;

	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		off[i] = members[i].off;
		has[i] = true;
		mt[i] = members[i].mtype;
		if (gb && gobin_has_dwarf(gb) && strncmp(members[i].type, "main.", 5) &&
		    strcmp(members[i].type, "string") && strcmp(members[i].type, "[]uint8") &&
		    strcmp(members[i].type, "runtime.iface")) {
			has[i] = !gobin_member_offset(gb, members[i].type, members[i].name, &off[i]);
			if (has[i])
				mt[i] = member_type(gb, d, &members[i]);
		}
	}
	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (emitted(d, members[i].type))
			continue;
		for (j = i, any = false; j < sizeof(members) / sizeof(members[0]); j++)
			any |= has[j] && !strcmp(members[j].type, members[i].type);
		if (!any)
			continue;
		die(d, A_STRUCT, members[i].type);
		uleb(d, 512);
		for (j = i; j < sizeof(members) / sizeof(members[0]); j++) {
			if (!has[j] || strcmp(members[j].type, members[i].type))
				continue;
			die(d, A_MEMBER, members[j].name);
			uleb(d, off[j]);
			ref(d, mt[j]);
		}
		u8(d, 0);
	}
}

static void dwarf_seed(struct gobin *gb, const char *name)
{
	static const char *const ptrs[][2] = {
		{ "*uint8", "uint8" }, { "*" T "http2Client", T "http2Client" },
		{ "*" T "http2Server", T "http2Server" }, { "*" T "CallHdr", T "CallHdr" },
		{ "*" T "ClientStream", T "ClientStream" }, { "*" T "ServerStream", T "ServerStream" },
		{ "*" T "Stream", T "Stream" }, { "*" G "StreamDesc", G "StreamDesc" },
		{ "*" G "Server", G "Server" },
		{ "*google.golang.org/grpc/internal/status.Status",
		  "google.golang.org/grpc/internal/status.Status" },
		{ "*google.golang.org/genproto/googleapis/rpc/status.Status",
		  "google.golang.org/genproto/googleapis/rpc/status.Status" },
	};
	static const char *const ifaces[] = { "net.Addr", "context.Context", "error",
					      T "ServerTransport", T "ClientTransport" };
	struct dw *d = calloc(1, sizeof(*d));
	uint8_t hdr[4];
	size_t i, j;
	uint32_t v;
	int k;

	if (!d)
		exit(1);
	/* DWARF 4 unit header: length (patched), version, abbrev offset, address size. */
	d->n = 11;
	d->b[4] = 4;
	d->b[10] = 8;
	die(d, A_CU, "main");
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		die(d, A_BASE, bases[i].name);
		u8(d, bases[i].enc);
		u8(d, bases[i].size);
	}
	for (i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		die(d, A_PTR, ptrs[i][0]);
		ref(d, ptrs[i][1]);
	}
	for (i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++) {
		die(d, A_TYPEDEF, ifaces[i]);
		ref(d, "runtime.iface");
	}
	die(d, A_TYPEDEF, "net.IP");
	ref(d, "[]uint8");
	die(d, A_EMPTY, G "Server");
	uleb(d, 0);
	die(d, A_EMPTY, "struct {}");
	uleb(d, 0);
	die(d, A_SUBR, "func()");
	die(d, A_ARRAY, "[1]int");
	ref(d, "int");
	uleb(d, A_COUNT);
	uleb(d, 1);
	u8(d, 0);
	die(d, A_ARRAY, "[0]int");
	ref(d, "int");
	uleb(d, A_COUNT);
	uleb(d, 0);
	u8(d, 0);
	die(d, A_ARRAY, "[3]int");
	ref(d, "int");
	uleb(d, A_UPPER);
	uleb(d, 2);
	u8(d, 0);
	structs(gb, d);
	for (k = 0; k < d->nnames; k++) {
		die(d, A_PTR, d->names[k]);
		ref(d, "uint8");
	}
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		die(d, A_FUNC, funcs[i][0]);
		for (j = 1; j + 1 < 16 && funcs[i][j]; j += 2) {
			die(d, A_PARAM, funcs[i][j]);
			ref(d, funcs[i][j + 1]);
			u8(d, funcs[i][j][0] == '~');
		}
		u8(d, 0);
	}
	die(d, A_TRAMP, "main.(*T).M");
	u8(d, 1);
	die(d, A_PARAM, "x");
	ref(d, "int");
	u8(d, 0);
	u8(d, 0);
	u8(d, 0);	/* the unit's children end */
	for (k = 0; k < d->nfix; k++) {
		for (j = 0; j < (size_t)d->ndie && strcmp(d->die[j].name, d->fix[k].name); j++)
			;
		/* a struct this release does not have (1.33: no ServerStream) */
		if (j == (size_t)d->ndie)
			for (j = 0; strcmp(d->die[j].name, "uint8"); j++)
				;
		v = (uint32_t)d->die[j].off;
		memcpy(d->b + d->fix[k].at, &v, 4);
	}
	v = (uint32_t)d->n - 4;
	memcpy(d->b, &v, 4);
	/* fuzz_dwarf's input: abbrev and str lengths, abbrev, (no str), info */
	hdr[0] = sizeof(abbrev) & 0xff;
	hdr[1] = sizeof(abbrev) >> 8;
	hdr[2] = hdr[3] = 0;
	{
		uint8_t *all = malloc(sizeof(hdr) + sizeof(abbrev) + d->n);

		if (!all)
			exit(1);
		memcpy(all, hdr, sizeof(hdr));
		memcpy(all + sizeof(hdr), abbrev, sizeof(abbrev));
		memcpy(all + sizeof(hdr) + sizeof(abbrev), d->b, d->n);
		put_file("dwarf", name, all, sizeof(hdr) + sizeof(abbrev) + d->n, NULL, 0);
		free(all);
	}
	/* and as a whole file, for fuzz_gobin */
	{
		static uint8_t text[NFUNCS], pcln[8192];
		uint32_t sizes[NFUNCS];
		struct mini_sec secs[4];
		size_t plen, size;
		uint8_t *img;

		for (k = 0; k < NFUNCS; k++) {
			text[k] = 0xc3;
			sizes[k] = 1;
		}
		plen = mini_pclntab(pcln, sizeof(pcln), fuzz_funcs, sizes, NULL, NFUNCS, MINI_TEXT);
		secs[0] = (struct mini_sec){ ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
					     MINI_TEXT, text, NFUNCS };
		secs[1] = (struct mini_sec){ ".gopclntab", SHT_PROGBITS, SHF_ALLOC, MINI_PCLN,
					     pcln, plen };
		secs[2] = (struct mini_sec){ ".debug_abbrev", SHT_PROGBITS, 0, 0, abbrev,
					     sizeof(abbrev) };
		secs[3] = (struct mini_sec){ ".debug_info", SHT_PROGBITS, 0, 0, d->b, d->n };
		img = mini_elf(secs, 4, &size);
		if (!img)
			exit(1);
		put_file("gobin", name, img, size, NULL, 0);
		free(img);
	}
	free(d);
}

int main(int argc, char **argv)
{
	static const char *const subs[] = { "", "code", "sections", "gobin", "dwarf" };
	static const char *const how[] = { "text", "rela", "moduledata" };
	struct parts *pt = malloc(sizeof(*pt));
	struct cut *c = malloc(sizeof(*c));
	char path[4096], name[4096], *p;
	struct gobin *gb;
	const char *why;
	size_t i;
	int a, h;

	if (argc < 3 || !pt || !c) {
		fprintf(stderr, "usage: mkseeds OUTDIR BINARY...\n");
		return 1;
	}
	outdir = argv[1];
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", outdir, subs[i]);
		if (mkdir(path, 0755) && errno != EEXIST) {
			fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	dwarf_seed(NULL, "synthetic");
	for (a = 2; a < argc; a++) {
		if (gobin_open(argv[a], &gb, &why)) {
			fprintf(stderr, "mkseeds: %s: %s\n", argv[a], why ? why : "cannot open");
			return 1;
		}
		/* .output/fix/1.81.1-plain/grpcfixture -> 1.81.1-plain */
		snprintf(path, sizeof(path), "%s", argv[a]);
		p = strrchr(path, '/');
		if (p) {
			*p = '\0';
			p = strrchr(path, '/');
		}
		snprintf(name, sizeof(name), "%s", p ? p + 1 : path);
		cut_code(gb, c);
		code_seed(c, name);
		for (h = 0; h < 3; h++) {
			char n2[4200];

			build_parts(gb, c, h, pt);
			snprintf(n2, sizeof(n2), "%s-%s", name, how[h]);
			sections_seed(c, pt, n2);
			gobin_seed(c, pt, n2);
		}
		if (gobin_has_dwarf(gb))
			dwarf_seed(gb, name);
		gobin_close(gb);
	}
	free(pt);
	free(c);
	return 0;
}
