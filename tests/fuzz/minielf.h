/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minielf.h: a small, well-formed x86-64 Go-like ELF executable built in
 * memory, for the fuzz harnesses (what the fuzzer mutates goes inside it,
 * so that libelf accepts the file and gobin's own parsers see the bytes)
 * and for tests/fuzz/mkseeds.c (structure-aware seeds cut from the
 * fixtures). Header-only, every function static: each harness is one
 * translation unit plus the code under test.
 *
 *  mini_elf()      sections -> an image: each SHF_ALLOC section in a
 *                  PT_LOAD of its own, the others (DWARF) only in the
 *                  section table, packed (no page alignment: small inputs)
 *  mini_pclntab()  a Go 1.20 .gopclntab naming N functions, laid out one
 *                  after the other from TEXT
 *  mini_itab()     an itab (and its interface and type) holding two
 *                  methods, for the itab scans
 *  mini_buildinfo() a .go.buildinfo with a Go version and a grpc-go dep
 *  mini_memfd()    the image in a memfd, opened by path like a file
 */
#ifndef __MINIELF_H
#define __MINIELF_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define MINI_MAX_SECS	12

struct mini_sec {
	const char *name;
	uint32_t type;		/* SHT_PROGBITS, ... */
	uint64_t flags;		/* SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE */
	uint64_t addr;
	const uint8_t *data;
	size_t len;
	uint64_t entsize;	/* SHT_RELA: sizeof(Elf64_Rela) */
};

/* Virtual addresses the harnesses and mkseeds.c agree on. */
#define MINI_TEXT	0x401000ULL
#define MINI_RODATA	0x800000ULL
#define MINI_PCLN	0x900000ULL
#define MINI_BUILDINFO	0xa00000ULL
#define MINI_NOPTRDATA	0xb00000ULL

static inline void mini_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static inline void mini_put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* The ELF image of SECS (N of them, MINI_MAX_SECS at most); malloc'd. */
static inline uint8_t *mini_elf(const struct mini_sec *secs, int n, size_t *size)
{
	size_t off[MINI_MAX_SECS + 2], total, shstr_len = 1, shstr_off, name_off[MINI_MAX_SECS + 2];
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph;
	Elf64_Shdr sh;
	int i, nph = 0;
	uint8_t *img;

	if (n > MINI_MAX_SECS)
		return NULL;
	for (i = 0; i < n; i++) {
		name_off[i] = shstr_len;
		shstr_len += strlen(secs[i].name) + 1;
		nph += !!(secs[i].flags & SHF_ALLOC);
	}
	name_off[n] = shstr_len;
	shstr_len += sizeof(".shstrtab");
	/* Packed: gobin maps addresses to offsets by the program headers. */
	total = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) * nph;
	for (i = 0; i < n; i++) {
		total = (total + 15) & ~(size_t)15;
		off[i] = total;
		total += secs[i].len;
	}
	shstr_off = total;
	total += (shstr_len + 7) & ~(size_t)7;
	eh.e_shoff = total;
	total += sizeof(Elf64_Shdr) * (n + 2);
	img = calloc(1, total);
	if (!img)
		return NULL;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = MINI_TEXT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = nph;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = n + 2;
	eh.e_shstrndx = n + 1;
	memcpy(img, &eh, sizeof(eh));
	/* Section 0 is the null one: the table starts zeroed. */
	nph = 0;
	for (i = 0; i < n; i++) {
		if (secs[i].len)
			memcpy(img + off[i], secs[i].data, secs[i].len);
		memset(&sh, 0, sizeof(sh));
		sh.sh_name = name_off[i];
		sh.sh_type = secs[i].type;
		sh.sh_flags = secs[i].flags;
		sh.sh_addr = secs[i].addr;
		sh.sh_offset = off[i];
		sh.sh_size = secs[i].len;
		sh.sh_addralign = 1;
		sh.sh_entsize = secs[i].entsize;
		memcpy(img + eh.e_shoff + sizeof(sh) * (i + 1), &sh, sizeof(sh));
		if (!(secs[i].flags & SHF_ALLOC))
			continue;
		ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = off[i],
			.p_vaddr = secs[i].addr, .p_paddr = secs[i].addr,
			.p_filesz = secs[i].len, .p_memsz = secs[i].len, .p_align = 0x1000,
			.p_flags = PF_R | (secs[i].flags & SHF_EXECINSTR ? PF_X : 0) |
				   (secs[i].flags & SHF_WRITE ? PF_W : 0) };
		memcpy(img + sizeof(eh) + sizeof(ph) * nph++, &ph, sizeof(ph));
	}
	for (i = 0; i < n; i++)
		memcpy(img + shstr_off + name_off[i], secs[i].name, strlen(secs[i].name) + 1);
	memcpy(img + shstr_off + name_off[n], ".shstrtab", sizeof(".shstrtab"));
	memset(&sh, 0, sizeof(sh));
	sh.sh_name = name_off[n];
	sh.sh_type = SHT_STRTAB;
	sh.sh_offset = shstr_off;
	sh.sh_size = shstr_len;
	sh.sh_addralign = 1;
	memcpy(img + eh.e_shoff + sizeof(sh) * (n + 1), &sh, sizeof(sh));
	*size = total;
	return img;
}

