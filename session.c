// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * session: one run's state and its one owner (session.h). An event goes
 * from the ring (handle_event) into agg's rows and, with -j, straight to
 * the printer; execs and exits wait in a queue until the ring is drained.
 * Each interval the session reads BPF's counters, its methods map and its
 * live table, and hands the figures to the printer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "grpcstreams.h"
#include "grpcstreams.skel.h"
#include "json_writer.h"
#include "reap.h"
#include "resolve.h"
#include "scope.h"
#include "session.h"
#include "trace_helpers.h"

struct session {
	struct session_opts o;		/* as main parsed them; never changed */
	struct grpcstreams_bpf *obj;	/* the base: maps, tracepoints */
	struct ring_buffer *rb;
	struct live_slot *live;		/* the BPF live-stream table, mapped */
	struct globals *g;		/* the BPF globals, mapped */
	struct bpf_link *exit_link;	/* proc_exit on sched_process_exit */
	struct bpf_link *exec_link;	/* proc_exec on sched_process_exec (whole host) */
	bool scope_started, reap_started, out_started, agg_started;
	/* What is shown now (session_set_view): the keys change it. */
	enum view view;
	struct agg_filter filter;
	bool any_view;
	struct magg_val *magg;	/* one method's values in BPF, a CPU each, read into */
	__u64 bpf_counted;	/* streams BPF counted in its methods map */
	__u64 start_ns;		/* tracing started */
	__u64 last_ns;		/* the last table or interval object */
	__u64 stream_events;
	__u64 abandoned;	/* streams of processes gone, removed (reap.c) */
	struct stats prev;	/* counters at the previous table */
	struct agg_dropped drop_prev;	/* agg's drops at the previous table */
	bool capped_said;	/* -v said a table reached its cap */
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
};

/* struct stats is summed and subtracted as an array of __u64. */
_Static_assert(sizeof(struct stats) % sizeof(__u64) == 0, "struct stats: __u64 fields only");

/*
 * What a run can come to show, to be kept per event: stream rows for the
 * streams view, connections for the conns view and the NDJSON summary
 * (with keys, any view may come next).
 */
static bool may_show(const struct session *s, enum view v)
{
	return s->any_view || s->view == v || (v == VIEW_CONNS && s->o.json);
}

/* One line per process whose streams were found abandoned since the last. */
static void report_gone(struct session *s)
{
	static const char *const what[] = {
		[REAP_EXITED] = "exited",
		[REAP_PID_REUSED] = "is gone (its PID reused)",
		[REAP_EXEC] = "executed another program",
		[REAP_CONN_CLOSED] = "lost a connection",
	};
	char comm[4 * TASK_COMM_LEN];
	unsigned int i;

	for (i = 0; i < s->ngone; i++) {
		text_escape(comm, sizeof(comm), s->gone[i].comm, strlen(s->gone[i].comm));
		fprintf(stderr, "grpcstreams: PID %u (%s) %s with %u stream%s open: "
			"counted abandoned\n", s->gone[i].tgid, comm, what[s->gone[i].why],
			s->gone[i].n, s->gone[i].n == 1 ? "" : "s");
	}
	s->ngone = 0;
}

/*
 * A stream whose process is gone, out of BPF's maps (found by reap.c, or
 * by BPF when a new process made its key again): count it, say it.
 */
