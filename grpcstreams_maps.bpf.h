/* SPDX-License-Identifier: GPL-2.0 */
/*
 * grpcstreams' BPF configuration (read-only data, set by user space before
 * the load) and maps. Included once, by grpcstreams.bpf.c.
 */
#ifndef __GRPCSTREAMS_MAPS_BPF_H
#define __GRPCSTREAMS_MAPS_BPF_H

#define X86_EFLAGS_CF	0x0001
#define X86_EFLAGS_ZF	0x0040
#define GO_ITAB_HASH	16	/* runtime.itab.hash: the dynamic type's hash */
#define EEXIST		17	/* errno: vmlinux.h has no errno values */

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
/* -c: only tasks in the cgroup of cgroup_map[0]. */
const volatile bool filter_cg = false;
/*
 * Whole host (no -p or -b): execs and exits are told to user space (see
 * proc_exec), which finds new grpc-go programs and lets go of the ones
 * no process runs any more.
 */
const volatile bool watch_procs = false;

/*
 * What BPF and user space both write while tracing, shared by every copy
 * of these programs (one per traced executable, each with its own
 * read-only data above, all with these maps): no .bss, which each copy
 * would have its own of.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct globals);
} globals SEC(".maps");

/* An array lookup the verifier inlines; never NULL in practice. */
static __always_inline struct globals *glob(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&globals, &zero);
}

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map SEC(".maps");

/*
 * Executables by (device, inode), as user space classed them: EXE_SKIP
 * (not grpc-go, or refused) is not told again at each exec; any other
 * (new, or traced) is. "watched": the processes user space traces, whose
 * exit or exec it is told of.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct exe_key);
	__type(value, __u32);
} exe_class SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32);
} watched SEC(".maps");

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
	char comm[TASK_COMM_LEN];	/* once per connection, not a helper call per stream */
	__u64 proc_gen;		/* proc_gen of its process: a reused PID's entry is stale */
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
 * atomic operations per stream, where a hash map's insert and delete take
 * a bucket lock and walk LRU lists (kernel/bpf/hashtab.c, bpf_lru_list.c).
 * A stream whose slot is held by another goes to "streams" instead; when
 * none is there (globals' overflow_live 0), nobody looks there.
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

/*
 * Not LRU: an eviction would drop a live stream without a word. When it is
 * full a new stream is not kept, and counted (table_full); streams of a
 * process that is gone are removed by user space (reap.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
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
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SID_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);	/* user space frees a gone process's cells */
	__type(key, __u32);
	__type(value, struct sid_slot);
} sids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

/* Raised by proc_exit (see PROC_GEN_SLOTS); user space reads it mapped. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PROC_GEN_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} proc_gen SEC(".maps");

/*
 * Connections seen: what is read of the program's memory once per
 * connection, not per stream (a connection carries many). LRU: closed ones age out; an address
 * reused by a new connection is told by its connectionID (see conn_info).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct conn_key);
	__type(value, struct conn_val);
} conns SEC(".maps");

/*
 * Server streams that user space ended because their connection closed
 * (reap.c, "conn_closed"): a handler that still reaches WriteStatus later
 * finds its stream gone from the live table and here, and is not reported
 * a second time (a stream never in the table, for want of room, is). LRU:
 * an entry no late WriteStatus ever asks for ages out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct stream_key);
	__type(value, __u8);
} reaped SEC(".maps");

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
 * is a helper call, a jhash and the LRU's reference bit
 * (kernel/bpf/hashtab.c); the verifier inlines an array lookup. An entry counts while
 * globals' conns_gen is what it was when the entry was filled: it is raised
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


/*
 * Methods that are string constants (a client's generated stub), per CPU
 * by address: their bytes never change, and a copy from here is a plain
 * memcpy where a read of the target's memory is bpf_probe_read_user().
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

/*
 * Methods aggregated (see globals' "aggregate"): entries are made on a method's
 * first stream and never deleted while tracing, so that a value pointer
 * stays good; allocated as made, not all at once. Per CPU: a busy
 * method's counters would otherwise move between the CPUs' caches at
 * every stream (user space adds the CPUs up).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_METHODS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct magg_key);
	__type(value, struct magg_val);
} methods SEC(".maps");

/* The key being made (too big for the stack), and a value of zeros. */
struct magg_scratch {
	struct magg_key key;
	struct magg_val zero;	/* never written */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct magg_scratch);
} magg_scratch SEC(".maps");

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

#endif /* __GRPCSTREAMS_MAPS_BPF_H */
