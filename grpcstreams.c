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
#include <stddef.h>
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
#include "agg.h"
#include "gobin.h"
#include "json_writer.h"
#include "layout.h"
#include "output.h"
#include "probes.h"
#include "reap.h"
#include "bench_mode.h"
#include "trace_helpers.h"
#include "scope.h"
#include "target.h"
#include "tty.h"

/* -p may be given this many times. */
#define MAX_PIDS	64

static struct env {
	pid_t pids[MAX_PIDS];
	int npids;
	char *binary;
	char *cgroup;
	int interval;
	bool interval_set;
	int duration;
	enum view view;
	int sort;
	struct agg_filter filter;
	int rows;
	bool json;
	bool hist;
	bool noclear;
	bool verbose;
	bool dump_layout;
	bool naive;
	bool full;
	long bench_events;
	long bench_rate;
	long live_slots;
	long max_streams;
	struct agg_limits limits;
	bool bench_toggle;
	bool bench_trap_only;
	bool no_uprobe_multi;
	bool no_aggregate;
} env = {
	.bench_rate = 1000000,
	.interval = 1,
	.rows = 20,
	.live_slots = LIVE_SLOTS,
	.max_streams = MAX_STREAMS,
	.filter = { .side = -1 },
};

static volatile sig_atomic_t exiting;

/* The keys, when stdin and stdout are a terminal (not with -j). */
static struct {
	bool keys;
	bool paused;
	char status[192];
} ui;

static const char *const view_names[VIEW_KINDS] = {
	[VIEW_METHODS] = "methods",
	[VIEW_STREAMS] = "streams",
	[VIEW_CONNS] = "conns",
};

/*
 * What a run can come to show, to be kept per event: stream rows for the
 * streams view, connections for the conns view and the NDJSON summary
 * (with keys, any view may come next).
 */
static bool may_show(enum view v)
{
	return ui.keys || env.view == v || (v == VIEW_CONNS && env.json);
}

/* Decisions derived from the options and the kernel (env: options only). */
static struct {
	bool uprobe_multi;	/* the kernel takes uprobe_multi links (6.6) */
} run;