static void on_abandoned(struct session *s, const struct stream_key *key,
			 const struct stream_info *info, enum reap_reason why)
{
	struct gone *g = NULL;
	unsigned int i;
	__u64 now;

	if (!scope_wanted(key->tgid))
		return;
	s->abandoned++;
	now = mono_ns();
	if (s->o.json && agg_pass_open(info, now > info->start_ns ? now - info->start_ns : 0)) {
		struct names n;

		resolve_names(key->tgid, key->conn, info, info->proc_gen, &n);
		out_json_abandoned(key, info, why, now, &n);
	}
	for (i = 0; i < s->ngone && !g; i++)
		if (s->gone[i].tgid == key->tgid && s->gone[i].why == why)
			g = &s->gone[i];
	if (!g && s->ngone < sizeof(s->gone) / sizeof(s->gone[0])) {
		g = &s->gone[s->ngone++];
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
	resolve_note_process(tgid, reap_proc_gen(tgid));
}

/*
 * Exec and exit events, in their order, for after the ring is drained: on
 * the whole host a new executable is inspected and its probes attached
 * (about 0.2 s), and stream events must not wait in the ring meanwhile
 * (a node rolling out a deployment starts many programs at once). The
 * queue grows; only memory bounds it.
 */
static int ctl_push(struct session *s, const struct event *e)
{
	struct event *q;
	size_t room, i;

	if (s->ctl.n == s->ctl.room) {
		room = s->ctl.room ? 2 * s->ctl.room : 64;
		q = malloc(room * sizeof(*q));
		if (!q)
			return -ENOMEM;
		/* Unrolled from the ring, oldest first. */
		for (i = 0; i < s->ctl.n; i++)
			q[i] = s->ctl.q[(s->ctl.head + i) % s->ctl.room];
		free(s->ctl.q);
		s->ctl.q = q;
		s->ctl.head = 0;
		s->ctl.room = room;
	}
	s->ctl.q[(s->ctl.head + s->ctl.n++) % s->ctl.room] = *e;
	return 0;
}

/*
 * The queued exec and exit events, one at a time, the ring drained
 * between each, so that stream events never wait for more than one.
 */
static void ctl_run(struct session *s)
{
	struct event e;
	__u32 tgid;

	while (s->ctl.n && !(s->o.exiting && *s->o.exiting)) {
		e = s->ctl.q[s->ctl.head];
		s->ctl.head = (s->ctl.head + 1) % s->ctl.room;
		s->ctl.n--;
		tgid = scope_event(&e);
		if (tgid)
			note_cgroup(tgid);
		ring_buffer__consume(s->rb);
	}
}

/* A connection's row: its peer named once it is known (a collision may come first). */
static void name_conn(struct crow *c)
{
	if (c && !c->peer_len)
		c->peer_len = resolve_peer(c->pid, c->conn, &c->info, c->peer, sizeof(c->peer));
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;
	const struct event *e = data;
	struct names n;

	if (size < sizeof(*e))
		return 0;
	if (e->type == EVENT_COLLISION && e->kind == COLL_DUPLICATE)
		fprintf(stderr, "grpcstreams: DUPLICATE KEY: pid %u conn 0x%llx stream id %u "
			"was inserted while still live\n", e->tgid, e->conn, e->sid);
	if (e->type == EVENT_EXEC || e->type == EVENT_EXIT) {
		/* Inspecting and attaching take ~0.2 s: not while draining. */
		if (ctl_push(s, e))
			fprintf(stderr, "grpcstreams: out of memory: the %s of PID %u not handled\n",
				e->type == EVENT_EXEC ? "exec" : "exit", e->tgid);
	} else if (e->type == EVENT_CONN_CLOSED) {
		reap_conn_closed(e->tgid, e->conn, e->end_ns);
	} else if (e->type == EVENT_ABANDONED) {
		struct stream_key k = { .conn = e->conn, .tgid = e->tgid, .sid = e->sid };

		on_abandoned(s, &k, &e->info, REAP_PID_REUSED);
	} else if (e->type == EVENT_STREAM) {
		bool lat = event_has_latency(e);
		__u64 ns = lat ? e->end_ns - e->info.start_ns : 0;

		if (!agg_pass_ended(&e->info, e->status, lat, ns))
			return 0;
		s->stream_events++;
		agg_stream(e->tgid, &e->info, e->status, lat, ns);
		if (may_show(s, VIEW_CONNS))
			name_conn(agg_conn_stream(e->tgid, e->conn, e->sid, &e->info, false));
		if (!s->o.json && !may_show(s, VIEW_STREAMS))
			return 0;
		resolve_names(e->tgid, e->conn, &e->info, e->info.proc_gen, &n);
		if (s->o.json)
			out_json_stream(e, &n);
		else
			out_keep_row(&(struct stream_row){ .pid = e->tgid, .conn = e->conn,
				.sid = e->sid, .info = &e->info, .names = &n, .ns = ns,
				.status = e->status, .nolat = !lat });
	} else if (e->type == EVENT_COLLISION &&
		   (s->filter.side < 0 || e->info.side == (__u32)s->filter.side)) {
		/* Collisions have no method or status: only the side filter applies. */
		if (e->kind == COLL_SHADOW && may_show(s, VIEW_CONNS))
			agg_conn_shadow(e->tgid, e->conn, e->sid, &e->info, e->other_conn,
					e->other_conn_id);
		if (s->o.json) {
			resolve_names(e->tgid, e->conn, &e->info, GEN_ANY, &n);
			out_json_collision(e, &n);
		}
	}
	return 0;
}

/* The BPF counters, summed over CPUs; zero if they cannot be read. */
void session_counts(struct session *s, struct stats *sum)
{
	int i, cpu, ncpu = libbpf_num_possible_cpus();
	struct stats *v = ncpu > 0 ? calloc(ncpu, sizeof(*v)) : NULL;
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (!v || bpf_map_lookup_elem(bpf_map__fd(s->obj->maps.stats), &zero, v)) {
		free(v);
		return;
	}
	/* All __u64 (asserted above): add them up field by field. */
	for (cpu = 0; cpu < ncpu; cpu++)
		for (i = 0; i < (int)(sizeof(*sum) / sizeof(__u64)); i++)
			((__u64 *)sum)[i] += ((__u64 *)&v[cpu])[i];
	free(v);
	sum->abandoned = s->abandoned;
}

/*
 * Streams of processes gone: out of BPF's maps, counted, and one line on
 * stderr per process (FORCE: now, before a table or the summary).
 */
static void reap(struct session *s, bool force)
{
	const struct reaped *r;
	size_t i, n;

	n = reap_gone(s->obj, force, &r);
	for (i = 0; i < n; i++)
		on_abandoned(s, &r[i].key, &r[i].info, r[i].why);
	report_gone(s);
}

/* A live stream: count it, in its method's row too; with ROWS, offer it as a row. */
static void open_stream(struct session *s, const struct stream_key *key,
			const struct stream_info *info, __u64 now, bool rows, __u64 *n)
{
	__u64 age = now > info->start_ns ? now - info->start_ns : 0;

	if (!scope_wanted(key->tgid))
		return;
	(*n)++;
	if (!agg_pass_open(info, age))
		return;
	agg_open(key->tgid, info);
	if (may_show(s, VIEW_CONNS))
		name_conn(agg_conn_stream(key->tgid, key->conn, key->sid, info, true));
	if (rows && may_show(s, VIEW_STREAMS)) {
		struct names n;

		resolve_names(key->tgid, key->conn, info, info->proc_gen, &n);
		out_keep_row(&(struct stream_row){ .pid = key->tgid, .conn = key->conn,
				.sid = key->sid, .info = info, .names = &n, .ns = age,
				.open = true });
	}
}

/*
 * Streams still live in BPF: in the live table, and in the hash map (those
 * whose slot was taken). The table is read as BPF writes it: a slot counts
 * if its tag was the same before and after the copy.
 */
static __u64 open_streams(struct session *s, bool rows)
{
	int fd = bpf_map__fd(s->obj->maps.streams);
	struct stream_key key, next, *prev = NULL;
	struct stream_info info;
	struct live_slot slot;
	__u64 n = 0, now = mono_ns(), tag;
	int i;

	agg_open_reset();
	for (i = 0; s->live && i < LIVE_SLOTS; i++) {
		tag = __atomic_load_n(&s->live[i].tag, __ATOMIC_ACQUIRE);
		if (tag <= LIVE_BUSY)
			continue;
		memcpy(&slot, &s->live[i], sizeof(slot));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->live[i].tag, __ATOMIC_RELAXED) == tag)
			open_stream(s, &slot.key, &slot.info, now, rows, &n);
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &info))
			open_stream(s, &key, &info, now, rows, &n);
	}
	return n;
}

