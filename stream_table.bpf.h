/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The live streams, keyed by (tgid, connection, HTTP/2 stream id): the
 * live-stream table user space maps, its overflow hash map, the shadow
 * table of a stream-id-only key (for the collisions it would have had),
 * and the events sent to user space. Included once, by grpcstreams.bpf.c,
 * after go_read.bpf.h.
 */
#ifndef __STREAM_TABLE_BPF_H
#define __STREAM_TABLE_BPF_H

/*
 * Submit without waking user space (it drains on a timer), but for one
 * event in WAKE_EVERY of this CPU's: the ring never holds more than
 * WAKE_EVERY times the CPUs' events unannounced. A per-CPU count, where
 * asking the ring its fill level is a helper call per event.
 */
static __always_inline void submit(struct event *e)
{
	struct stats *s = cpu_stats();
	__u64 flags = BPF_RB_NO_WAKEUP;

	/* Not atomic: a count lost to a nested run only delays a wakeup. */
	if (s && ++s->unwoken >= wake_every) {
		s->unwoken = 0;
		flags = BPF_RB_FORCE_WAKEUP;
	}
	bpf_ringbuf_submit(e, flags);
}

/* An event in the ring, not cleared: the caller sets every field. */
static __always_inline struct event *reserve_raw(void)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		STAT_INC(lost_events);
	return e;
}

static __always_inline struct event *reserve(void)
{
	struct event *e = reserve_raw();

	if (e)
		__builtin_memset(e, 0, sizeof(*e));
	return e;
}

static __always_inline void collision(const struct stream_key *k, __u32 side,
				      enum collision_kind kind, __u64 other,
				      __u32 nextid)
{
	struct event *e;

	if (kind < COLL_KINDS)
		STAT_INC(collisions[kind]);
	e = reserve();
	if (!e)
		return;
	e->type = EVENT_COLLISION;
	e->kind = kind;
	e->tgid = k->tgid;
	e->conn = k->conn;
	e->sid = k->sid;
	e->info.side = side;
	e->info.conn_id = conn_id(k->conn, side);
	e->other_conn = other;
	e->other_conn_id = other ? conn_id(other, side) : 0;
	e->info.entry_nextid = nextid;
	e->end_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->info.comm, sizeof(e->info.comm));
	submit(e);
}

/* A stream event for K, reserved in the ring and filled in; NULL if full. */
static __always_inline struct event *stream_event(const struct stream_key *k,
						  const struct stream_info *info,
						  __u64 end_ns, __s32 status, __u32 flags)
{
	struct event *e = reserve_raw();	/* every field set below */

	if (!e)
		return NULL;
	e->type = EVENT_STREAM;
	e->kind = 0;
	e->tgid = k->tgid;
	e->conn = k->conn;
	e->other_conn = 0;
	e->other_conn_id = 0;
	e->sid = k->sid;
	e->end_ns = end_ns;
	e->status = status;
	e->flags = flags | (status ? EF_ERROR : 0);
	__builtin_memcpy(&e->info, info, sizeof(*info));
	return e;
}

static __always_inline void count_ended(void)
{
	STAT_INC(ended);
}

