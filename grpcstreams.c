// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * grpcstreams  Trace grpc-go streams keyed by (connection, HTTP/2 stream id),
 *              and flag the key collisions a stream-id-only key would have.
 *
 * Uses uprobes on grpc-go's HTTP/2 transport; never uretprobes (they crash
 * Go programs when a goroutine stack moves).
 */
#include <argp.h>
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

#include "grpcstreams.h"
#include "grpcstreams.skel.h"
#include "gobin.h"
#include "trace_helpers.h"

#define TRANSPORT	"google.golang.org/grpc/internal/transport."
#define MAX_LINKS	64
#define MAX_SITES	32
#define MAX_ROWS_KEPT	(1 << 20)

static struct env {
	pid_t pid;
	char *binary;
	int interval;
	int duration;
	int rows;
	bool json;
	bool verbose;
} env = {
	.interval = 1,
	.rows = 20,
};

static volatile sig_atomic_t exiting;

const char *argp_program_version = "grpcstreams 0.1";
const char *argp_program_bug_address = "https://github.com/grpcstreams/grpcstreams";
static const char argp_program_doc[] =
"Trace grpc-go streams keyed by (connection, HTTP/2 stream id), with their\n"
"method, peer, status and latency, and flag key collisions.\n"
"\n"
"USAGE: grpcstreams {-p PID | -b PATH} [-j] [-d SECONDS] [-i SECONDS] [-r ROWS] [-v]\n"
"\n"
"EXAMPLES:\n"
"    grpcstreams -p 1234          # live table of PID 1234's streams, every second\n"
"    grpcstreams -p 1234 -j       # one JSON object per stream/collision (NDJSON)\n"
"    grpcstreams -p 1234 -d 10    # capture 10 seconds, print the summary, exit\n"
"    grpcstreams -b ./server -j   # every process running ./server, new ones too\n"
"    grpcstreams -p 1234 -j | jq 'select(.type==\"collision\")'\n";

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID", 0, "Trace this process (its executable via /proc/PID/exe)", 0 },
	{ "binary", 'b', "PATH", 0, "Trace every process running this executable", 0 },
	{ "json", 'j', NULL, 0, "Newline-delimited JSON on stdout instead of the table", 0 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS and print the summary", 0 },
	{ "interval", 'i', "SECONDS", 0, "Table refresh interval (default 1)", 0 },
	{ "rows", 'r', "ROWS", 0, "Maximum rows per table (default 20)", 0 },
	{ "verbose", 'v', NULL, 0, "Show libbpf output, symbols, probe sites and offsets", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show the full help", 0 },
	{},
};

static long parse_num(const char *arg, long min, long max, struct argp_state *state,
		      const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "grpcstreams: invalid %s: %s\n", what, arg);
		argp_usage(state);
	}
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
		env.rows = parse_num(arg, 1, INT_MAX, state, "rows");
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		fprintf(stderr, "grpcstreams: unexpected argument: %s\n", arg);
		argp_usage(state);
		break;
	case ARGP_KEY_END:
		if (!env.pid == !env.binary) {
			fprintf(stderr, "grpcstreams: give exactly one of -p PID or -b PATH\n");
			argp_usage(state);
		}
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

/* ---- target inspection: symbols, offsets, probe sites ---- */

struct offset_spec {
	const char *type;
	const char *member;
	__s32 *dst;
	bool required;
};

/* Every field the BPF side reads, by Go type name as DWARF spells it. */
static int resolve_offsets(struct gobin *gb, struct go_offsets *o, const char *path)
{
	const struct offset_spec specs[] = {
		{ TRANSPORT "CallHdr", "Method", &o->callhdr_method, true },
		{ TRANSPORT "http2Client", "nextID", &o->client_nextid, true },
		{ TRANSPORT "http2Client", "remoteAddr", &o->client_remote_addr, false },
		{ TRANSPORT "http2Client", "connectionID", &o->client_conn_id, false },
		{ TRANSPORT "Stream", "id", &o->stream_id, true },
		{ TRANSPORT "Stream", "state", &o->stream_state, false },
		{ "google.golang.org/grpc/internal/status.Status", "s", &o->status_s, true },
		{ "google.golang.org/genproto/googleapis/rpc/status.Status", "Code", &o->spb_code, true },
		{ "net.TCPAddr", "IP", &o->tcpaddr_ip, false },
		{ "net.TCPAddr", "Port", &o->tcpaddr_port, false },
	};
	size_t i;
	long v;
	int err;

	if (!gobin_has_dwarf(gb)) {
		fprintf(stderr, "grpcstreams: %s: no DWARF debug info (stripped binary?); "
			"grpc-go %s struct offsets are unknown without it\n", path,
			gobin_grpc_version(gb)[0] ? gobin_grpc_version(gb) : "(version unknown)");
		return -ENODATA;
	}
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		err = gobin_member_offset(gb, specs[i].type, specs[i].member, &v);
		if (err && specs[i].required) {
			fprintf(stderr, "grpcstreams: %s: no DWARF for %s.%s: unsupported grpc-go layout\n",
				path, specs[i].type, specs[i].member);
			return err;
		}
		*specs[i].dst = err ? -1 : (__s32)v;
		if (env.verbose)
			fprintf(stderr, "offset %s.%s = %d (DWARF)\n", specs[i].type,
				specs[i].member, *specs[i].dst);
	}
	return 0;
}

