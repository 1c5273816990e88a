/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __PROBES_H
#define __PROBES_H

#include <stdbool.h>
#include <sys/types.h>

#include "why.h"

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
	bool quiet;		/* no notice (not a failure) on stderr: the whole host's */
};

/* What every copy of the programs is told besides the binary's own. */
struct probe_bpf {
	bool filter_cg;		/* -c: only the cgroup in cgroup_map */
};

struct probes;

/*
 * Find every site of every probe LAYOUT and O need in GB (the binary at
 * PATH), attaching nothing. On failure, NULL, a negative errno in *ERR and
 * the reason in WHY (why.h: the caller prints it), as with probes_load()
 * and probes_attach(). A probe that only misses a function it can do
 * without is one notice on stderr, unless O->quiet. LAYOUT must outlive
 * the result.
 */
struct probes *probes_plan(struct gobin *gb, const char *path, const struct layout *layout,
			   const struct probe_opts *o, int *err, struct why *why);
int probes_count(const struct probes *pr);
/*
 * The binary's own copy of the programs, loaded: its read-only data from
 * GB and the options in BASE's, every map BASE's (BASE: loaded, with no
 * uprobe program of its own).
 */
int probes_load(struct probes *pr, const struct grpcstreams_bpf *base,
		const struct probe_bpf *cfg, struct gobin *gb, struct why *why);
int probes_attach(struct probes *pr, const char *path, struct why *why);
bool probes_attached(const struct probes *pr);
void probes_detach(struct probes *pr);
/*
 * What libbpf keeps of the copy, freed once attached: the links hold the
 * programs (no attaching again after this).
 */
void probes_unload(struct probes *pr);
/* Detached, unloaded, freed. */
void probes_free(struct probes *pr);

#endif /* __PROBES_H */
