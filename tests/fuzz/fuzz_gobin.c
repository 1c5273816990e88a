// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: gobin on arbitrary bytes, as grpcstreams meets an
 * untrusted binary. The input is written to a memfd and opened by path
 * (/proc/self/fd/N), then every reader the tool uses runs on it: versions,
 * function lookups by name and by package, the function walk, DWARF
 * members and parameters, every kind of probe site, the caller scan, the
 * itab scan, the layout resolution and its code check. Results are not
 * checked (they are tests/unit.sh's business): only that nothing crashes,
 * reads out of bounds or leaks (ASan, UBSan).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <capstone/capstone.h>

#include "gobin.h"
#include "layout.h"

#define T "google.golang.org/grpc/internal/transport."

static const char *const funcs[] = {
	T "(*http2Client).NewStream",
	T "(*http2Client).closeStream",
	T "(*http2Server).WriteStatus",
	T "(*http2Server).operateHeaders",
	"google.golang.org/grpc.(*Server).processUnaryRPC",
	"runtime.main",
	"main.main",
};

static int count(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	(*(long *)ctx)++;
	return 0;
}

static void sites(struct gobin *gb, uint64_t addr, uint64_t size)
{
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, 0 };
	static const struct first_pass_regs regs = { .keep = keep };
	struct probe_site s[32];
	const char *why;

	gobin_entry_site(gb, addr, size, &s[0]);
	gobin_ret_sites(gb, addr, size, s, 32);
	gobin_body_site(gb, addr, size, keep, &s[0]);
	gobin_first_pass_site(gb, addr, size, &regs, &s[0], &why);
	gobin_call_sites(gb, addr, size, addr, s, 32);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, X86_REG_R14, 0 };
	const struct caller_query q = {
		.func = funcs[0], .itab_sym = "go.itab.*" T "http2Client," T "ClientTransport",
		.keep_regs = keep,
	};
	struct probe_site s[32];
	struct layout layout;
	struct why lwhy;
	uint64_t addr, sz, lo, hi;
	struct gobin *gb;
	const char *why;
	char path[64];
	bool complete;
	int32_t args;
	uint32_t h;
	long n = 0;
	size_t i;
	int fd;

	fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (gobin_open(path, &gb, &why)) {
		close(fd);
		return 0;
	}
	gobin_go_version(gb);
	gobin_grpc_version(gb);
	gobin_fixed_rodata(gb, &lo, &hi);
	gobin_for_each_func(gb, count, &n);
	gobin_for_each_func_in(gb, "net", count, &n);
	gobin_for_each_func_in(gb, "google.golang.org/grpc/internal/transport", count, &n);
	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		if (gobin_func(gb, funcs[i], &addr, &sz))
			continue;
		gobin_func_args(gb, funcs[i], &args);
		sites(gb, addr, sz);
	}
	gobin_caller_sites(gb, &q, s, 32, &complete, &why);
	gobin_itab_type_hash(gb, "net.(*TCPAddr).String", &h);
	gobin_member_offset(gb, T "http2Client", "nextID", &n);
	/* The whole layout resolution, table and code check included. */
	layout_resolve(gb, path, &layout, false, false, &lwhy);
	gobin_close(gb);
	close(fd);
	return 0;
}
