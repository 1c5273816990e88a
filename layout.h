/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * layout: where grpc-go keeps what grpcstreams reads in one binary — which
 * functions to probe, struct field offsets and argument registers — from
 * the binary's DWARF, or, without DWARF, from a table generated from the
 * DWARF of real builds (layouts.h, tools/gen-layouts.sh). Version gates
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
	const char *source;		/* "DWARF" or "table" */
	char grpc_version[32];
};

/*
 * Resolve everything for the binary GB (PATH for messages). On failure,
 * one line on stderr saying what is missing, and a negative errno. With
 * VERBOSE, where each value came from, on stderr.
 */
int layout_resolve(struct gobin *gb, const char *path, struct layout *l, bool verbose);

/* The layout as a C initializer of the table, for tools/gen-layouts.sh. */
void layout_print_entry(const struct layout *l, const char *go_version, FILE *f);

#endif /* __LAYOUT_H */
