/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * layout: where grpc-go keeps what grpcstreams reads in one binary — which
 * functions to probe, struct field offsets and argument registers — from
 * the binary's DWARF, or, without DWARF, from a table generated from the
 * DWARF of real builds (layouts.gen.h, tools/gen-layouts.sh). Version gates
 * (ClientStream/ServerStream split, embedding by value, writeStatus, the
 * http2Server peer, moved arguments) are read off DWARF and symbols.
 */
#ifndef __LAYOUT_H
#define __LAYOUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "grpcstreams.h"
#include "gobin.h"
#include "why.h"

/* The functions probed, by role. */
enum layout_func {
	F_NEW_CLIENT_STREAM,	/* grpc.newClientStream: RPC kind (client) */
	F_NEWSTREAM,		/* (*http2Client).NewStream */
	F_CLOSESTREAM,		/* (*http2Client).closeStream */
	F_HANDLE_STREAM,	/* grpc.(*Server).handleStream */
	F_PROCESS_UNARY,	/* grpc.(*Server).processUnaryRPC: kind (server) */
	F_PROCESS_STREAMING,	/* grpc.(*Server).processStreamingRPC: kind (server) */
	F_WRITE_STATUS,		/* (*http2Server).WriteStatus, writeStatus from 1.69 */
	F_CLIENT_CLOSE,		/* (*http2Client).CloseStream, (*ClientStream).Close from 1.69 */
	F_COUNT,
};

#define LAYOUT_CLIENT	(1 << SIDE_CLIENT)
#define LAYOUT_SERVER	(1 << SIDE_SERVER)

struct layout {
	struct go_offsets off;
	unsigned int sides;		/* LAYOUT_CLIENT | LAYOUT_SERVER */
	const char *func[F_COUNT];	/* symbol names; NULL: not probed */
	/*
	 * Argument frame sizes of the probed functions (pclntab's _func.args)
	 * in the build a layout came from; 0: unknown. A binary whose sizes
	 * differ has other signatures, so other argument registers.
	 */
	__s32 args[F_COUNT];
	const char *source;		/* "DWARF" or "table" */
	char grpc_version[32];
	/* From the table: the entry's releases (first ... last) and its checks. */
	char entry[64];
	const char *entry_go;		/* the Go toolchains of the builds it came from */
	int confirmed, unchecked;
};

/* What a binary's code says of a layout (layout_check.c). */
struct layout_verdict {
	int confirmed;		/* fields an instruction of the binary agrees with */
	int unchecked;		/* fields whose function the binary does not have */
	char why[256];		/* the first field the code contradicts, or "" */
};

struct layout_code;

/* The instructions of GB's grpc-go functions that the checks read. */
int layout_code_open(struct gobin *gb, struct layout_code **lc);
void layout_code_close(struct layout_code *lc);
/*
 * Does the code agree with L's offsets (for L's sides)? 0 when no field is
 * contradicted, -EDOM when one is (V->why names the first).
 */
int layout_check(const struct layout_code *lc, const struct layout *l,
		 struct layout_verdict *v);

/*
 * Resolve everything for the binary GB (PATH for messages). On failure, a
 * negative errno and in WHY the reason, what is missing (why.h: the caller
 * prints it). A layout of another release used is not a failure: one line
 * on stderr says so, unless QUIET (the whole host: a program traced gets
 * no line). With VERBOSE, where each value came from, on stderr.
 */
int layout_resolve(struct gobin *gb, const char *path, struct layout *l, bool verbose,
		   bool quiet, struct why *why);
/* The sides whose grpc-go transport GB links in (0: not a grpc-go program). */
unsigned int layout_sides(struct gobin *gb);

/*
 * Table entry I: its releases as L->entry ("first ... last") and its
 * offsets into L->off (spb_code 0: read off the binary); -ENOENT past the
 * end. For tests/test_layout.c.
 */
int layout_table_entry(size_t i, struct layout *l);

/*
 * The layout on one line, for tools/gen-layouts.sh:
 * "GRPC_VERSION GO_VERSION field=value ...".
 */
void layout_print_entry(const struct layout *l, const char *go_version, FILE *f);

#endif /* __LAYOUT_H */
