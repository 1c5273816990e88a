// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * grpcstreams  Trace grpc-go streams keyed by (connection, HTTP/2 stream id),
 *              and flag the key collisions a stream-id-only key would have.
 *
 * Uses uprobes on grpc-go's HTTP/2 transport, never the kernel's return
 * probes (they crash Go programs when a goroutine stack moves).
 */
#include <argp.h>
#include <pthread.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <capstone/capstone.h>

#include "grpcstreams.h"
#include "grpcstreams.skel.h"
#include "gobin.h"
#include "layout.h"
#include "output.h"
#include "trace_helpers.h"

#define TRANSPORT	"google.golang.org/grpc/internal/transport."
#define MAX_LINKS	64
#define MAX_SITES	32

static struct env {
	pid_t pid;
	char *binary;
	int interval;
	int duration;
	int rows;
	bool json;
	bool noclear;
	bool verbose;
	bool dump_layout;
	bool naive;
	bool full;
	long bench_events;
	long bench_rate;
	long live_slots;
	bool bench_toggle;
	bool bench_trap_only;
	bool uprobe_multi;
	bool no_uprobe_multi;
} env = {
	.bench_rate = 1000000,
	.interval = 1,
	.rows = 20,
	.live_slots = LIVE_SLOTS,
};

static volatile sig_atomic_t exiting;
static volatile sig_atomic_t bench_toggle, bench_report;

const char *argp_program_version = "grpcstreams 0.1";
static const char argp_program_doc[] =
"Trace grpc-go streams keyed by (connection, HTTP/2 stream id), with their\n"
"method, peer, status and latency, and flag key collisions. Stripped\n"
"binaries: a built-in layout of every grpc-go 1.33.1-1.83.1, confirmed by the\n"
"binary's own code; another release is traced with a layout its code agrees\n"
"with (one line on stderr says so), else refused.\n"
"\n"
"USAGE: grpcstreams {-p PID | -b PATH} [-CFjv] [-d SECS] [-i SECS] [-r ROWS]\n"
"\n"
"EXAMPLES:\n"
"    grpcstreams -p 1234          # live table of PID 1234's streams\n"
"    grpcstreams -p 1234 -j       # NDJSON: one object per stream/collision\n"
"    grpcstreams -p 1234 -d 10    # capture 10 s, print the summary, exit\n"
"    grpcstreams -b ./server -j   # every process running ./server, new too\n"
"    grpcstreams -p 1234 -F -j    # client RPC kinds and nextid_race too\n"
"    grpcstreams -p 1234 -j | jq 'select(.type == \"collision\")'\n";

