// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * agg: per-method counts, codes and log-linear latency histograms (agg.h).
 *
 * Rows are found through an open-addressing hash of (pid, side, method);
 * an ended stream costs a hash of its method and a bucket increment, so
 * that the frontend keeps its million events a second with it.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"

/* Rows first made room for; the tables double from there, up to their caps. */
#define FIRST_ROWS	1024

/*
 * A table of rows (methods or connections): the rows in the order they
 * came, and an open-addressing index over them, twice their room (half
 * full at most). It grows by doubling until MAX rows; past that, what
 * would need a new row is counted in DROPPED.
 */
struct table {
	union {
		void **any;
		struct mrow **m;	/* methods */
		struct crow **c;	/* conns_t */
	} rows;
	size_t n, room, max;
	__u32 *slots;		/* index + 1 into ROWS; 0: empty */
	__u32 mask;		/* slots - 1 */
	__u64 dropped;
	bool capped;		/* MAX was reached */
};

/*
 * Streams BPF counted for methods that found no row: in this pass over
 * BPF's methods, and in the last one done (BPF's counts only grow, so
 * a pass's sum is the whole run's).
 */
static __u64 bpf_unrowed_pass, bpf_unrowed;

static struct table methods, conns_t;
static struct agg_filter filter = { .side = -1 };

const char *const agg_sort_names[SORT_KEYS] = {
	[SORT_RATE] = "rate",
	[SORT_ERRORS] = "errors",
	[SORT_P50] = "p50",
	[SORT_P99] = "p99",
	[SORT_MAX] = "max",
	[SORT_OPEN] = "open",
	[SORT_NAME] = "name",
};

/* The names of grpc-go's codes package, as the gRPC spec spells them. */
static const char *const code_names[CODE_SLOTS] = {
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED", "other",
};

/* Room for ROOM rows, and an empty index of at least 2 * ROOM slots. */
static int table_room(struct table *t, size_t room)
{
	void **r = realloc(t->rows.any, room * sizeof(*r));
	size_t nslots = 2;
	__u32 *s;

	if (!r)
		return -ENOMEM;
	t->rows.any = r;
	while (nslots < 2 * room)
		nslots *= 2;
	s = calloc(nslots, sizeof(*s));
	if (!s)
		return -ENOMEM;
	free(t->slots);
	t->slots = s;
	t->mask = nslots - 1;
	t->room = room;
	return 0;
}

static int table_init(struct table *t, size_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	return table_room(t, FIRST_ROWS < max ? FIRST_ROWS : max);
}

static void table_fini(struct table *t)
{
	free(t->rows.any);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* The largest power of two of rows of SIZE bytes each that CAP bytes hold. */
static size_t rows_in(size_t cap, size_t size)
{
	size_t n = 1;

	while (2 * n * size <= cap)
		n *= 2;
	return n;
}

int agg_init(const struct agg_limits *lim)
{
	size_t mmax = lim && lim->method_rows ? lim->method_rows :
		rows_in(AGG_METHODS_MEM, sizeof(struct mrow) + sizeof(struct magg_val));
	size_t cmax = lim && lim->conn_rows ? lim->conn_rows :
		rows_in(AGG_CONNS_MEM, sizeof(struct crow));

	if (table_init(&methods, mmax) || table_init(&conns_t, cmax)) {
		agg_fini();
		return -ENOMEM;
	}
	return 0;
}

void agg_fini(void)
{
	size_t i;

	for (i = 0; i < methods.n; i++) {
		free(methods.rows.m[i]->bpf_prev);
		free(methods.rows.m[i]);
	}
	for (i = 0; i < conns_t.n; i++)
		free(conns_t.rows.c[i]);
	table_fini(&methods);
	table_fini(&conns_t);
	bpf_unrowed_pass = bpf_unrowed = 0;
}

/* FNV-1a over the method, 8 bytes a step, mixed with the pid and side. */
static __u64 row_hash(__u32 pid, __u32 side, const char *m, size_t n)
{
	__u64 h = 0xcbf29ce484222325ULL ^ ((__u64)pid << 1 | side), w;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, m + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, m + i, n - i);
	h = (h ^ w ^ n) * 0x100000001b3ULL;
	return h ^ h >> 32;
}

