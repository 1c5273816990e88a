// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * output: the tables and NDJSON objects grpcstreams shows (see output.h),
 * written through json_writer.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "agg.h"
#include "json_writer.h"
#include "reap.h"
#include "resolve.h"
#include "trace_helpers.h"

static const char *const coll_names[COLL_KINDS] = { "shadow", "nextid_race", "duplicate" };
static const char *const kind_names[] = {
	[KIND_UNARY] = "unary",
	[KIND_SERVER_STREAM] = "server_stream",
	[KIND_CLIENT_STREAM] = "client_stream",
	[KIND_BIDI] = "bidi",
};

static const char *side_name(__u32 side)
{
	return side == SIDE_SERVER ? "server" : "client";
}

static const char *kind_name(__u32 kind)
{
	return kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : NULL;
}

/* "unix:" and a name, or an IPv6 address in brackets and a port, and a NUL */

/* A table row: an ended stream, or one still open when the table is drawn. */
/* The streams view's CGROUP column, in bytes (its text is escaped ASCII). */
#define CG_COL		20

struct row {
	__u64 conn;
	__u64 conn_id;
	__u64 ns;	/* latency (ended) or age (open) */
	__u32 pid;
	__u32 sid;
	__s32 status;
	__u32 side;
	bool open;
	bool nolat;	/* ended, start not seen: no latency */
	bool truncated;	/* the method name was longer */
	__u32 method_len;
	size_t peer_len;
	char peer[PEER_TEXT_LEN];
	char cgroup[CG_COL + 1];	/* the last part of its cgroup, escaped */
	char method[METHOD_LEN];
};

static struct out_opts opts;
/*
 * The table shows the -r slowest streams of an interval: keeping only
 * those (replacing the fastest kept) bounds memory whatever the rate.
 */
static struct row *rows;
static size_t nrows;
static __u64 nseen;	/* streams offered to this table, shown or not */

int out_init(const struct out_opts *o)
{
	opts = *o;
	rows = calloc(opts.rows > 0 ? opts.rows : 1, sizeof(*rows));
	return rows ? 0 : -ENOMEM;
}

void out_set_nextid_measured(bool measured)
{
	opts.nextid_measured = measured;
}

void out_set_view(enum view view, int sort, const char *status, int width)
{
	opts.view = view;
	opts.sort = sort;
	opts.status = status;
	opts.width = width;
}


void out_fini(void)
{
	free(rows);
	rows = NULL;
	nrows = 0;
}

bool event_has_latency(const struct event *e)
{
	return !(e->flags & EF_NO_START) && e->info.start_ns &&
	       e->info.start_ns <= e->end_ns;
}

/*
 * Opaque connection string, unique per connection within a process:
 * the transport pointer, plus grpc-go's connection counter when known (a
 * pointer can be reused once the connection is garbage collected).
 */
static void jw_conn(struct json_writer *w, const char *key, __u64 conn, __u64 conn_id)
{
	jw_string_open(w, key);
	lb_hex(w->b, conn);
	if (conn_id) {
		lb_mem(w->b, "#", 1);
		lb_u64(w->b, conn_id);
	}
	jw_string_close(w);
}

/*
 * The streams view's CGROUP: the last part of the process's cgroup path
 * (a service's unit, a container's scope), escaped, cut between
 * characters and marked when longer; "-" when unknown.
 */
static void cgroup_col(char *out, const char *cg)
{
	char full[6 * 64 + 1];
	const char *last;
	size_t len;

	last = cg ? strrchr(cg, '/') : NULL;
	last = last && last[1] ? last + 1 : cg ? cg : "-";
	len = strlen(last);
	text_escape(full, sizeof(full), last, len > 64 ? 64 : len);
	if (strlen(full) <= CG_COL) {
		memcpy(out, full, strlen(full) + 1);
		return;
	}
	/* CG_COL - 3 bytes and the NUL, then the mark. */
	text_escape(out, CG_COL - 2, last, len);
	strcat(out, "...");
}

