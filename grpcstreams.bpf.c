// SPDX-License-Identifier: GPL-2.0
/*
 * grpcstreams: grpc-go streams keyed by (process, connection, HTTP/2 stream
 * id), with the key collisions a stream-id-only key would have had.
 *
 * Go specifics that shape this file (see the design notes):
 * - Go's register ABI: arguments and results in RAX, RBX, RCX, RDI, RSI,
 *   R8, R9, R10, R11; R14 holds the current goroutine. Goroutines move
 *   between threads, so NewStream's entry and return are paired by
 *   (tgid, g), never by thread id.
 * - No uretprobes: they corrupt Go stacks. Returns are plain uprobes on the
 *   RET instructions, found by disassembly in user space.
 * - An entry probe sits on the stack-check JBE when the function has one;
 *   a hit where the branch is taken is the pass before runtime.morestack,
 *   after which the function starts again, so it is skipped.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "grpcstreams.h"

#define X86_EFLAGS_CF	0x0001
#define X86_EFLAGS_ZF	0x0040

const volatile __u32 targ_tgid = 0;
const volatile __u64 wakeup_bytes = 1 << 20;
const volatile struct go_offsets off = {};

struct goroutine_key {
	__u64 g;
	__u32 tgid;
	__u32 pad;
};

/* State carried from NewStream's entry to its return. */
struct pending {
	struct stream_info info;
	__u64 conn;
};

/* A stream whose first closeStream ran before NewStream returned. */
struct early_close {
	__u64 end_ns;
	__s32 status;
	__u32 flags;
};

struct sid_key {
	__u32 tgid;
	__u32 sid;
};

/* Live streams with this stream id in this process, on any connection. */
struct sid_live {
	__u64 conn;	/* connection of the newest one */
	__u32 count;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PENDING);
	__type(key, struct goroutine_key);
	__type(value, struct pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_STREAMS);
	__type(key, struct stream_key);
	__type(value, struct stream_info);
} streams SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PENDING);
	__type(key, struct stream_key);
	__type(value, struct early_close);
} early SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_STREAMS);
	__type(key, struct sid_key);
	__type(value, struct sid_live);
} sids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct proc_counts);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

__u64 hits[PROBE_COUNT] = {};
__u64 stack_skips = 0;	/* stack-check hits ignored: morestack, then re-entry */
__u64 lost_events = 0;

static __always_inline __u64 read_u64(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline __u32 read_u32(__u64 addr)
{
	__u32 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/*
 * Common checks for every probe: our process, and not the pre-morestack
 * pass through a stack-check site (JBE taken: CF or ZF set).
 */
static __always_inline bool skip_hit(struct pt_regs *ctx, enum probe_id id)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (targ_tgid && tgid != targ_tgid)
		return true;
	if ((bpf_get_attach_cookie(ctx) & COOKIE_STACK_CHECK) &&
	    (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF))) {
		__sync_fetch_and_add(&stack_skips, 1);
		return true;
	}
	__sync_fetch_and_add(&hits[id], 1);
	return false;
}

static __always_inline struct proc_counts *proc_counts(__u32 tgid)
{
	static const struct proc_counts zero = {};
	struct proc_counts *c = bpf_map_lookup_elem(&counts, &tgid);

	if (c)
		return c;
	bpf_map_update_elem(&counts, &tgid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&counts, &tgid);
}

/* Submit without waking user space unless the ring is filling up. */
static __always_inline void submit(struct event *e)
{
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

static __always_inline struct event *reserve(void)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&lost_events, 1);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	return e;
}

/* grpc-go's per-process connection counter, so "conn" survives reuse. */
static __always_inline __u64 conn_id(__u64 conn)
{
	return off.client_conn_id >= 0 ? read_u64(conn + off.client_conn_id) : 0;
}

static __always_inline void collision(const struct stream_key *k,
				      enum collision_kind kind, __u64 other,
				      __u32 nextid)
{
	struct proc_counts *c = proc_counts(k->tgid);
	struct event *e;

	if (c && kind < COLL_KINDS)
		__sync_fetch_and_add(&c->collisions[kind], 1);
	e = reserve();
	if (!e)
		return;
	e->type = EVENT_COLLISION;
	e->kind = kind;
	e->tgid = k->tgid;
	e->conn = k->conn;
	e->sid = k->sid;
	e->info.conn_id = conn_id(k->conn);
	e->other_conn = other;
	e->info.entry_nextid = nextid;
	e->end_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	submit(e);
}