/*
 * The slot of SLOTS (entry index + 1 each, 0 empty) holding the entry EQ
 * says is KEY's, or the empty slot where it goes, from hash H.
 */
static __u32 index_find(const struct table *t, __u64 h, bool (*eq)(__u32 i, const void *key),
			const void *key)
{
	__u32 s;

	for (s = h & t->mask; t->slots[s]; s = (s + 1) & t->mask)
		if (eq(t->slots[s] - 1, key))
			break;
	return s;
}

/*
 * Room for one more row in T: doubled when full, its index then empty
 * (the caller indexes the rows again). False when T is at its cap (or out
 * of memory): the caller counts what found no row.
 */
static bool table_grow(struct table *t, bool *reindex)
{
	*reindex = false;
	if (t->n < t->room)
		return true;
	if (t->room >= t->max ||
	    table_room(t, 2 * t->room < t->max ? 2 * t->room : t->max)) {
		t->capped = true;
		return false;
	}
	*reindex = true;
	return true;
}

/*
 * Every row of T in its index again, the index made anew (empty): rows
 * are unique, so each goes into the first empty slot from its HASH.
 */
static void table_reindex(struct table *t, __u64 (*hash)(const void *row))
{
	size_t i;
	__u32 s;

	memset(t->slots, 0, (t->mask + 1) * sizeof(*t->slots));
	for (i = 0; i < t->n; i++) {
		for (s = hash(t->rows.any[i]) & t->mask; t->slots[s]; s = (s + 1) & t->mask)
			;
		t->slots[s] = i + 1;
	}
}

struct row_key {
	__u32 pid;
	__u32 side;
	const char *method;
	size_t len;
	bool truncated;
};

static bool row_eq(__u32 i, const void *key)
{
	const struct row_key *k = key;
	const struct mrow *r = methods.rows.m[i];

	return r->pid == k->pid && r->side == k->side && r->method_len == k->len &&
	       r->truncated == k->truncated && !memcmp(r->method, k->method, k->len);
}

static __u64 mrow_hash(const void *row)
{
	const struct mrow *r = row;

	return row_hash(r->pid, r->side, r->method, r->method_len);
}

static struct mrow *row_of(__u32 pid, const struct stream_info *info)
{
	struct row_key k = {
		.pid = pid,
		.side = info->side,
		.method = info->method,
		.len = method_bytes(info),
		.truncated = method_truncated(info),
	};
	__u64 h = row_hash(pid, info->side, info->method, k.len);
	struct mrow *r;
	bool reindex;
	__u32 s, i;

	if (!methods.slots)
		return NULL;
	s = index_find(&methods, h, row_eq, &k);
	if (methods.slots[s])
		return methods.rows.m[methods.slots[s] - 1];
	if (!table_grow(&methods, &reindex) || !(r = calloc(1, sizeof(*r))))
		return NULL;
	if (reindex) {
		table_reindex(&methods, mrow_hash);
		s = index_find(&methods, h, row_eq, &k);
	}
	r->pid = pid;
	r->side = info->side;
	r->method_len = k.len;
	r->truncated = k.truncated;
	memcpy(r->method, info->method, k.len);
	memcpy(r->comm, info->comm, sizeof(r->comm));
	r->comm[sizeof(r->comm) - 1] = '\0';
	i = methods.n++;
	methods.rows.m[i] = r;
	methods.slots[s] = i + 1;
	return r;
}

/* ---- connections ---- */

struct crow_key {
	__u32 pid;
	__u32 side;
	__u64 conn;
	__u64 conn_id;
};

static __u64 conn_hash(const struct crow_key *k)
{
	__u64 h = (k->conn ^ k->conn_id * 0x9e3779b97f4a7c15ULL ^ ((__u64)k->pid << 1 | k->side) *
		   0xbf58476d1ce4e5b9ULL);

	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	return h ^ h >> 29;
}