const char *argp_program_version = "grpcstreams 0.1";
static const char argp_program_doc[] =
"Trace grpc-go streams keyed by (connection, HTTP/2 stream id), with their\n"
"method, peer, status and latency, and flag key collisions. Without -p or -b,\n"
"every grpc-go program on the host, in containers too, and those started\n"
"later (non-Go and non-grpc-go executables are skipped). Stripped\n"
"binaries: a built-in layout of every grpc-go 1.33.1-1.83.1, confirmed by the\n"
"binary's own code; another release is traced with a layout its code agrees\n"
"with (one line on stderr says so), else refused. Strings of the traced\n"
"program are shown escaped, never as terminal commands.\n"
"\n"
"USAGE: grpcstreams [-p PID [-p PID...] | -b PATH] [-c CGROUP] [-CFjv] [-d SECS]\n"
"                   [-i SECS] [-r ROWS] [-o VIEW] [-s SORT] [-M GLOB] [-S SIDE]\n"
"                   [-m MIN_MS] [-xH]\n"
"\n"
"EXAMPLES:\n"
"    grpcstreams                  # all grpc-go programs, new ones too\n"
"    grpcstreams -c /sys/fs/cgroup/system.slice/foo.service  # one cgroup only\n"
"    grpcstreams -p 1234 -p 5678  # these two processes\n"
"    grpcstreams -p 1234          # live table of PID 1234's methods\n"
"    grpcstreams -p 1234 -o streams  # the slowest streams instead\n"
"    grpcstreams -p 1234 -o conns    # per connection: streams, shadows\n"
"    grpcstreams -p 1234 -s p99   # methods by their 99th percentile\n"
"    grpcstreams -p 1234 -x -S server  # only failed RPCs, server side\n"
"    grpcstreams -p 1234 -d 30 -H  # 30 s, then latency histograms per method\n"
"    grpcstreams -p 1234 -M '*/Get*' -m 100 -o streams  # Get calls >= 100 ms\n"
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
#define OPT_MAX_STREAMS		0x108
#define OPT_NO_AGGREGATE	0x109
#define OPT_MAX_ROWS		0x10a

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Trace this process (its executable via /proc/PID/exe; a "
	  "thread id: its process) until it exits or executes another program; "
	  "several -p: each, until all have ended", 0 },
	{ "binary", 'b', "PATH", 0, "Trace every process running this executable (the file "
	  "PATH names at start)", 0 },
	{ "cgroup", 'c', "CGROUP", 0, "Only processes in this cgroup (a cgroup v2 directory, "
	  "e.g. /sys/fs/cgroup/system.slice/foo.service) or below it", 0 },
	{ "json", 'j', NULL, 0, "Newline-delimited JSON on stdout instead of the table", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS and print the summary", 0 },
	{ "interval", 'i', "SECONDS", 0, "Table refresh interval (default 1); with -j, an \"interval\" object each", 0 },
	{ "rows", 'r', "ROWS", 0, "Maximum rows per table (default 20)", 0 },
	{ "view", 'o', "VIEW", 0, "What a table shows: methods (default: one row per "
	  "process, side and method), streams (the slowest streams), conns (one row per "
	  "connection, with its shadow collisions)", 0 },
	{ "sort", 's', "SORT", 0, "Order of the methods: rate (default), errors, p50, p99, "
	  "max, open, name", 0 },
	{ "method", 'M', "GLOB", 0, "Only methods matching GLOB (fnmatch: '*/Get*', "
	  "'/pkg.Svc/*')", 0 },
	{ "side", 'S', "SIDE", 0, "Only the client or the server side", 0 },
	{ "min-ms", 'm', "MIN_MS", 0, "Only streams of at least MIN_MS milliseconds (open "
	  "ones: as old)", 0 },
	{ "failed", 'x', NULL, 0, "Only streams that ended with an error (status not 0)", 0 },
	{ "histogram", 'H', NULL, 0, "At exit, a log2 latency histogram per method (usecs), "
	  "with its p50, p90, p99", 0 },
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
	/* For tests and make bench: an event per stream even in the methods
	 * view, never the methods counted in BPF. */
	{ "no-aggregate", OPT_NO_AGGREGATE, NULL, OPTION_HIDDEN, "", 0 },
	/* For tests: N entries in the overflow hash map, to see it full. */
	{ "max-streams", OPT_MAX_STREAMS, "N", OPTION_HIDDEN, "", 0 },
	/* For tests: N rows at most in the methods and connections tables
	 * (instead of what their memory caps hold), to see them full. */
	{ "max-rows", OPT_MAX_ROWS, "N", OPTION_HIDDEN, "", 0 },
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

/* Milliseconds, fractions allowed, as nanoseconds. */
static __u64 parse_ms(const char *arg, struct argp_state *state)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0 && v <= 1e9))
		argp_failure(state, argp_err_exit_status, 0,
			     "invalid minimum latency: '%s' (expected milliseconds, 0..1000000000)",
			     arg);
	return (__u64)(v * 1e6 + 0.5);
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		if (env.npids == MAX_PIDS)
			argp_failure(state, argp_err_exit_status, 0, "at most %d -p", MAX_PIDS);
		env.pids[env.npids++] = parse_num(arg, 1, INT_MAX, state, "PID");
		break;
	case 'c':
		env.cgroup = arg;
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
		env.interval_set = true;
		break;
	case 'o':
		for (env.view = 0; env.view < VIEW_KINDS; env.view++)
			if (!strcmp(arg, view_names[env.view]))
				break;
		if (env.view == VIEW_KINDS)
			argp_failure(state, argp_err_exit_status, 0,
				     "invalid view: '%s' (expected methods, streams or conns)", arg);
		break;
	case 'M':
		env.filter.method = arg;
		break;
	case 'S':
		if (!strcmp(arg, "client"))
			env.filter.side = SIDE_CLIENT;
		else if (!strcmp(arg, "server"))
			env.filter.side = SIDE_SERVER;
		else
			argp_failure(state, argp_err_exit_status, 0,
				     "invalid side: '%s' (expected client or server)", arg);
		break;
	case 'm':
		env.filter.min_ns = parse_ms(arg, state);
		break;
	case 'x':
		env.filter.failed = true;
		break;
	case 'H':
		env.hist = true;
		break;
	case 's':
		env.sort = agg_sort_parse(arg);
		if (env.sort < 0)
			argp_failure(state, argp_err_exit_status, 0, "invalid sort key: '%s' "
				     "(expected rate, errors, p50, p99, max, open or name)", arg);
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
	case OPT_NO_AGGREGATE:
		env.no_aggregate = true;
		break;
	case OPT_MAX_STREAMS:
		env.max_streams = parse_num(arg, 1, MAX_STREAMS, state, "max streams");
		break;
	case OPT_MAX_ROWS:
		env.limits.method_rows = parse_num(arg, 1, 1L << 20, state, "max rows");
		env.limits.conn_rows = env.limits.method_rows;
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
		if (env.npids && env.binary)
			argp_failure(state, argp_err_exit_status, 0,
				     "-p and -b cannot be combined (-p: processes, -b: a file)");
		if (env.dump_layout && env.npids + !!env.binary != 1)
			argp_failure(state, argp_err_exit_status, 0,
				     "--dump-layout needs one -p PID or -b PATH");
		/* stdout is jq's with -j: the histograms are a table's. */
		if (env.hist && env.json)
			argp_failure(state, argp_err_exit_status, 0,
				     "-H prints tables: not with -j (the summary's methods have "
				     "the percentiles)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* libbpf's warnings always reach stderr: why a load or attach failed. */
static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	return vfprintf(stderr, format, args);
}

