// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin_elf.c: the file itself, the bottom layer. Is it an x86-64 Go
 * executable; where are its sections and segments; what bytes are at a
 * virtual address, and at which file offset; which .symtab symbol has a
 * name. gobin_elf_begin() maps the file (see map_file()); Go's own tables
 * are the other files' (gobin_internal.h), and nothing here calls them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "gobin_internal.h"

/* Section NAME of ELF (not only a gobin's: gobin_peek() has no gobin). */
Elf_Scn *gobin_find_section(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	const char *n;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/*
 * The bytes of section SCN in the file mapping, *SH its header; NULL when
 * it has none there (SHT_NOBITS, compressed, or cut off by the file's
 * end). Unlike elf_getdata() nothing is read into memory: only the pages
 * then touched become resident, and gobin_drop_pages() lets them go.
 */
const uint8_t *gobin_scn_bytes(const struct gobin *gb, Elf_Scn *scn,
			       GElf_Shdr *sh)
{
	if (!gelf_getshdr(scn, sh) || sh->sh_type == SHT_NOBITS ||
	    (sh->sh_flags & SHF_COMPRESSED) || sh->sh_offset > gb->map_size ||
	    sh->sh_size > gb->map_size - sh->sh_offset)
		return NULL;
	return gb->map + sh->sh_offset;
}

const uint8_t *gobin_section_bytes(const struct gobin *gb, const char *name,
				   GElf_Shdr *sh)
{
	Elf_Scn *scn = gobin_find_section(gb->elf, name);

	return scn ? gobin_scn_bytes(gb, scn, sh) : NULL;
}

/*
 * Let the pages of the file mapping that one-off scans touched (the grpc-go
 * version string, every itab, every function's code) go out of the
 * resident set again. The mapping is shared: its pages stay in the page
 * cache and are mapped back, unchanged, on the next access, so every
 * pointer into it stays valid.
 */
void gobin_drop_pages(const struct gobin *gb)
{
	if (gb->map)
		madvise((void *)gb->map, gb->map_size, MADV_DONTNEED);
}

/* A scan has read N more bytes (*TOUCHED so far): drop them past a window. */
void gobin_scan_window(const struct gobin *gb, uint64_t *touched, uint64_t n)
{
	*touched += n;
	if (*touched > SCAN_WINDOW) {
		gobin_drop_pages(gb);
		*touched = 0;
	}
}

/* Is [vaddr, vaddr + size) inside one executable PT_LOAD's file bytes? */
bool gobin_in_exec_load(const struct gobin *gb, uint64_t vaddr, uint64_t size)
{
	const struct load_seg *s;
	int i;

	for (i = 0; i < gb->nloads; i++) {
		s = &gb->loads[i];
		if (s->exec && vaddr >= s->vaddr && size <= s->filesz &&
		    vaddr - s->vaddr <= s->filesz - size)
			return true;
	}
	return false;
}

/*
 * A PIE's pcHeader.textStart may be left for the dynamic loader to fill in
 * (an R_X86_64_RELATIVE relocation, whose addend is the link-time address).
 */
uint64_t gobin_relocated_word(const struct gobin *gb, uint64_t vaddr)
{
	Elf_Scn *scn = NULL;
	const uint8_t *p;
	uint64_t i, n;
	GElf_Shdr sh;
	Elf64_Rela r;

	while ((scn = elf_nextscn(gb->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
			continue;
		p = gobin_scn_bytes(gb, scn, &sh);
		n = gobin_rela_count(p, &sh);
		for (i = 0; i < n; i++) {
			gobin_rela_at(p, i, &r);
			if (r.r_offset == vaddr &&
			    ELF64_R_TYPE(r.r_info) == R_X86_64_RELATIVE)
				return (uint64_t)r.r_addend;
		}
	}
	return 0;
}

/* The 8-byte word at VADDR, as the dynamic loader would leave it. */
uint64_t gobin_word_at(const struct gobin *gb, uint64_t vaddr)
{
	uint8_t b[8];

	if (gobin_read(gb, vaddr, b, sizeof(b)))
		return 0;
	return le64(b) ? le64(b) : gobin_relocated_word(gb, vaddr);
}

static int check_go_elf(struct gobin *gb, const char **why)
{
	GElf_Ehdr eh;
	GElf_Phdr ph;
	size_t i, n;

	if (elf_kind(gb->elf) != ELF_K_ELF || !gelf_getehdr(gb->elf, &eh)) {
		*why = "not an ELF executable";
		return -ENOEXEC;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		*why = "not an x86-64 executable (only x86-64 is supported)";
		return -ENOEXEC;
	}
	if (!gobin_find_section(gb->elf, ".gopclntab") &&
	    !gobin_find_section(gb->elf, ".data.rel.ro.gopclntab") &&
	    !gobin_find_section(gb->elf, ".go.buildinfo") &&
	    !gobin_find_section(gb->elf, ".note.go.buildid")) {
		*why = "not a Go program (no .gopclntab, .go.buildinfo or Go build id)";
		return -ENOEXEC;
	}
	if (elf_getphdrnum(gb->elf, &n))
		n = 0;
	for (i = 0; i < n && gb->nloads < MAX_LOADS; i++) {
		if (!gelf_getphdr(gb->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		gb->loads[gb->nloads++] = (struct load_seg){
			ph.p_vaddr, ph.p_offset, ph.p_filesz, ph.p_memsz,
			ph.p_flags & PF_X, ph.p_flags & PF_W };
	}
	gb->fixed = eh.e_type == ET_EXEC;
	if (!gb->nloads) {
		*why = "no loadable segments";
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Map the file MAP_SHARED, read-only, and never read it whole: only the
 * pages a lookup or a scan touches become resident (a large program's
 * .text alone can be 60 MB), and gobin_drop_pages() gives those of a one-off
 * scan back. Never a private mapping: a uprobe registered for every
 * process running this file (-b, or another tracer) also plants its INT3
 * in any private mapping of it that could be executable, ours included,
 * and the disassembly would then see breakpoints instead of code. The
 * kernel leaves shared mappings alone (valid_vma() in
 * kernel/events/uprobes.c refuses VM_MAYSHARE). libelf reads the headers,
 * and for libdw the DWARF sections, with read() (ELF_C_READ); everything
 * else is read from the mapping. A file cut short while mapped would fault
 * (SIGBUS) on its lost pages, but a running program's file cannot be
 * written (ETXTBSY), and the tool reads the file only while it starts.
 */
static int map_file(struct gobin *gb, const char **why)
{
	struct stat st;
	void *map;
	int err;

	if (fstat(gb->fd, &st)) {
		err = -errno;
		*why = strerror(-err);
		return err;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < EI_NIDENT) {
		*why = "not an ELF file";
		return -ENOEXEC;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, gb->fd, 0);
	if (map == MAP_FAILED) {
		*why = "cannot map the file";
		return -errno;
	}
	gb->map = map;
	gb->map_size = st.st_size;
	return 0;
}

/*
 * The file gobin_open() opened (GB->fd): mapped, handed to libelf, checked
 * to be an x86-64 Go executable, its PT_LOAD segments and .symtab found.
 * On failure *WHY says why; gobin_elf_end() releases what was set up.
 */
int gobin_elf_begin(struct gobin *gb, const char **why)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err;

	err = map_file(gb, why);
	if (err)
		return err;
	gb->elf = elf_begin(gb->fd, ELF_C_READ, NULL);
	if (!gb->elf) {
		*why = "not an ELF file";
		return -ENOEXEC;
	}
	err = check_go_elf(gb, why);
	if (err)
		return err;
	while ((scn = elf_nextscn(gb->elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			gb->symtab = scn;
			gb->symtab_link = sh.sh_link;
			break;
		}
	}
	return 0;
}

/* After gobin_dwarf_end(): libdw reads through the Elf. */
void gobin_elf_end(struct gobin *gb)
{
	if (gb->elf)
		elf_end(gb->elf);
	if (gb->map)
		munmap((void *)gb->map, gb->map_size);
}

bool gobin_has_symtab(const struct gobin *gb)
{
	return gb->symtab != NULL;
}

bool gobin_symtab_view(const struct gobin *gb, struct symtab_view *v)
{
	GElf_Shdr sh, ssh;
	Elf_Scn *str;

	if (!gb->symtab || !(v->syms = gobin_scn_bytes(gb, gb->symtab, &sh)) ||
	    sh.sh_entsize != sizeof(Elf64_Sym))
		return false;
	str = elf_getscn(gb->elf, gb->symtab_link);
	if (!str || !(v->strs = (const char *)gobin_scn_bytes(gb, str, &ssh)) ||
	    ssh.sh_type != SHT_STRTAB)
		return false;
	v->n = sh.sh_size / sizeof(Elf64_Sym);
	v->strsz = ssh.sh_size;
	return true;
}

/* Symbol I of V and its NUL-terminated name (NULL when out of bounds). */
const char *gobin_sym_at(const struct symtab_view *v, uint64_t i, Elf64_Sym *sym)
{
	memcpy(sym, v->syms + i * sizeof(*sym), sizeof(*sym));
	if (sym->st_name >= v->strsz ||
	    !memchr(v->strs + sym->st_name, '\0', v->strsz - sym->st_name))
		return NULL;
	return v->strs + sym->st_name;
}

/* Look NAME up in .symtab; with FUNCS_ONLY, only STT_FUNC symbols. */
int gobin_find_symbol(const struct gobin *gb, const char *name, bool funcs_only,
		      uint64_t *addr, uint64_t *size)
{
	struct symtab_view v;
	int err = -ENOENT;
	const char *n;
	Elf64_Sym sym;
	uint64_t i;

	if (!gobin_symtab_view(gb, &v))
		return -ENOENT;
	for (i = 0; i < v.n; i++) {
		/* The type alone first: most symbols are not functions. */
		if (funcs_only &&
		    ELF64_ST_TYPE(v.syms[i * sizeof(sym) + offsetof(Elf64_Sym, st_info)]) != STT_FUNC)
			continue;
		n = gobin_sym_at(&v, i, &sym);
		if (n && !strcmp(n, name)) {
			*addr = sym.st_value;
			*size = sym.st_size;
			err = 0;
			break;
		}
	}
	gobin_drop_pages(gb);		/* what the search went through */
	return err;
}

int gobin_symbol(const struct gobin *gb, const char *name, uint64_t *addr,
		 uint64_t *size)
{
	return gobin_find_symbol(gb, name, false, addr, size);
}

int gobin_vaddr_to_offset(const struct gobin *gb, uint64_t vaddr,
			  uint64_t *offset)
{
	const struct load_seg *s;
	int i;

	for (i = 0; i < gb->nloads; i++) {
		s = &gb->loads[i];
		if (vaddr >= s->vaddr && vaddr < s->vaddr + s->filesz) {
			*offset = vaddr - s->vaddr + s->offset;
			return 0;
		}
	}
	return -ERANGE;
}

int gobin_fixed_rodata(const struct gobin *gb, uint64_t *lo, uint64_t *hi)
{
	const struct load_seg *s;
	int i;

	if (!gb->fixed)
		return -ENOENT;
	for (i = 0; i < gb->nloads; i++) {
		s = &gb->loads[i];
		if (!s->exec && !s->writable && s->memsz) {
			*lo = s->vaddr;
			*hi = s->vaddr + s->memsz;
			return 0;
		}
	}
	return -ENOENT;
}

/* Bytes of the function at [vaddr, vaddr + size), in the file mapping. */
const uint8_t *gobin_func_bytes(const struct gobin *gb, uint64_t vaddr,
				uint64_t size)
{
	uint64_t off;

	if (gobin_vaddr_to_offset(gb, vaddr, &off) ||
	    gobin_vaddr_to_offset(gb, vaddr + size - 1, &off) || !size)
		return NULL;
	gobin_vaddr_to_offset(gb, vaddr, &off);
	if (off > gb->map_size || size > gb->map_size - off)
		return NULL;
	return gb->map + off;
}

int gobin_read(const struct gobin *gb, uint64_t vaddr, void *buf, size_t len)
{
	const uint8_t *p = gobin_func_bytes(gb, vaddr, len);

	if (!p)
		return -ERANGE;
	memcpy(buf, p, len);
	return 0;
}
