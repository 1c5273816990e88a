/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __GRPCSTREAMS_H
#define __GRPCSTREAMS_H

#define METHOD_LEN	128	/* power of two: the BPF side masks with it */
#define TASK_COMM_LEN	16
#define MAX_STREAMS	16384	/* live streams tracked at once (LRU) */
#define MAX_PENDING	8192	/* NewStream calls between entry and return */

/* transport.streamState: streamActive, WriteDone, ReadDone, streamDone. */
#define STREAM_DONE	3

/* bpf_cookie of a uprobe: what kind of site it sits on, and what it means. */
#define COOKIE_STACK_CHECK	1	/* a JBE to morestack: skip when taken */
#define COOKIE_UNARY		2	/* server_kind: processUnaryRPC */

enum event_type {
	EVENT_STREAM = 1,
	EVENT_COLLISION = 2,
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
	PROBE_COUNT,
};

/* Event flags. */
#define EF_ERROR	1	/* ended with an error (status != 0) */
#define EF_EARLY_CLOSE	2	/* closed before NewStream returned */

/*
 * Struct field offsets, read from DWARF by user space and handed to BPF as
 * read-only data; -1 means the field does not exist in this build.
 */
struct go_offsets {
	__s32 callhdr_method;		/* transport.CallHdr.Method (string) */
	__s32 desc_server_streams;	/* grpc.StreamDesc.ServerStreams (bool) */
	__s32 desc_client_streams;	/* grpc.StreamDesc.ClientStreams (bool) */
	__s32 client_nextid;		/* transport.http2Client.nextID */
	__s32 client_remote_addr;	/* transport.http2Client.remoteAddr */
	__s32 client_conn_id;		/* transport.http2Client.connectionID */
	__s32 server_remote_addr;	/* transport.http2Server.remoteAddr */
	__s32 server_conn_id;		/* transport.http2Server.connectionID */
	__s32 stream_id;		/* transport.Stream.id */
	__s32 stream_method;		/* transport.Stream.method (string) */
	__s32 stream_state;		/* transport.Stream.state */
	__s32 status_s;			/* internal/status.Status.s */
	__s32 spb_code;			/* rpc/status.Status.Code */
	__s32 tcpaddr_ip;		/* net.TCPAddr.IP (slice) */
	__s32 tcpaddr_port;		/* net.TCPAddr.Port */
	__s32 pad;
};

/* A live stream: key and value of the streams map. */
struct stream_key {
	__u64 conn;	/* *http2Client or *http2Server: the connection */
	__u32 tgid;
	__u32 sid;	/* HTTP/2 stream id */
};

struct stream_info {
	__u64 start_ns;		/* NewStream entry */
	__u64 conn_id;		/* grpc-go's connectionID, 0 if unknown */
	__u32 entry_nextid;	/* http2Client.nextID read at NewStream entry */
	__u32 method_len;
	__u32 peer_port;
	__u32 peer_ip_len;	/* 0 (unknown), 4 or 16 */
	__u8 peer_ip[16];
	__u32 side;		/* enum side */
	__u32 kind;		/* enum rpc_kind */
	char method[METHOD_LEN];
};

/* Per-process counters, updated in BPF. */
struct proc_counts {
	__u64 started;
	__u64 ended;
	__u64 collisions[COLL_KINDS];
	__u64 pad;
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
	char comm[TASK_COMM_LEN];
	struct stream_info info;	/* stream; collision: start_ns, conn_id, entry_nextid */
};

#endif /* __GRPCSTREAMS_H */
