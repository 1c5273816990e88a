/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __GRPCSTREAMS_H
#define __GRPCSTREAMS_H

#define METHOD_LEN	128	/* power of two: the BPF side masks with it */
#define TASK_COMM_LEN	16
#define LIVE_SLOTS	4096	/* live streams: direct-mapped table (power of two) */
#define MAX_STREAMS	16384	/* live streams whose slot was taken (LRU) */
#define MAX_PENDING	8192	/* NewStream calls between entry and return */

/* transport.streamState: streamActive, WriteDone, ReadDone, streamDone. */
#define STREAM_DONE	3

/* bpf_cookie of a uprobe: what kind of site it sits on, and what it means. */
#define COOKIE_STACK_CHECK	1	/* a JBE to morestack: skip when taken */
#define COOKIE_UNARY		2	/* server_kind: processUnaryRPC */
/*
 * newstream_return at a branch after the CALL in a caller (emulated): the
 * hit counts only if the return address NewStream was entered with is this
 * call's; bits 8 and up hold (site - return address), which PIE and ASLR
 * do not change.
 */
#define COOKIE_CALLER_SITE	4
/* closestream: past grpc-go's own state swap, reached by the first call only */
#define COOKIE_FIRST_PASS	8
/* closestream: at CloseStream's call, the RPC closing its stream (once) */
#define COOKIE_RPC_CLOSE	16
#define COOKIE_DELTA_SHIFT	8

enum event_type {
	EVENT_STREAM = 1,
	EVENT_COLLISION = 2,
	EVENT_ABANDONED = 3,	/* a stream of a process gone, whose key a new one took */
	/*
	 * Whole host: a process executed a file not known to be skipped, or a
	 * watched process executed anything (tgid; the file's struct exe_key:
	 * ino in conn, ctime_sec in other_conn, dev << 32 | ctime_nsec in
	 * other_conn_id); a watched process exited (tgid).
	 */
	EVENT_EXEC = 4,
	EVENT_EXIT = 5,
	/* grpc-go closed a server connection (tgid, conn; end_ns: when) */
	EVENT_CONN_CLOSED = 6,
};

/*
 * An executable as the kernel names it: inode, device (MKDEV: major << 20)
 * and the inode's change time, which tells a new file that got the number
 * of a deleted one (its class, told once, would be the old file's).
 */
struct exe_key {
	__u64 ino;
	__s64 ctime_sec;
	__u32 ctime_nsec;
	__u32 dev;
};

/* exe_class's values: what user space made of an executable. */
enum exe_class {
	EXE_SKIP = 1,		/* not grpc-go, or refused: execs of it are not told */
	EXE_TRACED = 2,
};

/*
 * Written by BPF and user space while tracing, shared by every copy of the
 * programs: the one entry of "globals", mapped by user space.
 */
struct globals {
	__u64 overflow_live;	/* streams in "streams" now (not in a live slot) */
	__u64 conns_gen;	/* raised at each new entry of "conns" */
	__u32 aggregate;	/* stream ends counted into "methods", no event */
	__u32 pad;
};

enum collision_kind {
	COLL_SHADOW = 0,	/* same stream id live on another connection */
	COLL_NEXTID_RACE = 1,	/* nextID at NewStream entry != id assigned */
	COLL_DUPLICATE = 2,	/* (tgid, conn, sid) inserted while live */
	COLL_KINDS,
};

enum side {
	SIDE_CLIENT = 0,
	SIDE_SERVER = 1,
};

/* RPC kind: 1 + ServerStreams + 2 * ClientStreams of its grpc.StreamDesc. */
enum rpc_kind {
	KIND_UNKNOWN = 0,
	KIND_UNARY = 1,
	KIND_SERVER_STREAM = 2,
	KIND_CLIENT_STREAM = 3,
	KIND_BIDI = 4,
};

