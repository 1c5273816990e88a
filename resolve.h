/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * resolve: what a stream's numbers name, looked up by the session before
 * a row reaches the printer. A peer as text (an IP and port; a unix name,
 * a long one from BPF's unix_peers map), a process's cgroup v2 path (from
 * /proc, read when the process is found: it may be gone by the time its
 * streams are printed).
 */
#ifndef __RESOLVE_H
#define __RESOLVE_H

#include <stddef.h>
#include <linux/types.h>
#include "grpcstreams.h"

/* The longest peer text: "unix:" and a name, or an IPv6 address and port. */
#define PEER_TEXT_LEN	(8 + UNIX_NAME_LEN)
/* resolve_cgroup(): whichever process was last seen with that PID. */
#define GEN_ANY		((__u64)-1)

/*
 * What a stream's numbers name, resolved before it reaches the printer
 * (resolve_names()): the peer as raw bytes (a unix name is the program's:
 * escape it to show it), PEER_LEN 0 when unknown; the process's cgroup v2
 * path, NULL when unknown.
 */
struct names {
	const char *peer;
	size_t peer_len;
	const char *cgroup;
	size_t cgroup_len;
};

/* PEERS_FD: BPF's unix_peers map (-1: none, long unix names are cut). */
void resolve_init(int peers_fd);
void resolve_fini(void);
/*
 * The peer of a stream of connection (TGID, CONN) as raw bytes (a unix
 * name is the program's: escape it to show it), NUL-terminated in BUF of
 * LEN, "" if unknown. Returns its length.
 */
size_t resolve_peer(__u32 tgid, __u64 conn, const struct stream_info *i, char *buf, size_t len);
/* The same, per event: the last ones kept (*LEN bytes, 0: unknown). */
const char *resolve_peer_cached(__u32 tgid, __u64 conn, const struct stream_info *i,
				size_t *len);
/*
 * The cgroup v2 path of process TGID whose proc_gen is GEN (*LEN bytes),
 * NULL when unknown.
 */
const char *resolve_cgroup(__u32 tgid, __u64 gen, size_t *len);
/*
 * The names of a stream of connection (TGID, CONN) whose process has
 * proc_gen GEN (GEN_ANY: a collision, which carries none), into N; valid
 * until the next call.
 */
void resolve_names(__u32 tgid, __u64 conn, const struct stream_info *i, __u64 gen,
		   struct names *n);
/* Process TGID (proc_gen GEN) was found: its cgroup read now. */
void resolve_note_process(__u32 tgid, __u64 gen);

#endif /* __RESOLVE_H */
