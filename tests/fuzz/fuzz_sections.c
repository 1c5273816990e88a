// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: gobin's parsers of Go's own formats, at the speed a
 * small input allows. The harness builds a valid x86-64 ELF executable
 * around the fuzzer's bytes, which fill its Go sections:
 *
 *	input = len(.gopclntab) len(.go.buildinfo) len(.rodata) (u16 each, LE)
 *		then those three contents, and the rest is .text
 *
 * each section in its own PT_LOAD, so that the pclntab, moduledata-less
 * function table, build info, version strings, function walk, caller scan
 * and disassembly see any bytes at all inside a well-formed file (a whole
 * mutated binary is mostly rejected by libelf, and slow). Seeds: the real
 * sections of a Go program, cut to size (make fuzz).
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <capstone/capstone.h>

#include "gobin.h"
#include "layout.h"

enum { S_NULL, S_TEXT, S_RODATA, S_PCLN, S_BUILDINFO, S_SHSTR, NSEC };

static const char shstr[] = "\0.text\0.rodata\0.gopclntab\0.go.buildinfo\0.shstrtab";
static const unsigned name_off[NSEC] = { 0, 1, 7, 15, 26, 40 };
static const uint64_t vaddr[NSEC] = { 0, 0x401000, 0x600000, 0x800000, 0xa00000, 0 };

static int count(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	(*(long *)ctx)++;
	return 0;
}

static int sites(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, 0 };
	struct gobin *gb = ctx;
	struct probe_site s[16];
	const char *why;
	int32_t args;

	if (size > 4096)
		return 0;
	gobin_func_args(gb, name, &args);
	gobin_entry_site(gb, addr, size, &s[0]);
	gobin_ret_sites(gb, addr, size, s, 16);
	gobin_body_site(gb, addr, size, keep, &s[0]);
	gobin_first_pass_site(gb, addr, size, 0, keep, &s[0], &why);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t keep[] = { X86_REG_RAX, X86_REG_RBX, X86_REG_R14, 0 };
	const uint8_t *part[NSEC] = { 0 };
	size_t len[NSEC] = { 0 }, off[NSEC] = { 0 }, pos, total;
	struct probe_site s[16];
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[4];
	Elf64_Shdr sh[NSEC];
	struct layout layout;
	struct gobin *gb;
	uint64_t lo, hi;
	const char *why;
	char path[64];
	bool complete;
	uint8_t *img;
	long n = 0;
	int i, fd;

	if (size < 6)
		return 0;
	len[S_PCLN] = data[0] | data[1] << 8;
	len[S_BUILDINFO] = data[2] | data[3] << 8;
	len[S_RODATA] = data[4] | data[5] << 8;
	pos = 6;
	part[S_PCLN] = data + pos;
	len[S_PCLN] = len[S_PCLN] < size - pos ? len[S_PCLN] : size - pos;
	pos += len[S_PCLN];
	part[S_BUILDINFO] = data + pos;
	len[S_BUILDINFO] = len[S_BUILDINFO] < size - pos ? len[S_BUILDINFO] : size - pos;
	pos += len[S_BUILDINFO];
	part[S_RODATA] = data + pos;
	len[S_RODATA] = len[S_RODATA] < size - pos ? len[S_RODATA] : size - pos;
	pos += len[S_RODATA];
	part[S_TEXT] = data + pos;
	len[S_TEXT] = size - pos;
	part[S_SHSTR] = (const uint8_t *)shstr;
	len[S_SHSTR] = sizeof(shstr);

	/* Layout: headers, then each section 4 KB aligned (file = vaddr mod 4K). */
	total = 0x1000;
	for (i = 1; i < NSEC; i++) {
		off[i] = total;
		total += (len[i] + 0xfff) & ~(size_t)0xfff;
		if (!len[i])
			total += 0x1000;
	}
	total += sizeof(sh);
	img = calloc(1, total);
	if (!img)
		return 0;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = vaddr[S_TEXT];
	eh.e_phoff = sizeof(eh);
	eh.e_shoff = total - sizeof(sh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 4;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = NSEC;
	eh.e_shstrndx = S_SHSTR;
	memset(sh, 0, sizeof(sh));
	for (i = 1; i < NSEC; i++) {
		memcpy(img + off[i], part[i], len[i]);
		sh[i].sh_name = name_off[i];
		sh[i].sh_type = SHT_PROGBITS;
		sh[i].sh_offset = off[i];
		sh[i].sh_size = len[i];
		sh[i].sh_addr = vaddr[i];
		sh[i].sh_addralign = 1;
		sh[i].sh_flags = i == S_SHSTR ? 0 : SHF_ALLOC | (i == S_TEXT ? SHF_EXECINSTR : 0) |
				 (i == S_BUILDINFO ? SHF_WRITE : 0);
		if (i == S_SHSTR)
			sh[i].sh_type = SHT_STRTAB;
		if (i <= S_BUILDINFO) {
			ph[i - 1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off[i],
				.p_vaddr = vaddr[i], .p_paddr = vaddr[i], .p_filesz = len[i],
				.p_memsz = len[i], .p_align = 0x1000,
				.p_flags = PF_R | (i == S_TEXT ? PF_X : 0) |
					   (i == S_BUILDINFO ? PF_W : 0) };
		}
	}
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + sizeof(eh), ph, sizeof(ph));
	memcpy(img + eh.e_shoff, sh, sizeof(sh));

	fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, img, total) != (ssize_t)total)
		goto out;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (gobin_open(path, &gb, &why))
		goto out;
	gobin_go_version(gb);
	gobin_grpc_version(gb);
	gobin_fixed_rodata(gb, &lo, &hi);
	gobin_for_each_func(gb, count, &n);
	gobin_for_each_func_in(gb, "main", count, &n);
	gobin_for_each_func(gb, sites, gb);
	gobin_caller_sites(gb, "main.main", NULL, NULL, keep, s, 16, &complete, &why);
	layout_resolve(gb, path, &layout, false);
	gobin_close(gb);
out:
	if (fd >= 0)
		close(fd);
	free(img);
	return 0;
}