/* Keys every stream and collision object has. */
static void json_head(struct json_writer *w, const struct event *e, const char *type,
		      const struct names *n)
{
	jw_name(w, "type", type);
	jw_secs(w, "ts", e->end_ns + opts.epoch_off);
	jw_u64(w, "pid", e->tgid);
	jw_string(w, "comm", e->info.comm, strnlen(e->info.comm, sizeof(e->info.comm)));
	if (n->cgroup)
		jw_string(w, "cgroup", n->cgroup, n->cgroup_len);
	else
		jw_null(w, "cgroup");
	jw_name(w, "side", side_name(e->info.side));
	jw_conn(w, "conn", e->conn, e->info.conn_id);
	jw_u64(w, "stream_id", e->sid);
}

/* The peer, or null when unknown. */
static void jw_peer(struct json_writer *w, const struct names *n)
{
	if (n->peer_len)
		jw_string(w, "peer", n->peer, n->peer_len);
	else
		jw_null(w, "peer");
}

void out_json_stream(const struct event *e, const struct names *n)
{
	struct json_writer w;
	struct linebuf b;

	b.len = 0;
	jw_begin(&w, &b);
	json_head(&w, e, "stream", n);
	jw_string(&w, "method", e->info.method, method_bytes(&e->info));
	jw_bool(&w, "method_truncated", method_truncated(&e->info));
	jw_name(&w, "kind", kind_name(e->info.kind));
	jw_i64(&w, "status", e->status);
	jw_bool(&w, "error", e->flags & EF_ERROR);
	if (event_has_latency(e)) {
		jw_u64(&w, "latency_ns", e->end_ns - e->info.start_ns);
		jw_secs(&w, "start_ts", e->info.start_ns + opts.epoch_off);
	} else {
		jw_null(&w, "latency_ns");
		jw_null(&w, "start_ts");
	}
	jw_peer(&w, n);
	/* Read where NewStream's entry was probed (-F, or forced for 1.69-1.76). */
	if (e->info.side == SIDE_CLIENT && (opts.full || e->info.entry_nextid))
		jw_u64(&w, "entry_next_id", e->info.entry_nextid);
	else if (e->info.side == SIDE_CLIENT)
		jw_null(&w, "entry_next_id");
	jw_end(&w);
	lb_write(&b, stdout);
}

void out_json_collision(const struct event *e, const struct names *n)
{
	struct json_writer w;
	struct linebuf b;

	if (e->kind >= COLL_KINDS)
		return;
	b.len = 0;
	jw_begin(&w, &b);
	json_head(&w, e, "collision", n);
	jw_name(&w, "kind", coll_names[e->kind]);
	if (e->kind == COLL_SHADOW)
		jw_conn(&w, "other_conn", e->other_conn, e->other_conn_id);
	if (e->kind == COLL_NEXTID_RACE)
		jw_u64(&w, "entry_next_id", e->info.entry_nextid);
	jw_end(&w);
	lb_write(&b, stdout);
}

void out_json_abandoned(const struct stream_key *k, const struct stream_info *info,
			int why, __u64 now_ns, const struct names *n)
{
	static const char *const reasons[] = {
		[REAP_EXITED] = "exited",
		[REAP_PID_REUSED] = "pid_reused",
		[REAP_EXEC] = "exec",
		[REAP_CONN_CLOSED] = "conn_closed",
	};
	struct json_writer w;
	struct linebuf b;
	struct event e = {
		.end_ns = now_ns,
		.conn = k->conn,
		.tgid = k->tgid,
		.sid = k->sid,
		.info = *info,
	};

	b.len = 0;
	jw_begin(&w, &b);
	json_head(&w, &e, "abandoned", n);
	jw_string(&w, "method", info->method, method_bytes(info));
	jw_bool(&w, "method_truncated", method_truncated(info));
	jw_name(&w, "kind", kind_name(info->kind));
	jw_name(&w, "reason", why >= 0 && why <= REAP_CONN_CLOSED ? reasons[why] : NULL);
	if (info->start_ns && now_ns > info->start_ns) {
		jw_u64(&w, "age_ns", now_ns - info->start_ns);
		jw_secs(&w, "start_ts", info->start_ns + opts.epoch_off);
	} else {
		jw_null(&w, "age_ns");
		jw_null(&w, "start_ts");
	}
	jw_peer(&w, n);
	jw_end(&w);
	lb_write(&b, stdout);
}