/*
 * A Go 1.20 .gopclntab (magic 0xfffffff1, textStart set) for N functions
 * NAMES of SIZES bytes, one after the other from TEXT, each _func's args
 * ARGS[i] (ARGS NULL: 0). Into OUT (CAP bytes); returns its length, 0 when
 * it does not fit. Only what gobin reads is there: header, funcnametab,
 * functab and the leading fields of each _func.
 */
static inline size_t mini_pclntab(uint8_t *out, size_t cap, const char *const *names,
			   const uint32_t *sizes, const int32_t *args, int n, uint64_t text)
{
	size_t len = 72, names_off = len, functab, funcs;
	uint32_t entry = 0, nameoff;
	int i;

	for (i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	len = (len + 7) & ~(size_t)7;
	functab = len;
	funcs = functab + 8 * (size_t)n + 4;
	len = funcs + 16 * (size_t)n;
	if (len > cap)
		return 0;
	memset(out, 0, len);
	mini_put32(out, 0xfffffff1);
	out[6] = 1;	/* minLC */
	out[7] = 8;	/* ptrSize */
	mini_put64(out + 8, n);
	mini_put64(out + 24, text);
	mini_put64(out + 32, names_off);
	mini_put64(out + 64, functab);
	nameoff = 0;
	for (i = 0; i < n; i++) {
		memcpy(out + names_off + nameoff, names[i], strlen(names[i]) + 1);
		mini_put32(out + functab + 8 * i, entry);
		mini_put32(out + functab + 8 * i + 4, (uint32_t)(funcs + 16 * i - functab));
		mini_put32(out + funcs + 16 * i, entry);
		mini_put32(out + funcs + 16 * i + 4, nameoff);
		mini_put32(out + funcs + 16 * i + 8, args ? (uint32_t)args[i] : 0);
		nameoff += strlen(names[i]) + 1;
		entry += sizes[i];
	}
	mini_put64(out + 40, names_off + nameoff);	/* cuOffset: funcnametab's end */
	mini_put64(out + 48, names_off + nameoff);
	mini_put64(out + 56, names_off + nameoff);
	mini_put32(out + functab + 8 * n, entry);
	return len;
}

/*
 * At OUT (ADDR, 8-aligned; 128 bytes): a _type with HASH, an
 * interfacetype with 2 methods, and an itab of the two holding FUN0 and
 * FUN1 at method indexes SLOT0 and SLOT0 + 1 (SLOT0 < 14) of 16 words.
 * Returns the bytes used.
 */
static inline size_t mini_itab(uint8_t *out, uint64_t addr, uint32_t hash, unsigned int slot0,
			uint64_t fun0, uint64_t fun1)
{
	const size_t typ = 0, inter = 48, itab = 48 + 80;
	unsigned int i;

	memset(out, 0, itab + 24 + 8 * 16);
	mini_put64(out + typ, 8);		/* size */
	mini_put32(out + typ + 16, hash);
	mini_put32(out + inter + 16, hash ^ 1);	/* the interface's own type */
	mini_put64(out + inter + 56, addr + inter + 72);	/* methods.ptr */
	mini_put64(out + inter + 64, 16);	/* methods.len */
	mini_put64(out + itab, addr + inter);
	mini_put64(out + itab + 8, addr + typ);
	mini_put32(out + itab + 16, hash);
	slot0 %= 14;
	for (i = 0; i < 16; i++)	/* the other methods: FUN1's neighbours */
		mini_put64(out + itab + 24 + 8 * i, fun1);
	mini_put64(out + itab + 24 + 8 * slot0, fun0);
	return itab + 24 + 8 * 16;
}

/* A Go >= 1.18 .go.buildinfo: GO_VERSION, and a grpc-go dep GRPC (NULL: none). */
static inline size_t mini_buildinfo(uint8_t *out, size_t cap, const char *go_version,
			     const char *grpc)
{
	char mod[256];
	size_t n = 32, gl = strlen(go_version), ml;

	ml = (size_t)snprintf(mod, sizeof(mod), "path\tmain\nmod\tmain\t(devel)\t\n%s%s%s",
			      grpc ? "dep\tgoogle.golang.org/grpc\tv" : "", grpc ? grpc : "",
			      grpc ? "\th1:x=\n" : "");
	if (gl > 127 || ml > 127 || 32 + 2 + gl + ml > cap)
		return 0;
	memset(out, 0, 32);
	memcpy(out, "\xff Go buildinf:", 14);
	out[14] = 8;
	out[15] = 2;	/* flagsVersionInl */
	out[n++] = (uint8_t)gl;
	memcpy(out + n, go_version, gl);
	n += gl;
	out[n++] = (uint8_t)ml;
	memcpy(out + n, mod, ml);
	return n + ml;
}

/* IMG in a memfd; PATH (64 bytes) names it. The fd, or -1. */
static inline int mini_memfd(const uint8_t *img, size_t size, char *path)
{
	int fd = memfd_create("fuzz", 0);

	if (fd < 0)
		return -1;
	if (write(fd, img, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

#endif /* __MINIELF_H */