/* Probes, for the hit counters shown by -v and make bench. */
enum probe_id {
	PROBE_NEWSTREAM_ENTRY,
	PROBE_NEWSTREAM_RETURN,
	PROBE_CLOSESTREAM,
	PROBE_CLIENT_KIND,
	PROBE_SERVER_START,
	PROBE_SERVER_KIND,
	PROBE_SERVER_END,
	PROBE_SERVER_CLOSE,
	PROBE_COUNT,
};

/* Event flags. */
#define EF_ERROR	1	/* ended with an error (status != 0) */
#define EF_EARLY_CLOSE	2	/* closed before NewStream returned */
#define EF_NO_START	4	/* start not seen (latency unknown) */

/*
 * Where grpc-go keeps what the BPF side reads, for one binary: struct field
 * offsets (-1: the field does not exist in this build) and the integer
 * registers of function arguments (0 = RAX, 1 = RBX, 2 = RCX, 3 = RDI,
 * 4 = RSI, 5 = R8, 6 = R9, 7 = R10, 8 = R11: Go's ABIInternal order).
 * Resolved by user space from DWARF or from the table of known versions.
 *
 * Client streams are *Stream before grpc-go 1.69, *ClientStream after
 * (embedding Stream by pointer, or by value from 1.77); server streams
 * likewise *ServerStream. cs_deref/ss_deref is the offset of the embedded
 * *Stream to follow first (-1: none; an embedding by value is already
 * folded into the offsets).
 */
struct go_offsets {
	/* client side */
	__s32 callhdr_method;		/* transport.CallHdr.Method (string) */
	__s32 desc_server_streams;	/* grpc.StreamDesc.ServerStreams (bool) */
	__s32 desc_client_streams;	/* grpc.StreamDesc.ClientStreams (bool) */
	__s32 client_nextid;		/* http2Client.nextID */
	__s32 client_remote_addr;	/* http2Client.remoteAddr (net.Addr) */
	__s32 client_conn_id;		/* http2Client.connectionID */
	__s32 cs_deref;
	__s32 cs_id;			/* Stream.id */
	__s32 cs_state;			/* Stream.state */
	__s32 cs_ct;			/* the stream's *http2Client: Stream.ct, ClientStream.ct (1.69+);
					 * from the pointer NewStream returns, not dereferenced;
					 * the data word of Stream.ct when it is an interface
					 * (ClientTransport, 1.66 - 1.68) */
	__s32 cs_method;		/* Stream.method (string) */
	__s32 cs_status;		/* the *status.Status the first closeStream left: Stream.status,
					 * ClientStream.status (1.69+); -1 when behind a pointer */
	/* server side */
	__s32 server_peer;		/* http2Server.remoteAddr, or .peer.Addr (1.61+) */
	__s32 server_conn_id;		/* http2Server.connectionID */
	__s32 ss_transport;		/* the stream's transport (interface), not dereferenced */
	__s32 ss_deref;
	__s32 ss_id;			/* Stream.id */
	__s32 ss_method;		/* Stream.method (string) */
	__s32 ss_state;			/* Stream.state */
	/* both */
	__s32 status_s;			/* internal/status.Status.s */
	__s32 spb_code;			/* rpc/status.Status.Code */
	__s32 tcpaddr_ip;		/* net.TCPAddr.IP (slice) */
	__s32 tcpaddr_port;		/* net.TCPAddr.Port */
	/* argument registers */
	__s32 r_ncs_desc;		/* grpc.newClientStream: desc */
	__s32 r_ns_t;			/* (*http2Client).NewStream: t */
	__s32 r_ns_hdr;			/* ... callHdr */
	__s32 r_cs_t;			/* (*http2Client).closeStream: t */
	__s32 r_cs_s;			/* ... s */
	__s32 r_cs_err;			/* ... err (interface: type word) */
	__s32 r_cs_st;			/* ... st */
	__s32 r_hs_stream;		/* grpc.(*Server).handleStream: stream */
	__s32 r_pu_stream;		/* grpc.(*Server).processUnaryRPC: stream */
	__s32 r_ps_stream;		/* grpc.(*Server).processStreamingRPC: stream */
	__s32 r_ps_sd;			/* ... sd */
	__s32 r_ws_t;			/* (*http2Server).WriteStatus/writeStatus: t */
	__s32 r_ws_s;			/* ... s */
	__s32 r_ws_st;			/* ... st */
	__s32 pad;
	__s32 unixaddr_name;		/* net.UnixAddr.Name (string) */
};

