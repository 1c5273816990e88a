// SPDX-License-Identifier: GPL-2.0
/*
 * grpcstreams: grpc-go streams keyed by (process, connection, HTTP/2 stream
 * id), client and server side, with the key collisions a stream-id-only key
 * would have had.
 *
 * Go specifics that shape this file (see the design notes):
 * - Go's register ABI: arguments and results in RAX, RBX, RCX, RDI, RSI,
 *   R8, R9, R10, R11; R14 holds the current goroutine. Goroutines move
 *   between threads, so NewStream's entry and return are paired by
 *   (tgid, g), never by thread id.
 * - No return probes of the kernel's kind: they rewrite the return address
 *   on a Go stack, which the runtime moves. A return is a plain uprobe on
 *   the branch after the CALL in each caller (or on the RETs), found by
 *   disassembly in user space.
 * - An entry probe sits on the stack-check JBE when the function has one;
 *   a hit where the branch is taken is the pass before runtime.morestack,
 *   after which the function starts again, so it is skipped.
 */
/*
 * The only kernel struct read is pt_regs, the uprobe's context, whose x86-64
 * layout is ABI: no CO-RE relocation for it, so that libbpf need not read
 * and parse the kernel's BTF (5 MB) at every start.
 */
#define BPF_NO_PRESERVE_ACCESS_INDEX
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "grpcstreams.h"

#define X86_EFLAGS_CF	0x0001
#define X86_EFLAGS_ZF	0x0040
#define GO_ITAB_HASH	16	/* runtime.itab.hash: the dynamic type's hash */

const volatile __u32 targ_tgid = 0;
/* Events per CPU between wakeups; user space sets it (see submit()). */
const volatile __u64 wake_every = 1024;
/* Hash of *http2Server in its ServerTransport itab; 0: don't check. */
const volatile __u32 server_type_hash = 0;
/* Type hashes of *net.TCPAddr and *net.UnixAddr (see read_peer); 0: none. */
const volatile __u32 tcpaddr_hash = 0;
const volatile __u32 unixaddr_hash = 0;
/*
 * A program loaded at its link addresses (not PIE): its read-only data
 * [ro_lo, ro_hi), where Go's string constants are, the same in all its
 * processes and never written; and the address of grpc.statusOK, the
 * *status.Status every OK server stream ends with. 0: unknown.
 */
const volatile __u64 ro_lo = 0;
const volatile __u64 ro_hi = 0;
const volatile __u64 status_ok_var = 0;
const volatile struct go_offsets off = {};
/*
 * -F: NewStream's entry and newClientStream are probed too (kind, entry-time
 * nextID, latency from the entry), two more hits per client RPC. Without
 * it the client side is NewStream's return and the first closeStream only.
 */
const volatile bool client_entry = false;
/*
 * The client's end is probed where the RPC closes its stream, which is
 * always after NewStream's return: no close can come first (see "early").
 */
const volatile bool close_after_start = false;
/* --bench-trap-only: a hit is counted and nothing else (see skip_hit). */
const volatile bool trap_only = false;

struct goroutine_key {
	__u64 g;
	__u32 tgid;
	__u32 pad;
};

/* State carried from NewStream's entry to its return. */
struct pending {
	struct stream_info info;
	__u64 conn;
	__u64 ret;	/* return address at entry (before the frame is set up) */
};

/* A stream whose first closeStream ran before NewStream returned. */
struct early_close {
	__u64 end_ns;
	__u64 stream;	/* the *Stream closed: a record left by another is stale */
	__s32 status;
	__u32 flags;
};

/* What a connection shows in every stream; read once per connection. */
struct conn_val {
	__u64 conn_id;
	__u32 last_sid;	/* the stream id the entry was made for */
	__u32 peer_port;
	__u32 peer_type;
	__u32 pad;
	__u8 peer_ip[16];
	char comm[TASK_COMM_LEN];	/* a copy per stream cost ~0.25 us */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PENDING);
	__type(key, struct goroutine_key);
	__type(value, struct pending);
} pending SEC(".maps");

/* RPC kind of the newClientStream call a goroutine is in. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PENDING);
	__type(key, struct goroutine_key);
	__type(value, __u32);
} client_kinds SEC(".maps");

/*
 * Live streams, in a direct-mapped table: an inlined array lookup and two
 * atomic operations per stream, where a hash map's insert and delete cost
 * ~0.25 us in a tight loop and more under load (bucket locks, LRU lists).
 * A stream whose slot is held by another goes to "streams" instead; when
 * none is there (overflow_live 0), nobody looks there.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LIVE_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct live_slot);
} live SEC(".maps");

/* Slots used, less one: fewer only to test the overflow path. */
const volatile __u32 live_mask = LIVE_SLOTS - 1;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_STREAMS);
	__type(key, struct stream_key);
	__type(value, struct stream_info);
} streams SEC(".maps");

/* Streams in "streams" now; written only when a slot was taken. */
__u64 overflow_live = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_PENDING);
	__type(key, struct stream_key);
	__type(value, struct early_close);
} early SEC(".maps");

/*
 * Stream ids live in a process, on any connection: what tells a shadow. A
 * direct-mapped table (an array lookup, which the verifier inlines), where
 * a hash map's insert and delete cost more than the rest of a probe. A slot
 * has SID_CELLS cells; a live stream holds one with its connection (47 bits,
 * user addresses) and a 17-bit tag of its id, side and pid, so that ids
 * sharing a slot keep apart. A stream takes its cell *before* it looks at
 * the others and frees it when it ends: of two streams that overlap, at
 * least one sees the other, and what it sees is a connection on which the
 * id is live at that moment. (A count of the id's live streams plus the
 * newest connection, written after the count, named a connection that was
 * not written yet, or had ended, when two streams started at once.) With
 * all cells held a stream still looks, but is not seen.
 */