struct links {
	struct bpf_link *l[MAX_LINKS];
	int n;
};

static int attach_site(struct links *links, struct bpf_program *prog, const char *path,
		       const char *sym, const struct probe_site *site)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts,
		.bpf_cookie = site->kind == SITE_STACK_CHECK ? COOKIE_STACK_CHECK : 0);
	struct bpf_link *link;

	if (links->n == MAX_LINKS) {
		fprintf(stderr, "grpcstreams: too many probe sites\n");
		return -E2BIG;
	}
	link = bpf_program__attach_uprobe_opts(prog, env.pid ? env.pid : -1, path,
					       site->offset, &opts);
	if (!link) {
		fprintf(stderr, "grpcstreams: failed to attach uprobe to %s at 0x%lx: %s\n",
			sym, (unsigned long)site->vaddr, strerror(errno));
		return -errno;
	}
	links->l[links->n++] = link;
	if (env.verbose)
		fprintf(stderr, "probe %s: %s at 0x%lx (file offset 0x%lx): %s\n",
			bpf_program__name(prog), sym, (unsigned long)site->vaddr,
			(unsigned long)site->offset, gobin_site_kind_str(site->kind));
	return 0;
}

static int find_func(struct gobin *gb, const char *path, const char *sym,
		     uint64_t *addr, uint64_t *size)
{
	if (!gobin_func(gb, sym, addr, size))
		return 0;
	if (!gobin_has_symtab(gb))
		fprintf(stderr, "grpcstreams: %s: no symbol table (stripped binary); "
			"not supported yet\n", path);
	else
		fprintf(stderr, "grpcstreams: %s: no grpc-go client transport "
			"(%s not found)\n", path, sym);
	return -ENOENT;
}

/* Entry (or every RET, with RETURNS) of SYM, each site attached to PROG. */
static int attach_func(struct links *links, struct gobin *gb, struct bpf_program *prog,
		       const char *path, const char *sym, bool returns)
{
	struct probe_site sites[MAX_SITES];
	uint64_t addr, size;
	int i, n, err;

	err = find_func(gb, path, sym, &addr, &size);
	if (err)
		return err;
	if (returns) {
		n = gobin_ret_sites(gb, addr, size, sites, MAX_SITES);
	} else {
		err = gobin_entry_site(gb, addr, size, &sites[0]);
		n = err ? err : 1;
	}
	if (n <= 0) {
		fprintf(stderr, "grpcstreams: %s: cannot place probes in %s: %s\n", path, sym,
			n ? strerror(-n) : "no RET instruction found");
		return n ? n : -ENOENT;
	}
	for (i = 0; i < n; i++) {
		err = attach_site(links, prog, path, sym, &sites[i]);
		if (err)
			return err;
	}
	return 0;
}

static int attach_all(struct grpcstreams_bpf *obj, struct links *links,
		      struct gobin *gb, const char *path)
{
	int err;

	err = attach_func(links, gb, obj->progs.newstream_entry, path,
			  TRANSPORT "(*http2Client).NewStream", false);
	if (!err)
		err = attach_func(links, gb, obj->progs.newstream_return, path,
				  TRANSPORT "(*http2Client).NewStream", true);
	if (!err)
		err = attach_func(links, gb, obj->progs.closestream, path,
				  TRANSPORT "(*http2Client).closeStream", false);
	return err;
}

/* ---- output ---- */

static const char *const coll_names[COLL_KINDS] = { "shadow", "nextid_race", "duplicate" };