static void sig_handler(int sig)
{
	exiting = 1;
}

/* Set before anything is attached, so that a signal always cleans up. */
static int set_signals(void)
{
	if (signal(SIGINT, sig_handler) == SIG_ERR || signal(SIGTERM, sig_handler) == SIG_ERR ||
	    (env.bench_toggle && bench_toggle_signals())) {
		fprintf(stderr, "grpcstreams: failed to set signal handler: %s\n", strerror(errno));
		return -errno;
	}
	/* NDJSON goes out in large writes; the loop flushes after each drain. */
	if (env.json)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	return 0;
}

/* ---- events and counters (rendered by output.c) ---- */

static struct state {
	struct magg_val *magg;	/* one method's values in BPF, a CPU each, read into */
	__u64 bpf_counted;	/* streams BPF counted in its methods map */
	__u64 start_ns;		/* tracing started */
	__u64 last_ns;		/* the last table or interval object */
	__u64 stream_events;
	__u64 abandoned;	/* streams of processes gone, removed (reap.c) */
	struct stats prev;	/* counters at the previous table */
	struct agg_dropped drop_prev;	/* agg's drops at the previous table */
	bool capped_said;	/* -v said a table reached its cap */
	struct live_slot *live;	/* the BPF live-stream table, mapped */
	struct globals *g;	/* the BPF globals, mapped */
	struct bpf_link *exit_link;	/* proc_exit on sched_process_exit */
	struct bpf_link *exec_link;	/* proc_exec on sched_process_exec (whole host) */
	struct gone {		/* this pass's processes gone, for one line each */
		__u32 tgid;
		__u32 n;
		enum reap_reason why;
		char comm[TASK_COMM_LEN];
	} gone[8];
	unsigned int ngone;
	struct {		/* exec and exit events to handle (ctl_push) */
		struct event *q;
		size_t head, n, room;
	} ctl;
} st;

/* One line per process whose streams were found abandoned since the last. */
static void report_gone(void)
{
	static const char *const what[] = {
		[REAP_EXITED] = "exited",
		[REAP_PID_REUSED] = "is gone (its PID reused)",
		[REAP_EXEC] = "executed another program",
		[REAP_CONN_CLOSED] = "lost a connection",
	};
	char comm[4 * TASK_COMM_LEN];
	unsigned int i;

	for (i = 0; i < st.ngone; i++) {
		text_escape(comm, sizeof(comm), st.gone[i].comm, strlen(st.gone[i].comm));
		fprintf(stderr, "grpcstreams: PID %u (%s) %s with %u stream%s open: "
			"counted abandoned\n", st.gone[i].tgid, comm, what[st.gone[i].why],
			st.gone[i].n, st.gone[i].n == 1 ? "" : "s");
	}
	st.ngone = 0;
}

/*
 * A stream whose process is gone, out of BPF's maps (found by reap.c, or
 * by BPF when a new process made its key again): count it, say it.
 */
static void on_abandoned(const struct stream_key *key, const struct stream_info *info,
			 enum reap_reason why)
{
	struct gone *g = NULL;
	unsigned int i;
	__u64 now;

