/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * agg: what the methods view, -H and the NDJSON "methods" show: per
 * (process, side, method), counts, errors, status codes and latency
 * histograms, for the whole run and for the interval being shown.
 *
 * Latencies go into log-linear buckets: HIST_SUB per power of two, so
 * a bucket is at most 1/HIST_SUB of its lower bound wide and a percentile
 * taken as its bucket's middle is within 1/(2 * HIST_SUB) = 6.25 % of
 * the exact value (log2 buckets are up to 100 % off).
 */
#ifndef __AGG_H
#define __AGG_H

#include <stdbool.h>
#include <linux/types.h>
#include "grpcstreams.h"
#include "resolve.h"

/* HIST_*, LOG2_SLOTS, CODE_*: grpcstreams.h (BPF aggregates with them too). */

/* The method's bytes in INFO, and whether the name was longer. */
static inline __u32 method_bytes(const struct stream_info *info)
{
	return info->method_len < METHOD_LEN - 1 ? info->method_len : METHOD_LEN - 1;
}

static inline bool method_truncated(const struct stream_info *info)
{
	return info->method_len > METHOD_LEN - 1;
}

struct hist {
	__u64 n;
	__u64 min;
	__u64 max;
	__u64 b[HIST_BUCKETS];
};

/* What ended streams of a method add up to, over some time. */
struct figs {
	__u64 count;		/* streams ended */
	__u64 errors;		/* of them, status != 0 */
	__u64 codes[CODE_SLOTS];
	struct hist lat;	/* those whose start was seen (EF_NO_START: not) */
};

/* One row: a (process, side, method). */
struct mrow {
	__u32 pid;
	__u32 side;
	__u32 method_len;	/* bytes in METHOD */
	bool truncated;		/* the name was longer */
	char comm[TASK_COMM_LEN];
	char method[METHOD_LEN];
	__u64 open;		/* streams open when the table was drawn */
	struct figs run;	/* since the start */
	struct figs ival;	/* since the last agg_interval_reset() */
	__u64 log2_us[LOG2_SLOTS];	/* the run's latencies, for -H */
	struct magg_val *bpf_prev;	/* BPF's counts at the last agg_bpf() */
};

/*
 * The filters: what every view, NDJSON and the methods' figures show
 * (BPF's counters stay those of everything traced).
 */
struct agg_filter {
	const char *method;	/* fnmatch(3) glob over the method name; NULL: any */
	int side;		/* enum side; -1: both */
	bool failed;		/* only streams ended with status != 0 */
	__u64 min_ns;		/* only latencies (open streams: ages) this long or longer */
};

void agg_set_filter(const struct agg_filter *f);
/* Does an ended stream pass: STATUS, its latency LAT when HAS_LAT? */
bool agg_pass_ended(const struct stream_info *info, __s32 status, bool has_lat, __u64 lat);
/* Does a stream not ended (open, or abandoned), AGE old, pass? */
bool agg_pass_open(const struct stream_info *info, __u64 age);

/*
 * The tables grow as rows come; only these caps of memory bound them
 * whatever the traced programs do (a method row is ~8 KiB, a connection
 * row ~0.5 KiB). What would need a row past a cap is counted (agg_dropped).
 */
#define AGG_METHODS_MEM	(256UL << 20)
#define AGG_CONNS_MEM	(64UL << 20)
/* With this many connections known, idle ones are forgotten at each interval. */
#define CONNS_KEEP	2048

/* Rows at most (0: as many as the caps hold). */
struct agg_limits {
	size_t method_rows;
	size_t conn_rows;
};

int agg_init(const struct agg_limits *lim);
void agg_fini(void);

/*
 * An ended stream of process PID: STATUS its grpc status, LAT its latency
 * when HAS_LAT. Returns its row, or NULL when the table is at its cap
 * (the stream is then counted in agg_dropped()'s methods).
 */
struct mrow *agg_stream(__u32 pid, const struct stream_info *info, __s32 status, bool has_lat,
			__u64 lat);
/*
 * BPF's counts of a method (cumulative, see "aggregate" in the BPF
 * maps): what they grew by since the last call, into the run and the
 * interval. The interval's max is then the top of its highest bucket
 * (within 12.5 %), or BPF's own max when that is lower. A method
 * that finds no row is counted in agg_dropped() (all its streams, as BPF
 * counts only grow): one pass over BPF's methods is agg_bpf() for each,
 * then agg_bpf_done().
 */