static bool conn_eq(__u32 i, const void *key)
{
	const struct crow_key *k = key;
	const struct crow *c = conns_t.rows.c[i];

	return c->conn == k->conn && c->conn_id == k->conn_id && c->pid == k->pid &&
	       c->side == k->side;
}

static __u64 crow_hash(const void *row)
{
	const struct crow *c = row;
	struct crow_key k = { .pid = c->pid, .side = c->side, .conn = c->conn,
			      .conn_id = c->conn_id };

	return conn_hash(&k);
}

static struct crow *conn_of(__u32 pid, __u64 conn, const struct stream_info *info)
{
	struct crow_key k = { .pid = pid, .side = info->side, .conn = conn,
			      .conn_id = info->conn_id };
	struct crow *c;
	bool reindex;
	__u32 s;

	if (!conns_t.slots)
		return NULL;
	s = index_find(&conns_t, conn_hash(&k), conn_eq, &k);
	if (conns_t.slots[s]) {
		c = conns_t.rows.c[conns_t.slots[s] - 1];
		/* A collision may come first, without the peer. */
		if (c->info.peer_type == PEER_NONE && info->peer_type != PEER_NONE)
			c->info = *info;
		return c;
	}
	if (!table_grow(&conns_t, &reindex) || !(c = calloc(1, sizeof(*c))))
		return NULL;
	if (reindex) {
		table_reindex(&conns_t, crow_hash);
		s = index_find(&conns_t, conn_hash(&k), conn_eq, &k);
	}
	c->pid = pid;
	c->side = info->side;
	c->conn = conn;
	c->conn_id = info->conn_id;
	c->info = *info;
	conns_t.rows.c[conns_t.n] = c;
	conns_t.slots[s] = ++conns_t.n;
	return c;
}

struct crow *agg_conn_stream(__u32 pid, __u64 conn, __u32 sid, const struct stream_info *info,
			     bool open)
{
	struct crow *c = conn_of(pid, conn, info);

	if (!c) {
		conns_t.dropped++;
		return NULL;
	}
	if (open) {
		c->open++;
	} else {
		c->streams++;
		c->ival_streams++;
	}
	if (sid > c->max_sid)
		c->max_sid = sid;
	return c;
}

struct crow *agg_conn_shadow(__u32 pid, __u64 conn, __u32 sid, const struct stream_info *info,
			     __u64 other, __u64 other_id)
{
	/* A collision event carries no peer (nor method): only these. */
	struct stream_info ci = { .side = info->side, .conn_id = info->conn_id };
	struct conn_with w;
	struct crow *c;
	__u32 i;

	memcpy(ci.comm, info->comm, sizeof(ci.comm));
	c = conn_of(pid, conn, &ci);
	if (!c) {
		conns_t.dropped++;
		return NULL;
	}
	c->shadow++;
	c->ival_shadow++;
	if (sid > c->max_sid)
		c->max_sid = sid;
	for (i = 0; i < c->nwith; i++)
		if (c->with[i].conn == other && c->with[i].conn_id == other_id)
			break;
	if (i == c->nwith) {
		if (i == CONN_WITH) {
			c->with_more++;
			return c;
		}
		c->with[c->nwith++] = (struct conn_with){ .conn = other, .conn_id = other_id };
	}
	/* Most first: this one moves up past those it now outnumbers. */
	c->with[i].n++;
	for (; i > 0 && c->with[i].n > c->with[i - 1].n; i--) {
		w = c->with[i - 1];
		c->with[i - 1] = c->with[i];
		c->with[i] = w;
	}
	return c;
}

struct crow *const *agg_conns(size_t *n)
{
	*n = conns_t.n;
	return conns_t.rows.c;
}

/*
 * With CONNS_KEEP connections known, those with nothing in the interval
 * just shown and nothing open are forgotten: short-lived connections must
 * not fill the table for good.
 */