#define OPT_DUMP_LAYOUT	0x100
#define OPT_BENCH_EVENTS	0x101
#define OPT_BENCH_RATE		0x102
#define OPT_NAIVE		0x103
#define OPT_LIVE_SLOTS		0x104
#define OPT_BENCH_TOGGLE	0x105
#define OPT_NO_UPROBE_MULTI	0x106
#define OPT_BENCH_TRAP_ONLY	0x107

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Trace this process (its executable via /proc/PID/exe)", 0 },
	{ "binary", 'b', "PATH", 0, "Trace every process running this executable", 0 },
	{ "json", 'j', NULL, 0, "Newline-delimited JSON on stdout instead of the table", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS and print the summary", 0 },
	{ "interval", 'i', "SECONDS", 0, "Table refresh interval (default 1)", 0 },
	{ "rows", 'r', "ROWS", 0, "Maximum rows per table (default 20)", 0 },
	{ "noclear", 'C', NULL, 0, "Don't clear the screen between tables", 0 },
	{ "full", 'F', NULL, 0, "Client: also the RPC kind, nextid_race, and latency from "
	  "NewStream's entry (2 more probe hits per client RPC)", 0 },
	{ "verbose", 'v', NULL, 0,
	  "Show libbpf output, symbols, offsets and the layout table entry used, reads "
	  "skipped, how probes attach, every site", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	/* For tools/gen-layouts.sh: print the DWARF layout of -b PATH on one
	 * line and exit. */
	{ "dump-layout", OPT_DUMP_LAYOUT, NULL, OPTION_HIDDEN, "", 0 },
	/* For make bench: N synthetic events at RATE/s through the real ring
	 * buffer and output path, no target. */
	{ "bench-events", OPT_BENCH_EVENTS, "N", OPTION_HIDDEN, "", 0 },
	{ "bench-rate", OPT_BENCH_RATE, "RATE", OPTION_HIDDEN, "", 0 },
	/* For make bench: the usual placement (first instruction, every RET),
	 * to compare costs. Stack-growth re-entries are then counted twice. */
	{ "naive-probes", OPT_NAIVE, NULL, OPTION_HIDDEN, "", 0 },
	/* For tests: use only N slots (a power of two) of the live-stream
	 * table, so that streams whose slot is taken go to the hash map. */
	{ "live-slots", OPT_LIVE_SLOTS, "N", OPTION_HIDDEN, "", 0 },
	/* For make bench: SIGUSR1 detaches the probes or attaches them again,
	 * SIGUSR2 reports the hits (see bench_control). */
	{ "bench-toggle", OPT_BENCH_TOGGLE, NULL, OPTION_HIDDEN, "", 0 },
	/* For tests and make bench: a perf-event uprobe per site, as on a
	 * kernel without uprobe_multi links (before 6.6). */
	{ "no-uprobe-multi", OPT_NO_UPROBE_MULTI, NULL, OPTION_HIDDEN, "", 0 },
	/* For make bench: the same probes, but each hit is only counted, so
	 * that the kernel's share of the cost (trap, lookup, emulation) shows. */
	{ "bench-trap-only", OPT_BENCH_TRAP_ONLY, NULL, OPTION_HIDDEN, "", 0 },
	{},
};

/* A bad value: one line on stderr, argp's usage exit status (64). */
static long parse_num(const char *arg, long min, long max, struct argp_state *state,
		      const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		argp_failure(state, argp_err_exit_status, 0,
			     "invalid %s: '%s' (expected %ld..%ld)", what, arg, min, max);
	return v;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		env.pid = parse_num(arg, 1, INT_MAX, state, "PID");
		break;
	case 'b':
		env.binary = arg;
		break;
	case 'j':
		env.json = true;
		break;
	case 'd':
		env.duration = parse_num(arg, 1, INT_MAX, state, "duration");
		break;
	case 'i':
		env.interval = parse_num(arg, 1, INT_MAX, state, "interval");
		break;
	case 'r':
		env.rows = parse_num(arg, 1, 10000, state, "rows");
		break;
	case 'C':
		env.noclear = true;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'F':
		env.full = true;
		break;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		break;
	case OPT_DUMP_LAYOUT:
		env.dump_layout = true;
		break;
	case OPT_BENCH_EVENTS:
		env.bench_events = parse_num(arg, 1, LONG_MAX, state, "event count");
		break;
	case OPT_NAIVE:
		env.naive = env.full = true;
		break;
	case OPT_BENCH_RATE:
		env.bench_rate = parse_num(arg, 1, 100000000, state, "event rate");
		break;
	case OPT_NO_UPROBE_MULTI:
		env.no_uprobe_multi = true;
		break;
	case OPT_BENCH_TOGGLE:
		env.bench_toggle = true;
		break;
	case OPT_BENCH_TRAP_ONLY:
		env.bench_trap_only = true;
		break;
	case OPT_LIVE_SLOTS:
		env.live_slots = parse_num(arg, 1, LIVE_SLOTS, state, "live slots");
		if (env.live_slots & (env.live_slots - 1))
			argp_failure(state, argp_err_exit_status, 0,
				     "invalid live slots: '%s' (expected a power of two)", arg);
		break;
	case ARGP_KEY_ARG:
		argp_failure(state, argp_err_exit_status, 0, "unexpected argument: '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (!env.pid == !env.binary && !env.bench_events)
			argp_failure(state, argp_err_exit_status, 0,
				     "give exactly one of -p PID or -b PATH");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	if (!env.verbose)
		return 0;
	return vfprintf(stderr, format, args);
}

static void sig_handler(int sig)
{
	exiting = 1;
}

static void bench_sig_handler(int sig)
{
	if (sig == SIGUSR1)
		bench_toggle = 1;
	else
		bench_report = 1;
}

/* ---- target inspection: probe sites ---- */

static struct layout layout;

/*
 * handleStream's stream carries its transport as an interface; the type
 * hash in the itab (constant, unlike the itab's address under PIE or ASLR)
 * tells an http2Server from another transport (ServeHTTP). Any itab of
 * *http2Server holds it. 0 when there is none to read (stripped binary):
 * the BPF side then takes every transport.
 */
static __u32 server_type_hash(struct gobin *gb)
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
	if (env.verbose)
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
static void fixed_addresses(struct gobin *gb, struct grpcstreams_bpf *obj)
{
	uint64_t lo, hi, addr, size;

	if (gobin_fixed_rodata(gb, &lo, &hi)) {
		if (env.verbose)
			fprintf(stderr, "fixed addresses: none (PIE): methods and statuses read\n");
		return;
	}
	obj->rodata->ro_lo = lo;
	obj->rodata->ro_hi = hi;
	if (!gobin_symbol(gb, "google.golang.org/grpc.statusOK", &addr, &size) && size == 8)
		obj->rodata->status_ok_var = addr;
	if (env.verbose)
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
static void peer_types(struct gobin *gb, struct grpcstreams_bpf *obj)
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
	if (env.verbose)
		fprintf(stderr, "peer types: *net.TCPAddr hash 0x%x, *net.UnixAddr hash 0x%x "
			"(0: no itab, never matched), net.UnixAddr.Name at %d\n", hash[0],
			hash[1], layout.off.unixaddr_name);
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
} probe_specs[] = {
	{ PROBE_CLIENT_KIND, F_NEW_CLIENT_STREAM, false, true, 0 },
	{ PROBE_NEWSTREAM_ENTRY, F_NEWSTREAM, false, true, 0 },
	{ PROBE_NEWSTREAM_RETURN, F_NEWSTREAM, true, false, 0 },
	{ PROBE_CLOSESTREAM, F_CLOSESTREAM, false, false, 0 },
	{ PROBE_SERVER_START, F_PROCESS_UNARY, false, false, COOKIE_UNARY },
	{ PROBE_SERVER_START, F_PROCESS_STREAMING, false, false, 0 },
	{ PROBE_SERVER_END, F_WRITE_STATUS, false, false, 0 },
};

/*
 * Every site is found before the first one is attached: a target we cannot
 * fully probe is refused with nothing attached.
 */
static struct plan {
	struct {
		const struct probe_spec *spec;
		const char *sym;
		struct probe_site site;
	} s[MAX_LINKS];
	int n;
} plan;

static struct bpf_link *links[MAX_LINKS];	/* one perf-event uprobe per site */
static int link_fds[PROBE_COUNT] = { [0 ... PROBE_COUNT - 1] = -1 };	/* uprobe_multi, per program */

/* Are all client end sites where the RPC closes its stream (COOKIE_RPC_CLOSE)? */
static bool close_after_start(void)
{
	bool any = false;
	int i;

	for (i = 0; i < plan.n; i++) {
		if (plan.s[i].spec->id != PROBE_CLOSESTREAM)
			continue;
		if (plan.s[i].site.kind != SITE_CALL)
			return false;
		any = true;
	}
	return any;
}

/*
 * The return of NewStream, on an emulated branch right after the CALL in
 * each caller (RAX, RBX and R14 intact), instead of its RETs, which the
 * kernel single-steps (~22 us a hit here, against ~0.6 us). Only when every
 * call is covered; else the RETs. grpc-go calls the transport's NewStream
 * from these two, through the ClientTransport interface.
 */
static int return_sites(struct gobin *gb, const char *sym, uint64_t addr, uint64_t size,
			struct probe_site *sites, int max)
{
	static const char *const callers[] = {
		"google.golang.org/grpc.(*csAttempt).newStream",
		"google.golang.org/grpc.newNonRetryClientStream",
		NULL,
	};
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, X86_REG_R14, 0 };
	const char *why = NULL;
	bool complete = false;
	int n;

	if (!env.naive) {
		n = gobin_caller_sites(gb, sym, "go.itab.*" TRANSPORT "http2Client,"
				       TRANSPORT "ClientTransport", callers, keep, sites, max,
				       &complete, &why);
		if (n > 0 && complete)
			return n;
		if (env.verbose)
			fprintf(stderr, "probe %s: no emulated site after every call (%s): "
				"at its RETs\n", sym, n < 0 ? strerror(-n) :
				why ? why : "no caller found");
	}
	return gobin_ret_sites(gb, addr, size, sites, max);
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
static int first_close_site(struct gobin *gb, uint64_t addr, uint64_t size,
			    struct probe_site *site)
{
	const struct go_offsets *o = &layout.off;
	uint16_t keep[] = { abi_reg(o->r_cs_t), abi_reg(o->r_cs_s), abi_reg(o->r_cs_err),
			    abi_reg(o->r_cs_err + 1), abi_reg(o->r_cs_st), X86_REG_R14, 0 };
	const char *why;
	size_t i;

	for (i = 0; i + 1 < sizeof(keep) / sizeof(keep[0]); i++)
		if (!keep[i])
			goto entry;
	if (!gobin_first_pass_site(gb, addr, size, abi_reg(o->r_cs_s), keep, site, &why))
		return 0;
	if (env.verbose)
		fprintf(stderr, "probe closeStream: no site past the state swap (%s): at its entry\n",
			why);
entry:
	return gobin_entry_site(gb, addr, size, site);
}

/*
 * process*RPC is the first function on a server stream's goroutine that
 * grows its stack, so its stack check is passed twice per stream: probe the
 * first emulated instruction of its body instead, while the stream (and
 * the StreamDesc) are still in their registers. Else the stack check.
 */
static int server_start_site(struct gobin *gb, const struct probe_spec *spec, uint64_t addr,
			     uint64_t size, struct probe_site *site)
{
	const struct go_offsets *o = &layout.off;
	bool unary = spec->func == F_PROCESS_UNARY;
	uint16_t keep[] = { abi_reg(unary ? o->r_pu_stream : o->r_ps_stream),
			    unary ? 0 : abi_reg(o->r_ps_sd), 0 };

	if (keep[0] && (unary || keep[1]) && !gobin_body_site(gb, addr, size, keep, site))
		return 0;
	if (env.verbose)
		fprintf(stderr, "probe %s: no emulated site in its body with the stream intact: "
			"at its stack check\n", layout.func[spec->func]);
	return gobin_entry_site(gb, addr, size, site);
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
static int close_sites(struct gobin *gb, uint64_t addr, uint64_t size,
		       struct probe_site *sites, int max)
{
	const char *caller = layout.func[F_CLIENT_CLOSE];
	uint64_t caddr, csize;
	int n, err;

	if (caller && !gobin_func(gb, caller, &caddr, &csize)) {
		n = gobin_call_sites(gb, caddr, csize, addr, sites, max);
		if (n > 0)
			return n;
		if (env.verbose)
			fprintf(stderr, "probe closeStream: no call of it in %s (%s): past its state swap\n",
				caller, n ? strerror(-n) : "none found");
	}
	err = first_close_site(gb, addr, size, &sites[0]);
	return err ? err : 1;
}

/* Entry site, or every return site, of one logical probe. */
static int plan_probe(struct gobin *gb, const char *path, const struct probe_spec *spec)
{
	const char *sym = layout.func[spec->func];
	struct probe_site sites[MAX_SITES];
	uint64_t addr, size;
	int i, n, err;

	if (!sym)
		return 0;	/* not in this binary, or not needed */
	err = gobin_func(gb, sym, &addr, &size);
	if (err) {
		fprintf(stderr, "grpcstreams: %s: %s not found\n", path, sym);
		return err;
	}
	if (spec->returns) {
		n = return_sites(gb, sym, addr, size, sites, MAX_SITES);
	} else if (env.naive) {
		sites[0] = (struct probe_site){ .vaddr = addr, .kind = SITE_ENTRY };
		err = gobin_vaddr_to_offset(gb, addr, &sites[0].offset);
		n = err ? err : 1;
	} else if (spec->func == F_CLOSESTREAM) {
		n = close_sites(gb, addr, size, sites, MAX_SITES);
	} else if (spec->id == PROBE_SERVER_START) {
		err = server_start_site(gb, spec, addr, size, &sites[0]);
		n = err ? err : 1;
	} else {
		err = gobin_entry_site(gb, addr, size, &sites[0]);
		n = err ? err : 1;
	}
	if (n <= 0) {
		fprintf(stderr, "grpcstreams: %s: cannot place probes in %s: %s\n", path,
			sym, n ? strerror(-n) : "no RET instruction found");
		return n ? n : -ENOENT;
	}
	if (plan.n + n > MAX_LINKS) {
		fprintf(stderr, "grpcstreams: %s: too many probe sites in %s\n", path, sym);
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		plan.s[plan.n].spec = spec;
		plan.s[plan.n].sym = sym;
		plan.s[plan.n++].site = sites[i];
	}
	return 0;
}

static int plan_probes(struct gobin *gb, const char *path)
{
	size_t i;
	int err;

	for (i = 0; i < sizeof(probe_specs) / sizeof(probe_specs[0]); i++) {
		if (probe_specs[i].full && !env.full)
			continue;
		err = plan_probe(gb, path, &probe_specs[i]);
		if (err)
			return err;
	}
	return 0;
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
	default:
		return NULL;
	}
}

/* What a site's hits see as bpf_get_attach_cookie(): its kind and meaning. */
static __u64 site_cookie(int i)
{
	const struct probe_site *site = &plan.s[i].site;
	__u64 cookie = plan.s[i].spec->cookie;

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

static void print_site(struct bpf_program *prog, int i)
{
	const struct probe_site *site = &plan.s[i].site;

	fprintf(stderr, "probe %s: %s at 0x%lx (file offset 0x%lx): %s%s%s\n",
		bpf_program__name(prog), plan.s[i].sym, (unsigned long)site->vaddr,
		(unsigned long)site->offset, gobin_site_kind_str(site->kind),
		site->caller ? " in " : site->kind == SITE_CALL ? " in " : "",
		site->caller ? site->caller :
		site->kind == SITE_CALL ? layout.func[F_CLIENT_CLOSE] : "");
}

/* One uprobe_multi link per program, for all its sites. */
static int attach_multi(struct grpcstreams_bpf *obj, const char *path)
{
	uint64_t offsets[MAX_LINKS], cookies[MAX_LINKS];
	struct bpf_program *prog;
	int id, i, n, fd;

	for (id = 0; id < PROBE_COUNT; id++) {
		prog = probe_prog(obj, id);
		for (i = 0, n = 0; prog && i < plan.n; i++) {
			if (plan.s[i].spec->id != (enum probe_id)id)
				continue;
			offsets[n] = plan.s[i].site.offset;
			cookies[n++] = site_cookie(i);
			if (env.verbose)
				print_site(prog, i);
		}
		if (!n)
			continue;
		fd = uprobe_multi_link(bpf_program__fd(prog), path, offsets, cookies, n, env.pid);
		if (fd < 0) {
			fprintf(stderr, "grpcstreams: failed to attach %s (%d uprobes): %s\n",
				bpf_program__name(prog), n, strerror(-fd));
			return fd;
		}
		link_fds[id] = fd;
	}
	return 0;
}

static int attach_probes(struct grpcstreams_bpf *obj, const char *path)
{
	struct bpf_program *prog;
	int i;

	if (env.uprobe_multi)
		return attach_multi(obj, path);
	for (i = 0; i < plan.n; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts);

		prog = probe_prog(obj, plan.s[i].spec->id);
		opts.bpf_cookie = site_cookie(i);
		links[i] = bpf_program__attach_uprobe_opts(prog, env.pid ? env.pid : -1, path,
							   plan.s[i].site.offset, &opts);
		if (!links[i]) {
			fprintf(stderr, "grpcstreams: failed to attach uprobe to %s at 0x%lx: %s\n",
				plan.s[i].sym, (unsigned long)plan.s[i].site.vaddr, strerror(errno));
			return -errno;
		}
		if (env.verbose)
			print_site(prog, i);
	}
	return 0;
}

static bool attached(void)
{
	int i;

	for (i = 0; i < PROBE_COUNT; i++)
		if (link_fds[i] >= 0)
			return true;
	return plan.n && links[0];
}

static void detach_probes(void)
{
	int i;

	for (i = 0; i < plan.n; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
	for (i = 0; i < PROBE_COUNT; i++) {
		if (link_fds[i] >= 0)
			close(link_fds[i]);
		link_fds[i] = -1;
	}
}

/* ---- events and counters (rendered by output.c) ---- */

static struct state {
	__u64 stream_events;
	struct stats prev;	/* counters at the previous table */
	const struct live_slot *live;	/* the BPF live-stream table, mapped */
} st;

/*
 * nextid_race needs NewStream's entry, which only -F probes; without it a
 * client's count is unknown (null), not 0.
 */
static bool nextid_measured(void)
{
	return env.full || !(layout.sides & LAYOUT_CLIENT);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (e->type == EVENT_COLLISION && e->kind == COLL_DUPLICATE)
		fprintf(stderr, "grpcstreams: DUPLICATE KEY: pid %u conn 0x%llx stream id %u "
			"was inserted while still live\n", e->tgid, e->conn, e->sid);
	if (e->type == EVENT_STREAM) {
		st.stream_events++;
		if (env.json)
			out_json_stream(e);
		else
			out_keep_row(e->tgid, e->conn, e->sid, &e->info,
				     event_has_latency(e) ? e->end_ns - e->info.start_ns : 0,
				     e->status, false, !event_has_latency(e));
	} else if (e->type == EVENT_COLLISION && env.json) {
		out_json_collision(e);
	}
	return 0;
}

/* The BPF counters, summed over CPUs; zero if they cannot be read. */
static void sum_counts(struct grpcstreams_bpf *obj, struct stats *sum)
{
	int i, cpu, ncpu = libbpf_num_possible_cpus();
	struct stats *v = ncpu > 0 ? calloc(ncpu, sizeof(*v)) : NULL;
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (!v || bpf_map_lookup_elem(bpf_map__fd(obj->maps.stats), &zero, v)) {
		free(v);
		return;
	}
	/* All __u64: add them up field by field. */
	for (cpu = 0; cpu < ncpu; cpu++)
		for (i = 0; i < (int)(sizeof(*sum) / sizeof(__u64)); i++)
			((__u64 *)sum)[i] += ((__u64 *)&v[cpu])[i];
	free(v);
}

/* A live stream: count it; with ROWS, also offer it as a row. */
static void open_stream(const struct stream_key *key, const struct stream_info *info,
			__u64 now, bool rows, __u64 *n)
{
	if (env.pid && key->tgid != (__u32)env.pid)
		return;
	(*n)++;
	if (rows)
		out_keep_row(key->tgid, key->conn, key->sid, info,
			     now > info->start_ns ? now - info->start_ns : 0, 0, true, false);
}

/*
 * Streams still live in BPF: in the live table, and in the hash map (those
 * whose slot was taken). The table is read as BPF writes it: a slot counts
 * if its tag was the same before and after the copy.
 */
static __u64 open_streams(struct grpcstreams_bpf *obj, bool rows)
{
	int fd = bpf_map__fd(obj->maps.streams);
	struct stream_key key, next, *prev = NULL;
	struct stream_info info;
	struct live_slot slot;
	__u64 n = 0, now = mono_ns(), tag;
	int i;

	for (i = 0; st.live && i < LIVE_SLOTS; i++) {
		tag = __atomic_load_n(&st.live[i].tag, __ATOMIC_ACQUIRE);
		if (tag <= LIVE_BUSY)
			continue;
		memcpy(&slot, &st.live[i], sizeof(slot));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&st.live[i].tag, __ATOMIC_RELAXED) == tag)
			open_stream(&slot.key, &slot.info, now, rows, &n);
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &info))
			open_stream(&key, &info, now, rows, &n);
	}
	return n;
}

