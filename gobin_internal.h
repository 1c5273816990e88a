/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * gobin_internal.h: what the gobin files share, behind gobin.h (not
 * installed, not for gobin's users): struct gobin itself, the parsed
 * .gopclntab, the file mapping's readers and the few helpers more than one
 * file calls. Everything else stays static in its file.
 *
 *   gobin.c          the facade: gobin_peek(), gobin_open(), gobin_close()
 *   gobin_callers.c  a function's return sites in its callers
 *   gobin_sites.c    disassembly: where probes go in a function, and the
 *                    instruction predicates gobin_callers.c uses too
 *   gobin_pcln.c     Go's runtime tables: .gopclntab, moduledata, itabs;
 *                    function lookups (.symtab where it is the table)
 *   gobin_version.c  build info, Go and grpc-go versions
 *   gobin_dwarf.c    DWARF: struct members, parameters' registers
 *   gobin_elf.c      the file: mapping, sections, segments, symbols,
 *                    reading bytes at a virtual address
 *
 * Layered, top first: a file calls only files below it (gobin.c the
 * readers it sets up and tears down, gobin_elf.c, gobin_pcln.c,
 * gobin_version.c and gobin_dwarf.c; gobin_callers.c gobin_sites.c,
 * gobin_pcln.c and gobin_elf.c; gobin_sites.c gobin_elf.c; gobin_pcln.c
 * and gobin_version.c gobin_elf.c; gobin_dwarf.c and gobin_elf.c none),
 * so no two files depend on each other and a reader can be understood,
 * and tested, with only those below it.
 */
#ifndef __GOBIN_INTERNAL_H
#define __GOBIN_INTERNAL_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <gelf.h>
#include <libelf.h>
#include <elfutils/libdw.h>
#include <capstone/capstone.h>

#include "gobin.h"

/*
 * Go's data structures as the files gobin reads lay them out (64-bit
 * little-endian: x86-64 only) are declared as C structs, each with the Go
 * source it mirrors and _Static_assert()s on its size and the offsets Go
 * fixes; fields are read at their offsetof() through GO_U32() and
 * GO_U64(), whose build fails unless the field has the size read.
 */
#define GO_OFF(type, field, size)					\
	(offsetof(type, field) +					\
	 0 * sizeof(char[sizeof(((type *)0)->field) == (size) ? 1 : -1]))
#define GO_U32(p, type, field)	le32((p) + GO_OFF(type, field, 4))
#define GO_U64(p, type, field)	le64((p) + GO_OFF(type, field, 8))

/*
 * runtime.functab (runtime/symtab.go, Go 1.18 and later), written by
 * cmd/link/internal/ld/pcln.go (writePCToFunc): the table at
 * pcHeader.pclnOffset holds nfunc of them, sorted by entryoff, then one
 * last entryoff (a uint32), the end of the text.
 */
struct go_functab {
	uint32_t entryoff;	/* from runtime.text */
	uint32_t funcoff;	/* from the table's start to the function's _func */
};
_Static_assert(sizeof(struct go_functab) == 8, "runtime.functab");

#define MAX_LOADS	16

struct load_seg {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
	bool exec;
	bool writable;
};

/*
 * .gopclntab of Go >= 1.18, reduced to what a function lookup needs; every
 * offset is relative to DATA and checked against SIZE when parsed.
 */
struct pclntab {
	const uint8_t *data;
	uint64_t size;
	uint64_t nfunc;
	uint64_t text;		/* runtime.text: functab entries are relative to it */
	uint64_t names;		/* funcnametab: [names, names_end) */
	uint64_t names_end;
	uint64_t functab;	/* nfunc struct go_functab + the end entryoff */
};

/* Top-level DWARF DIEs by name, built on first use. */
struct dw_index_ent {
	const char *name;
	Dwarf_Off off;
	int tag;
};

struct gobin {
	int fd;
	const uint8_t *map;	/* the whole file, MAP_SHARED (see gobin_open()) */
	size_t map_size;
	Elf *elf;
	Dwarf *dwarf;
	Elf_Scn *symtab;
	size_t symtab_link;
	struct load_seg loads[MAX_LOADS];
	int nloads;
	bool fixed;		/* ET_EXEC: loaded at its link addresses */
	struct pclntab pcln;
	bool has_pcln;
	bool pcln_indexed;	/* pcln_build_index() ran (pcln_ix may be NULL) */
	uint64_t *pcln_ix;
	uint64_t pcln_nix;	/* entries of pcln_ix */
	uint32_t *pcln_pkg;	/* per functab slot: pkg_key() of its name's package */
	struct dw_index_ent *dw_index;
	size_t dw_nindex;
	bool dw_indexed;
	/* The debug sections' data as libdw reads it: where a DIE's name may be. */
	struct { const char *lo, *hi; } dw_data[8];
	int dw_ndata;
	bool dw_data_read;
	char go_version[GOBIN_VERSION_LEN];
	char grpc_version[GOBIN_VERSION_LEN];
	const char *grpc_version_source;
	char why[256];		/* gobin_caller_sites()'s reason */
};

/* Unaligned little-endian loads: one instruction each on x86-64, in scans. */
static inline uint32_t le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

/* Relocation I of a SHT_RELA section at P (x86-64: Elf64, little-endian). */
static inline void gobin_rela_at(const uint8_t *p, uint64_t i, Elf64_Rela *r)
{
	memcpy(r, p + i * sizeof(*r), sizeof(*r));
}

/* The SHT_RELA section's entries at P, or 0 when it has none to read. */
static inline uint64_t gobin_rela_count(const uint8_t *p, const GElf_Shdr *sh)
{
	if (!p || sh->sh_type != SHT_RELA || sh->sh_entsize != sizeof(Elf64_Rela))
		return 0;
	return sh->sh_size / sizeof(Elf64_Rela);
}

/* Functab slot I (I == nfunc: only its entryoff, the end of the text). */
static inline const uint8_t *gobin_pcln_slot(const struct pclntab *t, uint64_t i)
{
	return t->data + t->functab + sizeof(struct go_functab) * i;
}

/* Entry offset of functab slot I (I == nfunc: the end of the text). */
static inline uint32_t gobin_pcln_entryoff(const struct pclntab *t, uint64_t i)
{
	return GO_U32(gobin_pcln_slot(t, i), struct go_functab, entryoff);
}

/* gobin_elf.c: the file and its mapping */

int gobin_elf_begin(struct gobin *gb, const char **why);
void gobin_elf_end(struct gobin *gb);
Elf_Scn *gobin_find_section(Elf *elf, const char *name);
int gobin_find_symbol(const struct gobin *gb, const char *name, bool funcs_only,
		      uint64_t *addr, uint64_t *size);

/* Bytes a scan reads between two gobin_drop_pages(): its resident set. */
#define SCAN_WINDOW	(4 << 20)

const uint8_t *gobin_scn_bytes(const struct gobin *gb, Elf_Scn *scn, GElf_Shdr *sh);
const uint8_t *gobin_section_bytes(const struct gobin *gb, const char *name,
				   GElf_Shdr *sh);
void gobin_drop_pages(const struct gobin *gb);
void gobin_scan_window(const struct gobin *gb, uint64_t *touched, uint64_t n);
bool gobin_in_exec_load(const struct gobin *gb, uint64_t vaddr, uint64_t size);
uint64_t gobin_relocated_word(const struct gobin *gb, uint64_t vaddr);
uint64_t gobin_word_at(const struct gobin *gb, uint64_t vaddr);
const uint8_t *gobin_func_bytes(const struct gobin *gb, uint64_t vaddr, uint64_t size);

/*
 * .symtab and its string table, in the file mapping (x86-64: Elf64,
 * little-endian), rather than read into memory: a large program's come to
 * tens of MB, and lookups touch them only while they search.
 */
struct symtab_view {
	const uint8_t *syms;
	uint64_t n;
	const char *strs;
	uint64_t strsz;
};

bool gobin_symtab_view(const struct gobin *gb, struct symtab_view *v);
const char *gobin_sym_at(const struct symtab_view *v, uint64_t i, Elf64_Sym *sym);

/* gobin_pcln.c: Go's runtime tables */

void gobin_parse_pclntab(struct gobin *gb);
void gobin_pcln_end(struct gobin *gb);
const char *gobin_pcln_func(const struct pclntab *t, uint64_t i, uint64_t *addr,
			    uint64_t *size);
size_t gobin_pkg_len(const char *name);
int64_t gobin_pcln_slot_at(const struct pclntab *t, uint64_t addr);

#define MAX_ITAB_SLOTS		16

/*
 * The itabs that hold a function, found by value (gobin_find_itab_slots()):
 * SLOT[i] is the offset of its word in ITAB[i], in the itab's method table
 * (struct go_itab in gobin_pcln.c: 24 + 8 * its method index).
 */
struct itab_slots {
	int n;
	uint64_t other;		/* a reference to FUNC by value that is no itab's */
	uint32_t slot[MAX_ITAB_SLOTS];
	uint64_t itab[MAX_ITAB_SLOTS];
};

void gobin_find_itab_slots(const struct gobin *gb, uint64_t func,
			   struct itab_slots *is);

/*
 * gobin_sites.c: the disassembler (Capstone, x86-64, with details) and the
 * questions about one instruction that gobin_callers.c asks too.
 */

/* Straight-line instructions from a CALL (or the first pass's JE) to its site. */
#define CALLER_AFTER_INSNS	8

int gobin_disasm_open(csh *cs);
int gobin_make_site(const struct gobin *gb, uint64_t vaddr,
		    enum site_kind kind, struct probe_site *site);
/* Does INSN write (explicitly or implicitly) REG or a part of it? */
bool gobin_writes_reg(csh cs, const cs_insn *insn, unsigned int reg);
/* ... any register of REGS (0-terminated; NULL: none)? */
bool gobin_writes_any(csh cs, const cs_insn *insn, const uint16_t *regs);
/* Does the kernel emulate a uprobe on INSN (no single-step)? */
bool gobin_emulated_branch(const cs_insn *insn);
/* A jump, call, return, interrupt, UD2 or HLT. */
bool gobin_is_control(csh cs, const cs_insn *insn);
/* The immediate target of a direct JMP, Jcc or CALL, or 0. */
uint64_t gobin_direct_target(csh cs, const cs_insn *insn);

/* gobin_version.c: build info and versions, read by gobin_open() */

void gobin_read_versions(struct gobin *gb);

/* gobin_dwarf.c: libdw's handle, opened by gobin_open() */

void gobin_dwarf_begin(struct gobin *gb);
void gobin_dwarf_end(struct gobin *gb);

#endif /* __GOBIN_INTERNAL_H */