static void conns_forget_idle(void)
{
	size_t i, n = 0;

	if (conns_t.n < CONNS_KEEP)
		return;
	for (i = 0; i < conns_t.n; i++) {
		if (!conns_t.rows.c[i]->open && !conns_t.rows.c[i]->ival_streams && !conns_t.rows.c[i]->ival_shadow)
			free(conns_t.rows.c[i]);
		else
			conns_t.rows.c[n++] = conns_t.rows.c[i];
	}
	conns_t.n = n;
	table_reindex(&conns_t, crow_hash);
}

void agg_set_filter(const struct agg_filter *f)
{
	filter = *f;
}

/* The side and method filters, which every stream takes. */
static bool pass_name(const struct stream_info *info)
{
	char m[METHOD_LEN];
	size_t n;

	if (filter.side >= 0 && info->side != (__u32)filter.side)
		return false;
	if (!filter.method)
		return true;
	/* A NUL in the name ends it for the glob: what a shell user can type. */
	n = method_bytes(info);
	memcpy(m, info->method, n);
	m[n] = '\0';
	return !fnmatch(filter.method, m, 0);
}

bool agg_pass_ended(const struct stream_info *info, __s32 status, bool has_lat, __u64 lat)
{
	if (filter.failed && !status)
		return false;
	if (filter.min_ns && (!has_lat || lat < filter.min_ns))
		return false;
	return pass_name(info);
}

bool agg_pass_open(const struct stream_info *info, __u64 age)
{
	if (filter.failed || (filter.min_ns && age < filter.min_ns))
		return false;
	return pass_name(info);
}

unsigned int code_slot(__s32 status)
{
	return status >= 0 && status < CODE_OTHER ? (unsigned int)status : CODE_OTHER;
}

const char *code_name(unsigned int i)
{
	return i < CODE_SLOTS ? code_names[i] : NULL;
}

static void figs_add(struct figs *f, unsigned int code, bool has_lat, __u64 lat)
{
	f->count++;
	f->errors += code != 0;
	f->codes[code]++;
	if (has_lat)
		hist_add(&f->lat, lat);
}

/* funclatency's: 0 for 0 and 1, then floor(log2(v)). */
static unsigned int log2_slot(__u64 v)
{
	unsigned int k = v > 1 ? 63 - __builtin_clzll(v) : 0;

	return k < LOG2_SLOTS ? k : LOG2_SLOTS - 1;
}

struct mrow *agg_stream(__u32 pid, const struct stream_info *info, __s32 status, bool has_lat,
			__u64 lat)
{
	struct mrow *r = row_of(pid, info);
	unsigned int code = code_slot(status);

	if (!r) {
		methods.dropped++;
		return NULL;
	}
	figs_add(&r->run, code, has_lat, lat);
	figs_add(&r->ival, code, has_lat, lat);
	if (has_lat)
		r->log2_us[log2_slot(lat / 1000)]++;
	return r;
}

/* The lowest and highest bucket that grew, for the interval's bounds. */
static void figs_bounds(struct hist *h, unsigned int lo, unsigned int hi, __u64 max)
{
	__u64 top = hist_high(hi) - 1;

	if (!h->n || hist_low(lo) < h->min)
		h->min = hist_low(lo);
	if (top > max)
		top = max;
	if (top > h->max)
		h->max = top;
}

struct mrow *agg_bpf(const struct magg_key *key, const struct magg_val *val)
{
	struct stream_info info = { .side = key->side, .method_len = key->method_len };
	unsigned int i, lo = HIST_BUCKETS, hi = 0;
	struct magg_val *p;
	struct mrow *r;
	__u64 d, n = 0;