struct row {
	__u64 conn;
	__u64 conn_id;
	double ms;
	__u32 pid;
	__u32 sid;
	__s32 status;
	bool open;
	char peer[INET6_ADDRSTRLEN + 8];
	char method[METHOD_LEN];
};

static struct state {
	__u64 epoch_off;
	__u64 stream_events;
	__u64 prev_started, prev_ended;
	struct row *rows;
	size_t nrows, cap;
	__u64 rows_dropped;
} st;

static void format_peer(const struct event *e, char *buf, size_t len)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char ip[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (e->peer_ip_len == 4 ||
	    (e->peer_ip_len == 16 && !memcmp(e->peer_ip, v4mapped, 12))) {
		inet_ntop(AF_INET, e->peer_ip + (e->peer_ip_len == 16 ? 12 : 0), ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, e->peer_port);
	} else if (e->peer_ip_len == 16) {
		inet_ntop(AF_INET6, e->peer_ip, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, e->peer_port);
	}
}

/* Opaque connection string: pointer, plus grpc-go's connection id if known. */
static void format_conn(char *buf, size_t len, __u64 conn, __u64 conn_id)
{
	if (conn_id)
		snprintf(buf, len, "0x%llx#%llu", conn, conn_id);
	else
		snprintf(buf, len, "0x%llx", conn);
}

static void print_json_head(const struct event *e, const char *type)
{
	char conn[48];

	format_conn(conn, sizeof(conn), e->conn, e->conn_id);
	printf("{\"type\":\"%s\",\"ts\":%.6f,\"pid\":%u,\"comm\":", type,
	       (e->end_ns + st.epoch_off) / 1e9, e->tgid);
	json_string(stdout, e->comm, strnlen(e->comm, sizeof(e->comm)));
	printf(",\"conn\":\"%s\",\"stream_id\":%u", conn, e->sid);
}

static void print_json_stream(const struct event *e, const char *peer)
{
	print_json_head(e, "stream");
	printf(",\"side\":\"%s\",\"method\":", e->side == SIDE_SERVER ? "server" : "client");
	json_string(stdout, e->method, e->method_len);
	printf(",\"status\":%d,\"error\":%s,\"latency_ns\":%llu,\"start_ts\":%.6f,"
	       "\"peer\":", e->status, e->flags & EF_ERROR ? "true" : "false",
	       e->end_ns - e->start_ns, (e->start_ns + st.epoch_off) / 1e9);
	if (peer[0])
		json_string(stdout, peer, strlen(peer));
	else
		printf("null");
	if (e->conn_id)
		printf(",\"conn_id\":%llu", e->conn_id);
	printf("}\n");
}

static void print_json_collision(const struct event *e)
{
	char other[48];

	print_json_head(e, "collision");
	printf(",\"kind\":\"%s\"", coll_names[e->kind]);
	if (e->kind == COLL_SHADOW) {
		format_conn(other, sizeof(other), e->other_conn, 0);
		printf(",\"other_conn\":\"%s\"", other);
	}
	if (e->kind == COLL_NEXTID_RACE)
		printf(",\"entry_next_id\":%u", e->entry_nextid);
	printf("}\n");
}

static void keep_row(const struct event *e, const char *peer)
{
	struct row *r, *n;

	if (st.nrows == st.cap) {
		if (st.cap == MAX_ROWS_KEPT) {
			st.rows_dropped++;
			return;
		}
		n = realloc(st.rows, (st.cap ? st.cap * 2 : 1024) * sizeof(*r));
		if (!n) {
			st.rows_dropped++;
			return;
		}
		st.rows = n;
		st.cap = st.cap ? st.cap * 2 : 1024;
	}
	r = &st.rows[st.nrows++];
	memset(r, 0, sizeof(*r));
	r->pid = e->tgid;
	r->conn = e->conn;
	r->conn_id = e->conn_id;
	r->sid = e->sid;
	r->status = e->status;
	r->ms = (e->end_ns - e->start_ns) / 1e6;
	snprintf(r->peer, sizeof(r->peer), "%s", peer);
	memcpy(r->method, e->method, METHOD_LEN);
	r->method[METHOD_LEN - 1] = '\0';
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct event *e = data;
	char peer[INET6_ADDRSTRLEN + 8];

	if (size < sizeof(*e))
		return 0;
	if (e->type == EVENT_COLLISION && e->kind == COLL_DUPLICATE)
		fprintf(stderr, "grpcstreams: DUPLICATE KEY: pid %u conn 0x%llx stream id %u "
			"was inserted while still live\n", e->tgid, e->conn, e->sid);
	if (e->type == EVENT_STREAM) {
		st.stream_events++;
		format_peer(e, peer, sizeof(peer));
		if (env.json)
			print_json_stream(e, peer);
		else
			keep_row(e, peer);
	} else if (e->type == EVENT_COLLISION && env.json && e->kind < COLL_KINDS) {
		print_json_collision(e);
	}
	return 0;
}