static __u64 lost_events(struct grpcstreams_bpf *obj)
{
	struct stats sum;

	sum_counts(obj, &sum);
	return sum.lost_events;
}

/* The interval's table: the counters since the previous one. */
static void print_table(struct grpcstreams_bpf *obj)
{
	struct stats sum, d;
	__u64 open;
	size_t i;

	sum_counts(obj, &sum);
	open = open_streams(obj, true);
	/* All __u64: the interval's share field by field. */
	for (i = 0; i < sizeof(sum) / sizeof(__u64); i++)
		((__u64 *)&d)[i] = ((__u64 *)&sum)[i] - ((__u64 *)&st.prev)[i];
	st.prev = sum;
	out_table(&d, open);
}

static void print_summary(struct grpcstreams_bpf *obj)
{
	struct stats sum;
	__u64 open;

	sum_counts(obj, &sum);
	open = open_streams(obj, false);
	out_summary(&sum, open, st.stream_events, env.json, mono_ns());
}

/* ---- main ---- */

static int start_output(struct grpcstreams_bpf *obj)
{
	struct out_opts o = {
		.epoch_off = mono_to_epoch_offset(),
		.rows = env.rows,
		.full = env.full,
		.nextid_measured = nextid_measured(),
		.clear = !env.noclear && isatty(STDOUT_FILENO),
		.unix_peers_fd = bpf_map__fd(obj->maps.unix_peers),
	};

	if (out_init(&o)) {
		fprintf(stderr, "grpcstreams: out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

static int open_target(struct gobin **gb, char *path, size_t len)
{
	const char *why;
	int err, tgid;

	if (env.pid) {
		tgid = proc_tgid(env.pid);
		if (tgid < 0) {
			fprintf(stderr, "grpcstreams: no such process: %d\n", env.pid);
			return -ESRCH;
		}
		/* A thread id works too; BPF filters on the process (tgid). */
		env.pid = tgid;
		/*
		 * Attach through /proc/PID/exe: it reaches the very inode the
		 * process runs, even if its file was replaced or deleted.
		 */
		snprintf(path, len, "/proc/%d/exe", env.pid);
	} else if (!realpath(env.binary, path)) {
		fprintf(stderr, "grpcstreams: %s: %s\n", env.binary, strerror(errno));
		return -errno;
	}
	err = gobin_open(path, gb, &why);
	if (err) {
		fprintf(stderr, "grpcstreams: %s: %s\n", path, why ? why : strerror(-err));
		return err;
	}
	if (env.verbose)
		fprintf(stderr, "target %s: %s, grpc-go %s (from %s), functions from %s, %s\n",
			path,
			gobin_go_version(*gb)[0] ? gobin_go_version(*gb) : "Go version unknown",
			gobin_grpc_version(*gb)[0] ? gobin_grpc_version(*gb) : "unknown",
			gobin_grpc_version_source(*gb)[0] ? gobin_grpc_version_source(*gb) : "-",
			gobin_func_source(*gb)[0] ? gobin_func_source(*gb) : "nowhere",
			gobin_has_dwarf(*gb) ? "DWARF" : "no DWARF");
	return 0;
}

/*
 * --bench-toggle: make bench alternates untraced and traced windows of one
 * running workload, a second or less each, as this VM's speed drifts by
 * tens of percent within seconds; restarting the tool for each would
 * take longer than a window. SIGUSR1 detaches every probe, or attaches
 * them again; SIGUSR2 only reports. Both print "bench: attached|detached
 * HITS" on stderr, HITS every uprobe hit so far, ignored ones included.
 */
static int bench_control(struct grpcstreams_bpf *obj, const char *path)
{
	struct stats sum;
	__u64 hits;
	int err = 0, i;

	if (bench_toggle) {
		bench_toggle = 0;
		if (attached())
			detach_probes();
		else
			err = attach_probes(obj, path);
	}
	bench_report = 0;
	sum_counts(obj, &sum);
	hits = sum.stack_skips + sum.caller_mismatch;
	for (i = 0; i < PROBE_COUNT; i++)
		hits += sum.hits[i];
	fprintf(stderr, "bench: %s %llu\n", attached() ? "attached" : "detached", hits);
	return err;
}

static int run_loop(struct grpcstreams_bpf *obj, struct ring_buffer *rb, const char *path)
{
	__u64 start = mono_ns(), last = start, now;
	int err = 0;

	while (!exiting) {
		if ((bench_toggle || bench_report) && (err = bench_control(obj, path)))
			break;
		/* Producers do not wake us (BPF_RB_NO_WAKEUP) unless the ring
		 * is filling up; the timeout is the drain timer. */
		ring_buffer__poll(rb, 100);
		ring_buffer__consume(rb);
		fflush(stdout);
		now = mono_ns();
		if (env.pid && !pid_alive(env.pid))
			break;
		if (env.duration && now - start >= env.duration * 1000000000ULL)
			break;
		if (!env.json && now - last >= env.interval * 1000000000ULL) {
			print_table(obj);
			last = now;
		}
	}
	ring_buffer__consume(rb);
	return err;
}

/* ---- --bench-events: the frontend's own throughput ---- */

static struct producer {
	int prog_fd;
	long produced;
} prod;

/* Synthetic events at env.bench_rate per second, in batches, paced. */
static void *produce(void *arg)
{
	const __u32 batch = 256;
	__u64 next = mono_ns(), step = batch * 1000000000ULL / env.bench_rate;
	struct gen_args args;
	struct timespec ts;

	while (__atomic_load_n(&prod.produced, __ATOMIC_RELAXED) < env.bench_events &&
	       !exiting) {
		LIBBPF_OPTS(bpf_test_run_opts, topts, .ctx_in = &args, .ctx_size_in = sizeof(args));

		args.n = env.bench_events - prod.produced < batch ?
			 env.bench_events - prod.produced : batch;
		args.last = prod.produced + args.n == env.bench_events;
		if (bpf_prog_test_run_opts(prod.prog_fd, &topts)) {
			fprintf(stderr, "grpcstreams: failed to run the event generator: %s\n",
				strerror(errno));
			exiting = 1;
			break;
		}
		__atomic_add_fetch(&prod.produced, args.n, __ATOMIC_RELAXED);
		next += step;
		ts.tv_sec = next / 1000000000ULL;
		ts.tv_nsec = next % 1000000000ULL;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return NULL;
}

static int run_bench(struct grpcstreams_bpf *obj, struct ring_buffer *rb)
{
	__u64 start = mono_ns(), secs;
	struct rusage ru;
	pthread_t thr;
	int err;

	prod.prog_fd = bpf_program__fd(obj->progs.gen_events);
	err = pthread_create(&thr, NULL, produce, NULL);
	if (err) {
		fprintf(stderr, "grpcstreams: failed to start the event generator: %s\n",
			strerror(err));
		return -err;
	}
	/* Until every produced event was handled or counted lost. */
	while (!exiting && st.stream_events + lost_events(obj) < (__u64)env.bench_events) {
		ring_buffer__poll(rb, 100);
		ring_buffer__consume(rb);
	}
	pthread_join(thr, NULL);
	fflush(stdout);
	secs = mono_ns() - start;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "bench: %llu events handled in %.3f s: %.0f events/s "
		"(offered %ld/s), %llu lost, max RSS %.1f MiB\n", st.stream_events, secs / 1e9,
		st.stream_events / (secs / 1e9), env.bench_rate, lost_events(obj),
		ru.ru_maxrss / 1024.0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = argp_program_doc,
	};
	struct grpcstreams_bpf *obj = NULL;
	struct bpf_program *prog;
	struct ring_buffer *rb = NULL;
	struct gobin *gb = NULL;
	char path[PATH_MAX];
	int err, i, ncpus;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return err;
	libbpf_set_print(libbpf_print_fn);
	/* Set before anything is attached, so that a signal always cleans up. */
	if (signal(SIGINT, sig_handler) == SIG_ERR || signal(SIGTERM, sig_handler) == SIG_ERR ||
	    (env.bench_toggle && (signal(SIGUSR1, bench_sig_handler) == SIG_ERR ||
				  signal(SIGUSR2, bench_sig_handler) == SIG_ERR))) {
		fprintf(stderr, "grpcstreams: failed to set signal handler: %s\n", strerror(errno));
		return 1;
	}
	/* NDJSON goes out in large writes; the loop flushes after each drain. */
	if (env.json)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);

	if (env.bench_events)
		goto load;
	err = open_target(&gb, path, sizeof(path));
	if (!err)
		err = layout_resolve(gb, path, &layout, env.verbose);
	if (!err && env.dump_layout) {
		layout_print_entry(&layout, gobin_go_version(gb), stdout);
		goto cleanup;
	}
	/* A *Stream behind ClientStream's pointer (1.69-1.76): no ct to read at the return. */
	if (!err && (layout.sides & LAYOUT_CLIENT) && !env.full &&
	    (layout.off.cs_ct < 0 || layout.off.cs_method < 0)) {
		if (env.verbose)
			fprintf(stderr, "client streams: no Stream.ct to read at NewStream's return: as with -F\n");
		env.full = true;
	}
	if (!err)
		err = plan_probes(gb, path);
	if (err)
		goto cleanup;

load:
	obj = grpcstreams_bpf__open();
	if (!obj) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to open BPF object: %s\n", strerror(errno));
		goto cleanup;
	}
	/* The event generator is only for --bench-events. */
	bpf_program__set_autoload(obj->progs.gen_events, env.bench_events > 0);
	/* A uprobe_multi link takes only programs loaded for one. */
	env.uprobe_multi = !env.bench_events && !env.no_uprobe_multi && kernel_has_uprobe_multi();
	for (i = 0; env.uprobe_multi && i < PROBE_COUNT; i++)
		if ((prog = probe_prog(obj, i)))
			bpf_program__set_expected_attach_type(prog, BPF_TRACE_UPROBE_MULTI_TYPE);
	if (env.verbose)
		fprintf(stderr, "uprobes: %s\n", env.uprobe_multi ? "uprobe_multi links, one per program" :
			"a perf event per site");
	obj->rodata->targ_tgid = env.pid;
	obj->rodata->off = layout.off;
	obj->rodata->client_entry = env.full;
	obj->rodata->trap_only = env.bench_trap_only;
	obj->rodata->close_after_start = close_after_start();
	obj->rodata->live_mask = env.live_slots - 1;
	/* At most 1 MiB of the 8 MiB ring unannounced, however many CPUs. */
	ncpus = libbpf_num_possible_cpus();
	obj->rodata->wake_every = ncpus > 0 ? (1 << 20) / sizeof(struct event) / ncpus : 1;
	if (!obj->rodata->wake_every)
		obj->rodata->wake_every = 1;
	if (layout.sides & LAYOUT_SERVER)
		obj->rodata->server_type_hash = server_type_hash(gb);
	if (gb) {	/* none with --bench-events */
		fixed_addresses(gb, obj);
		peer_types(gb, obj);
	}
	err = grpcstreams_bpf__load(obj);
	if (err) {
		fprintf(stderr, "grpcstreams: failed to load BPF programs: %s%s\n", strerror(-err),
			geteuid() ? " (grpcstreams needs root)" : "");
		goto cleanup;
	}
	err = start_output(obj);
	if (err)
		goto cleanup;
	st.live = mmap(NULL, LIVE_SLOTS * sizeof(struct live_slot), PROT_READ, MAP_SHARED,
		       bpf_map__fd(obj->maps.live), 0);
	if (st.live == MAP_FAILED) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to map the live-stream table: %s\n",
			strerror(errno));
		st.live = NULL;
		goto cleanup;
	}
	if (!env.bench_events)
		err = attach_probes(obj, path);
	if (err)
		goto cleanup;
	rb = ring_buffer__new(bpf_map__fd(obj->maps.events), handle_event, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to create ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	if (env.bench_events) {
		err = run_bench(obj, rb);
		goto cleanup;
	}
	if (env.bench_trap_only)
		fprintf(stderr, "grpcstreams: --bench-trap-only: probe hits are counted, "
			"no stream is traced\n");
	if (env.pid)
		fprintf(stderr, "Tracing grpc-go streams of PID %d (%d probes)... "
			"Hit Ctrl-C to end.\n", env.pid, plan.n);
	else
		fprintf(stderr, "Tracing grpc-go streams of %s (%d probes)... "
			"Hit Ctrl-C to end.\n", path, plan.n);
	err = run_loop(obj, rb, path);
	if (err)
		goto cleanup;
	if (!env.json)
		print_table(obj);
	print_summary(obj);

cleanup:
	ring_buffer__free(rb);
	detach_probes();
	if (st.live)
		munmap((void *)st.live, LIVE_SLOTS * sizeof(struct live_slot));
	grpcstreams_bpf__destroy(obj);
	gobin_close(gb);
	out_fini();
	return err != 0;
}