	memcpy(info.method, key->method, sizeof(info.method));
	memcpy(info.comm, val->comm, sizeof(info.comm));
	r = row_of(key->tgid, &info);
	if (r && !r->bpf_prev && !(r->bpf_prev = calloc(1, sizeof(*r->bpf_prev))))
		r = NULL;
	if (!r) {
		for (i = 0; i < CODE_SLOTS; i++)
			bpf_unrowed_pass += val->codes[i];
		return NULL;
	}
	p = r->bpf_prev;
	for (i = 0; i < CODE_SLOTS; i++) {
		d = val->codes[i] - p->codes[i];
		r->run.count += d;
		r->ival.count += d;
		r->run.codes[i] += d;
		r->ival.codes[i] += d;
		if (i) {
			r->run.errors += d;
			r->ival.errors += d;
		}
	}
	for (i = 0; i < HIST_BUCKETS; i++) {
		d = val->b[i] - p->b[i];
		if (!d)
			continue;
		r->run.lat.b[i] += d;
		r->ival.lat.b[i] += d;
		n += d;
		lo = lo < i ? lo : i;
		hi = i;
	}
	if (n) {
		figs_bounds(&r->run.lat, lo, hi, val->max);
		figs_bounds(&r->ival.lat, lo, hi, val->max);
		r->run.lat.n += n;
		r->ival.lat.n += n;
	}
	/* The run has BPF's own max (its min stays a bucket's low end). */
	if (val->max > r->run.lat.max)
		r->run.lat.max = val->max;
	for (i = 0; i < LOG2_SLOTS; i++)
		r->log2_us[i] += val->log2_us[i] - p->log2_us[i];
	*p = *val;
	return r;
}

struct mrow *agg_open(__u32 pid, const struct stream_info *info)
{
	struct mrow *r = row_of(pid, info);

	if (r)
		r->open++;
	return r;
}

void agg_bpf_done(void)
{
	bpf_unrowed = bpf_unrowed_pass;
	bpf_unrowed_pass = 0;
}

void agg_dropped(struct agg_dropped *d)
{
	d->methods = methods.dropped + bpf_unrowed;
	d->conns = conns_t.dropped;
	d->methods_capped = methods.capped;
	d->conns_capped = conns_t.capped;
	d->method_rows_max = methods.max;
	d->conn_rows_max = conns_t.max;
}

void agg_interval_reset(void)
{
	size_t i;

	for (i = 0; i < methods.n; i++)
		memset(&methods.rows.m[i]->ival, 0, sizeof(methods.rows.m[i]->ival));
	conns_forget_idle();
	for (i = 0; i < conns_t.n; i++)
		conns_t.rows.c[i]->ival_streams = conns_t.rows.c[i]->ival_shadow = 0;
}

void agg_open_reset(void)
{
	size_t i;

	for (i = 0; i < methods.n; i++)
		methods.rows.m[i]->open = 0;
	for (i = 0; i < conns_t.n; i++)
		conns_t.rows.c[i]->open = 0;
}

struct mrow *const *agg_rows(size_t *n)
{
	*n = methods.n;
	return methods.rows.m;
}

unsigned int figs_top_error(const struct figs *f)
{
	unsigned int i, top = CODE_SLOTS;

	for (i = 1; i < CODE_SLOTS; i++)
		if (f->codes[i] && (top == CODE_SLOTS || f->codes[i] > f->codes[top]))
			top = i;
	return top;
}

/* ---- histograms ---- */