#define SID_SLOTS	65536
#define SID_CELLS	4
#define SID_CONN_BITS	47

struct sid_slot {
	__u64 cell[SID_CELLS];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SID_SLOTS);
	__type(key, __u32);
	__type(value, struct sid_slot);
} sids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

/*
 * Connections seen: a user-space read costs ~0.2 us here, and a
 * connection carries many streams. LRU: closed ones age out; an address
 * reused by a new connection is told by its connectionID (see conn_info).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct conn_key);
	__type(value, struct conn_val);
} conns SEC(".maps");

/*
 * Unix peers whose name is longer than a stream carries, written once per
 * connection (from a per-CPU buffer: the name does not fit on the stack);
 * user space looks a connection up when it first shows one of its streams.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct conn_key);
	__type(value, struct unix_peer);
} unix_peers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unix_peer);
} unix_scratch SEC(".maps");

/*
 * A few connections per CPU, in front of "conns": the hash map's lookup
 * (a call, jhash, the LRU's reference bit) cost ~0.15 us of a stream's
 * start, an inlined array lookup a few ns. An entry counts while
 * conns_gen is what it was when the entry was filled: conns_gen is raised
 * whenever an entry of "conns" is made or remade (a connection seen for
 * the first time, or an address reused), so that no CPU keeps a stale one.
 */
#define CONN_CACHE	16

struct conn_cached {
	struct conn_key key;
	struct conn_val val;
	__u64 gen;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CONN_CACHE);
	__type(key, __u32);
	__type(value, struct conn_cached);
} conn_cache SEC(".maps");

__u64 conns_gen = 0;

/*
 * Methods that are string constants (a client's generated stub), per CPU
 * by address: their bytes never change, and a copy from here costs a few
 * ns where a read of the target's memory costs ~0.13 us.
 */
#define METHOD_CACHE	16

struct method_cached {
	__u64 str;
	__u64 len;
	char bytes[METHOD_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, METHOD_CACHE);
	__type(key, __u32);
	__type(value, struct method_cached);
} method_cache SEC(".maps");

/*
 * A value per CPU and the process it was read in: the *http2Server itab
 * last checked (see server_conn), grpc.statusOK's value (see status_ok).
 */
enum seen_kind { SEEN_ITAB, SEEN_STATUS_OK, SEEN_KINDS };

struct proc_seen {
	__u64 val;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SEEN_KINDS);
	__type(key, __u32);
	__type(value, struct proc_seen);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);	/* mapped twice by user space: 16 MiB of RSS */
} events SEC(".maps");

/* This CPU's counters (an array lookup the verifier inlines). */
static __always_inline struct stats *cpu_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

/*
 * Per CPU, yet atomic: another uprobe program can preempt this one on the
 * same CPU. Uncontended, it costs next to nothing.
 */
#define STAT_INC(field)						\
	do {							\
		struct stats *__s = cpu_stats();		\
		if (__s)					\
			__sync_fetch_and_add(&__s->field, 1);	\
	} while (0)

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
 * Argument register I of a Go function (ABIInternal order). Through a stack
 * array: a switch on I compiles to a load at ctx + variable offset, which
 * the verifier refuses.
 */
static __always_inline __u64 go_arg(struct pt_regs *ctx, __s32 i)
{
	__u64 regs[9] = { ctx->ax, ctx->bx, ctx->cx, ctx->di, ctx->si,
			  ctx->r8, ctx->r9, ctx->r10, ctx->r11 };

	if (i < 0 || i > 8)
		return 0;
	return regs[i];
}

/* The Stream inside a *ClientStream / *ServerStream (or the *Stream itself). */
static __always_inline __u64 stream_base(__u64 p, __s32 deref)
{
	__u64 v = 0;

	if (deref < 0)
		return p;
	bpf_probe_read_user(&v, sizeof(v), (void *)(p + deref));
	return v;
}

static __always_inline __u8 read_u8(__u64 addr)
{
	__u8 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/*
 * Common checks for every probe: our process, and not the pre-morestack
 * pass through a stack-check site (JBE taken: CF or ZF set). A hit that
 * passes is counted; with trap_only (make bench's "trap" line) it then
 * goes no further. TGID and COOKIE are the caller's, read once: a helper
 * call costs tens of ns here (every kernel return goes through the SRSO
 * safe-RET thunk on these CPUs).
 */
static __always_inline bool skip_hit(struct pt_regs *ctx, enum probe_id id, __u32 tgid,
				     __u64 cookie)
{
	if (targ_tgid && tgid != targ_tgid)
		return true;
	if ((cookie & COOKIE_STACK_CHECK) &&
	    (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF))) {
		STAT_INC(stack_skips);
		return true;
	}
	STAT_INC(hits[id]);
	return trap_only;
}

/* Goroutines move between threads: state is per (process, g), g in R14. */
static __always_inline struct goroutine_key goroutine(struct pt_regs *ctx, __u32 tgid)
{
	struct goroutine_key gk = {
		.g = ctx->r14,
		.tgid = tgid,
	};

	return gk;
}

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