void out_keep_row(const struct stream_row *sr)
{
	const struct stream_info *info = sr->info;
	struct row *r;
	size_t i, min = 0;

	nseen++;
	if (nrows < (size_t)opts.rows) {
		r = &rows[nrows++];
	} else {
		for (i = 1; i < nrows; i++)
			if (rows[i].ns < rows[min].ns)
				min = i;
		if (!nrows || rows[min].ns >= sr->ns)
			return;
		r = &rows[min];
	}
	r->pid = sr->pid;
	r->conn = sr->conn;
	r->conn_id = info->conn_id;
	r->sid = sr->sid;
	r->status = sr->status;
	r->side = info->side;
	r->ns = sr->ns;
	r->open = sr->open;
	r->nolat = sr->nolat;
	r->peer_len = sr->names->peer_len < sizeof(r->peer) ? sr->names->peer_len :
		      sizeof(r->peer) - 1;
	memcpy(r->peer, sr->names->peer, r->peer_len);
	r->peer[r->peer_len] = '\0';
	if (opts.cgroups)
		cgroup_col(r->cgroup, sr->names->cgroup);
	r->method_len = method_bytes(info);
	r->truncated = method_truncated(info);
	memcpy(r->method, info->method, METHOD_LEN);
}

/* Slowest first; equal times by PID, connection and stream id. */
static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->conn != y->conn)
		return x->conn < y->conn ? -1 : 1;
	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* A connection as the tables show it: "#N", or the pointer's low 24 bits. */
static void conn_text(char *buf, size_t len, __u64 conn, __u64 conn_id)
{
	if (conn_id)
		snprintf(buf, len, "#%llu", (unsigned long long)conn_id);
	else
		snprintf(buf, len, "%06llx", (unsigned long long)(conn & 0xffffff));
}

/* The mark of a method cut at METHOD_LEN - 1 bytes, in the table. */
#define TRUNC_MARK	"..."

/* The method of a row as the table shows it: escaped, the cut marked. */
static void method_text(char *dst, size_t cap, const char *m, size_t n, bool truncated)
{
	size_t len = text_escape(dst, cap, m, n);

	if (truncated && len + sizeof(TRUNC_MARK) <= cap)
		memcpy(dst + len, TRUNC_MARK, sizeof(TRUNC_MARK));
}

/* ANSI colours, only where opts.colour says (a terminal, NO_COLOR unset). */
#define C_RED		"\033[31m"
#define C_YELLOW	"\033[33m"
#define C_OFF		"\033[0m"

static const char *on(bool cond, const char *colour)
{
	return opts.colour && cond ? colour : "";
}

static const char *off(bool cond)
{
	return opts.colour && cond ? C_OFF : "";
}

/*
 * The last column, which starts at column AT, cut to the terminal's width
 * (code points counted as a column each) with TRUNC_MARK at the cut; at
 * least 20 columns are kept, however narrow the terminal.
 */
static void fit_last(char *s, int at)
{
	int cols = opts.width - at, n = 0;
	size_t i, cut = 0;

	if (opts.width <= 0)
		return;
	if (cols < 20)
		cols = 20;
	for (i = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (n == cols - (int)(sizeof(TRUNC_MARK) - 1))
			cut = i;
		n++;
	}
	if (n > cols)
		memcpy(s + cut, TRUNC_MARK, sizeof(TRUNC_MARK));
}

/* A latency shown as slow: -m's minimum, else 100 ms. */
static bool slow(__u64 ns)
{
	return ns >= (opts.slow_ns ? opts.slow_ns : 100000000ULL);
}

/* Where the last column of each view starts (the streams view: +CG_COL + 1 with CGROUP). */
#define STREAMS_AT	69
#define METHODS_AT	81
#define CONNS_AT	79