/* net.Addr interface → *net.TCPAddr → IP bytes and port. */
static __always_inline void read_peer(struct stream_info *info, __u64 conn)
{
	__u64 addr, ip, len;

	if (off.client_remote_addr < 0 || off.tcpaddr_ip < 0)
		return;
	addr = read_u64(conn + off.client_remote_addr + 8);
	if (!addr)
		return;
	ip = read_u64(addr + off.tcpaddr_ip);
	len = read_u64(addr + off.tcpaddr_ip + 8);
	/* A non-TCP address (unix socket) fails this shape check. */
	if (!ip || (len != 4 && len != 16))
		return;
	bpf_probe_read_user(info->peer_ip, len & 16 ? 16 : 4, (void *)ip);
	info->peer_ip_len = len;
	info->peer_port = read_u64(addr + off.tcpaddr_port);
}

static __always_inline void emit_stream(const struct stream_key *k,
					const struct stream_info *info,
					__u64 end_ns, __s32 status, __u32 flags)
{
	struct proc_counts *c = proc_counts(k->tgid);
	struct event *e;

	if (c)
		__sync_fetch_and_add(&c->ended, 1);
	e = reserve();
	if (!e)
		return;
	e->type = EVENT_STREAM;
	e->side = SIDE_CLIENT;
	e->tgid = k->tgid;
	e->conn = k->conn;
	e->sid = k->sid;
	e->end_ns = end_ns;
	e->status = status;
	e->flags = flags | (status ? EF_ERROR : 0);
	__builtin_memcpy(&e->info, info, sizeof(*info));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	submit(e);
}

static __always_inline void sid_inc(const struct stream_key *k, __u32 nextid)
{
	struct sid_key sk = { .tgid = k->tgid, .sid = k->sid };
	struct sid_live *v = bpf_map_lookup_elem(&sids, &sk);
	struct sid_live nv = { .conn = k->conn, .count = 1 };

	if (!v) {
		if (!bpf_map_update_elem(&sids, &sk, &nv, BPF_NOEXIST))
			return;
		v = bpf_map_lookup_elem(&sids, &sk);
		if (!v)
			return;
	}
	if (v->count && v->conn != k->conn)
		collision(k, COLL_SHADOW, v->conn, nextid);
	__sync_fetch_and_add(&v->count, 1);
	v->conn = k->conn;
}

static __always_inline void sid_dec(const struct stream_key *k)
{
	struct sid_key sk = { .tgid = k->tgid, .sid = k->sid };
	struct sid_live *v = bpf_map_lookup_elem(&sids, &sk);

	if (v && v->count)
		__sync_fetch_and_add(&v->count, -1);
}

/*
 * (*http2Client).NewStream(ctx, callHdr) entry: RAX = t, RBX:RCX = ctx,
 * RDI = callHdr. The stream id is not known yet (it is assigned under t.mu
 * inside controlBuf.executeAndPut); nextID is read only to show how often
 * an entry-time read would have been wrong.
 */
SEC("uprobe")
int newstream_entry(struct pt_regs *ctx)
{
	struct goroutine_key gk = {};
	struct pending *p;
	__u64 hdr, str, len;
	__u32 zero = 0;

	if (skip_hit(ctx, PROBE_NEWSTREAM_ENTRY))
		return 0;
	p = bpf_map_lookup_elem(&scratch, &zero);
	if (!p)
		return 0;
	gk.tgid = bpf_get_current_pid_tgid() >> 32;
	gk.g = ctx->r14;
	p->conn = ctx->ax;
	p->info.start_ns = bpf_ktime_get_ns();
	p->info.entry_nextid = read_u32(p->conn + off.client_nextid);
	hdr = ctx->di;
	str = read_u64(hdr + off.callhdr_method);
	len = read_u64(hdr + off.callhdr_method + 8);
	if (len > METHOD_LEN - 1)
		len = METHOD_LEN - 1;
	p->info.method_len = len;
	p->info.method[0] = '\0';
	bpf_probe_read_user(p->info.method, len & (METHOD_LEN - 1), (void *)str);
	bpf_map_update_elem(&pending, &gk, p, BPF_ANY);
	return 0;
}

/*
 * At a RET of NewStream: RAX = *Stream, RBX:RCX = error. The id in the
 * returned stream is final.
 */