/*
 * Nothing needs an event per stream: BPF counts the methods itself
 * (cheaper for the traced program than an event each), read per table.
 */
static void set_aggregate(struct session *s)
{
	const struct agg_filter *f = &s->filter;

	if (s->g)
		s->g->aggregate = !s->o.json && !s->o.no_aggregate && !s->o.bench_events &&
					 s->view == VIEW_METHODS && !f->method && f->side < 0 &&
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
static void read_methods(struct session *s)
{
	int fd = bpf_map__fd(s->obj->maps.methods), ncpu = libbpf_num_possible_cpus();
	struct magg_key key, next, *prev = NULL;
	struct magg_val sum;
	int i;

	if (ncpu <= 0 || (!s->magg && !(s->magg = calloc(ncpu, sizeof(*s->magg)))))
		return;
	s->bpf_counted = 0;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!scope_wanted(key.tgid))
			continue;
		if (bpf_map_lookup_elem(fd, &key, s->magg))
			continue;
		sum_cpus(s->magg, ncpu, &sum);
		agg_bpf(&key, &sum);
		for (i = 0; i < CODE_SLOTS; i++)
			s->bpf_counted += sum.codes[i];
	}
	agg_bpf_done();
}

/* -v: once, the first time a table is at its memory cap. */
static void say_capped(struct session *s, const struct agg_dropped *drop)
{
	if (!s->o.verbose || s->capped_said || (!drop->methods_capped && !drop->conns_capped))
		return;
	s->capped_said = true;
	fprintf(stderr, "grpcstreams: the %s table is full (%zu rows, its memory cap): what "
		"needs a new row is counted in %s\n",
		drop->methods_capped ? "methods" : "connections",
		drop->methods_capped ? drop->method_rows_max : drop->conn_rows_max,
		drop->methods_capped ? "methods_dropped" : "conns_dropped");
}