static void print_row(const struct row *r)
{
	/* Each byte may become a 6-byte escape; the mark and a NUL. */
	char conn[32 + PEER_TEXT_LEN], col[23], method[6 * METHOD_LEN + sizeof(TRUNC_MARK)];
	char status[12], lat[24];
	size_t n;

	conn_text(conn, 32, r->conn, r->conn_id);
	n = strlen(conn);
	conn[n++] = ' ';
	if (r->peer_len) {
		memcpy(conn + n, r->peer, r->peer_len);
		n += r->peer_len;
	} else {
		conn[n++] = '-';
	}
	/* The column: escaped, then cut between characters, never in an escape. */
	text_escape(col, sizeof(col), conn, n);
	method_text(method, sizeof(method), r->method, r->method_len, r->truncated);
	if (r->open)
		snprintf(status, sizeof(status), "-");
	else
		snprintf(status, sizeof(status), "%d", r->status);
	if (r->nolat)
		snprintf(lat, sizeof(lat), "-");
	else
		snprintf(lat, sizeof(lat), "%.3f", r->ns / 1e6);
	fit_last(method, STREAMS_AT + (opts.cgroups ? CG_COL + 1 : 0));
	printf("%-7u %-6s %-22s %5u %-5s %s%10s%s %s%6s%s ", r->pid, side_name(r->side),
	       col, r->sid, r->open ? "open" : "done", on(!r->nolat && slow(r->ns), C_YELLOW), lat,
	       off(!r->nolat && slow(r->ns)), on(!r->open && r->status, C_RED), status,
	       off(!r->open && r->status));
	if (opts.cgroups)
		printf("%-*s ", CG_COL, r->cgroup);
	printf("%s\n", method);
}