	if (!scope_wanted(key->tgid))
		return;
	st.abandoned++;
	now = mono_ns();
	if (env.json && agg_pass_open(info, now > info->start_ns ? now - info->start_ns : 0))
		out_json_abandoned(key, info, why, now);
	for (i = 0; i < st.ngone && !g; i++)
		if (st.gone[i].tgid == key->tgid && st.gone[i].why == why)
			g = &st.gone[i];
	if (!g && st.ngone < sizeof(st.gone) / sizeof(st.gone[0])) {
		g = &st.gone[st.ngone++];
		g->tgid = key->tgid;
		g->why = why;
		g->n = 0;
		memcpy(g->comm, info->comm, sizeof(g->comm));
		g->comm[sizeof(g->comm) - 1] = '\0';
	}
	if (g)
		g->n++;
}

/* A process found: its cgroup read while it is there ("cgroup", CGROUP). */
static void note_cgroup(__u32 tgid)
{
	out_note_cgroup(tgid, reap_proc_gen(tgid));
}

/*
 * Exec and exit events, in their order, for after the ring is drained: on
 * the whole host a new executable is inspected and its probes attached
 * (about 0.2 s), and stream events must not wait in the ring meanwhile
 * (a node rolling out a deployment starts many programs at once). The
 * queue grows; only memory bounds it.
 */
static int ctl_push(const struct event *e)
{
	struct event *q;
	size_t room, i;

	if (st.ctl.n == st.ctl.room) {
		room = st.ctl.room ? 2 * st.ctl.room : 64;
		q = malloc(room * sizeof(*q));
		if (!q)
			return -ENOMEM;
		/* Unrolled from the ring, oldest first. */
		for (i = 0; i < st.ctl.n; i++)
			q[i] = st.ctl.q[(st.ctl.head + i) % st.ctl.room];
		free(st.ctl.q);
		st.ctl.q = q;
		st.ctl.head = 0;
		st.ctl.room = room;
	}
	st.ctl.q[(st.ctl.head + st.ctl.n++) % st.ctl.room] = *e;
	return 0;
}

/*
 * The queued exec and exit events, one at a time, the ring drained
 * between each, so that stream events never wait for more than one.
 */
