// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * probes: where grpcstreams' uprobes go in a grpc-go binary, and attaching
 * them. Every site is found before the first one is attached, so that a
 * target that cannot be fully probed is refused with nothing attached.
 * The sites themselves are found by gobin (gobin_sites.c,
 * gobin_callers.c); this file says which function each logical probe needs
 * and which kind of site.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <capstone/capstone.h>

#include "grpcstreams.h"
#include "grpcstreams.skel.h"
#include "gobin.h"
#include "layout.h"
#include "probes.h"
#include "trace_helpers.h"

#define TRANSPORT	"google.golang.org/grpc/internal/transport."
#define MAX_LINKS	64
#define MAX_SITES	32

struct probe_spec;

/*
 * One executable's probes. Every site is found before the first one is
 * attached: a target we cannot fully probe is refused with nothing
 * attached. The programs are this executable's own copy (obj): its
 * read-only data holds its layout and addresses; the maps are shared.
 */
struct probes {
	struct probe_opts o;
	const struct layout *lay;
	struct {
		const struct probe_spec *spec;
		const char *sym;
		struct probe_site site;
	} s[MAX_LINKS];
	int n;
	struct grpcstreams_bpf *obj;
	struct bpf_link *links[MAX_LINKS];	/* one perf-event uprobe per site */
	int link_fds[PROBE_COUNT];		/* uprobe_multi, per program */
};


/*
 * handleStream's stream carries its transport as an interface; the type
 * hash in the itab (constant, unlike the itab's address under PIE or ASLR)
 * tells an http2Server from another transport (ServeHTTP). Any itab of
 * *http2Server holds it. 0 when there is none to read (stripped binary):
 * the BPF side then takes every transport.
 */
static __u32 server_type_hash(struct probes *pr, struct gobin *gb)
{
	static const char *const itabs[] = {
		"go.itab.*" TRANSPORT "http2Server," TRANSPORT "ServerTransport",
		"go:itab.*" TRANSPORT "http2Server," TRANSPORT "ServerTransport",
		"go.itab.*" TRANSPORT "http2Server," TRANSPORT "internalServerTransport",
		"go:itab.*" TRANSPORT "http2Server," TRANSPORT "internalServerTransport",
	};
	uint64_t addr, size;
	__u32 hash = 0;
	size_t i;

	for (i = 0; i < sizeof(itabs) / sizeof(itabs[0]) && !hash; i++)
		if (gobin_symbol(gb, itabs[i], &addr, &size) ||
		    gobin_read(gb, addr + 16, &hash, sizeof(hash)))
			hash = 0;
	if (pr->o.verbose)
		fprintf(stderr, "server transport type hash: 0x%x%s\n", hash,
			hash ? " (itab)" : " (no itab symbol: not checked)");
	return hash;
}

/*
 * What a program loaded at its link addresses lets the BPF side skip:
 * reads of method strings that are constants (cached by address), and of
 * the status of a server stream that ends with grpc.statusOK. A PIE's
 * addresses move with each process: nothing then.
 */
static void fixed_addresses(struct probes *pr, struct gobin *gb, struct grpcstreams_bpf *obj)
{
	uint64_t lo, hi, addr, size;

	if (gobin_fixed_rodata(gb, &lo, &hi)) {
		if (pr->o.verbose)
			fprintf(stderr, "fixed addresses: none (PIE): methods and statuses read\n");
		return;
	}
	obj->rodata->ro_lo = lo;
	obj->rodata->ro_hi = hi;
	if (!gobin_symbol(gb, "google.golang.org/grpc.statusOK", &addr, &size) && size == 8)
		obj->rodata->status_ok_var = addr;
	if (pr->o.verbose)
		fprintf(stderr, "fixed addresses: read-only data 0x%llx-0x%llx (constant methods "
			"cached), grpc.statusOK at 0x%llx%s\n", (unsigned long long)lo,
			(unsigned long long)hi, (unsigned long long)obj->rodata->status_ok_var,
			obj->rodata->status_ok_var ? "" : " (no symbol: statuses read)");
}