/* grpc-go's per-process connection counter, so "conn" survives reuse. */
static __always_inline __u64 conn_id(__u64 conn, __u32 side)
{
	__s32 o = side == SIDE_SERVER ? off.server_conn_id : off.client_conn_id;

	return o >= 0 ? read_u64(conn + o) : 0;
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

/*
 * A Go string's bytes (pointer STR, length LEN) into the info's method: the
 * first METHOD_LEN - 1 of them; method_len keeps the string's own length,
 * so that user space can say a longer name was cut.
 */
static __always_inline void copy_method(struct stream_info *info, __u64 str, __u64 len)
{
	struct method_cached *c = NULL;
	__u32 i = (__u32)(str >> 3) & (METHOD_CACHE - 1);

	info->method_len = len > 0xffffffff ? 0xffffffff : len;
	if (len > METHOD_LEN - 1)
		len = METHOD_LEN - 1;
	info->method[0] = '\0';
	if (str >= ro_lo && str + len <= ro_hi)
		c = bpf_map_lookup_elem(&method_cache, &i);
	if (c && c->str == str && c->len == len) {
		__builtin_memcpy(info->method, c->bytes, METHOD_LEN);
		/* A run preempted while another on this CPU refilled it? */
		barrier();
		if (c->str == str)
			return;
	}
	if (bpf_probe_read_user(info->method, len & (METHOD_LEN - 1), (void *)str) || !c)
		return;
	c->str = 0;
	barrier();
	__builtin_memcpy(c->bytes, info->method, METHOD_LEN);
	c->len = len;
	barrier();
	c->str = str;
}

/* A Go string (pointer, length) at ADDR into the info's method. */
static __always_inline void read_method(struct stream_info *info, __u64 addr)
{
	__u64 hdr[2] = {};	/* one read for both words: each read costs */

	bpf_probe_read_user(hdr, sizeof(hdr), (void *)addr);
	copy_method(info, hdr[0], hdr[1]);
}

#define GATHER_SPAN	128

/*
 * What a stream probe reads of one object, in one read when it lies
 * within GATHER_SPAN bytes (each read costs ~0.2 us here): the stream id
 * (4 bytes at ID), the method's string header (16 at STR) and, with W >= 0,
 * WLEN (8 or 16) bytes at W. Offsets are constants of the loaded program,
 * so the verifier knows every index. False when they do not fit.
 */
static __always_inline bool gather(__u64 obj, __s32 id, __s32 str, __s32 w, __u32 wlen,
				   __u32 *sid, __u64 hdr[2], __u64 word[2])
{
	__u8 buf[GATHER_SPAN];
	__s32 lo = id, hi = id + 4;

	if (str < lo)
		lo = str;
	if (str + 16 > hi)
		hi = str + 16;
	if (w >= 0 && w < lo)
		lo = w;
	if (w >= 0 && w + (__s32)wlen > hi)
		hi = w + wlen;
	lo &= ~7;	/* the verifier refuses a misaligned 8-byte stack load */
	if (lo < 0 || hi - lo > GATHER_SPAN || (wlen != 8 && wlen != 16))
		return false;
	if (bpf_probe_read_user(buf, hi - lo, (void *)(obj + lo)))
		return false;
	*sid = *(__u32 *)(buf + (id - lo));
	hdr[0] = *(__u64 *)(buf + (str - lo));
	hdr[1] = *(__u64 *)(buf + (str - lo) + 8);
	if (w >= 0) {
		word[0] = *(__u64 *)(buf + (w - lo));
		if (wlen == 16)
			word[1] = *(__u64 *)(buf + (w - lo) + 8);
	}
	return true;
}

#define PAIR_SPAN	272

/*
 * A stream id (4 bytes at ID) and a word (8 at W) of one object, in one
 * read when they lie within PAIR_SPAN bytes. False when they do not.
 */
static __always_inline bool read_pair(__u64 obj, __s32 id, __s32 w, __u32 *sid, __u64 *word)
{
	__u8 buf[PAIR_SPAN];
	__s32 lo = (id < w ? id : w) & ~7, hi = id + 4 > w + 8 ? id + 4 : w + 8;

	/* lo 8-aligned: the verifier refuses a misaligned 8-byte stack load */
	if (lo < 0 || hi - lo > PAIR_SPAN ||
	    bpf_probe_read_user(buf, hi - lo, (void *)(obj + lo)))
		return false;
	*sid = *(__u32 *)(buf + (id - lo));
	*word = *(__u64 *)(buf + (w - lo));
	return true;
}

/*
 * The peer's fields are read into the per-CPU buffer U (the stack is full):
 * U->name as 16 words. A *net.TCPAddr at ADDR: IP bytes and port.
 */
static __always_inline void read_tcp_peer(struct conn_val *cv, struct unix_peer *u, __u64 addr)
{
	__u64 *w = (__u64 *)u->name;	/* IP slice (pointer, length, capacity), Port */
	__s32 ip = off.tcpaddr_ip, port = off.tcpaddr_port;

	if (ip < 0 || port < 0)
		return;
	/* Port right after the slice (every Go so far): one read for both. */
	if (port == ip + 24) {
		if (bpf_probe_read_user(w, 32, (void *)(addr + ip)))
			return;
	} else if (bpf_probe_read_user(w, 16, (void *)(addr + ip)) ||
		   bpf_probe_read_user(&w[3], 8, (void *)(addr + port))) {
		return;
	}
	if (!w[0] || (w[1] != 4 && w[1] != 16))
		return;
	if (bpf_probe_read_user(cv->peer_ip, w[1] & 16 ? 16 : 4, (void *)w[0]))
		return;
	cv->peer_type = w[1] == 4 ? PEER_IP4 : PEER_IP6;
	cv->peer_port = w[3];
}

/*
 * A *net.UnixAddr at ADDR: its Name, as long as it is (PEER_UNIX with
 * length 0: Go names an unnamed socket "" or "@"). The first 16 bytes go
 * with every stream; a longer name goes to "unix_peers" as well.
 */
static __always_inline void read_unix_peer(struct conn_val *cv, const struct conn_key *ck,
					   struct unix_peer *u, __u64 addr)
{
	__u64 *w = (__u64 *)u->name, str;	/* the string: pointer, length */
	__u32 len;

	if (off.unixaddr_name < 0 ||
	    bpf_probe_read_user(w, 16, (void *)(addr + off.unixaddr_name)))
		return;
	str = w[0];
	len = w[1] > UNIX_NAME_LEN - 1 ? UNIX_NAME_LEN - 1 : w[1];
	if (len && (!str || bpf_probe_read_user(u->name, len & (UNIX_NAME_LEN - 1), (void *)str)))
		return;
	__builtin_memcpy(cv->peer_ip, u->name, sizeof(cv->peer_ip));
	if (len > sizeof(cv->peer_ip)) {
		u->conn_id = cv->conn_id;
		u->len = len;
		bpf_map_update_elem(&unix_peers, ck, u, BPF_ANY);
	}
	if (len == 1 && cv->peer_ip[0] == '@')
		len = 0;
	cv->peer_type = PEER_UNIX;
	cv->peer_port = len;
}

/*
 * The peer of connection CK, from its net.Addr interface at IFACE: the
 * dynamic type first (the hash in the itab the type word points at), then
 * the fields of that type. One read more than a TCP-only reader, once per
 * connection.
 */
static __always_inline void read_peer(struct conn_val *cv, const struct conn_key *ck,
				      __u64 iface)
{
	__u32 zero = 0, hash = 0;
	struct unix_peer *u = bpf_map_lookup_elem(&unix_scratch, &zero);
	__u64 *w, itab, data;

	cv->peer_type = PEER_NONE;
	if (!u)
		return;
	w = (__u64 *)u->name;
	if (bpf_probe_read_user(w, 16, (void *)iface) || !w[0] || !w[1])
		return;
	itab = w[0];
	data = w[1];
	cv->peer_type = PEER_OTHER;
	if (bpf_probe_read_user(&hash, sizeof(hash), (void *)(itab + GO_ITAB_HASH)))
		return;
	if (tcpaddr_hash && hash == tcpaddr_hash)
		read_tcp_peer(cv, u, data);
	else if (unixaddr_hash && hash == unixaddr_hash)
		read_unix_peer(cv, ck, u, data);
}

static __always_inline bool conn_cached_is(const struct conn_cached *c,
					    const struct conn_key *ck)
{
	return c->key.conn == ck->conn && c->key.tgid == ck->tgid && c->key.side == ck->side;
}

static __always_inline void conn_fill(struct stream_info *info, const struct conn_val *v)
{
	info->conn_id = v->conn_id;
	info->peer_port = v->peer_port;
	info->peer_type = v->peer_type;
	__builtin_memcpy(info->peer_ip, v->peer_ip, sizeof(info->peer_ip));
	__builtin_memcpy(info->comm, v->comm, sizeof(info->comm));
}

/*
 * The connection's id, peer and process name into INFO, for a stream SID
 * on it: from the conns map when this connection was seen before. A freed connection's
 * address can be reused by a new one, whose stream ids start again at 1:
 * when SID is not above the id the entry was made for, connectionID is
 * read again. That id is not raised as streams go by: the entry stays
 * read-only, where a write per stream would move its cache line between
 * CPUs on every stream; only streams that start out of order right after
 * it was made cost a read.
 */
static __always_inline void conn_info(struct stream_info *info, __u32 tgid, __u64 conn,
				      __u32 side, __u32 sid)
{
	struct conn_key ck = { .conn = conn, .tgid = tgid, .side = side };
	struct conn_val cv = {}, *v;
	__s32 peer = side == SIDE_SERVER ? off.server_peer : off.client_remote_addr;
	__u32 i = (__u32)((conn >> 4) ^ (conn >> 12) ^ tgid ^ side) & (CONN_CACHE - 1);
	struct conn_cached *c = bpf_map_lookup_elem(&conn_cache, &i);
	__u64 gen = *(volatile __u64 *)&conns_gen;

	if (c && c->gen == gen && conn_cached_is(c, &ck) && sid > c->val.last_sid) {
		conn_fill(info, &c->val);
		/*
		 * Per CPU, but a run preempted while another on this CPU
		 * refills the entry (it clears the key first) must not keep
		 * a mix of two.
		 */
		barrier();
		if (conn_cached_is(c, &ck))
			return;
	}
	v = bpf_map_lookup_elem(&conns, &ck);
	if (v) {
		if (sid > v->last_sid)
			goto fill;
		cv.conn_id = conn_id(conn, side);
		if (cv.conn_id == v->conn_id)
			goto fill;
	} else {
		cv.conn_id = conn_id(conn, side);
	}
	cv.last_sid = sid;
	bpf_get_current_comm(cv.comm, sizeof(cv.comm));
	if (peer >= 0)
		read_peer(&cv, &ck, conn + peer);
	bpf_map_update_elem(&conns, &ck, &cv, BPF_ANY);
	/* After the update: a CPU that reads the new gen finds the new entry. */
	__sync_fetch_and_add(&conns_gen, 1);
	v = &cv;
fill:
	conn_fill(info, v);
	if (!c)
		return;
	c->key.conn = 0;
	barrier();
	c->val = *v;
	c->gen = gen;	/* read before the lookup: a later remake voids it */
	barrier();
	c->key = ck;
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

static __always_inline void emit_stream(const struct stream_key *k,
					const struct stream_info *info,
					__u64 end_ns, __s32 status, __u32 flags)
{
	struct event *e;

	count_ended();
	e = stream_event(k, info, end_ns, status, flags);
	if (e)
		submit(e);
}

/*
 * K's slot in "sids" and (CELL) the value its stream holds there; NULL for
 * a connection that is not a user address (the tag would overlap it).
 */
static __always_inline struct sid_slot *sid_slot(const struct stream_key *k, __u32 side,
					       __u64 *cell)
{
	__u64 h = ((__u64)k->sid << 32 | k->tgid) ^ ((__u64)side << 63);
	__u32 i = ((k->sid >> 1) + k->tgid * 0x9e3779b1U + side * 0x85ebca6bU) & (SID_SLOTS - 1);

	if (k->conn >> SID_CONN_BITS)
		return NULL;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	*cell = (h & ~((1ULL << SID_CONN_BITS) - 1)) | k->conn;
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
	s->key = *k;
	__builtin_memcpy(&s->info, info, sizeof(*info));
	__sync_val_compare_and_swap(&s->tag, LIVE_BUSY, tag);
	return old ? 1 : 0;
}

/* A new live stream: count it, insert it, check both collision kinds. */
static __always_inline void stream_start(const struct stream_key *k,
					 const struct stream_info *info)
{
	int r;

	count_started();
	r = live_insert(k, info);
	if (r < 0) {
		/* Its slot is held by another stream: the hash map. */
		r = !!bpf_map_update_elem(&streams, k, info, BPF_NOEXIST);
		if (r)
			bpf_map_update_elem(&streams, k, info, BPF_ANY);
		else
			__sync_fetch_and_add(&overflow_live, 1);
	} else if (!r && overflow_live && !bpf_map_delete_elem(&streams, k)) {
		/* Live in the hash map, now in its slot too: one is enough. */
		__sync_fetch_and_sub(&overflow_live, 1);
		r = 1;
	}
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
	struct live_slot *s;
	struct event *e;
	__u64 tag;
	__u32 side;

	s = live_slot(k, &tag);
	if (s && s->tag == tag && same_key(&s->key, k)) {
		side = s->info.side;
		e = stream_event(k, &s->info, end_ns, status, flags);
		if (__sync_val_compare_and_swap(&s->tag, tag, 0) != tag)
			goto lost;
		goto won;
	}
	if (!overflow_live)
		return false;
	info = bpf_map_lookup_elem(&streams, k);
	if (!info)
		return false;
	side = info->side;
	e = stream_event(k, info, end_ns, status, flags);
	if (bpf_map_delete_elem(&streams, k))
		goto lost;
	__sync_fetch_and_sub(&overflow_live, 1);
won:
	count_ended();
	if (e)
		submit(e);
	sid_end(k, side);
	return true;
lost:
	if (e)
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
	return true;
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
 * Keep VAL for TGID. The tgid is cleared first and set last: a run
 * preempted meanwhile by another on this CPU never takes one process's
 * value for another's.
 */
static __always_inline void seen_set(struct proc_seen *s, __u64 val, __u32 tgid)
{
	s->tgid = 0;
	barrier();
	s->val = val;
	barrier();
	s->tgid = tgid;
}

/* The value kept for TGID, if S holds one (read as seen_set writes it). */
static __always_inline bool seen_get(const struct proc_seen *s, __u32 tgid, __u64 *val)
{
	if (s->tgid != tgid)
		return false;
	*val = s->val;
	barrier();
	return s->tgid == tgid;
}

/*
 * grpc.statusOK's value (a *status.Status) in process TGID, read once per
 * CPU and process: a server stream that ends with it is OK, without the
 * two reads status_code() takes. 0 when unknown.
 */
static __always_inline __u64 status_ok(__u32 tgid)
{
	__u32 kind = SEEN_STATUS_OK;
	struct proc_seen *s;
	__u64 p;

	if (!status_ok_var)
		return 0;
	s = bpf_map_lookup_elem(&seen, &kind);
	if (s && seen_get(s, tgid, &p))
		return p;
	p = read_u64(status_ok_var);
	if (s && p)
		seen_set(s, p, tgid);
	return p;
}

/* RPC kind from a *grpc.StreamDesc. */
static __always_inline __u32 desc_kind(__u64 desc)
{
	__u8 b[2] = {};

	if (!desc || off.desc_server_streams < 0 || off.desc_client_streams < 0)
		return KIND_UNKNOWN;
	/* Adjacent bools (every version so far): one read. */
	if (off.desc_client_streams == off.desc_server_streams + 1) {
		bpf_probe_read_user(b, sizeof(b), (void *)(desc + off.desc_server_streams));
		return KIND_UNARY + !!b[0] + 2 * !!b[1];
	}
	return KIND_UNARY + !!read_u8(desc + off.desc_server_streams) +
	       2 * !!read_u8(desc + off.desc_client_streams);
}

/* ---- client side ---- */

/*
 * grpc.newClientStream(ctx, desc, cc, method, opts...): RAX:RBX = ctx,
 * RCX = desc. It calls the transport's NewStream in the same goroutine
 * (retries included), which picks the kind up from here.
 */
SEC("uprobe")
int client_kind(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct goroutine_key gk;
	__u32 kind;

	if (skip_hit(ctx, PROBE_CLIENT_KIND, tgid, bpf_get_attach_cookie(ctx)))
		return 0;
	gk = goroutine(ctx, tgid);
	kind = desc_kind(go_arg(ctx, off.r_ncs_desc));
	bpf_map_update_elem(&client_kinds, &gk, &kind, BPF_ANY);
	return 0;
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
	struct goroutine_key gk;
	struct pending pend = {}, *p = &pend;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *kind;

	if (skip_hit(ctx, PROBE_NEWSTREAM_ENTRY, tgid, bpf_get_attach_cookie(ctx)))
		return 0;
	gk = goroutine(ctx, tgid);
	p->conn = go_arg(ctx, off.r_ns_t);
	/* Entry sites precede the prologue's SUB: (SP) is the return address. */
	p->ret = read_u64(ctx->sp);
	p->info.side = SIDE_CLIENT;
	p->info.start_ns = bpf_ktime_get_ns();
	p->info.entry_nextid = read_u32(p->conn + off.client_nextid);
	kind = bpf_map_lookup_elem(&client_kinds, &gk);
	p->info.kind = kind ? *kind : KIND_UNKNOWN;
	read_method(&p->info, go_arg(ctx, off.r_ns_hdr) + off.callhdr_method);
	bpf_map_update_elem(&pending, &gk, p, BPF_ANY);
	return 0;
}

/*
 * Start a client stream whose id is known: S is the *Stream (*ClientStream)
 * NewStream returned, INFO everything else. The reader goroutine may have
 * closed it already, if the RPC's goroutine was descheduled between
 * executeAndPut and here, or may close it on another CPU while this runs:
 * its closeStream found no stream and left a record in "early". So insert,
 * then look: the delete in stream_end decides who reports it.
 */
static __always_inline void client_start(const struct stream_key *k, __u64 s,
					 struct stream_info *info)
{
	struct early_close *ec, e;

	stream_start(k, info);
	if (close_after_start)
		return;
	ec = bpf_map_lookup_elem(&early, k);
	if (!ec)
		return;
	e = *ec;
	bpf_map_delete_elem(&early, k);
	/* A record of another stream (an earlier connection at the same address) */
	if (e.stream != s)
		return;
	/* It ended before it was seen to start: when it started is unknown. */
	stream_end(k, e.status, e.end_ns,
		   e.flags | EF_EARLY_CLOSE | (client_entry ? 0 : EF_NO_START));
}

/*
 * NewStream has returned: at a branch right after its CALL in a caller, or
 * at one of its RETs. RAX = *Stream (*ClientStream from 1.69), RBX:RCX =
 * error (results use the argument registers from the first). The id in the
 * returned stream is final.
 */
SEC("uprobe")
int newstream_return(struct pt_regs *ctx)
{
	struct stream_info si = {}, *info = &si;
	struct stream_key k = {};
	struct goroutine_key gk;
	struct pending *p = NULL;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 s, base, cookie;

	/* No return site is a stack check: the cookie only when needed. */
	if (skip_hit(ctx, PROBE_NEWSTREAM_RETURN, tgid, 0))
		return 0;
	gk = goroutine(ctx, tgid);
	s = ctx->ax;
	if (client_entry) {
		p = bpf_map_lookup_elem(&pending, &gk);
		if (!p)
			return 0;
		/*
		 * A site in a caller follows one particular CALL, found by its
		 * itab slot: make sure it is the call this NewStream was
		 * entered from.
		 */
		cookie = bpf_get_attach_cookie(ctx);
		if ((cookie & COOKIE_CALLER_SITE) &&
		    p->ret + (cookie >> COOKIE_DELTA_SHIFT) != ctx->ip) {
			STAT_INC(caller_mismatch);
			return 0;
		}
		info = &p->info;
	}
	if (ctx->bx || !s)	/* failed: no stream was created */
		goto out;
	k.tgid = gk.tgid;
	base = stream_base(s, off.cs_deref);
	if (p) {
		k.conn = p->conn;
		k.sid = read_u32(base + off.cs_id);
	} else {
		__u64 hdr[2] = {}, ct[2] = {};

		/* id, method and ct in one read, or two, or one by one */
		if (off.cs_deref < 0 &&
		    gather(s, off.cs_id, off.cs_method, off.cs_ct, 8, &k.sid, hdr, ct)) {
			k.conn = ct[0];
		} else if (gather(base, off.cs_id, off.cs_method, -1, 8, &k.sid, hdr, ct)) {
			k.conn = read_u64(s + off.cs_ct);
		} else {
			k.sid = read_u32(base + off.cs_id);
			bpf_probe_read_user(hdr, sizeof(hdr), (void *)(base + off.cs_method));
			k.conn = read_u64(s + off.cs_ct);
		}
		/* Client stream ids are odd: else not a stream of ours. */
		if (!k.conn || !(k.sid & 1)) {
			STAT_INC(caller_mismatch);
			return 0;
		}
		info->side = SIDE_CLIENT;
		info->kind = KIND_UNKNOWN;
		info->start_ns = bpf_ktime_get_ns();
		copy_method(info, hdr[0], hdr[1]);
	}
	/* Once per stream, so that open streams show them too. */
	conn_info(info, k.tgid, k.conn, SIDE_CLIENT, k.sid);
	if (p && p->info.entry_nextid != k.sid)
		collision(&k, SIDE_CLIENT, COLL_NEXTID_RACE, 0, p->info.entry_nextid);
	client_start(&k, s, info);
out:
	if (p)
		bpf_map_delete_elem(&pending, &gk);
	return 0;
}

/*
 * (*http2Client).closeStream(s, err, rst, rstCode, st, mdata, eos):
 * RAX = t, RBX = s, RCX:RDI = err, RSI = rst, R8 = rstCode, R9 = st.
 * Probed, in this order of preference, where the RPC's goroutine calls it
 * from CloseStream with the RPC's status (COOKIE_RPC_CLOSE: once per
 * stream, after NewStream's return); past its state swap, where only the
 * first of its two or three calls goes (COOKIE_FIRST_PASS); at its entry,
 * where later calls find the stream done. The stream leaves the map once.
 */
SEC("uprobe")
int closestream(struct pt_regs *ctx)
{
	struct stream_key k = {};
	struct early_close ec = {};
	__u64 cs, s = 0, st, cookie, first = 0;
	__s32 status;

	k.tgid = bpf_get_current_pid_tgid() >> 32;
	cookie = bpf_get_attach_cookie(ctx);
	if (skip_hit(ctx, PROBE_CLOSESTREAM, k.tgid, cookie))
		return 0;
	k.conn = go_arg(ctx, off.r_cs_t);
	cs = go_arg(ctx, off.r_cs_s);	/* *Stream, or *ClientStream (1.69+) */
	/* At the RPC's close: the id and the first close's status in one read */
	if (!(cookie & COOKIE_RPC_CLOSE) || off.cs_deref >= 0 || off.cs_status < 0 ||
	    !read_pair(cs, off.cs_id, off.cs_status, &k.sid, &first)) {
		s = stream_base(cs, off.cs_deref);
		k.sid = read_u32(s + off.cs_id);
		if ((cookie & COOKIE_RPC_CLOSE) && off.cs_status >= 0)
			first = read_u64(cs + off.cs_status);
	}
	/*
	 * A later call finds the stream done already; skipping it here keeps
	 * the maps free of closes that mean nothing. Past grpc-go's own swap
	 * (COOKIE_FIRST_PASS) only the first call gets here, and the state
	 * reads done already.
	 */
	if (!(cookie & (COOKIE_FIRST_PASS | COOKIE_RPC_CLOSE)) &&
	    off.cs_state >= 0 && read_u32(s + off.cs_state) == STREAM_DONE)
		return 0;
	st = go_arg(ctx, off.r_cs_st);
	/*
	 * At the RPC's own close, the first closeStream (the reader's, on the
	 * trailers) may have run already: its status is the stream's, even
	 * where the RPC closes with another (grpc-go ends an attempt whose
	 * send met the stream's end as a success, and reads the status later).
	 */
	if (first)
		st = first;
	status = status_code(st);
	/* An error without a status is grpc's Unknown. */
	if (!st && go_arg(ctx, off.r_cs_err))
		status = 2;
	ec.end_ns = bpf_ktime_get_ns();
	ec.stream = cs;
	ec.status = status;
	/*
	 * The RPC's own close comes after NewStream's return (it closes the
	 * stream NewStream gave it): not live, it began before tracing did.
	 */
	if (stream_end(&k, status, ec.end_ns, 0) || (cookie & COOKIE_RPC_CLOSE))
		return 0;
	/* Not (yet) known: NewStream's return will pick it up... */
	bpf_map_update_elem(&early, &k, &ec, BPF_ANY);
	/* ...unless it inserted the stream meanwhile, on another CPU. */
	if (stream_end(&k, status, ec.end_ns, EF_EARLY_CLOSE))
		bpf_map_delete_elem(&early, &k);
	return 0;
}

/* ---- server side ---- */

/*
 * The server transport of a server stream, from the stream's transport
 * interface (ITAB, DATA: Stream.st, or ServerStream.st from 1.69; the
 * argument lists of the functions below changed, the stream did not).
 * Streams of other transports (ServeHTTP) never reach http2Server's
 * WriteStatus, so they must not start either: the type hash in the itab
 * tells them apart. 0 for those.
 */
static __always_inline __u64 server_conn(__u64 itab, __u64 data, __u32 tgid)
{
	__u32 kind = SEEN_ITAB;
	struct proc_seen *s;
	__u64 v;

	if (!server_type_hash)
		return data;
	/* A process has one such itab: the last one checked, per CPU. */
	s = bpf_map_lookup_elem(&seen, &kind);
	if (s && seen_get(s, tgid, &v) && v == itab)
		return data;
	if (read_u32(itab + GO_ITAB_HASH) != server_type_hash)
		return 0;
	if (s)
		seen_set(s, itab, tgid);
	return data;
}

/*
 * grpc.(*Server).processUnaryRPC / processStreamingRPC(..., stream, info,
 * md or sd, trInfo): the handler is known to exist, and so is the kind;
 * the stream's id and method are final. Not handleStream, which runs first
 * on a new goroutine: its stack check is taken once per stream (the stack
 * grows), a second hit for nothing. An unknown method never gets here:
 * server_end reports it without a start.
 */
SEC("uprobe")
int server_start(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	bool unary = cookie & COOKIE_UNARY;
	struct stream_info si = {}, *info = &si;
	__u64 stream, s, hdr[2] = {}, st[2] = {};	/* st: the transport interface */
	struct stream_key k = {};

	k.tgid = bpf_get_current_pid_tgid() >> 32;
	if (skip_hit(ctx, PROBE_SERVER_START, k.tgid, cookie))
		return 0;
	stream = go_arg(ctx, unary ? off.r_pu_stream : off.r_ps_stream);
	s = stream_base(stream, off.ss_deref);
	/* id, method and transport in one read, or two, or one by one */
	if (off.ss_deref < 0 &&
	    gather(stream, off.ss_id, off.ss_method, off.ss_transport, 16, &k.sid, hdr, st)) {
	} else if (gather(s, off.ss_id, off.ss_method, -1, 8, &k.sid, hdr, st)) {
		bpf_probe_read_user(st, sizeof(st), (void *)(stream + off.ss_transport));
	} else {
		k.sid = read_u32(s + off.ss_id);
		bpf_probe_read_user(hdr, sizeof(hdr), (void *)(s + off.ss_method));
		bpf_probe_read_user(st, sizeof(st), (void *)(stream + off.ss_transport));
	}
	k.conn = server_conn(st[0], st[1], k.tgid);
	if (!k.conn)
		return 0;
	info->start_ns = bpf_ktime_get_ns();
	info->side = SIDE_SERVER;
	info->kind = unary ? KIND_UNARY : desc_kind(go_arg(ctx, off.r_ps_sd));
	copy_method(info, hdr[0], hdr[1]);
	conn_info(info, k.tgid, k.conn, SIDE_SERVER, k.sid);
	stream_start(&k, info);
	return 0;
}

/*
 * (*http2Server).WriteStatus(s, st) (writeStatus from 1.69): every stream
 * ends here with the status its handler returned (also when the client
 * already reset the stream and nothing is sent any more); a second call
 * for the same stream finds it gone from the map, and the stream done.
 * A stream that never started (unknown method; or its handler was already
 * running when tracing began) is reported without latency and kind.
 */
SEC("uprobe")
int server_end(struct pt_regs *ctx)
{
	struct stream_info si = {}, *info = &si;
	struct stream_key k = {};
	__u64 s, st, now;
	__s32 status;

	k.tgid = bpf_get_current_pid_tgid() >> 32;
	if (skip_hit(ctx, PROBE_SERVER_END, k.tgid, bpf_get_attach_cookie(ctx)))
		return 0;
	now = bpf_ktime_get_ns();
	k.conn = go_arg(ctx, off.r_ws_t);
	s = stream_base(go_arg(ctx, off.r_ws_s), off.ss_deref);
	k.sid = read_u32(s + off.ss_id);
	st = go_arg(ctx, off.r_ws_st);
	status = st && st == status_ok(k.tgid) ? 0 : status_code(st);
	if (stream_end(&k, status, now, 0))
		return 0;
	if (off.ss_state < 0 || read_u32(s + off.ss_state) == STREAM_DONE)
		return 0;
	info->side = SIDE_SERVER;
	info->kind = KIND_UNKNOWN;
	read_method(info, s + off.ss_method);
	conn_info(info, k.tgid, k.conn, SIDE_SERVER, k.sid);
	count_started();
	emit_stream(&k, info, now, status, EF_NO_START);
	return 0;
}

/* ---- synthetic events, for the frontend's throughput test ---- */

/*
 * In .rodata, not as string literals: clang 14 puts those in a
 * .rodata.str1.1 section whose BTF the kernel refuses, and bpf_loop's
 * callback needs the program's BTF.
 */
const volatile char bench_method[METHOD_LEN] = "/bench.Synthetic/Call";
const volatile char bench_comm[TASK_COMM_LEN] = "synthetic";

static long gen_event(__u32 i, void *ctx)
{
	const struct gen_args *a = ctx;
	struct event *e = reserve();

	if (!e)
		return 0;
	e->type = EVENT_STREAM;
	e->tgid = 1;
	e->conn = 0xc000100000ULL + (i & 3) * 0x1000;
	e->sid = 2 * i + 1;
	e->end_ns = bpf_ktime_get_ns();
	e->info.start_ns = e->end_ns - 1000000;
	e->info.conn_id = 1 + (i & 3);
	e->info.side = SIDE_CLIENT;
	e->info.kind = KIND_UNARY;
	e->info.entry_nextid = e->sid;
	e->info.method_len = 21;
	__builtin_memcpy(e->info.method, (const void *)bench_method, METHOD_LEN);
	e->info.peer_type = PEER_IP4;
	e->info.peer_ip[0] = 127;
	e->info.peer_ip[3] = 1;
	e->info.peer_port = 50051;
	__builtin_memcpy(e->info.comm, (const void *)bench_comm, TASK_COMM_LEN);
	/*
	 * The rest of the last batch would wait for the drain timer (100 ms),
	 * charged to the drain rate: the very last event wakes the consumer.
	 */
	if (a->last && i + 1 == a->n)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	else
		submit(e);
	return 0;
}

/*
 * Run with BPF_PROG_TEST_RUN by --bench-events: N stream events into the
 * same ring buffer, through the same submit path as the probes, so that
 * everything user space does with them is measured for real.
 */
SEC("syscall")
int gen_events(struct gen_args *args)
{
	struct gen_args a = *args;	/* bpf_loop's context is on the stack */

	bpf_loop(a.n, gen_event, &a, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