/* A nextid_race count, or NONE when it is not measured. */
static const char *nextid_str(__u64 v, const char *none, char *buf, size_t len)
{
	if (!opts.nextid_measured)
		return none;
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

/* ---- the methods view (agg.c's rows) ---- */

/* Rows with something to show: streams ended in the interval (RUN: ever), or open. */
static const struct mrow **method_rows(const struct out_figs *f, bool run, size_t *n)
{
	struct mrow *const *all;
	const struct mrow **sel;
	size_t i, total;

	all = f->methods;
	total = f->nmethods;
	*n = 0;
	sel = total ? malloc(total * sizeof(*sel)) : NULL;
	if (!sel)
		return NULL;
	for (i = 0; i < total; i++)
		if ((run ? all[i]->run.count : all[i]->ival.count) || all[i]->open)
			sel[(*n)++] = all[i];
	if (agg_sort(sel, *n, opts.sort, run)) {
		free(sel);
		*n = 0;
		return NULL;
	}
	return sel;
}

/* Milliseconds with three decimals, or "-". */
static const char *ms_text(char *buf, size_t len, __u64 ns, bool known)
{
	if (!known)
		return "-";
	snprintf(buf, len, "%.3f", ns / 1e6);
	return buf;
}

static void print_method_row(const struct mrow *r, bool run, double secs)
{
	const struct figs *f = run ? &r->run : &r->ival;
	char method[6 * METHOD_LEN + sizeof(TRUNC_MARK)], rate[24], err[16], count[24];
	char p50[24], p99[24], max[24];
	unsigned int top = figs_top_error(f);
	__u64 q99 = hist_quantile(&f->lat, 0.99);
	bool lat = f->lat.n > 0, p99_slow = lat && slow(q99), max_slow = lat && slow(f->lat.max);

	method_text(method, sizeof(method), r->method, r->method_len, r->truncated);
	snprintf(rate, sizeof(rate), "%.1f", secs > 0 ? f->count / secs : 0.0);
	if (f->count)
		snprintf(err, sizeof(err), "%.1f", 100.0 * f->errors / f->count);
	else
		snprintf(err, sizeof(err), "-");
	snprintf(count, sizeof(count), "%8llu ", (unsigned long long)f->count);
	fit_last(method, METHODS_AT + (run ? 9 : 0));
	printf("%-7u %-6s %s%8s %s%5s %-18s%s %8s %s%8s%s %s%8s%s %4llu %s\n", r->pid,
	       side_name(r->side), run ? count : "", rate, on(f->errors, C_RED), err,
	       top < CODE_SLOTS ? code_name(top) : "-", off(f->errors),
	       ms_text(p50, sizeof(p50), hist_quantile(&f->lat, 0.50), lat),
	       on(p99_slow, C_YELLOW), ms_text(p99, sizeof(p99), q99, lat),
	       off(p99_slow), on(max_slow, C_YELLOW), ms_text(max, sizeof(max), f->lat.max, lat),
	       off(max_slow), (unsigned long long)r->open, method);
}

/* The methods of the interval (or of the whole RUN), -r rows at most. */
static void print_methods(const struct out_figs *f, bool run, double secs)
{
	const struct mrow **sel;
	size_t i, n;

	sel = method_rows(f, run, &n);
	printf("%-7s %-6s %s%8s %5s %-18s %8s %8s %8s %4s %s\n", "PID", "SIDE",
	       run ? "   COUNT " : "", "RPC/S", "ERR%", "TOP_ERROR", "P50_MS", "P99_MS", "MAX_MS",
	       "OPEN", "METHOD");
	for (i = 0; i < n && i < (size_t)opts.rows; i++)
		print_method_row(sel[i], run, secs);
	free(sel);
}

/*
 * -H: a method's latencies in funclatency's log2 format (usecs), under a
 * line with its count and percentiles.
 */
static void print_histogram(const struct mrow *r)
{
	char method[6 * METHOD_LEN + sizeof(TRUNC_MARK)], p[3][24];
	const struct hist *h = &r->run.lat;
	int i, last = -1;

	for (i = 0; i < LOG2_SLOTS; i++)
		if (r->log2_us[i])
			last = i;
	method_text(method, sizeof(method), r->method, r->method_len, r->truncated);
	printf("PID %u %s %s: count %llu, p50 %s ms, p90 %s ms, p99 %s ms\n", r->pid,
	       side_name(r->side), method, (unsigned long long)r->run.count,
	       ms_text(p[0], sizeof(p[0]), hist_quantile(h, 0.50), h->n),
	       ms_text(p[1], sizeof(p[1]), hist_quantile(h, 0.90), h->n),
	       ms_text(p[2], sizeof(p[2]), hist_quantile(h, 0.99), h->n));
	if (last < 0) {
		printf("     (no latency: no stream's start was seen)\n\n");
		return;
	}
	print_log2_hist(r->log2_us, LOG2_SLOTS, "usecs");
	printf("\n");
}

/* -H: every method of the run with a stream ended, in the table's order. */
static void print_histograms(const struct out_figs *f)
{
	const struct mrow **sel;
	size_t i, n;

	sel = method_rows(f, true, &n);
	for (i = 0; i < n; i++)
		if (sel[i]->run.count)
			print_histogram(sel[i]);
	free(sel);
}

/* ---- the connections view ---- */

static const struct crow **conn_rows(const struct out_figs *f, bool run, size_t *n)
{
	struct crow *const *all;
	const struct crow **sel;
	size_t i, total;

	all = f->conns;
	total = f->nconns;
	*n = 0;
	sel = total ? malloc(total * sizeof(*sel)) : NULL;
	if (!sel)
		return NULL;
	for (i = 0; i < total; i++)
		if ((run ? all[i]->streams || all[i]->shadow :
			   all[i]->ival_streams || all[i]->ival_shadow) || all[i]->open)
			sel[(*n)++] = all[i];
	if (agg_sort_conns(sel, *n, opts.sort, run)) {
		free(sel);
		*n = 0;
		return NULL;
	}
	return sel;
}

static void print_conn_row(const struct crow *c, bool run)
{
	char conn[24], col[23], with[128], other[24];
	size_t o = 0;
	__u64 shadow;
	__u32 i;

	conn_text(conn, sizeof(conn), c->conn, c->conn_id);
	text_escape(col, sizeof(col), c->peer_len ? c->peer : "-", c->peer_len ? c->peer_len : 1);
	with[0] = '\0';
	for (i = 0; i < c->nwith && o < sizeof(with); i++) {
		conn_text(other, sizeof(other), c->with[i].conn, c->with[i].conn_id);
		o += snprintf(with + o, sizeof(with) - o, "%s%s:%llu", i ? " " : "", other,
			      (unsigned long long)c->with[i].n);
	}
	if (c->with_more && o < sizeof(with))
		snprintf(with + o, sizeof(with) - o, " +%llu", (unsigned long long)c->with_more);
	shadow = run ? c->shadow : c->ival_shadow;
	fit_last(with[0] ? with : strcpy(with, "-"), CONNS_AT);
	printf("%-7u %-6s %-8s %-22s %8llu %5llu %8u %s%6llu%s %s\n", c->pid, side_name(c->side),
	       conn, col, (unsigned long long)(run ? c->streams : c->ival_streams),
	       (unsigned long long)c->open, c->max_sid, on(shadow, C_YELLOW),
	       (unsigned long long)shadow, off(shadow), with);
}

/* The connections of the interval (or of the whole RUN), -r rows at most. */
static void print_conns(const struct out_figs *f, bool run)
{
	const struct crow **sel;
	size_t i, n;

	sel = conn_rows(f, run, &n);
	printf("%-7s %-6s %-8s %-22s %8s %5s %8s %6s %s\n", "PID", "SIDE", "CONN", "PEER",
	       "STREAMS", "OPEN", "MAX_SID", "SHADOW", "SHADOW_WITH");
	for (i = 0; i < n && i < (size_t)opts.rows; i++)
		print_conn_row(sel[i], run);
	free(sel);
}

/* "conns" of the summary: every connection with a stream or a collision. */
static void jw_conns(struct json_writer *w, const struct out_figs *f)
{
	const struct crow **sel;
	size_t i, n;
	__u32 k;

	sel = conn_rows(f, true, &n);
	jw_array(w, "conns");
	for (i = 0; i < n; i++) {
		const struct crow *c = sel[i];

		lb_write(w->b, stdout);
		jw_item(w);
		jw_u64(w, "pid", c->pid);
		jw_string(w, "comm", c->info.comm, strnlen(c->info.comm, sizeof(c->info.comm)));
		jw_name(w, "side", side_name(c->side));
		jw_conn(w, "conn", c->conn, c->conn_id);
		jw_peer(w, &(struct names){ .peer = c->peer, .peer_len = c->peer_len });
		jw_u64(w, "streams", c->streams);
		jw_u64(w, "open", c->open);
		jw_u64(w, "max_stream_id", c->max_sid);
		jw_u64(w, "shadow", c->shadow);
		jw_array(w, "shadow_with");
		for (k = 0; k < c->nwith; k++) {
			jw_item(w);
			jw_conn(w, "conn", c->with[k].conn, c->with[k].conn_id);
			jw_u64(w, "n", c->with[k].n);
			jw_object_end(w);
		}
		jw_array_end(w);
		jw_u64(w, "shadow_with_more", c->with_more);
		jw_object_end(w);
	}
	jw_array_end(w);
	free(sel);
}

/* Streams ended in the interval, and errors, in the rows: for the header. */
static void method_totals(const struct out_figs *f, __u64 *count, __u64 *errors)
{
	struct mrow *const *all;
	size_t i, n;

	all = f->methods;
	n = f->nmethods;
	*count = *errors = 0;
	for (i = 0; i < n; i++) {
		*count += all[i]->ival.count;
		*errors += all[i]->ival.errors;
	}
}

/* " | dropped N (methods A conns B)" when something found no row. */
static void print_dropped(const struct out_figs *f)
{
	if (f->methods_dropped || f->conns_dropped)
		printf(" | %sdropped %llu (methods %llu conns %llu)%s", on(true, C_RED),
		       f->methods_dropped + f->conns_dropped, f->methods_dropped,
		       f->conns_dropped, off(true));
}

/* The first line of a table: rate and errors, then BPF's counters. */
static void print_header(const struct out_figs *f)
{
	const struct stats *d = f->c;
	__u64 shadow = d->collisions[COLL_SHADOW], dup = d->collisions[COLL_DUPLICATE];
	bool loss = d->lost_events || d->table_full;
	double secs = f->ns / 1e9;
	char ts[16], n[24];
	__u64 count, errors;

	strftime_now(ts, sizeof(ts));
	method_totals(f, &count, &errors);
	if (opts.status)
		printf("%s\n", opts.status);
	printf("%s rpc/s %.1f %serrors %.1f%%%s | started %llu ended %llu open %llu abandoned %llu | "
	       "%sshadow %llu%s nextid_race %s %sduplicate %llu%s | %slost %llu full %llu%s", ts,
	       secs > 0 ? count / secs : 0.0, on(errors, C_RED), count ? 100.0 * errors / count : 0.0,
	       off(errors), d->started, d->ended, f->open, d->abandoned, on(shadow, C_YELLOW), shadow,
	       off(shadow), nextid_str(d->collisions[COLL_NEXTID_RACE], "-", n, sizeof(n)),
	       on(dup, C_RED), dup, off(dup), on(loss, C_RED), d->lost_events, d->table_full,
	       off(loss));
	print_dropped(f);
	printf("\n");
}

static void print_streams(void)
{
	size_t i;

	if (nrows)	/* ROWS is NULL before the first one: qsort(NULL) is undefined */
		qsort(rows, nrows, sizeof(*rows), cmp_rows);
	printf("%-7s %-6s %-22s %5s %-5s %10s %6s ", "PID", "SIDE", "CONN", "SID", "STATE",
	       "LAT/AGE_MS", "STATUS");
	if (opts.cgroups)
		printf("%-*s ", CG_COL, "CGROUP");
	printf("METHOD\n");
	for (i = 0; i < nrows; i++)
		print_row(&rows[i]);
	/* Only the -r slowest are kept: say how many more there were. */
	if (nseen > nrows)
		printf("(%llu more not shown, -r %d)\n", nseen - nrows, opts.rows);
}

void out_discard(void)
{
	nrows = nseen = 0;
}

void out_table(const struct out_figs *f)
{
	if (opts.clear)
		printf("\033[H\033[2J");
	print_header(f);
	if (opts.view == VIEW_STREAMS)
		print_streams();
	else if (opts.view == VIEW_CONNS)
		print_conns(f, false);
	else
		print_methods(f, false, f->ns / 1e9);
	printf("\n");
	fflush(stdout);
	out_discard();
}

/* One entry of "methods": F, the run's or the interval's figures of R. */
static void jw_method(struct json_writer *w, const struct mrow *r, const struct figs *f)
{
	unsigned int i;

	jw_item(w);
	jw_u64(w, "pid", r->pid);
	jw_string(w, "comm", r->comm, strnlen(r->comm, sizeof(r->comm)));
	jw_name(w, "side", side_name(r->side));
	jw_string(w, "method", r->method, r->method_len);
	jw_bool(w, "method_truncated", r->truncated);
	jw_u64(w, "count", f->count);
	jw_u64(w, "errors", f->errors);
	jw_object(w, "codes");
	for (i = 0; i < CODE_SLOTS; i++)
		if (f->codes[i])
			jw_u64(w, code_name(i), f->codes[i]);
	jw_object_end(w);
	if (f->lat.n) {
		jw_u64(w, "p50_ns", hist_quantile(&f->lat, 0.50));
		jw_u64(w, "p90_ns", hist_quantile(&f->lat, 0.90));
		jw_u64(w, "p99_ns", hist_quantile(&f->lat, 0.99));
		jw_u64(w, "max_ns", f->lat.max);
	} else {
		jw_null(w, "p50_ns");
		jw_null(w, "p90_ns");
		jw_null(w, "p99_ns");
		jw_null(w, "max_ns");
	}
	jw_u64(w, "open", r->open);
	jw_object_end(w);
}

/*
 * "methods": the rows (RUN: the whole run's figures). A line may hold
 * thousands: what is built is written out before each entry, so that the
 * line buffer never fills.
 */
static void jw_methods(struct json_writer *w, const struct out_figs *f, bool run)
{
	const struct mrow **sel;
	size_t i, n;

	sel = method_rows(f, run, &n);
	jw_array(w, "methods");
	for (i = 0; i < n; i++) {
		lb_write(w->b, stdout);
		jw_method(w, sel[i], run ? &sel[i]->run : &sel[i]->ival);
	}
	jw_array_end(w);
	free(sel);
}

/* The counters every interval and summary object has. */
static void jw_counters(struct json_writer *w, const struct out_figs *f)
{
	const struct stats *d = f->c;

	jw_u64(w, "started", d->started);
	jw_u64(w, "ended", d->ended);
	jw_u64(w, "open", f->open);
	jw_u64(w, "abandoned", d->abandoned);
	jw_object(w, "collisions");
	jw_u64(w, "shadow", d->collisions[COLL_SHADOW]);
	if (opts.nextid_measured)
		jw_u64(w, "nextid_race", d->collisions[COLL_NEXTID_RACE]);
	else
		jw_null(w, "nextid_race");
	jw_u64(w, "duplicate", d->collisions[COLL_DUPLICATE]);
	jw_object_end(w);
	jw_u64(w, "lost_events", d->lost_events);
	jw_u64(w, "table_full", d->table_full);
	jw_u64(w, "methods_dropped", f->methods_dropped);
	jw_u64(w, "conns_dropped", f->conns_dropped);
}

void out_json_interval(const struct out_figs *f)
{
	struct json_writer w;
	struct linebuf b;

	b.len = 0;
	jw_begin(&w, &b);
	jw_name(&w, "type", "interval");
	jw_secs(&w, "ts", f->now_ns + opts.epoch_off);
	jw_u64(&w, "interval_ns", f->ns);
	jw_counters(&w, f);
	jw_methods(&w, f, false);
	jw_end(&w);
	lb_write(&b, stdout);
}

void out_summary(const struct out_figs *f, bool json)
{
	const struct stats *sum = f->c;
	struct json_writer w;
	struct linebuf b;
	char n[24];

	if (!json) {
		if (opts.hist)
			print_histograms(f);
		if (opts.view == VIEW_METHODS || opts.view == VIEW_CONNS) {
			printf("Whole run, %.1f s:\n", f->ns / 1e9);
			if (opts.view == VIEW_METHODS)
				print_methods(f, true, f->ns / 1e9);
			else
				print_conns(f, true);
			printf("\n");
		}
		printf("Total: streams %llu started %llu open %llu abandoned %llu | shadow %llu "
		       "nextid_race %s duplicate %llu | lost %llu full %llu", sum->ended,
		       sum->started, f->open, sum->abandoned, sum->collisions[COLL_SHADOW],
		       nextid_str(sum->collisions[COLL_NEXTID_RACE], "-", n, sizeof(n)),
		       sum->collisions[COLL_DUPLICATE], sum->lost_events, sum->table_full);
		print_dropped(f);
		printf("\n");
		return;
	}
	b.len = 0;
	jw_begin(&w, &b);
	jw_name(&w, "type", "summary");
	jw_secs(&w, "ts", f->now_ns + opts.epoch_off);
	jw_u64(&w, "streams", f->streams);
	jw_counters(&w, f);
	jw_object(&w, "probe_hits");
	jw_u64(&w, "newstream_entry", sum->hits[PROBE_NEWSTREAM_ENTRY]);
	jw_u64(&w, "newstream_return", sum->hits[PROBE_NEWSTREAM_RETURN]);
	jw_u64(&w, "closestream", sum->hits[PROBE_CLOSESTREAM]);
	jw_u64(&w, "client_kind", sum->hits[PROBE_CLIENT_KIND]);
	jw_u64(&w, "server_start", sum->hits[PROBE_SERVER_START]);
	jw_u64(&w, "server_kind", sum->hits[PROBE_SERVER_KIND]);
	jw_u64(&w, "server_end", sum->hits[PROBE_SERVER_END]);
	jw_u64(&w, "server_close", sum->hits[PROBE_SERVER_CLOSE]);
	jw_u64(&w, "stack_check_skipped", sum->stack_skips);
	jw_u64(&w, "caller_site_other_call", sum->caller_mismatch);
	jw_object_end(&w);
	jw_methods(&w, f, true);
	jw_conns(&w, f);
	jw_end(&w);
	lb_write(&b, stdout);
}
