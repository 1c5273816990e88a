/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * session: what one run holds, and one owner for it. The base BPF object
 * and its tracepoint links, the ring buffer, the mmapped live table and
 * globals, the counters, the processes gone and the reaping, the queue of
 * execs and exits: opened in one order, released in the reverse one. It
 * drains the events, reads BPF's tables, and hands finished rows and
 * figures to the printer (output.c), which only prints.
 *
 * main (grpcstreams.c) parses the options and passes what the run needs
 * as a value; the keys of the terminal change the view through
 * session_set_view(), never the options.
 */
#ifndef __SESSION_H
#define __SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

#include "agg.h"
#include "output.h"

struct grpcstreams_bpf;
struct session;

struct session_opts {
	const pid_t *pids;	/* -p, NPIDS of them */
	int npids;
	const char *binary;	/* -b */
	const char *cgroup;	/* -c */
	bool json;		/* -j */
	bool full;		/* -F */
	bool verbose;		/* -v */
	bool naive;		/* --naive-probes */
	bool uprobe_multi;	/* the kernel takes uprobe_multi links */
	bool no_aggregate;	/* --no-aggregate */
	bool bench_toggle;	/* --bench-toggle */
	bool bench_trap_only;	/* --bench-trap-only */
	long bench_events;	/* --bench-events: no target, a generator */
	long live_slots;	/* --live-slots */
	long max_streams;	/* --max-streams */
	struct agg_limits limits;	/* --max-rows */
	struct agg_filter filter;	/* -M, -S, -x, -m */
	struct out_opts out;	/* the printer's (epoch_off: set here) */
	const volatile sig_atomic_t *exiting;	/* set by a signal: queued work stops */
};

/*
 * Load the BPF object, map its tables, attach the tracepoints, start the
 * printer, and (but with bench_events) find and probe what is traced.
 * Errors: one line on stderr, everything opened so far released.
 */
int session_open(const struct session_opts *o, struct session **s);
/* Everything the session holds, released in one order. NULL: nothing. */
void session_close(struct session *s);

/*
 * What the tables show from now on (the keys change it): VIEW, the
 * filters F; ANY_VIEW: rows of every view are kept, since the next table
 * may be any. BPF then counts the methods itself when nothing needs an
 * event per stream.
 */
void session_set_view(struct session *s, enum view view, const struct agg_filter *f,
		      bool any_view);
/* The interval's stream rows and figures forgotten (a filter changed). */
void session_discard(struct session *s);

/*
 * Wait up to TIMEOUT_MS for events and drain the ring; then the queued
 * execs and exits, one at a time with the ring drained between each; the
 * lines of processes gone; stdout flushed. Negative: an error (said).
 */
int session_drain(struct session *s, int timeout_ms);
/* Every -p process exited or executed another program. */
bool session_ended(struct session *s);
/* Streams of processes gone and of closed connections, at most every REAP_EVERY_NS. */
void session_reap(struct session *s);

/* The time tracing started, and the last interval was shown. */
__u64 session_start_ns(const struct session *s);
__u64 session_last_ns(const struct session *s);
/* The interval's table or NDJSON object, NOW the time. */
void session_interval(struct session *s, __u64 now);
/* The whole run: its table and Total: line, or the summary object. */
void session_summary(struct session *s);

/* BPF's counters summed over the CPUs, with the streams abandoned. */
void session_counts(struct session *s, struct stats *sum);
/* For make bench's modes (bench_mode.c): stream events handled, the base object. */
__u64 session_stream_events(const struct session *s);
struct grpcstreams_bpf *session_bpf(struct session *s);

#endif /* __SESSION_H */
