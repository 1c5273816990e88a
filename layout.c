// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * layout: grpc-go's layout in one binary. See layout.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

#define GRPC		"google.golang.org/grpc."
#define TRANSPORT	"google.golang.org/grpc/internal/transport."
#define STATUS		"google.golang.org/grpc/internal/status.Status"
#define SPB_STATUS	"google.golang.org/genproto/googleapis/rpc/status.Status"

/*
 * A built-in layout: what the DWARF of builds of these releases said (the
 * same for each of them).
 */
struct layout_entry {
	const char *releases;		/* "1.33.1 1.33.2 ...", in version order */
	const char *go_versions;	/* of the builds it came from (informative) */
	struct go_offsets off;
	__s32 args[F_COUNT];		/* see struct layout */
};

/* Role names, as the table's args initializers spell them. */
static const char *const role_names[F_COUNT] = {
	[F_NEW_CLIENT_STREAM] = "F_NEW_CLIENT_STREAM",
	[F_NEWSTREAM] = "F_NEWSTREAM",
	[F_CLOSESTREAM] = "F_CLOSESTREAM",
	[F_HANDLE_STREAM] = "F_HANDLE_STREAM",
	[F_PROCESS_UNARY] = "F_PROCESS_UNARY",
	[F_PROCESS_STREAMING] = "F_PROCESS_STREAMING",
	[F_WRITE_STATUS] = "F_WRITE_STATUS",
	[F_CLIENT_CLOSE] = "F_CLIENT_CLOSE",
};

/* LAYOUTS_H: another table, for tests (Makefile, grpcstreams-without-%). */
#ifdef LAYOUTS_H
#include LAYOUTS_H
#else
#include "layouts.gen.h"
#endif

/* Every field of struct go_offsets, by name, for -v and the table. */
#define F(name) { #name, offsetof(struct go_offsets, name) }
static const struct {
	const char *name;
	size_t at;
} fields[] = {
	F(callhdr_method), F(desc_server_streams), F(desc_client_streams),
	F(client_nextid), F(client_remote_addr), F(client_conn_id), F(cs_deref),
	F(cs_id), F(cs_state), F(cs_ct), F(cs_method), F(cs_status), F(server_peer),
	F(server_conn_id),
	F(ss_transport), F(ss_deref), F(ss_id), F(ss_method), F(ss_state), F(status_s), F(spb_code),
	F(tcpaddr_ip), F(tcpaddr_port), F(r_ncs_desc), F(r_ns_t), F(r_ns_hdr),
	F(r_cs_t), F(r_cs_s), F(r_cs_err), F(r_cs_st), F(r_hs_stream),
	F(r_pu_stream), F(r_ps_stream), F(r_ps_sd), F(r_ws_t), F(r_ws_s), F(r_ws_st),
};
#undef F

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static __s32 *field(struct go_offsets *o, size_t i)
{
	return (__s32 *)((char *)o + fields[i].at);
}

static bool has_func(struct gobin *gb, const char *sym)
{
	uint64_t addr, size;

	return !gobin_func(gb, sym, &addr, &size);
}

