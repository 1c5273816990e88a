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
#include "session.h"
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
	enum view view;		/* what the keys chose, from -o on */
	int sort;
	struct agg_filter filter;
	char status[192];
} ui;

static const char *const view_names[VIEW_KINDS] = {
	[VIEW_METHODS] = "methods",
	[VIEW_STREAMS] = "streams",
	[VIEW_CONNS] = "conns",
};

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

/*
 * libbpf's warnings reach stderr (why a load or attach failed), but not
 * while an executable of the whole host is looked at: its one line, if it
 * is refused, is the tool's own reason (scope_libbpf_quiet()).
 */
static int libbpf_print_fn(enum libbpf_print_level level, const char *format, va_list args)
{
	if ((level == LIBBPF_DEBUG && !env.verbose) || scope_libbpf_quiet())
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
	int err;

	if (signal(SIGINT, sig_handler) == SIG_ERR || signal(SIGTERM, sig_handler) == SIG_ERR ||
	    (env.bench_toggle && bench_toggle_signals())) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to set signal handler: %s\n", strerror(-err));
		return err;
	}
	/* NDJSON goes out in large writes; the loop flushes after each drain. */
	if (env.json)
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	return 0;
}

/* ---- main's stages ---- */

/* --dump-layout (tools/gen-layouts.sh): -b's or -p's layout on one line. */
static int dump_layout(void)
{
	struct target *t = NULL;
	struct gobin *gb = NULL;
	struct layout layout;
	char path[PATH_MAX];
	struct why why;
	int err;

	err = target_open(env.npids ? env.pids[0] : 0, env.binary, &t, &gb, path, sizeof(path));
	if (!err) {
		err = layout_resolve(gb, path, &layout, env.verbose, false, &why);
		if (err)
			fprintf(stderr, "grpcstreams: %s\n", why.msg);
	}
	if (!err)
		layout_print_entry(&layout, gobin_go_version(gb), stdout);
	gobin_close(gb);
	target_close(t);
	return err;
}

static void announce(void)
{
	if (env.bench_trap_only)
		fprintf(stderr, "grpcstreams: --bench-trap-only: probe hits are counted, "
			"no stream is traced\n");
	scope_announce();
}

/*
 * What the next table shows, the interactive status line with it: the
 * keys change ui's copy of the view, sort and filter, never env.
 */
static void ui_update(struct session *s)
{
	if (ui.keys)
		snprintf(ui.status, sizeof(ui.status), "view %s, sort %s%s%s | keys: q quit, "
			 "s sort, v view, x failed only, p pause", view_names[ui.view],
			 agg_sort_names[ui.sort], ui.filter.failed ? ", failed only" : "",
			 ui.paused ? ", PAUSED" : "");
	session_set_view(s, ui.view, &ui.filter, ui.keys);
	out_set_view(ui.view, ui.sort, ui.keys ? ui.status : NULL, tty_width());
}

/* The keys pressed since: true when the table is to be drawn again now. */
static bool ui_keys(struct session *s)
{
	bool redraw = false;
	int c;

	while ((c = tty_key()) >= 0) {
		switch (c) {
		case 'q':
			exiting = 1;
			return false;
		case 's':
			ui.sort = (ui.sort + 1) % SORT_KEYS;
			break;
		case 'v':
			ui.view = (ui.view + 1) % VIEW_KINDS;
			break;
		case 'x':
			ui.filter.failed = !ui.filter.failed;
			session_set_view(s, ui.view, &ui.filter, ui.keys);
			/* What was gathered under the other filter is not shown. */
			session_discard(s);
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

static int run_loop(struct session *s)
{
	__u64 now, start = session_start_ns(s);
	int err = 0;

	while (!exiting) {
		if (bench_toggle_pending() && (err = bench_toggle_control(s)))
			break;
		err = session_drain(s, 100);
		if (err)
			break;
		now = mono_ns();
		/* Every -p process exited or executed another program. */
		if (session_ended(s))
			break;
		session_reap(s);
		if (env.duration && now - start >= env.duration * 1000000000ULL)
			break;
		if (ui.keys && ui_keys(s) && !exiting) {
			ui_update(s);
			session_interval(s, now);
			continue;
		}
		/* NDJSON has interval objects only when asked for with -i. */
		if ((!env.json || env.interval_set) && !ui.paused &&
		    now - session_last_ns(s) >= env.interval * 1000000000ULL) {
			ui_update(s);
			session_interval(s, now);
		}
	}
	return err ? err : session_drain(s, 0);
}

/* What the session is given: the options it needs, as a value. */
static void session_options(struct session_opts *so)
{
	*so = (struct session_opts){
		.pids = env.pids,
		.npids = env.npids,
		.binary = env.binary,
		.cgroup = env.cgroup,
		.json = env.json,
		.full = env.full,
		.verbose = env.verbose,
		.naive = env.naive,
		.uprobe_multi = run.uprobe_multi,
		.no_aggregate = env.no_aggregate,
		.bench_toggle = env.bench_toggle,
		.bench_trap_only = env.bench_trap_only,
		.bench_events = env.bench_events,
		.live_slots = env.live_slots,
		.max_streams = env.max_streams,
		.limits = env.limits,
		.filter = env.filter,
		.exiting = &exiting,
		.out = {
			.rows = env.rows,
			.full = env.full,
			.nextid_measured = true,
			.clear = !env.noclear && isatty(STDOUT_FILENO),
			.view = env.view,
			.sort = env.sort,
			.hist = env.hist,
			.colour = !env.json && tty_colour(),
			.width = env.json ? 0 : tty_width(),
			.slow_ns = env.filter.min_ns,
			/* Where processes of several services or containers may show. */
			.cgroups = (!env.npids && !env.binary) || env.cgroup,
		},
	};
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = opts,
		.parser = parse_arg,
		.doc = argp_program_doc,
	};
	struct session *s = NULL;
	struct session_opts so;
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
	session_options(&so);
	err = session_open(&so, &s);
	if (err)
		goto cleanup;
	if (env.bench_events) {
		err = bench_events_run(s, env.bench_events, env.bench_rate, &exiting);
		goto cleanup;
	}
	/* Keys first: with them, any view may come next. */
	ui.keys = !env.json && tty_keys_init();
	ui.view = env.view;
	ui.sort = env.sort;
	ui.filter = env.filter;
	ui_update(s);
	announce();
	err = run_loop(s);
	if (err)
		goto cleanup;
	/* The last interval too: with -j -i, the intervals add up to the summary. */
	ui.keys = false;
	ui_update(s);
	if (!env.json || env.interval_set)
		session_interval(s, mono_ns());
	session_summary(s);

cleanup:
	session_close(s);
	tty_keys_fini();
	return err != 0;
}