/*
 * A peer is a net.Addr: an interface value, whose type word points at an
 * itab that holds the hash of its dynamic type. The BPF side reads the
 * addresses of the types it knows by that hash, never by their shape:
 * *net.TCPAddr's and *net.UnixAddr's, each from the itabs that hold one of
 * its methods, found by value (stripped binaries and Go >= 1.26 have no
 * itab symbols; the hash, unlike the itab's address, does not move under
 * PIE or ASLR). A type without such an itab never gets there (0: never
 * matched); an address of any other type is shown as unknown.
 */
static void peer_types(struct probes *pr, struct gobin *gb, struct grpcstreams_bpf *obj)
{
	static const char *const methods[2][2] = {
		{ "net.(*TCPAddr).Network", "net.(*TCPAddr).String" },
		{ "net.(*UnixAddr).Network", "net.(*UnixAddr).String" },
	};
	__u32 hash[2] = { 0, 0 };
	int t, m;

	for (t = 0; t < 2; t++)
		for (m = 0; m < 2 && !hash[t]; m++)
			if (gobin_itab_type_hash(gb, methods[t][m], &hash[t]))
				hash[t] = 0;
	obj->rodata->tcpaddr_hash = hash[0];
	obj->rodata->unixaddr_hash = hash[1];
	if (pr->o.verbose)
		fprintf(stderr, "peer types: *net.TCPAddr hash 0x%x, *net.UnixAddr hash 0x%x "
			"(0: no itab, never matched), net.UnixAddr.Name at %d\n", hash[0],
			hash[1], pr->lay->off.unixaddr_name);
}

/*
 * The logical probes: which function, at its entry or its returns, and
 * whether only -F wants it. Two hits per RPC and side by default: a
 * client stream starts when NewStream returns and ends at its first
 * closeStream; a server stream starts when its handler is picked
 * (process*RPC, one or the other) and ends at WriteStatus.
 */
static const struct probe_spec {
	enum probe_id id;
	enum layout_func func;
	bool returns;
	bool full;
	__u64 cookie;
	/*
	 * A function of the server side read by no layout field (the
	 * receiver only, RAX in every Go ABIInternal): by name, at its entry.
	 */
	const char *server_sym;
} probe_specs[] = {
	{ PROBE_CLIENT_KIND, F_NEW_CLIENT_STREAM, false, true, 0 },
	{ PROBE_NEWSTREAM_ENTRY, F_NEWSTREAM, false, true, 0 },
	{ PROBE_NEWSTREAM_RETURN, F_NEWSTREAM, true, false, 0 },
	{ PROBE_CLOSESTREAM, F_CLOSESTREAM, false, false, 0 },
	{ PROBE_SERVER_START, F_PROCESS_UNARY, false, false, COOKIE_UNARY },
	{ PROBE_SERVER_START, F_PROCESS_STREAMING, false, false, 0 },
	{ PROBE_SERVER_END, F_WRITE_STATUS, false, false, 0 },
	/* Once per connection: the streams its end leaves without one. */
	{ PROBE_SERVER_CLOSE, F_COUNT, false, false, 0, TRANSPORT "(*http2Server).Close" },
};

/* Are all client end sites where the RPC closes its stream (COOKIE_RPC_CLOSE)? */
static bool close_after_start(const struct probes *pr)
{
	bool any = false;
	int i;

	for (i = 0; i < pr->n; i++) {
		if (pr->s[i].spec->id != PROBE_CLOSESTREAM)
			continue;
		if (pr->s[i].site.kind != SITE_CALL)
			return false;
		any = true;
	}
	return any;
}

/* A function of the binary a probe is planned in: its name, its text. */
struct func_span {
	const char *sym;
	uint64_t addr, size;
};

/*
 * The return of NewStream, on an emulated branch right after the CALL in
 * each caller (RAX, RBX and R14 intact), instead of its RETs: the kernel
 * emulates a branch in place, but single-steps a RET out of line, a second
 * trap (arch/x86/kernel/uprobes.c, branch_setup_xol_ops). Only when every
 * call is covered; else the RETs. grpc-go calls the transport's NewStream
 * from these two, through the ClientTransport interface.
 */