/* The functions this binary has; the linker drops what a program does not use. */
static void find_funcs(struct gobin *gb, struct layout *l)
{
	static const char *const names[F_COUNT][2] = {
		[F_NEW_CLIENT_STREAM] = { GRPC "newClientStream" },
		[F_NEWSTREAM] = { TRANSPORT "(*http2Client).NewStream" },
		[F_CLOSESTREAM] = { TRANSPORT "(*http2Client).closeStream" },
		[F_HANDLE_STREAM] = { GRPC "(*Server).handleStream" },
		[F_PROCESS_UNARY] = { GRPC "(*Server).processUnaryRPC" },
		[F_PROCESS_STREAMING] = { GRPC "(*Server).processStreamingRPC" },
		[F_WRITE_STATUS] = { TRANSPORT "(*http2Server).WriteStatus",
				     TRANSPORT "(*http2Server).writeStatus" },
		[F_CLIENT_CLOSE] = { TRANSPORT "(*http2Client).CloseStream",
				     TRANSPORT "(*ClientStream).Close" },
	};
	int i, j;

	for (i = 0; i < F_COUNT; i++)
		for (j = 0; j < 2 && !l->func[i]; j++)
			if (names[i][j] && has_func(gb, names[i][j]))
				l->func[i] = names[i][j];
	if (l->func[F_NEWSTREAM] && l->func[F_CLOSESTREAM])
		l->sides |= LAYOUT_CLIENT;
	if (l->func[F_HANDLE_STREAM] && l->func[F_WRITE_STATUS] &&
	    l->func[F_PROCESS_UNARY] && l->func[F_PROCESS_STREAMING])
		l->sides |= LAYOUT_SERVER;
	if (!(l->sides & LAYOUT_CLIENT))
		l->func[F_NEW_CLIENT_STREAM] = l->func[F_NEWSTREAM] = l->func[F_CLOSESTREAM] =
			l->func[F_CLIENT_CLOSE] = NULL;
	if (!(l->sides & LAYOUT_SERVER))
		l->func[F_HANDLE_STREAM] = l->func[F_PROCESS_UNARY] =
			l->func[F_PROCESS_STREAMING] = l->func[F_WRITE_STATUS] = NULL;
}

/* ---- from DWARF ---- */

struct dwarf_ctx {
	struct gobin *gb;
	const char *path;
	bool verbose;
	const char *missing;	/* first required item not found */
	char missing_buf[256];
};

static void note_missing(struct dwarf_ctx *c, const char *what, const char *name)
{
	if (c->missing)
		return;
	snprintf(c->missing_buf, sizeof(c->missing_buf), "%s%s", what, name);
	c->missing = c->missing_buf;
}

/* Offset of TYPE.MEMBER, or -1; REQUIRED ones are noted when absent. */
static __s32 member(struct dwarf_ctx *c, const char *type, const char *mem, bool required)
{
	long v;

	if (gobin_member_offset(c->gb, type, mem, &v)) {
		if (required) {
			char what[200];

			snprintf(what, sizeof(what), "%s.", type);
			note_missing(c, what, mem);
		}
		return -1;
	}
	return (__s32)v;
}

static bool has_type(struct dwarf_ctx *c, const char *type, const char *mem)
{
	long v;

	return !gobin_member_offset(c->gb, type, mem, &v);
}

/* Register of FUNC's parameter PARAM, or -1; noted when FUNC is probed. */
static __s32 param(struct dwarf_ctx *c, const char *func, const char *name, bool required)
{
	int reg;

	if (!func)
		return -1;
	if (gobin_param_reg(c->gb, func, name, &reg)) {
		if (required) {
			char what[200];

			snprintf(what, sizeof(what), "a register argument '%s' of ", name);
			note_missing(c, what, func);
		}
		return -1;
	}
	return reg;
}

/*
 * Where the Stream is inside WRAPPER (transport.ClientStream or
 * ServerStream, 1.69+): *DEREF is the offset of an embedded *Stream to
 * follow, *EMBED that of a Stream embedded by value (1.77+). Before 1.69
 * the wrapper does not exist and the pointer is the *Stream itself.
 */
static void stream_embedding(struct dwarf_ctx *c, const char *wrapper, __s32 *deref,
			     __s32 *embed)
{
	char type[256];
	long v;

	*deref = -1;
	*embed = 0;
	if (gobin_member_offset(c->gb, wrapper, "Stream", &v))
		return;
	if (gobin_member_type(c->gb, wrapper, "Stream", type, sizeof(type)) ||
	    !strcmp(type, "*" TRANSPORT "Stream")) {
		*deref = (__s32)v;
		return;
	}
	*embed = (__s32)v;
}