unsigned int hist_bucket(__u64 ns)
{
	unsigned int k;

	if (ns < HIST_SUB)
		return ns;
	k = 63 - __builtin_clzll(ns);
	if (k > HIST_MAX_LOG)
		return HIST_BUCKETS - 1;
	return (k - HIST_SUB_BITS + 1) * HIST_SUB + ((ns >> (k - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

__u64 hist_low(unsigned int i)
{
	unsigned int k;

	if (i < 2 * HIST_SUB)
		return i;
	k = i / HIST_SUB + HIST_SUB_BITS - 1;
	return (__u64)(HIST_SUB + i % HIST_SUB) << (k - HIST_SUB_BITS);
}

__u64 hist_high(unsigned int i)
{
	return i + 1 < HIST_BUCKETS ? hist_low(i + 1) : ~0ULL;
}

void hist_add(struct hist *h, __u64 ns)
{
	if (!h->n || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->n++;
	h->b[hist_bucket(ns)]++;
}

__u64 hist_quantile(const struct hist *h, double q)
{
	__u64 rank, seen = 0, v;
	unsigned int i;

	if (!h->n)
		return 0;
	rank = (__u64)(q * h->n);
	if ((double)rank < q * h->n)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank >= h->n)
		return h->max;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == HIST_BUCKETS)
		return h->max;
	/* The last bucket has no upper bound: its values are the max's. */
	v = i + 1 < HIST_BUCKETS ? hist_low(i) + (hist_high(i) - hist_low(i)) / 2 : h->max;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

/* ---- sorting ---- */

struct keyed {
	__u64 v;
	const void *p;
};

/* The tie-break of the sort running (qsort has no context argument). */
static int (*sort_tie)(const void *x, const void *y);

/* Largest first; equal values (all of them for "name") by SORT_TIE. */
static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? 1 : -1;
	return sort_tie(x->p, y->p);
}

/* P's N entries by VALUE (each computed once), ties by TIE. */
static int sort_by(const void **p, size_t n, __u64 (*value)(const void *p, enum agg_sort key,
							    bool run),
		   enum agg_sort key, bool run, int (*tie)(const void *x, const void *y))
{
	struct keyed *k;
	size_t i;

	if (!n)
		return 0;
	k = malloc(n * sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		k[i].v = key == SORT_NAME ? 0 : value(p[i], key, run);
		k[i].p = p[i];
	}
	sort_tie = tie;
	qsort(k, n, sizeof(*k), cmp_keyed);
	for (i = 0; i < n; i++)
		p[i] = k[i].p;
	free(k);
	return 0;
}

/* A percentile walks the histogram: hence once per row (sort_by). */
static __u64 row_value(const void *p, enum agg_sort key, bool run)
{
	const struct mrow *r = p;
	const struct figs *f = run ? &r->run : &r->ival;

	switch (key) {
	case SORT_RATE:
		return f->count;
	case SORT_ERRORS:
		return f->errors;
	case SORT_P50:
		return hist_quantile(&f->lat, 0.50);
	case SORT_P99:
		return hist_quantile(&f->lat, 0.99);
	case SORT_MAX:
		return f->lat.max;
	case SORT_OPEN:
		return r->open;
	default:
		return 0;
	}
}

/* By method, side, PID. */
static int row_tie(const void *a, const void *b)
{
	const struct mrow *x = a, *y = b;
	size_t n = x->method_len < y->method_len ? x->method_len : y->method_len;
	int c = memcmp(x->method, y->method, n);

	if (c)
		return c;
	if (x->method_len != y->method_len)
		return x->method_len < y->method_len ? -1 : 1;
	if (x->side != y->side)
		return x->side < y->side ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static __u64 conn_value(const void *p, enum agg_sort key, bool run)
{
	const struct crow *c = p;

	if (key == SORT_OPEN)
		return c->open;
	if (key == SORT_RATE || key == SORT_ERRORS)
		return run ? c->streams : c->ival_streams;
	return run ? c->shadow : c->ival_shadow;
}

/* By PID, side, connection number, pointer. */
static int conn_tie(const void *a, const void *b)
{
	const struct crow *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->side != y->side)
		return x->side < y->side ? -1 : 1;
	if (x->conn_id != y->conn_id)
		return x->conn_id < y->conn_id ? -1 : 1;
	return x->conn < y->conn ? -1 : x->conn > y->conn;
}

int agg_sort(const struct mrow **r, size_t n, enum agg_sort key, bool run)
{
	return sort_by((const void **)r, n, row_value, key, run, row_tie);
}

int agg_sort_conns(const struct crow **c, size_t n, enum agg_sort key, bool run)
{
	return sort_by((const void **)c, n, conn_value, key, run, conn_tie);
}

int agg_sort_parse(const char *name)
{
	int i;

	for (i = 0; i < SORT_KEYS; i++)
		if (!strcmp(name, agg_sort_names[i]))
			return i;
	return -1;
}
