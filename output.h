/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * output: everything grpcstreams writes on stdout goes through here.
 *
 * Strings in the output (methods, peers, process names) come from the
 * traced program: they are data, never terminal commands. The table shows
 * every control byte, C1 control, bidi control and invalid UTF-8 byte
 * visibly (text_escape()); NDJSON carries valid UTF-8 as is, escapes
 * what JSON requires and maps invalid UTF-8 to U+FFFD (lb_json()).
 *
 * NDJSON objects are written field by field through a json_writer, in the
 * spirit of bpftool's json_writer.c: no call site writes a quote, a colon
 * or a comma.
 */
#ifndef __OUTPUT_H
#define __OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/*
 * One output line built without printf: NDJSON at a million lines a second
 * is mostly number formatting. Appends past the end are dropped (the line
 * stays valid up to there); lines here are far shorter.
 */
struct linebuf {
	size_t len;
	char buf[2048];
};

/* Inline: with a literal, the length and the copy are known at compile time. */
static inline void lb_mem(struct linebuf *b, const char *s, size_t n)
{
	if (n > sizeof(b->buf) - b->len)
		n = sizeof(b->buf) - b->len;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

static inline void lb_str(struct linebuf *b, const char *s)
{
	lb_mem(b, s, strlen(s));
}

/*
 * S (N bytes, not NUL-terminated) as a JSON string, quotes included: valid
 * UTF-8 as is, '"', '\\' and control bytes escaped, each byte of an invalid
 * sequence U+FFFD.
 */
void lb_json(struct linebuf *b, const char *s, size_t n);
void lb_u64(struct linebuf *b, unsigned long long v);
void lb_i64(struct linebuf *b, long long v);
/* "0x" and lower-case hex digits. */
void lb_hex(struct linebuf *b, unsigned long long v);
/* Nanoseconds as seconds with six decimals ("1795620963.255376"). */
void lb_secs(struct linebuf *b, unsigned long long ns);
void lb_write(struct linebuf *b, FILE *f);

/*
 * S (N bytes) as text for a terminal, into DST (CAP bytes, NUL-terminated):
 * printable ASCII and valid UTF-8 as is, except '\\' as "\\\\"; control
 * bytes, DEL and invalid UTF-8 bytes as "\xNN"; C1 controls, bidi and
 * isolate controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)
 * and line/paragraph separators (U+2028, U+2029) as "\uNNNN". What does
 * not fit is cut before an escape or a character, never inside one.
 * Returns the length written.
 */
size_t text_escape(char *dst, size_t cap, const char *s, size_t n);

#define JW_MAX_DEPTH	8

/* Writes one JSON object into a linebuf, field by field. */
struct json_writer {
	struct linebuf *b;
	unsigned int depth;
	bool sep[JW_MAX_DEPTH];	/* a field was written at this depth: a comma next */
	char close[JW_MAX_DEPTH];	/* what ends this depth: '}' or ']' */
};

/* Open the line's object ('{'); jw_end() closes it and ends the line. */
void jw_begin(struct json_writer *w, struct linebuf *b);
void jw_end(struct json_writer *w);
/* A field KEY holding an object; jw_object_end() closes it. */
void jw_object(struct json_writer *w, const char *key);
void jw_object_end(struct json_writer *w);
/*
 * A field KEY holding an array of objects, each opened by jw_item() and
 * closed by jw_object_end(); jw_array_end() closes the array.
 */
void jw_array(struct json_writer *w, const char *key);
void jw_item(struct json_writer *w);
void jw_array_end(struct json_writer *w);

/*
 * A field's key, after a comma when one came before at this depth. KEY is
 * a literal of the interface, never escaped. Inline: at a million lines a
 * second, the key's length and copy are then known at compile time.
 */
static inline void jw_key(struct json_writer *w, const char *key)
{
	if (w->sep[w->depth])
		lb_mem(w->b, ",", 1);
	w->sep[w->depth] = true;
	lb_mem(w->b, "\"", 1);
	lb_str(w->b, key);
	lb_mem(w->b, "\":", 2);
}

static inline void jw_string(struct json_writer *w, const char *key, const char *s, size_t n)
{
	jw_key(w, key);
	lb_json(w->b, s, n);
}

/* One of the tool's own names ("stream", "client"), unescaped; NULL: null. */
static inline void jw_name(struct json_writer *w, const char *key, const char *name)
{
	jw_key(w, key);
	if (!name) {
		lb_mem(w->b, "null", 4);
		return;
	}
	lb_mem(w->b, "\"", 1);
	lb_str(w->b, name);
	lb_mem(w->b, "\"", 1);
}

/*
 * A string value the caller appends between the two, of bytes JSON takes
 * as they are: digits, hex, '#' (a connection's "0xPOINTER#N").
 */
static inline void jw_string_open(struct json_writer *w, const char *key)
{
	jw_key(w, key);
	lb_mem(w->b, "\"", 1);
}

static inline void jw_string_close(struct json_writer *w)
{
	lb_mem(w->b, "\"", 1);
}

static inline void jw_null(struct json_writer *w, const char *key)
{
	jw_key(w, key);
	lb_mem(w->b, "null", 4);
}

/* S NUL-terminated; NULL: null. */
static inline void jw_cstr(struct json_writer *w, const char *key, const char *s)
{
	if (s)
		jw_string(w, key, s, strlen(s));
	else
		jw_null(w, key);
}

static inline void jw_u64(struct json_writer *w, const char *key, unsigned long long v)
{
	jw_key(w, key);
	lb_u64(w->b, v);
}

static inline void jw_i64(struct json_writer *w, const char *key, long long v)
{
	jw_key(w, key);
	lb_i64(w->b, v);
}

static inline void jw_bool(struct json_writer *w, const char *key, bool v)
{
	jw_key(w, key);
	if (v)
		lb_mem(w->b, "true", 4);
	else
		lb_mem(w->b, "false", 5);
}

/* Nanoseconds as seconds, six decimals. */
static inline void jw_secs(struct json_writer *w, const char *key, unsigned long long ns)
{
	jw_key(w, key);
	lb_secs(w->b, ns);
}

/* ---- what grpcstreams shows ---- */

#include <linux/types.h>
#include "grpcstreams.h"

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
	int unix_peers_fd;	/* BPF's unix_peers map; -1: none */
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
/*
 * Process TGID (its proc_gen GEN) was found: its cgroup read now, for its
 * stream objects (it may be gone by the time they are printed).
 */
void out_note_cgroup(__u32 tgid, __u64 gen);
/* Is nextid_race counted by every client traced (one may have come since)? */
void out_set_nextid_measured(bool measured);
void out_fini(void);

/* One NDJSON line per ended stream, per collision. */
void out_json_stream(const struct event *e);
void out_json_collision(const struct event *e);
/*
 * One NDJSON line per stream abandoned: its process gone before the stream
 * ended, WHY an enum reap_reason (reap.h); NOW_NS: when found.
 */
void out_json_abandoned(const struct stream_key *k, const struct stream_info *info,
			int why, __u64 now_ns);
/*
 * Offer a stream to the next table: the -r slowest of an interval are kept.
 * NS: its latency (ended; NOLAT: unknown) or age (OPEN).
 */
void out_keep_row(__u32 pid, __u64 conn, __u32 sid, const struct stream_info *info,
		  __u64 ns, __s32 status, bool open, bool nolat);
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