/*
 * The remote end of a connection, by the dynamic type of its net.Addr
 * (told by the type hash in the interface's itab, never by the shape of
 * the bytes). An IP's value is its length.
 */
enum peer_type {
	PEER_NONE = 0,		/* no address (or not read) */
	PEER_UNIX = 1,		/* *net.UnixAddr: its Name */
	PEER_OTHER = 2,		/* an address of a type the tool does not know */
	PEER_IP4 = 4,		/* *net.TCPAddr, IPv4 */
	PEER_IP6 = 16,		/* *net.TCPAddr, IPv6 */
};

/* A connection, as BPF keeps what it read of it once. */
struct conn_key {
	__u64 conn;	/* *http2Client or *http2Server */
	__u32 tgid;
	__u32 side;
};

/*
 * A unix peer's name longer than the 16 bytes a stream carries, per
 * connection, for user space to look up.
 */
#define UNIX_NAME_LEN	128	/* power of two; sun_path is 108 */

struct unix_peer {
	__u64 conn_id;		/* the connection's, to tell a reused address */
	__u32 len;
	__u32 pad;
	char name[UNIX_NAME_LEN];
};

/* A live stream: key and value of the streams map. */
struct stream_key {
	__u64 conn;	/* *http2Client or *http2Server: the connection */
	__u32 tgid;
	__u32 sid;	/* HTTP/2 stream id */
};

struct stream_info {
	__u64 start_ns;		/* see FIELDS: NewStream's entry (-F) or return, or the handler's start */
	__u64 conn_id;		/* grpc-go's connectionID, 0 if unknown */
	__u64 proc_gen;		/* proc_gen[tgid] at its start: a reused PID's differs */
	__u32 entry_nextid;	/* http2Client.nextID read at NewStream entry */
	__u32 method_len;	/* the Go string's length; METHOD_LEN - 1 bytes at most in method */
	__u32 peer_port;	/* TCP: the port; unix: the name's length */
	__u32 peer_type;	/* enum peer_type */
	__u8 peer_ip[16];	/* TCP: the IP; unix: the name's first 16 bytes */
	__u32 side;		/* enum side */
	__u32 kind;		/* enum rpc_kind */
	char comm[TASK_COMM_LEN];	/* as the connection's first stream found it */
	char method[METHOD_LEN];
};

/*
 * Latency histograms (agg.h): HIST_SUB log-linear buckets per power of two
 * of nanoseconds, up to 2^(HIST_MAX_LOG + 1); LOG2_SLOTS log2 buckets of
 * microseconds (-H). Status codes 0-16 by code, another as CODE_OTHER.
 */
#define HIST_SUB_BITS	3
#define HIST_SUB	(1 << HIST_SUB_BITS)
#define HIST_MAX_LOG	40
#define HIST_BUCKETS	((HIST_MAX_LOG - HIST_SUB_BITS + 2) * HIST_SUB)
#define LOG2_SLOTS	32
#define CODE_OTHER	17
#define CODE_SLOTS	18
#define MAX_METHODS	4096	/* (process, side, method) rows, here and in agg.c */

/*
 * Methods aggregated in BPF (when no stream event is needed: the methods
 * view, no filter, no -j): per (process, side, method), counts that only
 * grow; user space reads the differences each interval.
 */
struct magg_key {
	__u32 tgid;
	__u32 side;
	__u32 method_len;	/* the Go string's length */
	__u32 pad;
	char method[METHOD_LEN];	/* METHOD_LEN - 1 bytes at most, zeros after */
};