static int return_sites(struct probes *pr, struct gobin *gb, const struct func_span *fn,
			struct probe_site *sites, int max)
{
	static const char *const callers[] = {
		"google.golang.org/grpc.(*csAttempt).newStream",
		"google.golang.org/grpc.newNonRetryClientStream",
		NULL,
	};
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, X86_REG_R14, 0 };
	const struct caller_query q = {
		.func = fn->sym,
		.itab_sym = "go.itab.*" TRANSPORT "http2Client," TRANSPORT "ClientTransport",
		.callers = callers,
		.keep_regs = keep,
	};
	const char *why = NULL;
	bool complete = false;
	int n;

	if (!pr->o.naive) {
		n = gobin_caller_sites(gb, &q, sites, max, &complete, &why);
		if (n > 0 && complete)
			return n;
		if (pr->o.verbose)
			fprintf(stderr, "probe %s: no emulated site after every call (%s): "
				"at its RETs\n", fn->sym, n < 0 ? strerror(-n) :
				why ? why : "no caller found");
	}
	return gobin_ret_sites(gb, fn->addr, fn->size, sites, max);
}

/* Capstone's name of ABIInternal argument register I (layout's r_* values). */
static uint16_t abi_reg(int i)
{
	static const uint16_t regs[] = {
		X86_REG_RAX, X86_REG_RBX, X86_REG_RCX, X86_REG_RDI, X86_REG_RSI,
		X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
	};

	return i >= 0 && i < (int)(sizeof(regs) / sizeof(regs[0])) ? regs[i] : 0;
}

/*
 * closeStream runs two or three times per stream, and only the first
 * counts. grpc-go tells them apart itself, first thing, with an atomic
 * swap of the stream's state; past it, on the first call's path, an
 * emulated branch with the arguments still in their registers costs one
 * hit per stream instead of one per call. Else the entry.
 */
static int first_close_site(struct probes *pr, struct gobin *gb, const struct func_span *fn,
			    struct probe_site *site)
{
	const struct go_offsets *o = &pr->lay->off;
	uint16_t keep[] = { abi_reg(o->r_cs_t), abi_reg(o->r_cs_s), abi_reg(o->r_cs_err),
			    abi_reg(o->r_cs_err + 1), abi_reg(o->r_cs_st), X86_REG_R14, 0 };
	/* swapState() swaps s.state: its base is the register s arrives in. */
	const struct first_pass_regs regs = { .swap_base = abi_reg(o->r_cs_s), .keep = keep };
	const char *why;
	size_t i;

	for (i = 0; i + 1 < sizeof(keep) / sizeof(keep[0]); i++)
		if (!keep[i])
			goto entry;
	if (!gobin_first_pass_site(gb, fn->addr, fn->size, &regs, site, &why))
		return 0;
	if (pr->o.verbose)
		fprintf(stderr, "probe closeStream: no site past the state swap (%s): at its entry\n",
			why);
entry:
	return gobin_entry_site(gb, fn->addr, fn->size, site);
}

/*
 * process*RPC is the first function on a server stream's goroutine that
 * grows its stack, so its stack check is passed twice per stream: probe the
 * first emulated instruction of its body instead, while the stream (and
 * the StreamDesc) are still in their registers. Else the stack check.
 */
static int server_start_site(struct probes *pr, struct gobin *gb, const struct probe_spec *spec,
			     const struct func_span *fn, struct probe_site *site)
{
	const struct go_offsets *o = &pr->lay->off;
	bool unary = spec->func == F_PROCESS_UNARY;
	uint16_t keep[] = { abi_reg(unary ? o->r_pu_stream : o->r_ps_stream),
			    unary ? 0 : abi_reg(o->r_ps_sd), 0 };

	if (keep[0] && (unary || keep[1]) && !gobin_body_site(gb, fn->addr, fn->size, keep, site))
		return 0;
	if (pr->o.verbose)
		fprintf(stderr, "probe %s: no emulated site in its body with the stream intact: "
			"at its stack check\n", fn->sym);
	return gobin_entry_site(gb, fn->addr, fn->size, site);
}

/*
 * Where a client stream ends. Every RPC closes its stream from its own
 * goroutine when it finishes, through CloseStream (ClientStream.Close from
 * 1.69), which calls closeStream with the RPC's status: probe that CALL,
 * where closeStream's arguments are in place. Not the first closeStream,
 * which is usually the connection's reader goroutine on the trailers: one
 * goroutine for every stream of the connection, whose delay is every
 * stream's. And it comes after NewStream's return, always. Else the first
 * closeStream (first_close_site).
 */
