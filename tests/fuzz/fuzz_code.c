// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: the disassembly site finders (gobin_sites.c,
 * gobin_callers.c) and the layout code checks (layout_check.c) on any code
 * bytes. The input is the code of the grpc-go functions the tool looks at;
 * the harness builds a small well-formed executable around it
 * (tests/fuzz/minielf.h): a .gopclntab naming those functions, one after
 * the other in .text, an itab holding (*http2Client).NewStream and
 * net.(*TCPAddr).String in .rodata, and the grpc-go version in build info
 * or rodata. So every
 * function is found by name and disassembled: entry, RET, body,
 * first-pass and call sites, the caller scan (direct and through the
 * itab), the itab type hash, and the layout resolution from the table
 * (no DWARF), each entry checked against the code.
 *
 *	input = flags (1 byte: NewStream's itab method index, low 4 bits;
 *		the grpc-go version, bits 4-5; in rodata rather than build
 *		info, bit 6; the first-pass swap on RAX rather than any
 *		register, bit 7), then NFUNCS x (code length, args) (u16 LE
 *		each), then the functions' code, in funcs[] order
 *
 * A length past the input's end takes what is left; a function with no
 * code gets a RET. Seeds: the real functions of the fixtures, cut to 768 bytes
 * each, their calls of each other relocated (tests/fuzz/mkseeds.c).
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

#define CODE_MAX	(NFUNCS * 65536)

static const char *const versions[4] = { NULL, "1.33.3", "1.64.0", "1.81.1" };

static void sites(struct gobin *gb, uint64_t addr, uint64_t size, uint64_t callee,
		  unsigned int swap_base)
{
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, 0 };
	const struct first_pass_regs regs = { .swap_base = swap_base, .keep = keep };
	struct probe_site s[16];
	const char *why;

	gobin_entry_site(gb, addr, size, &s[0]);
	gobin_ret_sites(gb, addr, size, s, 16);
	gobin_body_site(gb, addr, size, keep, &s[0]);
	gobin_first_pass_site(gb, addr, size, &regs, &s[0], &why);
	gobin_call_sites(gb, addr, size, callee, s, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const callers[] = { FUZZ_G "(*csAttempt).newStream",
					       FUZZ_G "newNonRetryClientStream", NULL };
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, X86_REG_RCX, X86_REG_R14, 0 };
	const struct caller_query newstream = {
		.func = fuzz_funcs[FN_NEWSTREAM], .callers = callers, .keep_regs = keep,
	};
	/* An itab symbol the binary lacks, every function a caller. */
	const struct caller_query closestream = {
		.func = fuzz_funcs[FN_CLOSESTREAM], .itab_sym = "go.itab.*x,y", .keep_regs = keep,
	};
	static uint8_t text[CODE_MAX], pcln[8192], rodata[1024], binfo[512];
	uint32_t sizes[NFUNCS];
	int32_t args[NFUNCS];
	struct mini_sec secs[4];
	struct probe_site s[32];
	uint64_t addr[NFUNCS], lo, hi;
	size_t pos, tlen = 0, plen, rlen, blen, img_size, n;
	const char *ver, *why;
	struct layout layout;
	struct why lwhy;
	struct gobin *gb;
	uint8_t *img;
	char path[64];
	bool complete;
	uint32_t h;
	int i, fd;

	if (size < 1 + 4 * NFUNCS)
		return 0;
	pos = 1 + 4 * NFUNCS;
	for (i = 0; i < NFUNCS; i++) {
		n = data[1 + 4 * i] | data[2 + 4 * i] << 8;
		args[i] = data[3 + 4 * i] | data[4 + 4 * i] << 8;
		n = n < size - pos ? n : size - pos;
		addr[i] = MINI_TEXT + tlen;
		if (!n) {
			text[tlen++] = 0xc3;	/* RET */
			sizes[i] = 1;
			continue;
		}
		memcpy(text + tlen, data + pos, n);
		pos += n;
		tlen += n;
		sizes[i] = n;
	}
	plen = mini_pclntab(pcln, sizeof(pcln), fuzz_funcs, sizes, args, NFUNCS, MINI_TEXT);
	rlen = mini_itab(rodata, MINI_RODATA, 0x5eed, data[0] & 0xf, addr[FN_NEWSTREAM],
			 addr[FN_TCPADDR_STRING]);
	ver = versions[data[0] >> 4 & 3];
	if (ver && (data[0] & 0x40))
		rlen += (size_t)snprintf((char *)rodata + rlen, sizeof(rodata) - rlen,
					 "grpc-go/%sgrpc-trace-bin", ver);
	blen = mini_buildinfo(binfo, sizeof(binfo), "go1.22.5", data[0] & 0x40 ? NULL : ver);
	secs[0] = (struct mini_sec){ ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
				     MINI_TEXT, text, tlen };
	secs[1] = (struct mini_sec){ ".rodata", SHT_PROGBITS, SHF_ALLOC, MINI_RODATA,
				     rodata, rlen };
	secs[2] = (struct mini_sec){ ".gopclntab", SHT_PROGBITS, SHF_ALLOC, MINI_PCLN,
				     pcln, plen };
	secs[3] = (struct mini_sec){ ".go.buildinfo", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
				     MINI_BUILDINFO, binfo, blen };
	img = mini_elf(secs, 4, &img_size);
	if (!img)
		return 0;
	fd = mini_memfd(img, img_size, path);
	free(img);
	if (fd < 0)
		return 0;
	if (gobin_open(path, &gb, &why)) {
		close(fd);
		return 0;
	}
	for (i = 0; i < NFUNCS; i++)
		sites(gb, addr[i], sizes[i], addr[FN_NEWSTREAM], data[0] & 0x80 ? X86_REG_RAX : 0);
	gobin_caller_sites(gb, &newstream, s, 32, &complete, &why);
	gobin_caller_sites(gb, &closestream, s, 32, &complete, &why);
	gobin_itab_type_hash(gb, fuzz_funcs[FN_TCPADDR_STRING], &h);
	gobin_fixed_rodata(gb, &lo, &hi);
	/* From the table: every entry checked against the code. */
	layout_resolve(gb, path, &layout, false, false, &lwhy);
	gobin_close(gb);
	close(fd);
	return 0;
}
