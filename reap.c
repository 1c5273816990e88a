// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * reap: streams whose end will never come. A stream ends when grpc-go
 * closes it; a process that exits (or is killed) with RPCs in flight closes
 * nothing, and its streams would stay live in BPF's maps, shown open
 * forever, their slots and shadow cells held. Here they are found, removed
 * from every map that keys by process, and handed to the caller to count.
 *
 * A process is gone when /proc says so (no such PID, or a zombie), when it
 * runs a file no traced copy runs (it executed a program), or when a
 * process of its PID exited or executed a program since the stream started
 * (BPF counts both per PID, proc_gen, and stamps each stream with the count: a
 * stream of a new process of the same PID is never taken for the old
 * one's). A reused PID whose new process makes a stream of the very same
 * key before this pass (Go's heap addresses repeat from run to run) is
 * caught by BPF itself, which sends the old stream as an EVENT_ABANDONED.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "grpcstreams.h"
#include "grpcstreams.skel.h"
#include "reap.h"
#include "scope.h"
#include "trace_helpers.h"

/* How often the run loop looks; a table and the summary look first anyway. */
#define REAP_EVERY_NS	250000000ULL
/* The other maps keyed by process are swept for gone ones this often. */
#define SWEEP_EVERY	8
/* Processes asked about in one pass (more: asked again, not wrong). */
#define PROCS		64
/*
 * A closed connection's streams are left this long to end as grpc-go ends
 * them (a handler that returns at once still writes its status); those
 * still live after it never will.
 */
#define REAP_GRACE_NS	500000000ULL

static struct {
	struct live_slot *live;
	struct sid_slot *sids;
	const __u64 *gens;	/* proc_gen, mapped */
	struct globals *g;
	int reaped_fd;		/* BPF's "reaped": streams ended here for their connection */
	__u64 last;
	unsigned int passes;
	struct proc {
		__u32 tgid;
		bool alive;	/* /proc has it, and not as a zombie */
		bool exec;	/* alive, and executed another program */
	} procs[PROCS];
	unsigned int nprocs;
	struct closed {
		__u64 conn;
		__u64 at_ns;	/* when grpc-go closed it */
		__u32 tgid;
		bool due;	/* its grace is over: reaped in this pass */
	} *closed;		/* closed connections waiting for their grace */
	size_t nclosed, closed_room, ndue;
	struct reaped *out;	/* this pass's streams, for the caller */
	size_t nout, out_room;
} rp;

int reap_init(struct grpcstreams_bpf *obj, struct live_slot *live, struct globals *g)
{
	void *m;

	m = mmap(NULL, SID_SLOTS * sizeof(struct sid_slot), PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(obj->maps.sids), 0);
	if (m == MAP_FAILED)
		return -errno;
	rp.sids = m;
	m = mmap(NULL, PROC_GEN_SLOTS * sizeof(__u64), PROT_READ, MAP_SHARED,
		 bpf_map__fd(obj->maps.proc_gen), 0);
	if (m == MAP_FAILED)
		return -errno;
	rp.gens = m;
	rp.live = live;
	rp.g = g;
	rp.reaped_fd = bpf_map__fd(obj->maps.reaped);
	return 0;
}

__u64 reap_proc_gen(__u32 tgid)
{
	return rp.gens ? __atomic_load_n(&rp.gens[tgid & (PROC_GEN_SLOTS - 1)],
					 __ATOMIC_RELAXED) : 0;
}

void reap_fini(void)
{
	if (rp.sids)
		munmap(rp.sids, SID_SLOTS * sizeof(struct sid_slot));
	if (rp.gens)
		munmap((void *)rp.gens, PROC_GEN_SLOTS * sizeof(__u64));
	free(rp.out);
	free(rp.closed);
	memset(&rp, 0, sizeof(rp));
}

/*
 * Does TGID run a file no traced copy runs? (The streams of the traced
 * code are then gone: an exec replaces the whole program.) A file that
 * cannot be asked about is taken as the same.
 */
static bool exe_changed(__u32 tgid)
{
	char path[32];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%u/exe", tgid);
	return !stat(path, &sb) && !scope_traced_file(sb.st_dev, sb.st_ino);
}

/* TGID as this pass found it: asked of /proc once per pass. */
static const struct proc *proc_of(__u32 tgid)
{
	static struct proc spare;
	struct proc *p;
	unsigned int i;

	for (i = 0; i < rp.nprocs; i++)
		if (rp.procs[i].tgid == tgid)
			return &rp.procs[i];
	p = rp.nprocs < PROCS ? &rp.procs[rp.nprocs++] : &spare;
	p->tgid = tgid;
	p->alive = pid_alive(tgid);
	p->exec = p->alive && (scope_exec_seen(tgid) || exe_changed(tgid));
	return p;
}

/* Did KEY's connection close after the stream (INFO) started, its grace over? */
static bool conn_closed(const struct stream_key *key, const struct stream_info *info)
{
	size_t i;

	if (!rp.ndue || info->side != SIDE_SERVER)
		return false;
	for (i = 0; i < rp.nclosed; i++)
		if (rp.closed[i].due && rp.closed[i].conn == key->conn &&
		    rp.closed[i].tgid == key->tgid && info->start_ns <= rp.closed[i].at_ns)
			return true;
	return false;
}

void reap_conn_closed(__u32 tgid, __u64 conn, __u64 at_ns)
{
	struct closed *c;
	size_t i, room;

	/* grpc-go may close a connection twice: the first close counts. */
	for (i = 0; i < rp.nclosed; i++)
		if (rp.closed[i].conn == conn && rp.closed[i].tgid == tgid)
			return;
	/* As many as close within a grace: only memory bounds them. */
	if (rp.nclosed == rp.closed_room) {
		room = rp.closed_room ? 2 * rp.closed_room : 64;
		c = realloc(rp.closed, room * sizeof(*c));
		if (!c)
			return;
		rp.closed = c;
		rp.closed_room = room;
	}
	c = &rp.closed[rp.nclosed++];
	c->tgid = tgid;
	c->conn = conn;
	c->at_ns = at_ns;
	c->due = false;
}

/* Which closed connections are due in this pass (their grace over at NOW). */
static void closed_due(__u64 now)
{
	size_t i;

	for (i = 0; i < rp.nclosed; i++) {
		if (!rp.closed[i].due && now - rp.closed[i].at_ns >= REAP_GRACE_NS)
			rp.closed[i].due = true;
		rp.ndue += rp.closed[i].due;
	}
}

/* The connections reaped in this pass forgotten: their streams are gone. */
static void closed_done(void)
{
	size_t i, n = 0;

	for (i = 0; i < rp.nclosed; i++)
		if (!rp.closed[i].due)
			rp.closed[n++] = rp.closed[i];
	rp.nclosed = n;
	rp.ndue = 0;
}

/*
 * Is the stream of KEY (INFO) of a process that is gone, or of a
 * connection closed, and *WHY? Its PID may name another process now, one
 * that started after the stream's did.
 */
static bool stream_gone(const struct stream_key *key, const struct stream_info *info,
			enum reap_reason *why)
{
	const struct proc *p;
	__u64 gen;

	if (conn_closed(key, info)) {
		*why = REAP_CONN_CLOSED;
		return true;
	}
	p = proc_of(key->tgid);
	gen = __atomic_load_n(&rp.gens[key->tgid & (PROC_GEN_SLOTS - 1)], __ATOMIC_RELAXED);

	/*
	 * An exec from another thread than the leader counts as the leader's
	 * exit too (the kernel's de_thread), so it is asked first.
	 */
	*why = !p->alive ? REAP_EXITED : p->exec ? REAP_EXEC : REAP_PID_REUSED;
	/* A process of its PID exited since it started: not this one. */
	return info->proc_gen != gen || !p->alive || p->exec;
}

/* Free the shadow cell the stream of KEY holds (stream_table.bpf.h: sid_end). */
static void sid_free(const struct stream_key *key, __u32 side)
{
	__u64 cell, want;
	__u32 slot;
	int i;

	if (!sid_place(key, side, &slot, &cell))
		return;
	for (i = 0; i < SID_CELLS; i++) {
		want = cell;
		if (__atomic_compare_exchange_n(&rp.sids[slot].cell[i], &want, 0, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return;
	}
}

/*
 * A stream ended here for its closed connection: told to BPF, so that a
 * handler that still reaches WriteStatus does not report it again.
 */
static void mark_reaped(const struct stream_key *key, enum reap_reason why)
{
	__u8 one = 1;

	if (why == REAP_CONN_CLOSED)
		bpf_map_update_elem(rp.reaped_fd, key, &one, BPF_ANY);
}

/*
 * A stream claimed (out of BPF's maps): kept for the caller. Out of memory,
 * it is not reported, but no longer counted open either.
 */
static void reaped_add(const struct stream_key *key, const struct stream_info *info,
		       enum reap_reason why)
{
	struct reaped *r;
	size_t room;

	mark_reaped(key, why);
	if (rp.nout == rp.out_room) {
		room = rp.out_room ? 2 * rp.out_room : 64;
		r = realloc(rp.out, room * sizeof(*r));
		if (!r)
			return;
		rp.out = r;
		rp.out_room = room;
	}
	rp.out[rp.nout++] = (struct reaped){ .key = *key, .info = *info, .why = why };
}

/*
 * The live table, read as BPF writes it (a copy counts if the tag did not
 * change meanwhile), freed as BPF frees it: a compare-and-swap of the tag,
 * which an end racing with us wins or loses whole.
 */
static void reap_live(void)
{
	struct live_slot slot;
	enum reap_reason why;
	__u64 tag;
	int i;

	for (i = 0; i < LIVE_SLOTS; i++) {
		tag = __atomic_load_n(&rp.live[i].tag, __ATOMIC_ACQUIRE);
		if (tag <= LIVE_BUSY)
			continue;
		memcpy(&slot, &rp.live[i], sizeof(slot));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&rp.live[i].tag, __ATOMIC_RELAXED) != tag ||
		    !stream_gone(&slot.key, &slot.info, &why))
			continue;
		if (!__atomic_compare_exchange_n(&rp.live[i].tag, &tag, 0, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		sid_free(&slot.key, slot.info.side);
		reaped_add(&slot.key, &slot.info, why);
	}
}

/* The overflow hash map: a delete is the claim, as in BPF's stream_end. */
static void reap_overflow(struct grpcstreams_bpf *obj)
{
	int fd = bpf_map__fd(obj->maps.streams);
	struct stream_key key, next, *prev = NULL;
	struct stream_info info;
	enum reap_reason why;

	if (!__atomic_load_n(&rp.g->overflow_live, __ATOMIC_RELAXED))
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &info) ||
		    !stream_gone(&key, &info, &why) ||
		    bpf_map_delete_elem(fd, &key))
			continue;
		__atomic_fetch_sub(&rp.g->overflow_live, 1, __ATOMIC_RELAXED);
		sid_free(&key, info.side);
		reaped_add(&key, &info, why);
	}
}

/*
 * A map whose keys hold the process at byte 8 (goroutine_key, stream_key,
 * conn_key): the entries of gone processes deleted. Their values have no
 * start time, so a reused PID's entries stay (they age out of these LRU
 * maps, and conns tells a reused address by its connectionID).
 */
static void sweep_map(const struct bpf_map *map)
{
	size_t key_size = bpf_map__key_size(map);
	int fd = bpf_map__fd(map);
	char key[32], next[32];
	const struct proc *p;
	bool first = true;
	__u32 tgid;

	if (key_size > sizeof(key) || key_size < 12)
		return;

	while (!bpf_map_get_next_key(fd, first ? NULL : key, next)) {
		memcpy(key, next, key_size);
		first = false;
		memcpy(&tgid, key + 8, sizeof(tgid));
		p = proc_of(tgid);
		if (!p->alive || p->exec)
			bpf_map_delete_elem(fd, key);
	}
}

size_t reap_gone(struct grpcstreams_bpf *obj, bool force, const struct reaped **out)
{
	__u64 now = mono_ns();
	size_t n;

	*out = rp.out;
	rp.nout = 0;
	if (!rp.live || !rp.sids || !rp.gens || (!force && now - rp.last < REAP_EVERY_NS))
		return 0;
	rp.last = now;
	rp.nprocs = 0;
	closed_due(now);
	reap_live();
	reap_overflow(obj);
	closed_done();
	/* Those found, reported or not (out of memory): the sweep is due. */
	n = rp.nout;
	*out = rp.out;
	if (n || ++rp.passes % SWEEP_EVERY == 0) {
		sweep_map(obj->maps.pending);
		sweep_map(obj->maps.client_kinds);
		sweep_map(obj->maps.early);
		sweep_map(obj->maps.conns);
		sweep_map(obj->maps.unix_peers);
	}
	return rp.nout;
}