static int close_sites(struct probes *pr, struct gobin *gb, const struct func_span *fn,
		       struct probe_site *sites, int max)
{
	const char *caller = pr->lay->func[F_CLIENT_CLOSE];
	uint64_t caddr, csize;
	int n, err;

	if (caller && !gobin_func(gb, caller, &caddr, &csize)) {
		n = gobin_call_sites(gb, caddr, csize, fn->addr, sites, max);
		if (n > 0)
			return n;
		if (pr->o.verbose)
			fprintf(stderr, "probe closeStream: no call of it in %s (%s): past its state swap\n",
				caller, n ? strerror(-n) : "none found");
	}
	err = first_close_site(pr, gb, fn, &sites[0]);
	return err ? err : 1;
}

/* Entry site, or every return site, of one logical probe; else WHY not. */
static int plan_probe(struct probes *pr, struct gobin *gb, const char *path, const struct probe_spec *spec,
		      struct why *why)
{
	const char *sym = spec->server_sym ?
		(pr->lay->sides & LAYOUT_SERVER ? spec->server_sym : NULL) : pr->lay->func[spec->func];
	struct probe_site sites[MAX_SITES];
	struct func_span fn = { .sym = sym };
	int i, n, err;

	if (!sym)
		return 0;	/* not in this binary, or not needed */
	err = gobin_func(gb, sym, &fn.addr, &fn.size);
	if (err && spec->server_sym) {
		/* Streams of closed connections then stay open: say so. */
		if (!pr->o.quiet)
			fprintf(stderr, "grpcstreams: %s: %s not found: server streams left by a "
				"closed connection are not ended\n", path, sym);
		return 0;
	}
	if (err) {
		snprintf(why->msg, sizeof(why->msg), "%s: %s not found", path, sym);
		return err;
	}
	if (spec->returns) {
		n = return_sites(pr, gb, &fn, sites, MAX_SITES);
	} else if (pr->o.naive) {
		sites[0] = (struct probe_site){ .vaddr = fn.addr, .kind = SITE_ENTRY };
		err = gobin_vaddr_to_offset(gb, fn.addr, &sites[0].offset);
		n = err ? err : 1;
	} else if (spec->func == F_CLOSESTREAM) {
		n = close_sites(pr, gb, &fn, sites, MAX_SITES);
	} else if (spec->id == PROBE_SERVER_START) {
		err = server_start_site(pr, gb, spec, &fn, &sites[0]);
		n = err ? err : 1;
	} else {
		err = gobin_entry_site(gb, fn.addr, fn.size, &sites[0]);
		n = err ? err : 1;
	}
	if (n <= 0) {
		snprintf(why->msg, sizeof(why->msg), "%s: cannot place probes in %s: %s", path,
			 sym, n ? strerror(-n) : "no RET instruction found");
		return n ? n : -ENOENT;
	}
	if (pr->n + n > MAX_LINKS) {
		snprintf(why->msg, sizeof(why->msg), "%s: too many probe sites in %s", path, sym);
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		pr->s[pr->n].spec = spec;
		pr->s[pr->n].sym = sym;
		pr->s[pr->n++].site = sites[i];
	}
	return 0;
}

struct probes *probes_plan(struct gobin *gb, const char *path, const struct layout *layout,
			   const struct probe_opts *o, int *err, struct why *why)
{
	struct probes *pr = calloc(1, sizeof(*pr));
	size_t i;

	if (!pr) {
		*err = -ENOMEM;
		snprintf(why->msg, sizeof(why->msg), "out of memory");
		return NULL;
	}
	pr->lay = layout;
	pr->o = *o;
	for (i = 0; i < PROBE_COUNT; i++)
		pr->link_fds[i] = -1;
	for (i = 0; i < sizeof(probe_specs) / sizeof(probe_specs[0]); i++) {
		if (probe_specs[i].full && !pr->o.full)
			continue;
		*err = plan_probe(pr, gb, path, &probe_specs[i], why);
		if (*err) {
			free(pr);
			return NULL;
		}
	}
	return pr;
}