void session_interval(struct session *s, __u64 now)
{
	struct agg_dropped drop;
	struct out_figs f;
	struct stats sum, d;
	__u64 open;
	size_t i;

	reap(s, true);
	read_methods(s);
	session_counts(s, &sum);
	out_set_nextid_measured(scope_nextid_measured());
	open = open_streams(s, !s->o.json);
	/* All __u64 (asserted above): the interval's share field by field. */
	for (i = 0; i < sizeof(sum) / sizeof(__u64); i++)
		((__u64 *)&d)[i] = ((__u64 *)&sum)[i] - ((__u64 *)&s->prev)[i];
	s->prev = sum;
	agg_dropped(&drop);
	f = (struct out_figs){ .c = &d, .open = open, .ns = now - s->last_ns, .now_ns = now,
			       .methods_dropped = drop.methods - s->drop_prev.methods,
			       .conns_dropped = drop.conns - s->drop_prev.conns };
	f.methods = agg_rows(&f.nmethods);
	f.conns = agg_conns(&f.nconns);
	s->drop_prev = drop;
	say_capped(s, &drop);
	if (s->o.json)
		out_json_interval(&f);
	else
		out_table(&f);
	agg_interval_reset();
	s->last_ns = now;
}

void session_summary(struct session *s)
{
	struct agg_dropped drop;
	struct out_figs f;
	struct stats sum;
	__u64 open, now = mono_ns();

	reap(s, true);
	read_methods(s);
	session_counts(s, &sum);
	out_set_nextid_measured(scope_nextid_measured());
	open = open_streams(s, false);
	agg_dropped(&drop);
	say_capped(s, &drop);
	if (s->o.verbose)
		fprintf(stderr, "stream events received: %llu; streams counted in BPF: %llu "
			"(methods map full: %llu)\n", (unsigned long long)s->stream_events,
			(unsigned long long)s->bpf_counted,
			(unsigned long long)sum.agg_full);
	f = (struct out_figs){ .c = &sum, .open = open, .ns = now - s->start_ns, .now_ns = now,
			       .streams = s->stream_events, .methods_dropped = drop.methods,
			       .conns_dropped = drop.conns };
	f.methods = agg_rows(&f.nmethods);
	f.conns = agg_conns(&f.nconns);
	out_summary(&f, s->o.json);
}


/*
 * Before the load: what the base object's programs are told. The base
 * holds the maps and the tracepoints; each traced executable gets its own
 * copy of the uprobe programs (scope.c, probes_load), with these maps.
 */