/*
 * 8 when TYPE.MEMBER is an interface, whose second word is the pointer to
 * read (Stream.ct is a ClientTransport in 1.66 - 1.68, a *http2Client
 * before); 0 for a pointer.
 */
static __s32 iface_data(struct dwarf_ctx *c, const char *type, const char *mem)
{
	char t[256];

	if (gobin_member_type(c->gb, type, mem, t, sizeof(t)) || t[0] == '*')
		return 0;
	return 8;
}

static int from_dwarf(struct gobin *gb, const char *path, struct layout *l, bool verbose,
		      struct why *why)
{
	struct dwarf_ctx c = { .gb = gb, .path = path, .verbose = verbose };
	struct go_offsets *o = &l->off;
	bool cl = l->sides & LAYOUT_CLIENT, sv = l->sides & LAYOUT_SERVER;
	__s32 embed, peer;

	o->callhdr_method = member(&c, TRANSPORT "CallHdr", "Method", cl);
	o->desc_server_streams = member(&c, GRPC "StreamDesc", "ServerStreams", false);
	o->desc_client_streams = member(&c, GRPC "StreamDesc", "ClientStreams", false);
	o->client_nextid = member(&c, TRANSPORT "http2Client", "nextID", cl);
	o->client_remote_addr = member(&c, TRANSPORT "http2Client", "remoteAddr", false);
	o->client_conn_id = member(&c, TRANSPORT "http2Client", "connectionID", false);

	stream_embedding(&c, TRANSPORT "ClientStream", &o->cs_deref, &embed);
	o->cs_id = member(&c, TRANSPORT "Stream", "id", cl || sv);
	o->cs_state = member(&c, TRANSPORT "Stream", "state", false);
	if (o->cs_id >= 0)
		o->cs_id += embed;
	if (o->cs_state >= 0)
		o->cs_state += embed;
	o->cs_method = member(&c, TRANSPORT "Stream", "method", cl);
	if (o->cs_method >= 0)
		o->cs_method += embed;
	/* The client transport moved from Stream.ct to ClientStream.ct (1.69). */
	if (has_type(&c, TRANSPORT "ClientStream", "ct"))
		o->cs_ct = member(&c, TRANSPORT "ClientStream", "ct", cl) +
			   iface_data(&c, TRANSPORT "ClientStream", "ct");
	else if (o->cs_deref < 0)
		o->cs_ct = member(&c, TRANSPORT "Stream", "ct", cl) + embed +
			   iface_data(&c, TRANSPORT "Stream", "ct");
	else
		o->cs_ct = -1;	/* behind the pointer: only -F can trace it */
	if (has_type(&c, TRANSPORT "ClientStream", "status"))
		o->cs_status = member(&c, TRANSPORT "ClientStream", "status", cl);
	else if (o->cs_deref < 0)
		o->cs_status = member(&c, TRANSPORT "Stream", "status", cl) + embed;
	else
		o->cs_status = -1;

	stream_embedding(&c, TRANSPORT "ServerStream", &o->ss_deref, &embed);
	o->ss_id = member(&c, TRANSPORT "Stream", "id", sv);
	o->ss_method = member(&c, TRANSPORT "Stream", "method", sv);
	if (o->ss_id >= 0)
		o->ss_id += embed;
	if (o->ss_method >= 0)
		o->ss_method += embed;
	o->ss_state = member(&c, TRANSPORT "Stream", "state", sv);
	if (o->ss_state >= 0)
		o->ss_state += embed;
	/* The stream's transport moved from Stream.st to ServerStream.st (1.69). */
	if (has_type(&c, TRANSPORT "ServerStream", "st"))
		o->ss_transport = member(&c, TRANSPORT "ServerStream", "st", sv);
	else
		o->ss_transport = member(&c, TRANSPORT "Stream", "st", sv);