/* Totals over the processes we trace, from the BPF per-process counters. */
static void sum_counts(struct grpcstreams_bpf *obj, struct proc_counts *sum)
{
	int fd = bpf_map__fd(obj->maps.counts);
	struct proc_counts c;
	__u32 key, next, *prev = NULL;
	int i;

	memset(sum, 0, sizeof(*sum));
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if ((env.pid && key != (__u32)env.pid) || bpf_map_lookup_elem(fd, &key, &c))
			continue;
		sum->started += c.started;
		sum->ended += c.ended;
		for (i = 0; i < COLL_KINDS; i++)
			sum->collisions[i] += c.collisions[i];
	}
}

/* Streams still live in the BPF map; with ROWS, also add them as rows. */
static __u64 open_streams(struct grpcstreams_bpf *obj, bool rows)
{
	int fd = bpf_map__fd(obj->maps.streams);
	struct stream_key key, next, *prev = NULL;
	struct stream_info info;
	struct event e;
	__u64 n = 0, now = mono_ns();

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if ((env.pid && key.tgid != (__u32)env.pid) || bpf_map_lookup_elem(fd, &key, &info))
			continue;
		n++;
		if (!rows)
			continue;
		memset(&e, 0, sizeof(e));
		e.tgid = key.tgid;
		e.conn = key.conn;
		e.sid = key.sid;
		e.start_ns = info.start_ns;
		e.end_ns = now > info.start_ns ? now : info.start_ns;
		memcpy(e.method, info.method, METHOD_LEN);
		keep_row(&e, "");
		st.rows[st.nrows - 1].open = true;
	}
	return n;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->ms < y->ms ? 1 : x->ms > y->ms ? -1 : 0;
}

static __u64 lost_events(struct grpcstreams_bpf *obj)
{
	return __atomic_load_n(&obj->bss->lost_events, __ATOMIC_RELAXED);
}

static void print_table(struct grpcstreams_bpf *obj)
{
	struct proc_counts sum;
	char ts[16], conn[96];
	__u64 open;
	size_t i;
	struct row *r;

	sum_counts(obj, &sum);
	open = open_streams(obj, true);
	strftime_now(ts, sizeof(ts));
	printf("%s started %llu ended %llu open %llu | shadow %llu nextid_race %llu "
	       "duplicate %llu | lost %llu\n", ts, sum.started - st.prev_started,
	       sum.ended - st.prev_ended, open, sum.collisions[COLL_SHADOW],
	       sum.collisions[COLL_NEXTID_RACE], sum.collisions[COLL_DUPLICATE],
	       lost_events(obj) + st.rows_dropped);
	st.prev_started = sum.started;
	st.prev_ended = sum.ended;
	qsort(st.rows, st.nrows, sizeof(*st.rows), cmp_rows);
	printf("%-7s %-24s %6s %-5s %9s %6s %s\n", "PID", "CONN", "SID", "STATE",
	       "LAT_MS", "STATUS", "METHOD");
	for (i = 0; i < st.nrows && i < (size_t)env.rows; i++) {
		r = &st.rows[i];
		if (r->conn_id)
			snprintf(conn, sizeof(conn), "#%llu %s", r->conn_id, r->peer);
		else
			snprintf(conn, sizeof(conn), "%llx %s", r->conn & 0xffffff, r->peer);
		printf("%-7u %-24.24s %6u %-5s %9.3f ", r->pid, conn, r->sid,
		       r->open ? "open" : "done", r->ms);
		if (r->open)
			printf("%6s %s\n", "-", r->method);
		else
			printf("%6d %s\n", r->status, r->method);
	}
	printf("\n");
	fflush(stdout);
	st.nrows = 0;
}