static void ctl_run(struct ring_buffer *rb)
{
	struct event e;
	__u32 tgid;

	while (st.ctl.n && !exiting) {
		e = st.ctl.q[st.ctl.head];
		st.ctl.head = (st.ctl.head + 1) % st.ctl.room;
		st.ctl.n--;
		tgid = scope_event(&e);
		if (tgid)
			note_cgroup(tgid);
		ring_buffer__consume(rb);
	}
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (e->type == EVENT_COLLISION && e->kind == COLL_DUPLICATE)
		fprintf(stderr, "grpcstreams: DUPLICATE KEY: pid %u conn 0x%llx stream id %u "
			"was inserted while still live\n", e->tgid, e->conn, e->sid);
	if (e->type == EVENT_EXEC || e->type == EVENT_EXIT) {
		/* Inspecting and attaching take ~0.2 s: not while draining. */
		if (ctl_push(e))
			fprintf(stderr, "grpcstreams: out of memory: the %s of PID %u not handled\n",
				e->type == EVENT_EXEC ? "exec" : "exit", e->tgid);
	} else if (e->type == EVENT_CONN_CLOSED) {
		reap_conn_closed(e->tgid, e->conn, e->end_ns);
	} else if (e->type == EVENT_ABANDONED) {
		struct stream_key k = { .conn = e->conn, .tgid = e->tgid, .sid = e->sid };

		on_abandoned(&k, &e->info, REAP_PID_REUSED);
	} else if (e->type == EVENT_STREAM) {
		bool lat = event_has_latency(e);
		__u64 ns = lat ? e->end_ns - e->info.start_ns : 0;

		if (!agg_pass_ended(&e->info, e->status, lat, ns))
			return 0;
		st.stream_events++;
		agg_stream(e->tgid, &e->info, e->status, lat, ns);
		if (may_show(VIEW_CONNS))
			agg_conn_stream(e->tgid, e->conn, e->sid, &e->info, false);
		if (env.json)
			out_json_stream(e);
		else if (may_show(VIEW_STREAMS))
			out_keep_row(e->tgid, e->conn, e->sid, &e->info, ns, e->status, false, !lat);
	} else if (e->type == EVENT_COLLISION &&
		   (env.filter.side < 0 || e->info.side == (__u32)env.filter.side)) {
		/* Collisions have no method or status: only the side filter applies. */
		if (e->kind == COLL_SHADOW && may_show(VIEW_CONNS))
			agg_conn_shadow(e->tgid, e->conn, e->sid, &e->info, e->other_conn,
					e->other_conn_id);
		if (env.json)
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
	sum->abandoned = st.abandoned;
}

/*
 * Streams of processes gone: out of BPF's maps, counted, and one line on
 * stderr per process (FORCE: now, before a table or the summary).
 */
static void reap(struct grpcstreams_bpf *obj, bool force)
{
	reap_gone(obj, force, on_abandoned);
	report_gone();
}

/* A live stream: count it, in its method's row too; with ROWS, offer it as a row. */
static void open_stream(const struct stream_key *key, const struct stream_info *info,
			__u64 now, bool rows, __u64 *n)
{
	__u64 age = now > info->start_ns ? now - info->start_ns : 0;

	if (!scope_wanted(key->tgid))
		return;
	(*n)++;
	if (!agg_pass_open(info, age))
		return;
	agg_open(key->tgid, info);
	if (may_show(VIEW_CONNS))
		agg_conn_stream(key->tgid, key->conn, key->sid, info, true);
	if (rows && may_show(VIEW_STREAMS))
		out_keep_row(key->tgid, key->conn, key->sid, info, age, 0, true, false);
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

	agg_open_reset();
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

/*
 * Nothing needs an event per stream: BPF counts the methods itself
 * (cheaper for the traced program than an event each), read per table.
 */
static void set_aggregate(struct grpcstreams_bpf *obj)
{
	const struct agg_filter *f = &env.filter;

	if (st.g)
		st.g->aggregate = !env.json && !env.no_aggregate && !env.bench_events &&
					 env.view == VIEW_METHODS && !f->method && f->side < 0 &&
					 !f->failed && !f->min_ns;
}

/* The CPUs' values of one method (NCPU of them) added up into SUM. */
static void sum_cpus(const struct magg_val *v, int ncpu, struct magg_val *sum)
{
	const __u64 *w;
	__u64 *out = (__u64 *)sum;
	size_t i, words = offsetof(struct magg_val, comm) / sizeof(__u64);
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ncpu; cpu++) {
		w = (const __u64 *)&v[cpu];
		/* max is a maximum; the rest, from nolat on, are counts. */
		if (v[cpu].max > sum->max)
			sum->max = v[cpu].max;
		for (i = offsetof(struct magg_val, nolat) / sizeof(__u64); i < words; i++)
			out[i] += w[i];
		if (!sum->comm[0])
			memcpy(sum->comm, v[cpu].comm, sizeof(sum->comm));
	}
}

/* What BPF counted per method (see set_aggregate) into agg's rows. */
static void read_methods(struct grpcstreams_bpf *obj)
{
	int fd = bpf_map__fd(obj->maps.methods), ncpu = libbpf_num_possible_cpus();
	struct magg_key key, next, *prev = NULL;
	struct magg_val sum;
	int i;

	if (ncpu <= 0 || (!st.magg && !(st.magg = calloc(ncpu, sizeof(*st.magg)))))
		return;
	st.bpf_counted = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!scope_wanted(key.tgid))
			continue;
		if (bpf_map_lookup_elem(fd, &key, st.magg))
			continue;
		sum_cpus(st.magg, ncpu, &sum);
		agg_bpf(&key, &sum);
		for (i = 0; i < CODE_SLOTS; i++)
			st.bpf_counted += sum.codes[i];
	}
	agg_bpf_done();
}

/*
 * The interval's table, or its NDJSON object: the counters since the
 * previous one, NOW the time.
 */
/* -v: once, the first time a table is at its memory cap. */
static void say_capped(const struct agg_dropped *drop)
{
	if (!env.verbose || st.capped_said || (!drop->methods_capped && !drop->conns_capped))
		return;
	st.capped_said = true;
	fprintf(stderr, "grpcstreams: the %s table is full (%zu rows, its memory cap): what "
		"needs a new row is counted in %s\n",
		drop->methods_capped ? "methods" : "connections",
		drop->methods_capped ? drop->method_rows_max : drop->conn_rows_max,
		drop->methods_capped ? "methods_dropped" : "conns_dropped");
}