	/* http2Server lost remoteAddr for a peer.Peer in 1.61. */
	o->server_peer = member(&c, TRANSPORT "http2Server", "remoteAddr", false);
	if (o->server_peer < 0) {
		peer = member(&c, TRANSPORT "http2Server", "peer", false);
		if (peer >= 0 && member(&c, "google.golang.org/grpc/peer.Peer", "Addr", false) >= 0)
			o->server_peer = peer + member(&c, "google.golang.org/grpc/peer.Peer",
						       "Addr", false);
	}
	o->server_conn_id = member(&c, TRANSPORT "http2Server", "connectionID", false);

	o->status_s = member(&c, STATUS, "s", true);
	o->spb_code = member(&c, SPB_STATUS, "Code", true);
	o->tcpaddr_ip = member(&c, "net.TCPAddr", "IP", false);
	o->tcpaddr_port = member(&c, "net.TCPAddr", "Port", false);
	o->unixaddr_name = member(&c, "net.UnixAddr", "Name", false);

	o->r_ncs_desc = param(&c, l->func[F_NEW_CLIENT_STREAM], "desc", false);
	o->r_ns_t = param(&c, l->func[F_NEWSTREAM], "t", true);
	o->r_ns_hdr = param(&c, l->func[F_NEWSTREAM], "callHdr", true);
	o->r_cs_t = param(&c, l->func[F_CLOSESTREAM], "t", true);
	o->r_cs_s = param(&c, l->func[F_CLOSESTREAM], "s", true);
	o->r_cs_err = param(&c, l->func[F_CLOSESTREAM], "err", true);
	o->r_cs_st = param(&c, l->func[F_CLOSESTREAM], "st", true);
	o->r_hs_stream = param(&c, l->func[F_HANDLE_STREAM], "stream", true);
	o->r_pu_stream = param(&c, l->func[F_PROCESS_UNARY], "stream", true);
	o->r_ps_stream = param(&c, l->func[F_PROCESS_STREAMING], "stream", true);
	o->r_ps_sd = param(&c, l->func[F_PROCESS_STREAMING], "sd", true);
	o->r_ws_t = param(&c, l->func[F_WRITE_STATUS], "t", true);
	o->r_ws_s = param(&c, l->func[F_WRITE_STATUS], "s", true);
	o->r_ws_st = param(&c, l->func[F_WRITE_STATUS], "st", true);
	o->pad = 0;

	if (c.missing) {
		snprintf(why->msg, sizeof(why->msg), "%s: grpc-go %s: no %s in its DWARF: "
			 "unsupported grpc-go layout", path,
			 l->grpc_version[0] ? l->grpc_version : "(version unknown)", c.missing);
		return -ENOENT;
	}
	return 0;
}

/* ---- from the table ---- */

/*
 * rpc/status.Status.Code depends on the protobuf generation genproto was
 * built with, not on grpc-go: 0 in old golang/protobuf structs, after
 * state, sizeCache and unknownFields (40) in APIv2 ones, which have a
 * ProtoReflect method. A table entry comes from one build; the binary's
 * own symbols decide.
 */
static __s32 spb_code_offset(struct gobin *gb)
{
	return has_func(gb, "google.golang.org/genproto/googleapis/rpc/status.(*Status).ProtoReflect") ?
	       40 : 0;
}

/* 1.64.0 -> 64000; -1 when VER is not "1.MINOR.PATCH". */
static long version_key(const char *ver)
{
	unsigned int major, minor, patch;
	char c;

	if (sscanf(ver, "%u.%u.%u%c", &major, &minor, &patch, &c) != 3 || major != 1)
		return -1;
	return minor * 1000L + patch;
}

/* How far the releases of entry E are from KEY (-1: unknown, the newest wins). */
static long entry_distance(const struct layout_entry *e, long key)
{
	const char *p = e->releases;
	long best = -1, d, k;
	char ver[GOBIN_VERSION_LEN];
	int n;

	while (sscanf(p, "%31s%n", ver, &n) == 1) {
		p += n;
		k = version_key(ver);
		d = key < 0 ? 1000000 - k : (k > key ? k - key : key - k);
		if (best < 0 || d < best)
			best = d;
	}
	return best;
}

