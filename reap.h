/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __REAP_H
#define __REAP_H

#include <stdbool.h>
#include "grpcstreams.h"

struct grpcstreams_bpf;

/*
 * A stream whose end will never come: its process exited (or its PID now
 * belongs to another process, REUSED). Called once per stream, after it
 * was removed from BPF's maps.
 */
typedef void (*reap_fn)(const struct stream_key *key, const struct stream_info *info,
			bool reused);

/* LIVE: the live-stream table, mapped writable. */
int reap_init(struct grpcstreams_bpf *obj, struct live_slot *live);
void reap_fini(void);
/*
 * Remove the streams of processes that are gone from every BPF map; FN for
 * each. Returns how many. FORCE: now (before a table or the summary), else
 * at most every REAP_EVERY_NS.
 */
unsigned long reap_gone(struct grpcstreams_bpf *obj, bool force, reap_fn fn);

#endif /* __REAP_H */
