/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The grpc-go functions the tool looks for by name (layout.c's probed
 * functions, layout_check.c's code sets, the callers of NewStream): the
 * synthetic function table of fuzz_code and fuzz_dwarf names them, and
 * tests/fuzz/mkseeds.c cuts their code from a fixture, in this order.
 */
#ifndef __FUZZ_FUNCS_H
#define __FUZZ_FUNCS_H

#define FUZZ_T	"google.golang.org/grpc/internal/transport."
#define FUZZ_G	"google.golang.org/grpc."

enum {
	FN_NEWSTREAM, FN_NEWSTREAM2, FN_CLOSESTREAM, FN_CLIENT_CLOSE, FN_NEW_CLIENT,
	FN_OPERATE_HEADERS, FN_OPERATE_HEADERS1, FN_WRITE_STATUS, FN_NEW_SERVER,
	FN_PEER, FN_STATUS_CODE, FN_TCPADDR_STRING, FN_NEW_CLIENT_STREAM,
	FN_HANDLE_STREAM, FN_PROCESS_UNARY, FN_PROCESS_STREAMING, FN_CS_NEWSTREAM,
	FN_NONRETRY, FN_PROTOREFLECT, NFUNCS
};

static const char *const fuzz_funcs[NFUNCS] = {
	[FN_NEWSTREAM] = FUZZ_T "(*http2Client).NewStream",
	[FN_NEWSTREAM2] = FUZZ_T "(*http2Client).newStream",
	[FN_CLOSESTREAM] = FUZZ_T "(*http2Client).closeStream",
	[FN_CLIENT_CLOSE] = FUZZ_T "(*http2Client).CloseStream",
	[FN_NEW_CLIENT] = FUZZ_T "newHTTP2Client",
	[FN_OPERATE_HEADERS] = FUZZ_T "(*http2Server).operateHeaders",
	[FN_OPERATE_HEADERS1] = FUZZ_T "(*http2Server).operateHeaders.func1",
	[FN_WRITE_STATUS] = FUZZ_T "(*http2Server).WriteStatus",
	[FN_NEW_SERVER] = FUZZ_T "NewServerTransport",
	[FN_PEER] = FUZZ_T "(*http2Server).Peer",
	[FN_STATUS_CODE] = "google.golang.org/grpc/internal/status.(*Status).Code",
	[FN_TCPADDR_STRING] = "net.(*TCPAddr).String",
	[FN_NEW_CLIENT_STREAM] = FUZZ_G "newClientStream",
	[FN_HANDLE_STREAM] = FUZZ_G "(*Server).handleStream",
	[FN_PROCESS_UNARY] = FUZZ_G "(*Server).processUnaryRPC",
	[FN_PROCESS_STREAMING] = FUZZ_G "(*Server).processStreamingRPC",
	[FN_CS_NEWSTREAM] = FUZZ_G "(*csAttempt).newStream",
	[FN_NONRETRY] = FUZZ_G "newNonRetryClientStream",
	[FN_PROTOREFLECT] = "google.golang.org/genproto/googleapis/rpc/status.(*Status).ProtoReflect",
};

#endif /* __FUZZ_FUNCS_H */
