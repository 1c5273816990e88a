/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __REAP_H
#define __REAP_H

#include <stdbool.h>
#include "grpcstreams.h"

struct grpcstreams_bpf;

/* Why a stream's end will never come. */
enum reap_reason {
	REAP_EXITED,		/* its process exited (or is a zombie) */
	REAP_PID_REUSED,	/* its PID names a process started since */
	REAP_EXEC,		/* its process executed another program */
	REAP_CONN_CLOSED,	/* grpc-go closed its (server) connection */
};

/* A stream removed from BPF's maps, its end never to come. */
struct reaped {
	struct stream_key key;
	struct stream_info info;
	enum reap_reason why;
};

/*
 * LIVE: the live-stream table, G the globals, mapped writable. A process
 * whose /proc/PID/exe is a file no traced copy runs (scope.h), or that
 * scope says executed a program, has executed another program.
 */
int reap_init(struct grpcstreams_bpf *obj, struct live_slot *live, struct globals *g);
void reap_fini(void);
/* BPF's count of exits and execs of TGID's PID (what its streams carry). */
__u64 reap_proc_gen(__u32 tgid);
/*
 * grpc-go closed server connection CONN of TGID at AT_NS (EVENT_CONN_CLOSED):
 * its streams that started before then and have not ended REAP_GRACE_NS
 * later are removed by the next reap_gone() (REAP_CONN_CLOSED).
 */
void reap_conn_closed(__u32 tgid, __u64 conn, __u64 at_ns);
/*
 * Remove the streams of processes that are gone, and of connections
 * closed, from every BPF map. Returns how many, *OUT each (reap's array,
 * good until the next call). FORCE: now (before a table or the summary),
 * else at most every REAP_EVERY_NS.
 */
size_t reap_gone(struct grpcstreams_bpf *obj, bool force, const struct reaped **out);

#endif /* __REAP_H */