static struct bpf_program *probe_prog(struct grpcstreams_bpf *obj, enum probe_id id)
{
	switch (id) {
	case PROBE_NEWSTREAM_ENTRY:
		return obj->progs.newstream_entry;
	case PROBE_NEWSTREAM_RETURN:
		return obj->progs.newstream_return;
	case PROBE_CLOSESTREAM:
		return obj->progs.closestream;
	case PROBE_CLIENT_KIND:
		return obj->progs.client_kind;
	case PROBE_SERVER_START:
		return obj->progs.server_start;
	case PROBE_SERVER_END:
		return obj->progs.server_end;
	case PROBE_SERVER_CLOSE:
		return obj->progs.server_close;
	default:
		return NULL;
	}
}

/* What a site's hits see as bpf_get_attach_cookie(): its kind and meaning. */
static __u64 site_cookie(const struct probes *pr, int i)
{
	const struct probe_site *site = &pr->s[i].site;
	__u64 cookie = pr->s[i].spec->cookie;

	/* The stack-check site needs the BPF side to tell re-entries. */
	if (site->kind == SITE_STACK_CHECK)
		cookie |= COOKIE_STACK_CHECK;
	if (site->kind == SITE_FIRST_PASS)
		cookie |= COOKIE_FIRST_PASS;
	if (site->kind == SITE_CALL)
		cookie |= COOKIE_RPC_CLOSE;
	if (site->kind == SITE_CALLER_BRANCH)
		cookie |= COOKIE_CALLER_SITE | (site->vaddr - site->ret) << COOKIE_DELTA_SHIFT;
	return cookie;
}

static void print_site(const struct probes *pr, struct bpf_program *prog, int i)
{
	const struct probe_site *site = &pr->s[i].site;

	fprintf(stderr, "probe %s: %s at 0x%lx (file offset 0x%lx): %s%s%s\n",
		bpf_program__name(prog), pr->s[i].sym, (unsigned long)site->vaddr,
		(unsigned long)site->offset, gobin_site_kind_str(site->kind),
		site->caller ? " in " : site->kind == SITE_CALL ? " in " : "",
		site->caller ? site->caller :
		site->kind == SITE_CALL ? pr->lay->func[F_CLIENT_CLOSE] : "");
}

/* One uprobe_multi link per program, for all its sites. */
static int attach_multi(struct probes *pr, const char *path, struct why *why)
{
	struct grpcstreams_bpf *obj = pr->obj;
	uint64_t offsets[MAX_LINKS], cookies[MAX_LINKS];
	struct bpf_program *prog;
	int id, i, n, fd;

	for (id = 0; id < PROBE_COUNT; id++) {
		prog = probe_prog(obj, id);
		for (i = 0, n = 0; prog && i < pr->n; i++) {
			if (pr->s[i].spec->id != (enum probe_id)id)
				continue;
			offsets[n] = pr->s[i].site.offset;
			cookies[n++] = site_cookie(pr, i);
			if (pr->o.verbose)
				print_site(pr, prog, i);
		}
		if (!n)
			continue;
		fd = uprobe_multi_link(bpf_program__fd(prog), path, offsets, cookies, n, pr->o.pid);
		if (fd < 0) {
			snprintf(why->msg, sizeof(why->msg), "failed to attach %s (%d uprobes): %s",
				 bpf_program__name(prog), n, strerror(-fd));
			return fd;
		}
		pr->link_fds[id] = fd;
	}
	return 0;
}

int probes_attach(struct probes *pr, const char *path, struct why *why)
{
	struct bpf_program *prog;
	int i, err;

	if (pr->o.uprobe_multi)
		return attach_multi(pr, path, why);
	for (i = 0; i < pr->n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts);

		prog = probe_prog(pr->obj, pr->s[i].spec->id);
		opts.bpf_cookie = site_cookie(pr, i);
		pr->links[i] = bpf_program__attach_uprobe_opts(prog, pr->o.pid ? pr->o.pid : -1,
							       path, pr->s[i].site.offset, &opts);
		if (!pr->links[i]) {
			err = -errno;
			snprintf(why->msg, sizeof(why->msg), "failed to attach uprobe to %s at 0x%lx: %s",
				 pr->s[i].sym, (unsigned long)pr->s[i].site.vaddr, strerror(-err));
			return err;
		}
		if (pr->o.verbose)
			print_site(pr, prog, i);
	}
	return 0;
}

