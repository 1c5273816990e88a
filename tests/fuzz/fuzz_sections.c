// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: gobin's parsers of Go's own formats, at the speed a
 * small input allows. The harness builds a valid x86-64 ELF executable
 * (tests/fuzz/minielf.h) around the fuzzer's bytes, which fill its Go
 * sections:
 *
 *	input = the lengths of .gopclntab, .go.buildinfo, .rodata,
 *		.noptrdata and .rela.dyn (u16 LE each), then those five
 *		contents, and the rest is .text
 *
 * each allocated section in its own PT_LOAD, so that the pclntab header
 * and function table, the moduledata that gives runtime.text when the
 * header does not (Go >= 1.26, .noptrdata), a PIE's relocations
 * (.rela.dyn), the build info, the version strings, the function walk and
 * lookups, the itab scans, the caller scan and disassembly see any bytes
 * at all inside a well-formed file (a whole mutated binary is mostly
 * rejected by libelf, and slow). Seeds (tests/fuzz/mkseeds.c): a fixture's
 * grpc-go functions, a few KB of code in a table of their own, with build
 * info, rodata and itab as in the fixture, in the three ways runtime.text
 * is found (header, relocation, moduledata).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <capstone/capstone.h>

#include "minielf.h"
#include "fuzz_funcs.h"
#include "gobin.h"
#include "layout.h"

enum { P_PCLN, P_BUILDINFO, P_RODATA, P_NOPTR, P_RELA, NPARTS };

static int count(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	(*(long *)ctx)++;
	return 0;
}

static int sites(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, 0 };
	static const struct first_pass_regs regs = { .keep = keep };
	struct gobin *gb = ctx;
	struct probe_site s[16];
	uint64_t a, sz;
	const char *why;
	int32_t args;

	gobin_func_pclntab(gb, name, &a, &sz);
	gobin_func_args(gb, name, &args);
	if (size > 4096)
		return 0;
	gobin_entry_site(gb, addr, size, &s[0]);
	gobin_ret_sites(gb, addr, size, s, 16);
	gobin_body_site(gb, addr, size, keep, &s[0]);
	gobin_first_pass_site(gb, addr, size, &regs, &s[0], &why);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const callers[] = { FUZZ_G "(*csAttempt).newStream", NULL };
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, X86_REG_R14, 0 };
	const struct caller_query q = {
		.func = fuzz_funcs[FN_NEWSTREAM], .callers = callers, .keep_regs = keep,
	};
	static const char *const names[NPARTS] = { ".gopclntab", ".go.buildinfo", ".rodata",
						   ".noptrdata", ".rela.dyn" };
	static const uint64_t vaddr[NPARTS] = { MINI_PCLN, MINI_BUILDINFO, MINI_RODATA,
						MINI_NOPTRDATA, 0 };
	static const uint64_t flags[NPARTS] = { SHF_ALLOC, SHF_ALLOC | SHF_WRITE, SHF_ALLOC,
						SHF_ALLOC | SHF_WRITE, 0 };
	struct mini_sec secs[NPARTS + 1];
	struct probe_site s[16];
	uint64_t lo, hi, text;
	struct layout layout;
	struct why lwhy;
	size_t pos, n, img_size;
	struct gobin *gb;
	const char *why;
	uint8_t *img;
	char path[64];
	bool complete;
	uint32_t h;
	long cnt = 0;
	int i, fd;

	if (size < 2 * NPARTS)
		return 0;
	pos = 2 * NPARTS;
	for (i = 0; i < NPARTS; i++) {
		n = data[2 * i] | data[2 * i + 1] << 8;
		n = n < size - pos ? n : size - pos;
		secs[i] = (struct mini_sec){ names[i], i == P_RELA ? SHT_RELA : SHT_PROGBITS,
					     flags[i], vaddr[i], data + pos, n,
					     i == P_RELA ? sizeof(Elf64_Rela) : 0 };
		pos += n;
	}
	secs[NPARTS] = (struct mini_sec){ ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
					  MINI_TEXT, data + pos, size - pos };
	img = mini_elf(secs, NPARTS + 1, &img_size);
	if (!img)
		return 0;
	fd = mini_memfd(img, img_size, path);
	free(img);
	if (fd < 0)
		return 0;
	if (gobin_open(path, &gb, &why))
		goto out;
	gobin_go_version(gb);
	gobin_grpc_version(gb);
	gobin_fixed_rodata(gb, &lo, &hi);
	gobin_pclntab_text(gb, &text);
	gobin_for_each_func(gb, count, &cnt);
	gobin_for_each_func_in(gb, "google.golang.org/grpc/internal/transport", count, &cnt);
	gobin_for_each_func_in(gb, "net", count, &cnt);
	gobin_for_each_func(gb, sites, gb);
	gobin_caller_sites(gb, &q, s, 16, &complete, &why);
	gobin_itab_type_hash(gb, fuzz_funcs[FN_TCPADDR_STRING], &h);
	layout_resolve(gb, path, &layout, false, false, &lwhy);
	gobin_close(gb);
out:
	close(fd);
	return 0;
}