static int configure_bpf(struct session *s)
{
	int ncpus = libbpf_num_possible_cpus();
	struct bpf_program *prog;
	struct scope_opts so = {
		.pids = s->o.pids,
		.npids = s->o.npids,
		.binary = s->o.binary,
		.cgroup = s->o.cgroup,
		.full = s->o.full,
		.naive = s->o.naive,
		.verbose = s->o.verbose,
		.uprobe_multi = s->o.uprobe_multi,
		.keep_binary = s->o.bench_toggle,
	};

	bpf_object__for_each_program(prog, s->obj->obj)
		bpf_program__set_autoload(prog, false);
	/* The event generator is only for --bench-events, which traces nothing. */
	bpf_program__set_autoload(s->obj->progs.gen_events, s->o.bench_events > 0);
	bpf_program__set_autoload(s->obj->progs.proc_exit, !s->o.bench_events);
	bpf_program__set_autoload(s->obj->progs.proc_exec, !s->o.bench_events);
	s->obj->rodata->trap_only = s->o.bench_trap_only;
	s->obj->rodata->live_mask = s->o.live_slots - 1;
	bpf_map__set_max_entries(s->obj->maps.streams, s->o.max_streams);
	/* At most 1 MiB of the 8 MiB ring unannounced, however many CPUs. */
	s->obj->rodata->wake_every = ncpus > 0 ? (1 << 20) / sizeof(struct event) / ncpus : 1;
	if (!s->obj->rodata->wake_every)
		s->obj->rodata->wake_every = 1;
	return scope_configure(s->obj, &so);
}

/* Open, configure and load the base BPF object. */
static int load_bpf(struct session *s)
{
	int err;

	/* Asked first: without the right to, libbpf would explain in four lines. */
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_KPROBE, NULL) != 1) {
		fprintf(stderr, "grpcstreams: cannot load BPF programs: grpcstreams needs root "
			"(CAP_BPF and CAP_PERFMON)\n");
		return -EPERM;
	}
	s->obj = grpcstreams_bpf__open();
	if (!s->obj) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to open BPF object: %s\n", strerror(-err));
		return err;
	}
	err = configure_bpf(s);
	if (!err)
		err = grpcstreams_bpf__load(s->obj);
	if (err)
		fprintf(stderr, "grpcstreams: failed to load BPF programs: %s\n", strerror(-err));
	return err;
}

/* FD's map, SIZE bytes, shared and writable; NULL with one line on stderr. */
static void *map_shared(int fd, size_t size, const char *what)
{
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int err;

	if (m != MAP_FAILED)
		return m;
	err = errno;
	fprintf(stderr, "grpcstreams: failed to map %s: %s\n", what, strerror(err));
	errno = err;
	return NULL;
}

/* A tracepoint program attached; NULL with one line on stderr. */
static struct bpf_link *attach_tp(struct bpf_program *prog, const char *tp)
{
	struct bpf_link *l = bpf_program__attach(prog);
	int err;

	if (l)
		return l;
	err = errno;
	fprintf(stderr, "grpcstreams: failed to attach to the %s tracepoint: %s\n", tp,
		strerror(err));
	errno = err;
	return NULL;
}