bool probes_attached(const struct probes *pr)
{
	int i;

	for (i = 0; i < PROBE_COUNT; i++)
		if (pr->link_fds[i] >= 0)
			return true;
	return pr->n && pr->links[0];
}

void probes_detach(struct probes *pr)
{
	int i;

	for (i = 0; i < pr->n; i++) {
		bpf_link__destroy(pr->links[i]);
		pr->links[i] = NULL;
	}
	for (i = 0; i < PROBE_COUNT; i++) {
		if (pr->link_fds[i] >= 0)
			close(pr->link_fds[i]);
		pr->link_fds[i] = -1;
	}
}

int probes_count(const struct probes *pr)
{
	return pr->n;
}

/*
 * What the binary tells the BPF side, in this copy's read-only data, the
 * rest (options) copied from BASE's; the programs it has no site for,
 * and BASE's own (tracepoints), not loaded.
 */
static void configure(struct probes *pr, const struct grpcstreams_bpf *base,
		      const struct probe_bpf *cfg, struct gobin *gb)
{
	struct grpcstreams_bpf *obj = pr->obj;
	struct bpf_program *prog;
	bool used;
	int i, id;

	memcpy(obj->rodata, base->rodata, sizeof(*obj->rodata));
	obj->rodata->watch_procs = false;
	obj->rodata->targ_tgid = pr->o.pid;
	obj->rodata->off = pr->lay->off;
	obj->rodata->client_entry = pr->o.full;
	obj->rodata->filter_cg = cfg->filter_cg;
	bpf_object__for_each_program(prog, obj->obj)
		bpf_program__set_autoload(prog, false);
	for (id = 0; id < PROBE_COUNT; id++) {
		if (!(prog = probe_prog(obj, id)))
			continue;
		for (i = 0, used = false; i < pr->n && !used; i++)
			used = pr->s[i].spec->id == (enum probe_id)id;
		bpf_program__set_autoload(prog, used);
		/* A uprobe_multi link takes only programs loaded for one. */
		if (pr->o.uprobe_multi)
			bpf_program__set_expected_attach_type(prog, BPF_TRACE_UPROBE_MULTI_TYPE);
	}
	obj->rodata->close_after_start = close_after_start(pr);
	if (pr->lay->sides & LAYOUT_SERVER)
		obj->rodata->server_type_hash = server_type_hash(pr, gb);
	fixed_addresses(pr, gb, obj);
	peer_types(pr, gb, obj);
}

int probes_load(struct probes *pr, const struct grpcstreams_bpf *base,
		const struct probe_bpf *cfg, struct gobin *gb, struct why *why)
{
	const struct bpf_map *shared;
	struct bpf_map *map;
	int err;

	pr->obj = grpcstreams_bpf__open();
	if (!pr->obj) {
		err = -errno;
		snprintf(why->msg, sizeof(why->msg), "failed to open BPF object: %s", strerror(-err));
		return err;
	}
	configure(pr, base, cfg, gb);
	/* Every map BASE's: one stream table, one ring, whatever copy ran. */
	bpf_object__for_each_map(map, pr->obj->obj) {
		if (bpf_map__is_internal(map))
			continue;
		shared = bpf_object__find_map_by_name(base->obj, bpf_map__name(map));
		err = shared ? bpf_map__reuse_fd(map, bpf_map__fd(shared)) : -ENOENT;
		if (err) {
			snprintf(why->msg, sizeof(why->msg), "failed to share map %s: %s",
				 bpf_map__name(map), strerror(-err));
			return err;
		}
	}
	err = grpcstreams_bpf__load(pr->obj);
	if (err)
		snprintf(why->msg, sizeof(why->msg), "failed to load BPF programs: %s",
			 strerror(-err));
	return err;
}

void probes_unload(struct probes *pr)
{
	grpcstreams_bpf__destroy(pr->obj);
	pr->obj = NULL;
}

void probes_free(struct probes *pr)
{
	if (!pr)
		return;
	probes_detach(pr);
	grpcstreams_bpf__destroy(pr->obj);
	free(pr);
}
