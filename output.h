/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output: everything grpcstreams writes on stdout goes through here.
 *
 * Strings in the output (methods, peers, process names) come from the
 * traced program: they are data, never terminal commands. The table shows
 * them through text_escape(), NDJSON through lb_json() (json_writer.h:
 * what each escapes); every NDJSON object is written field by field
 * through a json_writer.
 */
#ifndef __OUTPUT_H
#define __OUTPUT_H

#include <stdbool.h>
#include <linux/types.h>
#include "grpcstreams.h"
#include "resolve.h"

struct mrow;
struct crow;

enum view {
	VIEW_METHODS,	/* one row per (process, side, method) */
	VIEW_STREAMS,	/* the slowest streams */
	VIEW_CONNS,	/* one row per connection */
	VIEW_KINDS,
};

/* Set once, before the first line. */
struct out_opts {
	__u64 epoch_off;	/* a bpf_ktime_get_ns() value to Unix-epoch ns */
	int rows;		/* -r: rows per table */
	bool full;		/* -F: the client's entry nextID is read */
	bool nextid_measured;	/* nextid_race is counted (else "-", null) */
	bool clear;		/* clear the terminal before each table */
	enum view view;		/* what a table shows */
	int sort;		/* enum agg_sort: the methods view's order */
	bool hist;		/* -H: log2 histograms per method at exit */
	bool colour;		/* ANSI colours (a terminal, NO_COLOR unset) */
	int width;		/* the terminal's columns; 0: no limit */
	__u64 slow_ns;		/* latencies shown as slow (colour) from this on */
	bool cgroups;		/* the streams view has a CGROUP column (whole host, -c) */
	const char *status;	/* interactive: the first line of each table */
};

int out_init(const struct out_opts *o);
/* What the keys and the terminal change, from the next table on (see out_opts). */
void out_set_view(enum view view, int sort, const char *status, int width);
/* Is nextid_race counted by every client traced (one may have come since)? */
void out_set_nextid_measured(bool measured);
void out_fini(void);

/*
 * One NDJSON line per ended stream, per collision; N: its peer and cgroup,
 * resolved by the caller (resolve_names()).
 */
void out_json_stream(const struct event *e, const struct names *n);
void out_json_collision(const struct event *e, const struct names *n);
/*
 * One NDJSON line per stream abandoned: its process gone before the stream
 * ended, WHY an enum reap_reason (reap.h); NOW_NS: when found.
 */
void out_json_abandoned(const struct stream_key *k, const struct stream_info *info,
			int why, __u64 now_ns, const struct names *n);
/* A stream offered to the streams view. */
struct stream_row {
	__u32 pid;
	__u64 conn;
	__u32 sid;
	const struct stream_info *info;
	const struct names *names;	/* its peer and cgroup, resolved */
	__u64 ns;	/* its latency (ended; NOLAT: unknown) or age (OPEN) */
	__s32 status;
	bool open;
	bool nolat;
};

/* Offer a stream to the next table: the -r slowest of an interval are kept. */
void out_keep_row(const struct stream_row *sr);
/*
 * What a table's first line and the Total: line, an "interval" and the
 * "summary" object count: of the interval (its share of the counters,
 * what was dropped in it) or of the whole run.
 */
struct out_figs {
	const struct stats *c;	/* BPF's counters */
	__u64 open;		/* streams open now */
	__u64 methods_dropped;	/* ended streams counted in no method row */
	__u64 conns_dropped;	/* streams and collisions in no connection row */
	__u64 ns;		/* the interval's length, or the run's */
	__u64 now_ns;		/* the time, bpf_ktime_get_ns() */
	__u64 streams;		/* summary: stream events received */
	/* The rows to show (agg's, in the order they came: the printer sorts a copy). */
	struct mrow *const *methods;
	size_t nmethods;
	struct crow *const *conns;
	size_t nconns;
};

/* The table of an interval (F); the streams kept for it are let go. */
void out_table(const struct out_figs *f);
/* The interval's stream rows dropped, unshown. */
void out_discard(void);
/* With -j and -i: one "interval" object, the same figures. */
void out_json_interval(const struct out_figs *f);
/*
 * The end: in the methods view, the table of the whole run (F->ns long);
 * then the last line or object, the counters of the whole run.
 */
void out_summary(const struct out_figs *f, bool json);

/* The start was seen, and before the end (see EF_NO_START). */
bool event_has_latency(const struct event *e);

#endif /* __OUTPUT_H */