struct mrow *agg_bpf(const struct magg_key *key, const struct magg_val *val);
void agg_bpf_done(void);
/* A stream open now, counted in its row's OPEN until the next reset. */
struct mrow *agg_open(__u32 pid, const struct stream_info *info);
/* What found no row since the start, and whether a cap was reached. */
struct agg_dropped {
	__u64 methods;		/* ended streams counted in no method row */
	__u64 conns;		/* streams and collisions counted in no connection row */
	bool methods_capped;
	bool conns_capped;
	size_t method_rows_max;
	size_t conn_rows_max;
};

void agg_dropped(struct agg_dropped *d);
/* The interval's figures back to zero. */
void agg_interval_reset(void);
/* Every row's OPEN back to zero, before the open streams are counted again. */
void agg_open_reset(void);

/* Every row, in the order they came (the array is agg's: sort a copy). */
struct mrow *const *agg_rows(size_t *n);

/* The connections view: one row per connection (pid, side, pointer, id). */
#define CONN_WITH	4

struct conn_with {
	__u64 conn;
	__u64 conn_id;
	__u64 n;
};

struct crow {
	__u32 pid;
	__u32 side;
	__u64 conn;		/* *http2Client or *http2Server */
	__u64 conn_id;		/* grpc-go's connection number, 0 if unknown */
	__u64 streams;		/* ended since the start (of those the filters pass) */
	__u64 ival_streams;	/* ended in the interval */
	__u64 open;		/* open when the table was drawn */
	__u64 shadow;		/* its streams' shadow collisions since the start */
	__u64 ival_shadow;
	__u32 max_sid;		/* the highest stream id seen on it, ended or open */
	__u32 nwith;
	struct conn_with with[CONN_WITH];	/* the other connections, most first */
	__u64 with_more;	/* collisions with connections past those */
	struct stream_info info;	/* comm and peer, as its first stream had them */
	/* The peer's text, resolved by the session (peer_len 0: not yet). */
	char peer[PEER_TEXT_LEN];
	size_t peer_len;
};

/* A stream of connection CONN ended, or is open now (OPEN). */
struct crow *agg_conn_stream(__u32 pid, __u64 conn, __u32 sid, const struct stream_info *info,
			     bool open);
/*
 * A shadow collision: stream SID of CONN while live on OTHER too (of
 * INFO, only the side, conn_id and comm are read).
 */
struct crow *agg_conn_shadow(__u32 pid, __u64 conn, __u32 sid, const struct stream_info *info,
			     __u64 other, __u64 other_id);
struct crow *const *agg_conns(size_t *n);

enum agg_sort {
	SORT_RATE,	/* count, most first */
	SORT_ERRORS,	/* error count, most first */
	SORT_P50,
	SORT_P99,
	SORT_MAX,
	SORT_OPEN,
	SORT_NAME,	/* method, then side and PID */
	SORT_KEYS,
};

extern const char *const agg_sort_names[SORT_KEYS];
/* enum agg_sort of NAME, or -1. */
int agg_sort_parse(const char *name);
/*
 * ROWS (a copy of agg_rows()) ordered by KEY over the whole run (RUN) or
 * the interval, largest first; ties, and "name", by method, side, PID.
 */
int agg_sort(const struct mrow **rows, size_t n, enum agg_sort key, bool run);

/*
 * CONNS (a copy of agg_conns()) by KEY: rate and errors by streams
 * ended, open by open, the latency keys by shadow collisions, name by
 * PID, side and connection.
 */
int agg_sort_conns(const struct crow **conns, size_t n, enum agg_sort key, bool run);

/* The bucket of NS, and the bounds [low, high) of bucket I. */
unsigned int hist_bucket(__u64 ns);
__u64 hist_low(unsigned int i);
__u64 hist_high(unsigned int i);
void hist_add(struct hist *h, __u64 ns);
/*
 * The Q-quantile (0 < Q <= 1) by nearest rank: the middle of the bucket
 * holding the ceil(Q * n)-th smallest value, clamped to [min, max]; 0
 * when empty.
 */
__u64 hist_quantile(const struct hist *h, double q);

/* "OK", "NOT_FOUND", ... of slot I (0..CODE_OTHER); the slot of STATUS. */
const char *code_name(unsigned int i);
unsigned int code_slot(__s32 status);
/* The commonest non-OK code slot of F, CODE_SLOTS when none failed. */
unsigned int figs_top_error(const struct figs *f);

#endif /* __AGG_H */
