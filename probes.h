/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __PROBES_H
#define __PROBES_H

#include <stdbool.h>
#include <sys/types.h>

struct gobin;
struct layout;
struct grpcstreams_bpf;

/* The options that shape the probes. */
struct probe_opts {
	pid_t pid;		/* 0: every process running the binary */
	bool full;		/* -F: NewStream's entry and the client's RPC kind too */
	bool naive;		/* entries and RETs only (make bench's comparison) */
	bool verbose;		/* every site, and why a better one was not found */
	bool uprobe_multi;	/* one uprobe_multi link per program */
};

/*
 * Find every site of every probe LAYOUT and O need in GB (the binary at
 * PATH), attaching nothing. Errors are told on stderr, one line.
 */
int probes_plan(struct gobin *gb, const char *path, const struct layout *layout,
		const struct probe_opts *o);
int probes_count(void);
/* Are all client end sites the RPC's own close of its stream? */
bool probes_close_after_start(void);
/* Before the load: attach types, and what the binary tells the BPF side. */
void probes_configure(struct grpcstreams_bpf *obj, struct gobin *gb);
int probes_attach(struct grpcstreams_bpf *obj, const char *path);
bool probes_attached(void);
void probes_detach(void);

#endif /* __PROBES_H */