static void print_interval(struct grpcstreams_bpf *obj, __u64 now)
{
	struct agg_dropped drop;
	struct out_figs f;
	struct stats sum, d;
	__u64 open;
	size_t i;

	reap(obj, true);
	read_methods(obj);
	sum_counts(obj, &sum);
	out_set_nextid_measured(scope_nextid_measured());
	open = open_streams(obj, !env.json);
	/* All __u64: the interval's share field by field. */
	for (i = 0; i < sizeof(sum) / sizeof(__u64); i++)
		((__u64 *)&d)[i] = ((__u64 *)&sum)[i] - ((__u64 *)&st.prev)[i];
	st.prev = sum;
	agg_dropped(&drop);
	f = (struct out_figs){ .c = &d, .open = open, .ns = now - st.last_ns, .now_ns = now,
			       .methods_dropped = drop.methods - st.drop_prev.methods,
			       .conns_dropped = drop.conns - st.drop_prev.conns };
	st.drop_prev = drop;
	say_capped(&drop);
	if (env.json)
		out_json_interval(&f);
	else
		out_table(&f);
	agg_interval_reset();
	st.last_ns = now;
}

static void print_summary(struct grpcstreams_bpf *obj)
{
	struct agg_dropped drop;
	struct out_figs f;
	struct stats sum;
	__u64 open, now = mono_ns();

	reap(obj, true);
	read_methods(obj);
	sum_counts(obj, &sum);
	out_set_nextid_measured(scope_nextid_measured());
	open = open_streams(obj, false);
	agg_dropped(&drop);
	say_capped(&drop);
	if (env.verbose)
		fprintf(stderr, "stream events received: %llu; streams counted in BPF: %llu "
			"(methods map full: %llu)\n", (unsigned long long)st.stream_events,
			(unsigned long long)st.bpf_counted,
			(unsigned long long)sum.agg_full);
	f = (struct out_figs){ .c = &sum, .open = open, .ns = now - st.start_ns, .now_ns = now,
			       .streams = st.stream_events, .methods_dropped = drop.methods,
			       .conns_dropped = drop.conns };
	out_summary(&f, env.json);
}

/* ---- main's stages ---- */

/* --dump-layout (tools/gen-layouts.sh): -b's or -p's layout on one line. */
static int dump_layout(void)
{
	struct target *t = NULL;
	struct gobin *gb = NULL;
	struct layout layout;
	char path[PATH_MAX];
	int err;

	err = target_open(env.npids ? env.pids[0] : 0, env.binary, &t, &gb, path, sizeof(path));
	if (!err)
		err = layout_resolve(gb, path, &layout, env.verbose);
	if (!err)
		layout_print_entry(&layout, gobin_go_version(gb), stdout);
	gobin_close(gb);
	target_close(t);
	return err;
}

/*
 * Before the load: what the base object's programs are told. The base
 * holds the maps and the tracepoints; each traced executable gets its own
 * copy of the uprobe programs (scope.c, probes_load), with these maps.
 */
static int configure_bpf(struct grpcstreams_bpf *obj)
{
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_program *prog;
	struct scope_opts so = {
		.pids = env.pids,
		.npids = env.npids,
		.binary = env.binary,
		.cgroup = env.cgroup,
		.full = env.full,
		.naive = env.naive,
		.verbose = env.verbose,
		.uprobe_multi = run.uprobe_multi,
		.keep_binary = env.bench_toggle,
	};

	bpf_object__for_each_program(prog, obj->obj)
		bpf_program__set_autoload(prog, false);
	/* The event generator is only for --bench-events, which traces nothing. */
	bpf_program__set_autoload(obj->progs.gen_events, env.bench_events > 0);
	bpf_program__set_autoload(obj->progs.proc_exit, !env.bench_events);
	bpf_program__set_autoload(obj->progs.proc_exec, !env.bench_events);
	obj->rodata->trap_only = env.bench_trap_only;
	obj->rodata->live_mask = env.live_slots - 1;
	bpf_map__set_max_entries(obj->maps.streams, env.max_streams);
	/* At most 1 MiB of the 8 MiB ring unannounced, however many CPUs. */
	obj->rodata->wake_every = ncpus > 0 ? (1 << 20) / sizeof(struct event) / ncpus : 1;
	if (!obj->rodata->wake_every)
		obj->rodata->wake_every = 1;
	return scope_configure(obj, &so);
}