static void print_summary(struct grpcstreams_bpf *obj)
{
	struct proc_counts sum;
	__u64 open, lost;

	sum_counts(obj, &sum);
	open = open_streams(obj, false);
	lost = lost_events(obj);
	if (!env.json) {
		printf("Total: streams %llu started %llu open %llu | shadow %llu nextid_race %llu "
		       "duplicate %llu | lost %llu\n", sum.ended, sum.started, open,
		       sum.collisions[COLL_SHADOW], sum.collisions[COLL_NEXTID_RACE],
		       sum.collisions[COLL_DUPLICATE], lost);
		return;
	}
	printf("{\"type\":\"summary\",\"ts\":%.6f,\"streams\":%llu,\"started\":%llu,"
	       "\"ended\":%llu,\"open\":%llu,\"collisions\":{\"shadow\":%llu,"
	       "\"nextid_race\":%llu,\"duplicate\":%llu},\"lost_events\":%llu,"
	       "\"probe_hits\":{\"newstream_entry\":%llu,\"newstream_return\":%llu,"
	       "\"closestream\":%llu}}\n",
	       (mono_ns() + st.epoch_off) / 1e9, st.stream_events, sum.started, sum.ended,
	       open, sum.collisions[COLL_SHADOW], sum.collisions[COLL_NEXTID_RACE],
	       sum.collisions[COLL_DUPLICATE], lost, obj->bss->hits[PROBE_NEWSTREAM_ENTRY],
	       obj->bss->hits[PROBE_NEWSTREAM_RETURN], obj->bss->hits[PROBE_CLOSESTREAM]);
}

/* ---- main ---- */

static int open_target(struct gobin **gb, char *path, size_t len)
{
	const char *why;
	int err;

	if (env.pid) {
		if (kill(env.pid, 0) && errno == ESRCH) {
			fprintf(stderr, "grpcstreams: no such process: %d\n", env.pid);
			return -ESRCH;
		}
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
		fprintf(stderr, "target %s: %s, grpc-go %s (from %s)\n", path,
			gobin_go_version(*gb)[0] ? gobin_go_version(*gb) : "Go version unknown",
			gobin_grpc_version(*gb)[0] ? gobin_grpc_version(*gb) : "unknown",
			gobin_grpc_version_source(*gb)[0] ? gobin_grpc_version_source(*gb) : "-");
	return 0;
}

static void run_loop(struct grpcstreams_bpf *obj, struct ring_buffer *rb)
{
	__u64 start = mono_ns(), last = start, now;

	while (!exiting) {
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
	struct links links = {};
	struct gobin *gb = NULL;
	struct go_offsets offsets;
	char path[PATH_MAX];
	int err, i;

	err = argp_parse(&argp, argc, argv, 0, NULL, NULL);
	if (err)
		return err;
	libbpf_set_print(libbpf_print_fn);

	err = open_target(&gb, path, sizeof(path));
	if (!err)
		err = resolve_offsets(gb, &offsets, path);
	if (err)
		goto cleanup;

	obj = grpcstreams_bpf__open();
	if (!obj) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to open BPF object: %s\n", strerror(errno));
		goto cleanup;
	}
	obj->rodata->targ_tgid = env.pid;
	obj->rodata->off = offsets;
	err = grpcstreams_bpf__load(obj);
	if (err) {
		fprintf(stderr, "grpcstreams: failed to load BPF programs: %s%s\n", strerror(-err),
			geteuid() ? " (grpcstreams needs root)" : "");
		goto cleanup;
	}
	err = attach_all(obj, &links, gb, path);
	if (err)
		goto cleanup;
	rb = ring_buffer__new(bpf_map__fd(obj->maps.events), handle_event, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to create ring buffer: %s\n", strerror(errno));
		goto cleanup;
	}
	if (signal(SIGINT, sig_handler) == SIG_ERR || signal(SIGTERM, sig_handler) == SIG_ERR) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to set signal handler: %s\n", strerror(errno));
		goto cleanup;
	}
	st.epoch_off = mono_to_epoch_offset();
	if (env.pid)
		fprintf(stderr, "Tracing grpc-go streams of PID %d (%d probes)... "
			"Hit Ctrl-C to end.\n", env.pid, links.n);
	else
		fprintf(stderr, "Tracing grpc-go streams of %s (%d probes)... "
			"Hit Ctrl-C to end.\n", path, links.n);
	run_loop(obj, rb);
	if (!env.json && st.nrows)
		print_table(obj);
	print_summary(obj);

cleanup:
	ring_buffer__free(rb);
	for (i = 0; i < links.n; i++)
		bpf_link__destroy(links.l[i]);
	grpcstreams_bpf__destroy(obj);
	gobin_close(gb);
	free(st.rows);
	return err != 0;
}