struct magg_val {
	__u64 max;		/* the largest latency, ns */
	__u64 nolat;		/* streams whose start was not seen */
	__u64 codes[CODE_SLOTS];
	__u64 b[HIST_BUCKETS];	/* latencies, log-linear */
	__u64 log2_us[LOG2_SLOTS];
	char comm[TASK_COMM_LEN];	/* of its first stream */
};

/* Context of the gen_events program (--bench-events), one batch. */
struct gen_args {
	__u32 n;	/* events to make */
	__u32 last;	/* the last batch: its last event wakes the consumer */
};

/*
 * A slot of the live-stream table. TAG: 0 free, LIVE_BUSY being written,
 * else the hash of KEY (bit 1 set). User space reads the table mapped.
 */
#define LIVE_BUSY	1

struct live_slot {
	__u64 tag;
	struct stream_key key;
	struct stream_info info;
};

/*
 * Counters of everything traced (with -p, one process), per CPU in BPF:
 * shared ones cost a cache line moving between CPUs on every hit.
 */
struct stats {
	__u64 started;
	__u64 ended;
	__u64 collisions[COLL_KINDS];
	__u64 hits[PROBE_COUNT];
	__u64 stack_skips;	/* stack-check hits ignored: morestack, then re-entry */
	__u64 caller_mismatch;	/* caller-site hits after another call */
	__u64 lost_events;
	__u64 table_full;	/* streams not kept: the overflow hash map was full */
	__u64 abandoned;	/* user space: streams of processes gone (see reap.c) */
	__u64 agg_full;		/* streams sent as events: the methods map was full */
	__u64 unwoken;		/* events since this CPU last woke user space; not a count */
};

struct event {
	__u64 end_ns;		/* first closeStream (stream); when (collision) */
	__u64 conn;		/* *http2Client or *http2Server */
	__u64 other_conn;	/* shadow: the other connection */
	__u64 other_conn_id;	/* shadow: its connectionID, 0 if unknown */
	__u32 type;		/* enum event_type */
	__u32 tgid;
	__u32 sid;
	__s32 status;		/* grpc status code */
	__u32 kind;		/* collision: enum collision_kind */
	__u32 flags;		/* EF_* */
	struct stream_info info;	/* stream; collision: start_ns, conn_id, entry_nextid */
};

/*
 * Stream ids live in a process, on any connection: what tells a shadow
 * (see "sids" in grpcstreams_maps.bpf.h). Here because user space frees
 * the cells of streams whose process is gone, and must find them as BPF
 * does.
 */
/*
 * Exits of processes, by PID: proc_gen[tgid & (PROC_GEN_SLOTS - 1)] is
 * raised when a process of that PID (or one sharing its slot) exits; a
 * stream keeps the value its process had, so that a stream of a process
 * gone is told even when its PID already names a new one.
 */
#define PROC_GEN_SLOTS	4096

#define SID_SLOTS	65536
#define SID_CELLS	4
#define SID_CONN_BITS	47

struct sid_slot {
	__u64 cell[SID_CELLS];
};

/*
 * The slot of K's id in "sids", and (CELL) the value its stream holds
 * there; false for a connection that is not a user address (the tag
 * would overlap it).
 */
static inline __attribute__((always_inline))
bool sid_place(const struct stream_key *k, __u32 side, __u32 *slot, __u64 *cell)
{
	__u64 h = ((__u64)k->sid << 32 | k->tgid) ^ ((__u64)side << 63);

	if (k->conn >> SID_CONN_BITS)
		return false;
	*slot = ((k->sid >> 1) + k->tgid * 0x9e3779b1U + side * 0x85ebca6bU) & (SID_SLOTS - 1);
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 31;
	*cell = (h & ~((1ULL << SID_CONN_BITS) - 1)) | k->conn;
	return true;
}

#endif /* __GRPCSTREAMS_H */