/* Open, configure and load the base BPF object into *OBJ. */
static int load_bpf(struct grpcstreams_bpf **obj)
{
	int err;

	/* Asked first: without the right to, libbpf would explain in four lines. */
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL) != 1) {
		fprintf(stderr, "grpcstreams: cannot load BPF programs: grpcstreams needs root "
			"(CAP_BPF and CAP_PERFMON)\n");
		return -EPERM;
	}
	*obj = grpcstreams_bpf__open();
	if (!*obj) {
		fprintf(stderr, "grpcstreams: failed to open BPF object: %s\n", strerror(errno));
		return -errno;
	}
	err = configure_bpf(*obj);
	if (!err)
		err = grpcstreams_bpf__load(*obj);
	if (err)
		fprintf(stderr, "grpcstreams: failed to load BPF programs: %s\n", strerror(-err));
	return err;
}

/* After the load: the live-stream table mapped, the output set up. */
static int start_output(struct grpcstreams_bpf *obj)
{
	struct out_opts o = {
		.epoch_off = mono_to_epoch_offset(),
		.rows = env.rows,
		.full = env.full,
		.nextid_measured = true,
		.clear = !env.noclear && isatty(STDOUT_FILENO),
		.unix_peers_fd = bpf_map__fd(obj->maps.unix_peers),
		.view = env.view,
		.sort = env.sort,
		.hist = env.hist,
		.colour = !env.json && tty_colour(),
		.width = env.json ? 0 : tty_width(),
		.slow_ns = env.filter.min_ns,
		/* Where processes of several services or containers may show. */
		.cgroups = (!env.npids && !env.binary) || env.cgroup,
	};

	/* Writable: streams of a process gone are freed from here (reap.c). */
	st.live = mmap(NULL, LIVE_SLOTS * sizeof(struct live_slot), PROT_READ | PROT_WRITE,
		       MAP_SHARED, bpf_map__fd(obj->maps.live), 0);
	if (st.live == MAP_FAILED) {
		st.live = NULL;
		fprintf(stderr, "grpcstreams: failed to map the live-stream table: %s\n",
			strerror(errno));
		return -errno;
	}
	st.g = mmap(NULL, sizeof(struct globals), PROT_READ | PROT_WRITE, MAP_SHARED,
		    bpf_map__fd(obj->maps.globals), 0);
	if (st.g == MAP_FAILED) {
		st.g = NULL;
		fprintf(stderr, "grpcstreams: failed to map the BPF globals: %s\n", strerror(errno));
		return -errno;
	}
	/* --bench-events traces no process: nothing to reap, no table to map. */
	if (!env.bench_events && reap_init(obj, st.live, st.g)) {
		fprintf(stderr, "grpcstreams: failed to map the stream-id table: %s\n",
			strerror(errno));
		return -errno;
	}
	/*
	 * Before any stream: process exits and execs are what tell a reused
	 * PID; and, on the whole host, execs are how new programs are found
	 * (attached before /proc is read: none falls in between).
	 */
	if (!env.bench_events) {
		st.exit_link = bpf_program__attach(obj->progs.proc_exit);
		if (!st.exit_link) {
			fprintf(stderr, "grpcstreams: failed to attach to "
				"the sched_process_exit tracepoint: %s\n", strerror(errno));
			return -errno;
		}
		st.exec_link = bpf_program__attach(obj->progs.proc_exec);
		if (!st.exec_link) {
			fprintf(stderr, "grpcstreams: failed to attach to "
				"the sched_process_exec tracepoint: %s\n", strerror(errno));
			return -errno;
		}
	}
	agg_set_filter(&env.filter);
	if (out_init(&o) || agg_init(&env.limits)) {
		fprintf(stderr, "grpcstreams: out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

static void announce(void)
{
	if (env.bench_trap_only)
		fprintf(stderr, "grpcstreams: --bench-trap-only: probe hits are counted, "
			"no stream is traced\n");
	scope_announce();
}

/* What the next table shows, the interactive status line with it. */
static void ui_update(struct grpcstreams_bpf *obj)
{
	set_aggregate(obj);
	if (ui.keys)
		snprintf(ui.status, sizeof(ui.status), "view %s, sort %s%s%s | keys: q quit, "
			 "s sort, v view, x failed only, p pause", view_names[env.view],
			 agg_sort_names[env.sort], env.filter.failed ? ", failed only" : "",
			 ui.paused ? ", PAUSED" : "");
	out_set_view(env.view, env.sort, ui.keys ? ui.status : NULL, tty_width());
}

/* The keys pressed since: true when the table is to be drawn again now. */
static bool ui_keys(void)
{
	bool redraw = false;
	int c;

	while ((c = tty_key()) >= 0) {
		switch (c) {
		case 'q':
			exiting = 1;
			return false;
		case 's':
			env.sort = (env.sort + 1) % SORT_KEYS;
			break;
		case 'v':
			env.view = (env.view + 1) % VIEW_KINDS;
			break;
		case 'x':
			env.filter.failed = !env.filter.failed;
			agg_set_filter(&env.filter);
			/* What was gathered under the other filter is not shown. */
			out_discard();
			agg_interval_reset();
			break;
		case 'p':
		case ' ':
			ui.paused = !ui.paused;
			break;
		default:
			continue;
		}
		redraw = true;
	}
	return redraw;
}

static int run_loop(struct grpcstreams_bpf *obj, struct ring_buffer *rb)
{
	__u64 now;
	int err = 0;

	st.start_ns = st.last_ns = mono_ns();
	while (!exiting) {
		if (bench_toggle_pending() && (err = bench_toggle_control(obj, sum_counts)))
			break;
		/* Producers do not wake us (BPF_RB_NO_WAKEUP) unless the ring
		 * is filling up; the timeout is the drain timer. */
		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "grpcstreams: error polling the ring buffer: %s\n",
				strerror(-err));
			break;
		}
		err = 0;
		ring_buffer__consume(rb);
		ctl_run(rb);
		report_gone();
		fflush(stdout);
		now = mono_ns();
		/* Every -p process exited or executed another program. */
		if (scope_ended())
			break;
		reap(obj, false);
		if (env.duration && now - st.start_ns >= env.duration * 1000000000ULL)
			break;
		if (ui.keys && ui_keys() && !exiting) {
			ui_update(obj);
			print_interval(obj, now);
			continue;
		}
		/* NDJSON has interval objects only when asked for with -i. */
		if ((!env.json || env.interval_set) && !ui.paused &&
		    now - st.last_ns >= env.interval * 1000000000ULL) {
			ui_update(obj);
			print_interval(obj, now);
		}
	}
	ring_buffer__consume(rb);
	return err;
}

static void cleanup(struct grpcstreams_bpf *obj, struct ring_buffer *rb)
{
	ring_buffer__free(rb);
	scope_fini();
	bpf_link__destroy(st.exit_link);
	bpf_link__destroy(st.exec_link);
	reap_fini();
	if (st.live)
		munmap((void *)st.live, LIVE_SLOTS * sizeof(struct live_slot));
	if (st.g)
		munmap(st.g, sizeof(*st.g));
	grpcstreams_bpf__destroy(obj);
	out_fini();
	agg_fini();
	tty_keys_fini();
	free(st.magg);
	free(st.ctl.q);
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = argp_program_doc,
	};
	struct grpcstreams_bpf *obj = NULL;
	struct ring_buffer *rb = NULL;
	int err;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return err;
	libbpf_set_print(libbpf_print_fn);
	if (env.dump_layout)
		return dump_layout() != 0;
	err = set_signals();
	if (err)
		return 1;

	run.uprobe_multi = !env.bench_events && !env.no_uprobe_multi && kernel_has_uprobe_multi();
	if (env.verbose)
		fprintf(stderr, "uprobes: %s\n", run.uprobe_multi ?
			"uprobe_multi links, one per program" : "a perf event per site");
	/* The maps and tracepoints; then what is traced, each its programs. */
	err = load_bpf(&obj);
	if (!err)
		err = start_output(obj);
	if (!err && !env.bench_events)
		err = scope_start(obj);
	if (err)
		goto cleanup;
	scope_for_each_process(note_cgroup);
	rb = ring_buffer__new(bpf_map__fd(obj->maps.events), handle_event, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to create ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}

	if (env.bench_events) {
		err = bench_events_run(obj, rb, env.bench_events, env.bench_rate,
				       &st.stream_events, &exiting, sum_counts);
		goto cleanup;
	}
	/* Keys first: with them, any view may come next (may_show). */
	ui.keys = !env.json && tty_keys_init();
	set_aggregate(obj);
	announce();
	err = run_loop(obj, rb);
	if (err)
		goto cleanup;
	/* The last interval too: with -j -i, the intervals add up to the summary. */
	ui.keys = false;
	ui_update(obj);
	if (!env.json || env.interval_set)
		print_interval(obj, mono_ns());
	print_summary(obj);

cleanup:
	cleanup(obj, rb);
	return err != 0;
}
