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

/* What every copy of the programs is told besides the binary's own. */
struct probe_bpf {
	bool filter_cg;		/* -c: only the cgroup in cgroup_map */
};

struct probes;

/*
 * Find every site of every probe LAYOUT and O need in GB (the binary at
 * PATH), attaching nothing. Errors are told on stderr, one line, and in
 * *ERR (NULL returned). LAYOUT must outlive the result.
 */
struct probes *probes_plan(struct gobin *gb, const char *path, const struct layout *layout,
			   const struct probe_opts *o, int *err);
int probes_count(const struct probes *pr);
/*
 * The binary's own copy of the programs, loaded: its read-only data from
 * GB and the options in BASE's, every map BASE's (BASE: loaded, with no
 * uprobe program of its own).
 */
int probes_load(struct probes *pr, const struct grpcstreams_bpf *base,
		const struct probe_bpf *cfg, struct gobin *gb);
int probes_attach(struct probes *pr, const char *path);
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
