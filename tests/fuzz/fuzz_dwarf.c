// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: the DWARF readers (gobin_dwarf.c: struct members and
 * their types, parameters' registers by Go's ABIInternal) and the layout
 * resolution from DWARF (layout.c), libdw reading mutated debug sections.
 * The harness builds a small well-formed executable (tests/fuzz/minielf.h)
 * whose function table names the grpc-go functions layout.c probes (so
 * that both sides are linked in and the DWARF path runs), and whose DWARF
 * is the fuzzer's:
 *
 *	input = the lengths of .debug_abbrev and .debug_str (u16 LE each),
 *		those two contents, and the rest is .debug_info
 *
 * Seeds (tests/fuzz/mkseeds.c): one DWARF 4 compile unit in Go's shapes
 * (structs, pointers, typedefs of interfaces, strings, slices, arrays,
 * methods with receivers, results, a trampoline) with the grpc-go types
 * and functions, their offsets those of a fixture's own DWARF.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "minielf.h"
#include "fuzz_funcs.h"
#include "gobin.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const params[] = { "x", "y", "z", "w", "v", "u", "fn", "r", "big" };
	static uint8_t text[NFUNCS], pcln[8192];
	uint32_t sizes[NFUNCS];
	struct mini_sec secs[5];
	struct layout layout;
	struct why lwhy;
	size_t pos, la, ls, plen, img_size;
	struct gobin *gb;
	const char *why;
	uint8_t *img;
	char path[64], buf[128];
	long off;
	int i, fd, reg;

	if (size < 4)
		return 0;
	la = data[0] | data[1] << 8;
	ls = data[2] | data[3] << 8;
	pos = 4;
	la = la < size - pos ? la : size - pos;
	ls = ls < size - pos - la ? ls : size - pos - la;
	for (i = 0; i < NFUNCS; i++) {
		text[i] = 0xc3;
		sizes[i] = 1;
	}
	plen = mini_pclntab(pcln, sizeof(pcln), fuzz_funcs, sizes, NULL, NFUNCS, MINI_TEXT);
	secs[0] = (struct mini_sec){ ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
				     MINI_TEXT, text, NFUNCS };
	secs[1] = (struct mini_sec){ ".gopclntab", SHT_PROGBITS, SHF_ALLOC, MINI_PCLN,
				     pcln, plen };
	secs[2] = (struct mini_sec){ ".debug_abbrev", SHT_PROGBITS, 0, 0, data + pos, la };
	secs[3] = (struct mini_sec){ ".debug_str", SHT_PROGBITS, 0, 0, data + pos + la, ls };
	secs[4] = (struct mini_sec){ ".debug_info", SHT_PROGBITS, 0, 0, data + pos + la + ls,
				     size - pos - la - ls };
	img = mini_elf(secs, 5, &img_size);
	if (!img)
		return 0;
	fd = mini_memfd(img, img_size, path);
	free(img);
	if (fd < 0)
		return 0;
	if (gobin_open(path, &gb, &why))
		goto out;
	/* Everything from_dwarf() reads, offsets, types and registers. */
	layout_resolve(gb, path, &layout, false, false, &lwhy);
	/* What it does not: floats, arrays, struct{}, funcs, value receivers. */
	for (i = 0; i < (int)(sizeof(params) / sizeof(params[0])); i++)
		gobin_param_reg(gb, "main.f", params[i], &reg);
	gobin_param_reg(gb, "net.TCPAddr.Network", "a", &reg);
	gobin_param_reg(gb, "main.T.M", "x", &reg);
	gobin_param_reg(gb, "main.(*T).M", "x", &reg);
	gobin_member_type(gb, "net.TCPAddr", "IP", buf, sizeof(buf));
	gobin_member_type(gb, "net.TCPAddr", "IP", buf, 4);
	gobin_member_offset(gb, "main.T", "a", &off);
	gobin_close(gb);
out:
	close(fd);
	return 0;
}