/* Is VER one of E's releases? */
static bool entry_has(const struct layout_entry *e, const char *ver)
{
	size_t len = strlen(ver);
	const char *p;

	for (p = strstr(e->releases, ver); p && len; p = strstr(p + 1, ver))
		if ((p == e->releases || p[-1] == ' ') && (!p[len] || p[len] == ' '))
			return true;
	return false;
}

/* "1.33.1 ... 1.34.2" of entry E, into BUF. */
static void entry_name(const struct layout_entry *e, char *buf, size_t len)
{
	const char *last = strrchr(e->releases, ' ');
	int first = (int)strcspn(e->releases, " ");

	if (last)
		snprintf(buf, len, "%.*s ... %s", first, e->releases, last + 1);
	else
		snprintf(buf, len, "%s", e->releases);
}

#define NENTRIES (sizeof(layout_table) / sizeof(layout_table[0]) - 1)

/*
 * No DWARF: the table's layouts are candidates, the entry of the binary's
 * own release first, then the others nearest its version first; the first
 * one its code does not contradict is used (layout_check.c). A release
 * the table does not know, or whose own layout the code contradicts (a
 * patched fork), is traced with a notice; a binary whose code contradicts
 * every layout is refused, naming the first field that disagreed with the
 * nearest one. Never traced with offsets its code contradicts. The notice
 * is not a failure: on stderr unless QUIET.
 */
static int from_table(struct gobin *gb, const char *path, struct layout *l, bool quiet,
		      struct why *why)
{
	size_t order[NENTRIES + 1], i, j, n = NENTRIES, t;
	long key = version_key(l->grpc_version), dist[NENTRIES + 1];
	struct layout_verdict v, first = { 0 };
	struct layout_code *lc;
	const char *ver = l->grpc_version[0] ? l->grpc_version : "(version unknown)";
	char name[64], firstname[64] = "";
	bool known = false;
	int err;

	for (i = 0; i < n; i++) {
		order[i] = i;
		dist[i] = entry_has(&layout_table[i], l->grpc_version) ? -1 :
			  entry_distance(&layout_table[i], key);
		known |= dist[i] < 0;
	}
	/* Insertion sort by distance, stable: older entries first on a tie. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && dist[order[j]] < dist[order[j - 1]]; j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	err = layout_code_open(gb, &lc);
	if (err) {
		snprintf(why->msg, sizeof(why->msg), "%s: cannot read its code to check a layout: %s",
			 path, strerror(-err));
		return err;
	}
	for (i = 0; i < n; i++) {
		const struct layout_entry *e = &layout_table[order[i]];

		l->off = e->off;
		memcpy(l->args, e->args, sizeof(l->args));
		l->off.spb_code = spb_code_offset(gb);
		/* net.UnixAddr{Name, Net string}, the same since Go 1.0 */
		l->off.unixaddr_name = 0;
		entry_name(e, name, sizeof(name));
		if (layout_check(lc, l, &v)) {
			if (!i) {
				first = v;
				snprintf(firstname, sizeof(firstname), "%s", name);
			}
			continue;
		}
		snprintf(l->entry, sizeof(l->entry), "%s", name);
		l->entry_go = e->go_versions;
		l->confirmed = v.confirmed;
		l->unchecked = v.unchecked;
		if (!quiet && !known)
			fprintf(stderr, "grpcstreams: %s: grpc-go %s is not in the layout table; "
				"its code agrees with the layout of %s: using that\n", path, ver, name);
		else if (!quiet && dist[order[i]] >= 0)
			fprintf(stderr, "grpcstreams: %s: grpc-go %s, but its code contradicts that "
				"release's layout (%s); it agrees with the layout of %s: using that\n",
				path, ver, first.why, name);
		layout_code_close(lc);
		return 0;
	}
	layout_code_close(lc);
	snprintf(why->msg, sizeof(why->msg), "%s: grpc-go %s: no DWARF, and its code contradicts "
		 "every known layout (nearest, %s: %s); rebuild without -ldflags=-w, or add this "
		 "release with make layouts", path, ver, firstname, first.why);
	return -ENOENT;
}