/* floor(log2(V)) for V > 0, in five steps. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	return r | (__u32)(v >> 1);
}

/* agg.c's hist_bucket(): the log-linear bucket of NS. */
static __always_inline __u32 hist_bucket(__u64 ns)
{
	__u32 k;

	if (ns < HIST_SUB)
		return ns;
	k = log2_u64(ns);
	if (k > HIST_MAX_LOG)
		return HIST_BUCKETS - 1;
	return (k - HIST_SUB_BITS + 1) * HIST_SUB + ((ns >> (k - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/*
 * The methods entry of a stream of process TGID (INFO), made on its
 * method's first stream; NULL when the map is full (counted: the stream
 * then goes out as an event, never lost).
 */
static __always_inline struct magg_val *magg_entry(__u32 tgid, const struct stream_info *info)
{
	struct magg_scratch *sc;
	struct magg_val *v;
	__u32 zero = 0, len, w;
	__u64 *p;

	sc = bpf_map_lookup_elem(&magg_scratch, &zero);
	if (!sc)
		return NULL;
	sc->key.tgid = tgid;
	sc->key.side = info->side;
	sc->key.method_len = info->method_len;
	sc->key.pad = 0;
	len = info->method_len < METHOD_LEN - 1 ? info->method_len : METHOD_LEN - 1;
	/*
	 * The name, zeros after it (the key is every byte, and the info's
	 * buffer holds an older name's bytes there): a word at a time, no
	 * helper call.
	 */
	__builtin_memcpy(sc->key.method, info->method, METHOD_LEN);
#pragma unroll
	for (w = 0; w < METHOD_LEN / 8; w++) {
		p = (__u64 *)sc->key.method + w;
		if (w * 8 >= len)
			*p = 0;
		else if (w * 8 + 8 > len)
			*p &= (1ULL << ((len - w * 8) * 8)) - 1;
	}
	v = bpf_map_lookup_elem(&methods, &sc->key);
	if (v)
		return v;
	bpf_map_update_elem(&methods, &sc->key, &sc->zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&methods, &sc->key);
	if (!v) {
		STAT_INC(agg_full);
		return NULL;
	}
	if (!v->comm[0])
		__builtin_memcpy(v->comm, info->comm, sizeof(v->comm));
	return v;
}

/* A stream ended, counted into its method's entry V. */
static __always_inline void magg_count(struct magg_val *v, __s32 status, bool has_lat, __u64 lat)
{
	__u32 i = status >= 0 && status < CODE_OTHER ? status : CODE_OTHER, n;
	__u64 m;

	if (i >= CODE_SLOTS)
		i = CODE_OTHER;
	__sync_fetch_and_add(&v->codes[i], 1);
	if (!has_lat) {
		__sync_fetch_and_add(&v->nolat, 1);
		return;
	}
	i = hist_bucket(lat);
	if (i >= HIST_BUCKETS)
		i = HIST_BUCKETS - 1;
	__sync_fetch_and_add(&v->b[i], 1);
	i = lat >= 2000 ? log2_u64(lat / 1000) : 0;
	if (i >= LOG2_SLOTS)
		i = LOG2_SLOTS - 1;
	__sync_fetch_and_add(&v->log2_us[i], 1);
	for (n = 0; n < 4; n++) {
		m = v->max;
		if (lat <= m || __sync_val_compare_and_swap(&v->max, m, lat) == m)
			break;
	}
}

/* user space's event_has_latency(), for the start in INFO. */
static __always_inline bool has_latency(const struct stream_info *info, __u64 end_ns, __u32 flags)
{
	return !(flags & EF_NO_START) && info->start_ns && info->start_ns <= end_ns;
}

/*
 * What a stream's end reports, made from INFO before the claim (the slot
 * may be reused after it): its methods entry when aggregating, else (or
 * when that map is full) its event.
 */
struct end_report {
	struct event *e;
	struct magg_val *v;
	__u64 lat;
	bool has_lat;
};

static __always_inline void end_prepare(struct end_report *r, const struct stream_key *k,
					const struct stream_info *info, __u64 end_ns,
					__s32 status, __u32 flags)
{
	/* Every field set on every path: the verifier reads none unset. */
	r->e = NULL;
	r->has_lat = has_latency(info, end_ns, flags);
	r->lat = r->has_lat ? end_ns - info->start_ns : 0;
	struct globals *gl = glob();

	r->v = gl && gl->aggregate ? magg_entry(k->tgid, info) : NULL;
	if (r->v)
		return;
	r->e = stream_event(k, info, end_ns, status, flags);
}

/* The claim won: report it. */
static __always_inline void end_commit(struct end_report *r, __s32 status)
{
	if (r->v)
		magg_count(r->v, status, r->has_lat, r->lat);
	else if (r->e)
		submit(r->e);
}

static __always_inline void emit_stream(const struct stream_key *k,
					const struct stream_info *info,
					__u64 end_ns, __s32 status, __u32 flags)
{
	struct end_report r;

	count_ended();
	end_prepare(&r, k, info, end_ns, status, flags);
	end_commit(&r, status);
}

/* K's slot in "sids" and (CELL) the value its stream holds there. */
static __always_inline struct sid_slot *sid_slot(const struct stream_key *k, __u32 side,
					       __u64 *cell)
{
	__u32 i;

	if (!sid_place(k, side, &i, cell))
		return NULL;
	return bpf_map_lookup_elem(&sids, &i);
}

/* A stream of K's id starts: hold a cell, then look for the id elsewhere. */
static __always_inline void sid_start(const struct stream_key *k, __u32 side, __u32 nextid)
{
	__u64 cell, v;
	struct sid_slot *s;
	int i, mine = -1;

	s = sid_slot(k, side, &cell);
	if (!s)
		return;
	for (i = 0; i < SID_CELLS; i++) {
		if (!s->cell[i] && !__sync_val_compare_and_swap(&s->cell[i], 0, cell)) {
			mine = i;
			break;
		}
	}
	for (i = 0; i < SID_CELLS; i++) {
		if (i == mine)
			continue;
		v = *(volatile __u64 *)&s->cell[i];
		/* Same tag, another connection ((conn, id) is unique). */
		if (v && !((v ^ cell) >> SID_CONN_BITS) && v != cell) {
			collision(k, side, COLL_SHADOW, v & ((1ULL << SID_CONN_BITS) - 1),
				  nextid);
			return;
		}
	}
}

static __always_inline void sid_end(const struct stream_key *k, __u32 side)
{
	struct sid_slot *s;
	__u64 cell;
	int i;

	s = sid_slot(k, side, &cell);
	if (!s)
		return;
	for (i = 0; i < SID_CELLS; i++)
		if (s->cell[i] == cell &&
		    __sync_val_compare_and_swap(&s->cell[i], cell, 0) == cell)
			return;
}

static __always_inline void count_started(void)
{
	STAT_INC(started);
}

static __always_inline bool same_key(const struct stream_key *a, const struct stream_key *b)
{
	return a->conn == b->conn && a->tgid == b->tgid && a->sid == b->sid;
}

/*
 * K's slot in the live table, and (TAG) the hash its slot is tagged with.
 * The slot follows the stream id from a place per connection: the streams
 * of a connection take the slots one after the other, where the CPU
 * prefetches them, rather than lines anywhere in the table, all cold.
 */
static __always_inline struct live_slot *live_slot(const struct stream_key *k, __u64 *tag)
{
	__u64 h = k->conn ^ ((__u64)k->tgid << 40);
	__u32 i;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	i = ((h >> 32) + (k->sid >> 1)) & live_mask;
	*tag = (h ^ ((__u64)k->sid * 0x9e3779b97f4a7c15ULL)) | 2;	/* not free (0) nor busy (1) */
	return bpf_map_lookup_elem(&live, &i);
}

/*
 * A live stream of K's key whose process is gone: its PID is another
 * process's now, which made the same key (Go's heap addresses repeat from
 * run to run). Not a duplicate: the old stream is reported abandoned and
 * its shadow cell freed, before the new one takes its place.
 */
static __always_inline void stream_abandoned(const struct stream_key *k,
					     const struct stream_info *old)
{
	struct event *e;

	sid_end(k, old->side);
	e = stream_event(k, old, bpf_ktime_get_ns(), 0, 0);
	if (!e)
		return;
	e->type = EVENT_ABANDONED;
	submit(e);
}

/*
 * Put K in its slot: 0 when done, 1 when K is there already (a duplicate:
 * its info is replaced), -1 when another stream holds the slot. The slot
 * is taken (BUSY) before it is written and tagged after, so that an end
 * never reads a half-written one.
 */
static __always_inline int live_insert(const struct stream_key *k,
				       const struct stream_info *info)
{
	struct live_slot *s;
	__u64 tag, old;

	s = live_slot(k, &tag);
	if (!s)
		return -1;
	old = __sync_val_compare_and_swap(&s->tag, 0, LIVE_BUSY);
	if (old) {
		if (old != tag || !same_key(&s->key, k) ||
		    __sync_val_compare_and_swap(&s->tag, tag, LIVE_BUSY) != tag)
			return -1;
	}
	if (old && s->info.proc_gen != info->proc_gen) {
		stream_abandoned(k, &s->info);
		old = 0;
	}
	s->key = *k;
	__builtin_memcpy(&s->info, info, sizeof(*info));
	__sync_val_compare_and_swap(&s->tag, LIVE_BUSY, tag);
	return old ? 1 : 0;
}

/* A new live stream: count it, insert it, check both collision kinds. */
static __always_inline void stream_start(const struct stream_key *k,
					 const struct stream_info *info)
{
	struct globals *gl = glob();
	struct stream_info *prev;
	long err;
	int r;

	r = live_insert(k, info);
	if (r < 0) {
		/* Its slot is held by another stream: the hash map. */
		err = bpf_map_update_elem(&streams, k, info, BPF_NOEXIST);
		if (err == -EEXIST) {
			prev = bpf_map_lookup_elem(&streams, k);
			r = !prev || prev->proc_gen == info->proc_gen;
			if (!r)
				stream_abandoned(k, prev);
			bpf_map_update_elem(&streams, k, info, BPF_ANY);
		} else if (err) {
			/*
			 * Full (E2BIG): not kept, and counted as such rather than
			 * started; its end finds no start (see server_end).
			 */
			STAT_INC(table_full);
			return;
		} else {
			if (gl)
				__sync_fetch_and_add(&gl->overflow_live, 1);
			r = 0;
		}
	} else if (!r && gl && gl->overflow_live && !bpf_map_delete_elem(&streams, k)) {
		/* Live in the hash map, now in its slot too: one is enough. */
		__sync_fetch_and_sub(&gl->overflow_live, 1);
		r = 1;
	}
	count_started();
	if (r)	/* Must never happen: the composite key itself repeated. */
		collision(k, info->side, COLL_DUPLICATE, k->conn, info->entry_nextid);
	else
		sid_start(k, info->side, info->entry_nextid);
}

/*
 * The end of a live stream. Two first-time ends can race (on the client,
 * the reader goroutine and CloseStream both entering closeStream before
 * either swaps the state): freeing the slot (or deleting from the hash
 * map) is the atomic claim, so only its winner reports the stream. The
 * event is filled before the claim, as a freed slot may be reused at once,
 * and dropped by the loser. Returns false when K is not live.
 */
static __always_inline bool stream_end(const struct stream_key *k, __s32 status,
				       __u64 end_ns, __u32 flags)
{
	struct stream_info *info;
	struct end_report r;
	struct globals *gl;
	struct live_slot *s;
	__u64 tag;
	__u32 side;

	s = live_slot(k, &tag);
	if (s && s->tag == tag && same_key(&s->key, k)) {
		side = s->info.side;
		end_prepare(&r, k, &s->info, end_ns, status, flags);
		if (__sync_val_compare_and_swap(&s->tag, tag, 0) != tag)
			goto lost;
		goto won;
	}
	gl = glob();
	if (!gl || !gl->overflow_live)
		return false;
	info = bpf_map_lookup_elem(&streams, k);
	if (!info)
		return false;
	side = info->side;
	end_prepare(&r, k, info, end_ns, status, flags);
	if (bpf_map_delete_elem(&streams, k))
		goto lost;
	__sync_fetch_and_sub(&gl->overflow_live, 1);
won:
	count_ended();
	end_commit(&r, status);
	sid_end(k, side);
	return true;
lost:
	if (r.e)
		bpf_ringbuf_discard(r.e, BPF_RB_NO_WAKEUP);
	return true;
}

#endif /* __STREAM_TABLE_BPF_H */