/* After the load: the tables mapped, the tracepoints attached, the printer set up. */
static int start(struct session *s)
{
	struct out_opts o = s->o.out;

	/* Writable: streams of a process gone are freed from here (reap.c). */
	s->live = map_shared(bpf_map__fd(s->obj->maps.live), LIVE_SLOTS * sizeof(*s->live),
			     "the live-stream table");
	if (!s->live)
		return -errno;
	s->g = map_shared(bpf_map__fd(s->obj->maps.globals), sizeof(*s->g), "the BPF globals");
	if (!s->g)
		return -errno;
	/* --bench-events traces no process: nothing to reap, no table to map. */
	if (!s->o.bench_events) {
		if (reap_init(s->obj, s->live, s->g)) {
			int err = errno;

			fprintf(stderr, "grpcstreams: failed to map the stream-id table: %s\n",
				strerror(err));
			return -err;
		}
		s->reap_started = true;
		/*
		 * Before any stream: process exits and execs are what tell a
		 * reused PID; and, on the whole host, execs are how new programs
		 * are found (attached before /proc is read: none falls in between).
		 */
		s->exit_link = attach_tp(s->obj->progs.proc_exit, "sched_process_exit");
		if (!s->exit_link)
			return -errno;
		s->exec_link = attach_tp(s->obj->progs.proc_exec, "sched_process_exec");
		if (!s->exec_link)
			return -errno;
	}
	agg_set_filter(&s->filter);
	o.epoch_off = mono_to_epoch_offset();
	resolve_init(bpf_map__fd(s->obj->maps.unix_peers));
	s->out_started = !out_init(&o);
	s->agg_started = s->out_started && !agg_init(&s->o.limits);
	if (!s->agg_started) {
		fprintf(stderr, "grpcstreams: out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

int session_open(const struct session_opts *o, struct session **sp)
{
	struct session *s = calloc(1, sizeof(*s));
	int err;

	*sp = s;
	if (!s) {
		fprintf(stderr, "grpcstreams: out of memory\n");
		return -ENOMEM;
	}
	s->o = *o;
	s->view = o->out.view;
	s->filter = o->filter;
	/* The maps and tracepoints; then what is traced, each its programs. */
	err = load_bpf(s);
	if (!err)
		err = start(s);
	if (!err && !o->bench_events) {
		err = scope_start(s->obj);
		s->scope_started = true;
	}
	if (err)
		return err;
	scope_for_each_process(note_cgroup);
	s->rb = ring_buffer__new(bpf_map__fd(s->obj->maps.events), handle_event, s, NULL);
	if (!s->rb) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to create ring buffer: %s\n", strerror(-err));
		return err;
	}
	set_aggregate(s);
	s->start_ns = s->last_ns = mono_ns();
	return 0;
}

void session_close(struct session *s)
{
	if (!s)
		return;
	/* The ring first: no callback into what follows is freed. */
	ring_buffer__free(s->rb);
	/* The traced executables' programs and links, then the base's tracepoints. */
	if (s->scope_started)
		scope_fini();
	bpf_link__destroy(s->exit_link);
	bpf_link__destroy(s->exec_link);
	if (s->reap_started)
		reap_fini();
	if (s->live)
		munmap(s->live, LIVE_SLOTS * sizeof(*s->live));
	if (s->g)
		munmap(s->g, sizeof(*s->g));
	grpcstreams_bpf__destroy(s->obj);
	if (s->out_started)
		out_fini();
	resolve_fini();
	if (s->agg_started)
		agg_fini();
	free(s->magg);
	free(s->ctl.q);
	free(s);
}

void session_set_view(struct session *s, enum view view, const struct agg_filter *f,
		      bool any_view)
{
	s->view = view;
	s->any_view = any_view;
	s->filter = *f;
	agg_set_filter(f);
	set_aggregate(s);
}

void session_discard(struct session *s)
{
	out_discard();
	agg_interval_reset();
}

int session_drain(struct session *s, int timeout_ms)
{
	int err;

	/* Producers do not wake us (BPF_RB_NO_WAKEUP) unless the ring is
	 * filling up; the timeout is the drain timer. */
	err = ring_buffer__poll(s->rb, timeout_ms);
	if (err < 0 && err != -EINTR) {
		fprintf(stderr, "grpcstreams: error polling the ring buffer: %s\n",
			strerror(-err));
		return err;
	}
	ring_buffer__consume(s->rb);
	ctl_run(s);
	report_gone(s);
	fflush(stdout);
	return 0;
}

bool session_ended(struct session *s)
{
	return scope_ended();
}

void session_reap(struct session *s)
{
	reap(s, false);
}

__u64 session_start_ns(const struct session *s)
{
	return s->start_ns;
}

__u64 session_last_ns(const struct session *s)
{
	return s->last_ns;
}

__u64 session_stream_events(const struct session *s)
{
	return s->stream_events;
}

struct grpcstreams_bpf *session_bpf(struct session *s)
{
	return s->obj;
}