unsigned int layout_sides(struct gobin *gb)
{
	struct layout l;

	memset(&l, 0, sizeof(l));
	find_funcs(gb, &l);
	return l.sides;
}

int layout_resolve(struct gobin *gb, const char *path, struct layout *l, bool verbose,
		   bool quiet, struct why *why)
{
	const char *ver = gobin_grpc_version(gb);
	size_t i;
	int err;

	memset(l, 0, sizeof(*l));
	snprintf(l->grpc_version, sizeof(l->grpc_version), "%s", ver);
	find_funcs(gb, l);
	if (!l->sides) {
		if (!ver[0])
			snprintf(why->msg, sizeof(why->msg), "%s: not a grpc-go program (no grpc-go "
				 "code linked in)", path);
		else
			snprintf(why->msg, sizeof(why->msg), "%s: grpc-go %s, but neither its client "
				 "nor its server HTTP/2 transport is linked in; nothing to trace",
				 path, ver);
		return -ENOENT;
	}
	if (gobin_has_dwarf(gb)) {
		l->source = "DWARF";
		err = from_dwarf(gb, path, l, verbose, why);
		for (i = 0; i < F_COUNT; i++)
			if (l->func[i] && gobin_func_args(gb, l->func[i], &l->args[i]))
				l->args[i] = 0;
	} else {
		l->source = "table";
		err = from_table(gb, path, l, quiet, why);
	}
	if (err)
		return err;
	/* A probe the layout has no registers for cannot run. */
	if (l->off.r_pu_stream < 0)
		l->func[F_PROCESS_UNARY] = NULL;
	if (l->off.r_ps_stream < 0 || l->off.r_ps_sd < 0)
		l->func[F_PROCESS_STREAMING] = NULL;
	if (l->off.r_ncs_desc < 0)
		l->func[F_NEW_CLIENT_STREAM] = NULL;
	if (verbose) {
		fprintf(stderr, "layout: grpc-go %s, sides:%s%s, from %s\n",
			ver[0] ? ver : "(unknown)", l->sides & LAYOUT_CLIENT ? " client" : "",
			l->sides & LAYOUT_SERVER ? " server" : "", l->source);
		if (l->entry[0])
			fprintf(stderr, "layout: table entry %s (DWARF of %s builds), confirmed by "
				"the binary's code: %d fields agree, %d unchecked (no such "
				"function)\n", l->entry, l->entry_go, l->confirmed, l->unchecked);
		for (i = 0; i < NFIELDS; i++)
			fprintf(stderr, "layout: %s = %d\n", fields[i].name,
				*field(&l->off, i));
	}
	return 0;
}

int layout_table_entry(size_t i, struct layout *l)
{
	if (i >= NENTRIES)
		return -ENOENT;
	l->off = layout_table[i].off;
	memcpy(l->args, layout_table[i].args, sizeof(l->args));
	entry_name(&layout_table[i], l->entry, sizeof(l->entry));
	return 0;
}

void layout_print_entry(const struct layout *l, const char *go_version, FILE *f)
{
	struct go_offsets o = l->off;
	size_t i;

	fprintf(f, "%s %s", l->grpc_version[0] ? l->grpc_version : "-",
		go_version[0] ? go_version : "-");
	for (i = 0; i < NFIELDS; i++)
		fprintf(f, " %s=%d", fields[i].name, *field(&o, i));
	for (i = 0; i < F_COUNT; i++)
		fprintf(f, " args.%s=%d", role_names[i], l->args[i]);
	fputc('\n', f);
}