SEC("uprobe")
int newstream_return(struct pt_regs *ctx)
{
	struct goroutine_key gk = {};
	struct stream_key k = {};
	struct proc_counts *c;
	struct early_close *ec;
	struct pending *p;
	__u64 s;

	if (skip_hit(ctx, PROBE_NEWSTREAM_RETURN))
		return 0;
	gk.tgid = bpf_get_current_pid_tgid() >> 32;
	gk.g = ctx->r14;
	p = bpf_map_lookup_elem(&pending, &gk);
	if (!p)
		return 0;
	s = ctx->ax;
	if (ctx->bx || !s)	/* failed: no stream was created */
		goto out;
	k.tgid = gk.tgid;
	k.conn = p->conn;
	k.sid = read_u32(s + off.stream_id);
	/* Once per stream, so that open streams show them too. */
	p->info.conn_id = conn_id(k.conn);
	read_peer(&p->info, k.conn);
	c = proc_counts(k.tgid);
	if (c)
		__sync_fetch_and_add(&c->started, 1);
	if (p->info.entry_nextid != k.sid)
		collision(&k, COLL_NEXTID_RACE, 0, p->info.entry_nextid);

	/*
	 * The reader goroutine may have closed the stream already, if this
	 * goroutine was descheduled between executeAndPut and its return.
	 * A close recorded before this call started belongs to an earlier
	 * connection at the same address and is stale.
	 */
	ec = bpf_map_lookup_elem(&early, &k);
	if (ec && ec->end_ns >= p->info.start_ns) {
		emit_stream(&k, &p->info, ec->end_ns, ec->status,
			    ec->flags | EF_EARLY_CLOSE);
		bpf_map_delete_elem(&early, &k);
		goto out;
	}
	if (ec)
		bpf_map_delete_elem(&early, &k);
	if (bpf_map_update_elem(&streams, &k, &p->info, BPF_NOEXIST)) {
		/* Must never happen: the composite key itself repeated. */
		collision(&k, COLL_DUPLICATE, k.conn, p->info.entry_nextid);
		bpf_map_update_elem(&streams, &k, &p->info, BPF_ANY);
	} else {
		sid_inc(&k, p->info.entry_nextid);
	}
out:
	bpf_map_delete_elem(&pending, &gk);
	return 0;
}

/* grpc status code from a *status.Status (nil means OK). */
static __always_inline __s32 status_code(__u64 st)
{
	__u64 s;

	if (!st || off.status_s < 0 || off.spb_code < 0)
		return 0;
	s = read_u64(st + off.status_s);
	if (!s)
		return 0;
	return (__s32)read_u32(s + off.spb_code);
}

/*
 * (*http2Client).closeStream(s, err, rst, rstCode, st, mdata, eos):
 * RAX = t, RBX = s, RCX:RDI = err, RSI = rst, R8 = rstCode, R9 = st.
 * It runs two or three times per stream; grpc-go honours only the first
 * (swapState), and so do we: the stream leaves the map on the first call.
 */
SEC("uprobe")
int closestream(struct pt_regs *ctx)
{
	struct stream_key k = {};
	struct stream_info *info;
	struct early_close ec = {};
	struct pending *p;
	__u32 zero = 0;
	__s32 status;

	if (skip_hit(ctx, PROBE_CLOSESTREAM))
		return 0;
	p = bpf_map_lookup_elem(&scratch, &zero);
	if (!p)
		return 0;
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	k.conn = ctx->ax;
	k.sid = read_u32(ctx->bx + off.stream_id);
	/*
	 * A later call finds the stream done already; skipping it here keeps
	 * the maps free of closes that mean nothing.
	 */
	if (off.stream_state >= 0 &&
	    read_u32(ctx->bx + off.stream_state) == STREAM_DONE)
		return 0;
	status = status_code(ctx->r9);
	/* An error without a status is grpc's Unknown. */
	if (!ctx->r9 && ctx->cx)
		status = 2;
	info = bpf_map_lookup_elem(&streams, &k);
	if (!info) {
		/* Not (yet) known: NewStream's return will pick it up. */
		ec.end_ns = bpf_ktime_get_ns();
		ec.status = status;
		bpf_map_update_elem(&early, &k, &ec, BPF_ANY);
		return 0;
	}
	/*
	 * Two first-time closes can race (reader goroutine and CloseStream
	 * both entering before either swaps the state): the delete is the
	 * atomic claim, so only its winner reports the stream. The value is
	 * copied first because a deleted element may be reused at once.
	 */
	__builtin_memcpy(&p->info, info, sizeof(*info));
	if (bpf_map_delete_elem(&streams, &k))
		return 0;
	emit_stream(&k, &p->info, bpf_ktime_get_ns(), status, 0);
	sid_dec(&k);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
