// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin: Go executable inspection for grpcstreams. See gobin.h.
 *
 * ELF and DWARF go through elfutils (libelf, libdw), disassembly through
 * Capstone: no hand-written decoders.
 */
#define _GNU_SOURCE
#include <dwarf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <gelf.h>
#include <libelf.h>
#include <elfutils/libdw.h>
#include <capstone/capstone.h>
#include <emmintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gobin.h"

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
	uint64_t functab;	/* nfunc (entryoff, funcoff) pairs + the end offset */
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
	char go_version[GOBIN_VERSION_LEN];
	char grpc_version[GOBIN_VERSION_LEN];
	const char *grpc_version_source;
	char why[256];		/* gobin_caller_sites()'s reason */
};

static Elf_Scn *find_section(Elf *elf, const char *name)
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
 * then touched become resident, and drop_pages() lets them go.
 */
static const uint8_t *scn_bytes(const struct gobin *gb, Elf_Scn *scn,
				GElf_Shdr *sh)
{
	if (!gelf_getshdr(scn, sh) || sh->sh_type == SHT_NOBITS ||
	    (sh->sh_flags & SHF_COMPRESSED) || sh->sh_offset > gb->map_size ||
	    sh->sh_size > gb->map_size - sh->sh_offset)
		return NULL;
	return gb->map + sh->sh_offset;
}

static const uint8_t *section_bytes(const struct gobin *gb, const char *name,
				    GElf_Shdr *sh)
{
	Elf_Scn *scn = find_section(gb->elf, name);

	return scn ? scn_bytes(gb, scn, sh) : NULL;
}

/* Relocation I of a SHT_RELA section at P (x86-64: Elf64, little-endian). */
static void rela_at(const uint8_t *p, uint64_t i, Elf64_Rela *r)
{
	memcpy(r, p + i * sizeof(*r), sizeof(*r));
}

/* The SHT_RELA section's entries at P, or 0 when it has none to read. */
static uint64_t rela_count(const uint8_t *p, const GElf_Shdr *sh)
{
	if (!p || sh->sh_type != SHT_RELA || sh->sh_entsize != sizeof(Elf64_Rela))
		return 0;
	return sh->sh_size / sizeof(Elf64_Rela);
}

/*
 * Let the pages of the file mapping that one-off scans touched (the grpc-go
 * version string, every itab, every function's code) go out of the
 * resident set again. The mapping is shared: its pages stay in the page
 * cache and are mapped back, unchanged, on the next access, so every
 * pointer into it stays valid.
 */
static void drop_pages(const struct gobin *gb)
{
	if (gb->map)
		madvise((void *)gb->map, gb->map_size, MADV_DONTNEED);
}

/* Bytes a scan reads between two drop_pages(): its resident set. */
#define SCAN_WINDOW	(4 << 20)

/* A scan has read N more bytes (*TOUCHED so far): drop them past a window. */
static void scan_window(const struct gobin *gb, uint64_t *touched, uint64_t n)
{
	*touched += n;
	if (*touched > SCAN_WINDOW) {
		drop_pages(gb);
		*touched = 0;
	}
}

/* Go's uvarint, bounded by END; returns NULL on a malformed number. */
static const uint8_t *read_uvarint(const uint8_t *p, const uint8_t *end,
				   uint64_t *v)
{
	unsigned int shift = 0;

	*v = 0;
	while (p < end && shift < 64) {
		*v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p++ & 0x80))
			return p;
		shift += 7;
	}
	return NULL;
}

/*
 * Copy a version "X.Y.Z" from P into OUT, or leave OUT empty when P does
 * not start with one. Only the run of digits and dots is read: in rodata
 * grpc-go's user agent runs straight into the next string
 * ("grpc-go/1.33.3grpc-trace-bin"), so a suffix cannot be told apart from
 * what follows, and a pre-release or pseudo-version ("1.64.0-dev",
 * "v1.81.1-0.2025...") reports its X.Y.Z alone. Exactly three non-empty
 * numeric components, or nothing: "1.33", "1.2.3.4" and ".1.2" are refused.
 */
static void copy_version(char *out, const char *p, const char *end)
{
	size_t n = 0, i, digits = 0, dots = 0;

	out[0] = '\0';
	while (p + n < end && n < GOBIN_VERSION_LEN &&
	       ((p[n] >= '0' && p[n] <= '9') || p[n] == '.'))
		n++;
	if (n == GOBIN_VERSION_LEN)
		return;
	while (n && p[n - 1] == '.')
		n--;
	for (i = 0; i < n; i++) {
		if (p[i] != '.') {
			digits++;
			continue;
		}
		if (!digits)
			return;
		digits = 0;
		dots++;
	}
	if (dots != 2 || !digits)
		return;
	memcpy(out, p, n);
	out[n] = '\0';
}

static bool printable(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return false;
	return true;
}

/*
 * .go.buildinfo (Go >= 1.18): 14 bytes of magic, pointer size, flags; with
 * flag 2 the Go version and the module info follow at offset 32 as
 * varint-prefixed strings. Older pointer-based layouts are left unknown.
 */
static void parse_buildinfo(struct gobin *gb)
{
	static const char magic[] = "\xff Go buildinf:";
	static const char grpc_dep[] = "\tgoogle.golang.org/grpc\tv";
	const uint8_t *p, *end;
	const char *mod, *dep;
	GElf_Shdr sh;
	uint64_t n;

	p = section_bytes(gb, ".go.buildinfo", &sh);
	if (!p || sh.sh_size < 32 || memcmp(p, magic, sizeof(magic) - 1))
		return;
	end = p + sh.sh_size;
	if (!(p[15] & 2))
		return;
	p += 32;
	p = read_uvarint(p, end, &n);
	if (!p || n > (uint64_t)(end - p))
		return;
	if (n < GOBIN_VERSION_LEN && printable(p, n)) {
		memcpy(gb->go_version, p, n);
		gb->go_version[n] = '\0';
	}
	p += n;
	p = read_uvarint(p, end, &n);
	if (!p || n > (uint64_t)(end - p))
		return;
	mod = (const char *)p;
	dep = memmem(mod, n, grpc_dep, sizeof(grpc_dep) - 1);
	if (dep) {
		dep += sizeof(grpc_dep) - 1;
		copy_version(gb->grpc_version, dep, mod + n);
		if (gb->grpc_version[0])
			gb->grpc_version_source = "buildinfo";
	}
}

/*
 * GOPATH builds carry no module versions, but grpc-go's user agent
 * "grpc-go/" + Version is a constant, so the linker keeps it in read-only
 * data, stripped binaries included.
 */
static const char ua[] = "grpc-go/";

/*
 * The first grpc-go user agent with a version that starts in [P, NEXT)
 * (it may run on up to END) into gb->grpc_version.
 */
static bool ua_version(struct gobin *gb, const char *p, const char *next,
		       const char *end)
{
	const size_t n = sizeof(ua) - 1;
	const char *lim = (size_t)(end - next) > n - 1 ? next + n - 1 : end;

	for (; p < next; p += n) {
		p = memmem(p, lim - p, ua, n);
		if (!p)
			return false;
		copy_version(gb->grpc_version, p + n, end);
		if (gb->grpc_version[0]) {
			gb->grpc_version_source = "rodata";
			return true;
		}
	}
	return false;
}

static void find_grpc_version_string(struct gobin *gb)
{
	const char *names[] = { ".rodata", ".data.rel.ro" };
	const char *p, *start, *end, *next;
	GElf_Shdr sh;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		start = (const char *)section_bytes(gb, names[i], &sh);
		if (!start)
			continue;
		end = start + sh.sh_size;
		for (p = start; p < end; p = next) {
			/* A window at a time, each one dropped (gobin_open()). */
			next = end - p > SCAN_WINDOW ? p + SCAN_WINDOW : end;
			drop_pages(gb);
			if (ua_version(gb, p, next, end))
				return;
		}
	}
}

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

/* Is [vaddr, vaddr + size) inside one executable PT_LOAD's file bytes? */
static bool in_exec_load(const struct gobin *gb, uint64_t vaddr, uint64_t size)
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
static uint64_t relocated_word(const struct gobin *gb, uint64_t vaddr)
{
	Elf_Scn *scn = NULL;
	const uint8_t *p;
	uint64_t i, n;
	GElf_Shdr sh;
	Elf64_Rela r;

	while ((scn = elf_nextscn(gb->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
			continue;
		p = scn_bytes(gb, scn, &sh);
		n = rela_count(p, &sh);
		for (i = 0; i < n; i++) {
			rela_at(p, i, &r);
			if (r.r_offset == vaddr &&
			    ELF64_R_TYPE(r.r_info) == R_X86_64_RELATIVE)
				return (uint64_t)r.r_addend;
		}
	}
	return 0;
}

/* Entry offset of functab slot I (I == nfunc: the end of the text). */
static uint32_t pcln_entryoff(const struct pclntab *t, uint64_t i)
{
	return le32(t->data + t->functab + 8 * i);
}

/* The 8-byte word at VADDR, as the dynamic loader would leave it. */
static uint64_t word_at(const struct gobin *gb, uint64_t vaddr)
{
	uint8_t b[8];

	if (gobin_read(gb, vaddr, b, sizeof(b)))
		return 0;
	return le64(b) ? le64(b) : relocated_word(gb, vaddr);
}

/*
 * runtime.moduledata starts with pcHeader *pcHeader, then the slices
 * funcnametab, cutab, filetab, pctab, pclntable, ftab (3 words each),
 * findfunctab, minpc, maxpc, text, etext (Go 1.18 to 1.27 alike). Is the
 * one at VADDR the one describing PCLN at PCVADDR?
 */
#define MODDATA_FTAB	16
#define MODDATA_MINPC	20
#define MODDATA_MAXPC	21
#define MODDATA_TEXT	22

static bool moduledata_at(const struct gobin *gb, uint64_t vaddr,
			  const struct pclntab *t, uint64_t pcvaddr)
{
	return word_at(gb, vaddr) == pcvaddr &&
	       word_at(gb, vaddr + 8) == pcvaddr + t->names &&
	       word_at(gb, vaddr + 8 * MODDATA_FTAB) == pcvaddr + t->functab &&
	       word_at(gb, vaddr + 8 * (MODDATA_FTAB + 1)) == t->nfunc + 1;
}

/*
 * Go >= 1.26 leaves pcHeader.textStart zero: runtime.text is then only in
 * the moduledata that points at the table (runtime.firstmoduledata, found
 * by value: stripped binaries have no symbol for it). Its text must be set,
 * and its minpc and maxpc be the functab's first and last entries.
 */
static uint64_t moduledata_text(const struct gobin *gb, const struct pclntab *t,
				uint64_t pcvaddr)
{
	Elf_Scn *scn = NULL;
	uint64_t text, i, n, cand, touched = 0;
	const uint8_t *p;
	GElf_Shdr sh;
	Elf64_Rela r;

	while ((scn = elf_nextscn(gb->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) ||
		    !((sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_WRITE)) ||
		      sh.sh_type == SHT_RELA) ||
		    !(p = scn_bytes(gb, scn, &sh)))
			continue;
		cand = 0;
		if (sh.sh_type == SHT_PROGBITS) {
			for (i = 0; i + 8 <= sh.sh_size && !cand; i += 8) {
				if (!(i & 0xfff))
					scan_window(gb, &touched, 0x1000);
				if (le64(p + i) == pcvaddr &&
				    moduledata_at(gb, sh.sh_addr + i, t, pcvaddr))
					cand = sh.sh_addr + i;
			}
		} else {
			/* A PIE's data words may be relocations only. */
			n = rela_count(p, &sh);
			for (i = 0; i < n && !cand; i++) {
				rela_at(p, i, &r);
				if ((uint64_t)r.r_addend == pcvaddr &&
				    moduledata_at(gb, r.r_offset, t, pcvaddr))
					cand = r.r_offset;
			}
		}
		if (!cand)
			continue;
		text = word_at(gb, cand + 8 * MODDATA_TEXT);
		if (text &&
		    word_at(gb, cand + 8 * MODDATA_MINPC) == text + pcln_entryoff(t, 0) &&
		    word_at(gb, cand + 8 * MODDATA_MAXPC) == text + pcln_entryoff(t, t->nfunc))
			return text;
	}
	return 0;
}

#define PCLN_GO118	0xfffffff0u	/* Go 1.18, 1.19 */
#define PCLN_GO120	0xfffffff1u	/* Go 1.20 and later */
#define PCLN_HDR	(8 + 8 * 8)	/* magic, pad, minLC, ptrSize, 8 words */

/*
 * runtime.pcHeader (Go >= 1.18, 64-bit): magic uint32; 2 pad bytes; minLC,
 * ptrSize uint8; then nfunc, nfiles, textStart, funcnameOffset, cuOffset,
 * filetabOffset, pctabOffset, pclnOffset. The functab at pclnOffset holds
 * nfunc (entryoff, funcoff) uint32 pairs and a last entryoff (the end of
 * the text); funcoff leads, from pclnOffset, to a _func whose first two
 * fields are entryOff uint32 and nameOff int32 (into funcnametab). Any
 * offset outside the section leaves the table unused; older formats
 * (Go <= 1.17) are not read.
 */
static void parse_pclntab(struct gobin *gb)
{
	struct pclntab *t = &gb->pcln;
	uint64_t cu, pcln, magic;
	const uint8_t *p;
	GElf_Shdr sh;

	p = section_bytes(gb, ".gopclntab", &sh);
	if (!p)
		p = section_bytes(gb, ".data.rel.ro.gopclntab", &sh);
	if (!p || sh.sh_size < PCLN_HDR)
		return;
	magic = le32(p);
	if ((magic != PCLN_GO118 && magic != PCLN_GO120) || p[4] || p[5] ||
	    p[6] != 1 || p[7] != 8)
		return;
	t->data = p;
	t->size = sh.sh_size;
	t->nfunc = le64(p + 8);
	t->text = le64(p + 24);
	t->names = le64(p + 32);
	cu = le64(p + 40);
	pcln = le64(p + 64);
	t->names_end = cu;
	t->functab = pcln;
	if (t->names < PCLN_HDR || t->names > cu || cu > t->size ||
	    pcln < PCLN_HDR || pcln > t->size || t->size - pcln < 12 || !t->nfunc ||
	    t->nfunc > ((t->size - pcln) / 4 - 1) / 2)
		return;
	if (!t->text)
		t->text = relocated_word(gb, sh.sh_addr + 24);
	if (!t->text)
		t->text = moduledata_text(gb, t, sh.sh_addr);
	if (!in_exec_load(gb, t->text, 1))
		return;
	gb->has_pcln = true;
}

/*
 * The NUL-terminated name of functab slot I and its _func's entry offset,
 * or NULL when the record points outside the table.
 */
static const char *pcln_name(const struct pclntab *t, uint64_t i,
			     uint32_t *entryoff)
{
	uint64_t funcoff = le32(t->data + t->functab + 8 * i + 4);
	uint64_t f = t->functab + funcoff;
	const uint8_t *name;
	int32_t nameoff;

	if (f > t->size || t->size - f < 8)
		return NULL;
	*entryoff = le32(t->data + f);
	nameoff = (int32_t)le32(t->data + f + 4);
	if (nameoff < 0 || (uint64_t)nameoff >= t->names_end - t->names)
		return NULL;
	name = t->data + t->names + nameoff;
	if (!memchr(name, '\0', t->names_end - t->names - nameoff))
		return NULL;
	return (const char *)name;
}

/*
 * The hash of the functab index: LEN bytes of S, eight at a time (a
 * byte-wise FNV, one multiply per byte, was a chain of 7 million on a
 * 124,000-function program).
 */
static uint32_t hash_n(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

	for (; len; s += 8, len -= len < 8 ? len : 8) {
		w = 0;
		memcpy(&w, s, len < 8 ? len : 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return (uint32_t)h;
}

static uint32_t name_hash(const char *s)
{
	return hash_n(s, strlen(s));
}

/*
 * The length of the package path a Go symbol NAME starts with: up to the
 * first '.' after its last '/', as runtime.funcpkgpath() has it, except
 * that a '/' past the first '(' or '[' is a type argument's or a
 * receiver's, not the package's: "google.golang.org/grpc/internal/
 * transport.(*http2Client).NewStream" -> "google.golang.org/grpc/
 * internal/transport", "net.(*TCPAddr).String" -> "net".
 */
static size_t pkg_len(const char *name)
{
	size_t i, slash = 0;

	for (i = 0; name[i] && name[i] != '(' && name[i] != '['; i++)
		if (name[i] == '/')
			slash = i;
	for (i = slash; name[i] && name[i] != '.'; i++)
		;
	return i;
}

/*
 * A cheap key of NAME's package for gobin_for_each_func_in(): its length
 * and last four bytes; the names it matches are compared in full.
 */
static uint32_t pkg_key(const char *pkg, size_t len)
{
	uint32_t w = 0;

	memcpy(&w, pkg + (len > 4 ? len - 4 : 0), len < 4 ? len : 4);
	return (uint32_t)len * 0x9e3779b1u ^ w;
}

static uint32_t pkg_hash(const char *name)
{
	return pkg_key(name, pkg_len(name));
}

#define PCLN_INDEX_WINDOW	16384	/* functions (~2 MB of table) per drop_pages() */

/*
 * An index of every function name in .gopclntab, built on the first
 * lookup: a large program has 100,000 functions or more, and a linear
 * search per lookup touched every name and _func record (13 MB of a
 * 92 MB binary) dozens of times. Each name's hash (high half) and its
 * functab slot (low half), sorted: written and sorted in sequence, where
 * a hash table's random stores cost a cache miss each. A stable sort, so
 * that of equal names the first slot is found, as a linear search would.
 * Left NULL (linear search) when out of memory.
 */
static void pcln_build_index(struct gobin *gb)
{
	const struct pclntab *t = &gb->pcln;
	uint64_t i, n = 0, *ix, *tmp, *src, *dst, *sw;
	size_t cnt[256], sum, c;
	const char *name;
	uint32_t fentry;
	int pass;

	gb->pcln_indexed = true;
	if (t->nfunc >= UINT32_MAX)
		return;
	ix = malloc((t->nfunc + 1) * sizeof(*ix));
	tmp = malloc((t->nfunc + 1) * sizeof(*tmp));
	/* Optional: without it gobin_for_each_func_in() reads every name. */
	gb->pcln_pkg = calloc(t->nfunc + 1, sizeof(*gb->pcln_pkg));
	if (!ix || !tmp) {
		free(ix);
		free(tmp);
		return;
	}
	for (i = 0; i < t->nfunc; i++) {
		if (i && !(i % PCLN_INDEX_WINDOW))
			drop_pages(gb);
		name = pcln_name(t, i, &fentry);
		if (!name)
			continue;
		if (gb->pcln_pkg)
			gb->pcln_pkg[i] = pkg_hash(name);
		ix[n++] = (uint64_t)name_hash(name) << 32 | i;
	}
	drop_pages(gb);		/* a one-off pass over every name */
	/* LSD radix sort on the hash, a byte a pass: stable. */
	src = ix;
	dst = tmp;
	for (pass = 0; pass < 4; pass++) {
		memset(cnt, 0, sizeof(cnt));
		for (i = 0; i < n; i++)
			cnt[src[i] >> (32 + 8 * pass) & 0xff]++;
		for (c = 0, sum = 0; c < 256; c++) {
			sum += cnt[c];
			cnt[c] = sum - cnt[c];
		}
		for (i = 0; i < n; i++)
			dst[cnt[src[i] >> (32 + 8 * pass) & 0xff]++] = src[i];
		sw = src;
		src = dst;
		dst = sw;
	}
	free(tmp);	/* four passes: the result is back in IX */
	gb->pcln_ix = ix;
	gb->pcln_nix = n;
}

/* The functab slot of function NAME, or -ENOENT. */
static int64_t pcln_find(const struct gobin *gb, const char *name, uint32_t *fentry)
{
	const struct pclntab *t = &gb->pcln;
	uint64_t i, lo, hi, key;
	const char *n;

	if (!gb->has_pcln)
		return -ENOENT;
	/* The index is a cache: lookups stay const for the API's users. */
	if (!gb->pcln_indexed)
		pcln_build_index((struct gobin *)gb);
	if (!gb->pcln_ix) {
		for (i = 0; i < t->nfunc; i++) {
			n = pcln_name(t, i, fentry);
			if (n && !strcmp(n, name))
				return (int64_t)i;
		}
		return -ENOENT;
	}
	key = (uint64_t)name_hash(name) << 32;
	for (lo = 0, hi = gb->pcln_nix; lo < hi;) {	/* the first entry >= KEY */
		i = lo + (hi - lo) / 2;
		if (gb->pcln_ix[i] < key)
			lo = i + 1;
		else
			hi = i;
	}
	for (i = lo; i < gb->pcln_nix && gb->pcln_ix[i] >> 32 == key >> 32; i++) {
		n = pcln_name(t, (uint32_t)gb->pcln_ix[i], fentry);
		if (n && !strcmp(n, name))
			return (uint32_t)gb->pcln_ix[i];
	}
	return -ENOENT;
}

int gobin_func_pclntab(const struct gobin *gb, const char *name,
		       uint64_t *addr, uint64_t *size)
{
	const struct pclntab *t = &gb->pcln;
	uint32_t entry, next, fentry;
	int64_t i;

	i = pcln_find(gb, name, &fentry);
	if (i >= 0) {
		entry = pcln_entryoff(t, i);
		next = pcln_entryoff(t, i + 1);
		/* Both copies of the entry must agree, and functions be sorted. */
		if (fentry != entry || next <= entry ||
		    !in_exec_load(gb, t->text + entry, next - entry))
			return -EINVAL;
		*addr = t->text + entry;
		*size = next - entry;
		return 0;
	}
	return -ENOENT;
}

int gobin_func_args(const struct gobin *gb, const char *name, int32_t *args)
{
	const struct pclntab *t = &gb->pcln;
	uint64_t f;
	uint32_t fentry;
	int64_t i;

	i = pcln_find(gb, name, &fentry);
	if (i < 0)
		return (int)i;
	/* _func: entryOff, nameOff, args (pcln_name() checked 8 bytes). */
	f = t->functab + le32(t->data + t->functab + 8 * i + 4);
	if (t->size - f < 12)
		return -EINVAL;
	*args = (int32_t)le32(t->data + f + 8);
	return 0;
}

bool gobin_has_pclntab(const struct gobin *gb)
{
	return gb->has_pcln;
}

int gobin_pclntab_text(const struct gobin *gb, uint64_t *text)
{
	if (!gb->has_pcln)
		return -ENOENT;
	*text = gb->pcln.text;
	return 0;
}

const char *gobin_func_source(const struct gobin *gb)
{
	if (gb->symtab)
		return "symtab";
	return gb->has_pcln ? "pclntab" : "";
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
	if (!find_section(gb->elf, ".gopclntab") &&
	    !find_section(gb->elf, ".data.rel.ro.gopclntab") &&
	    !find_section(gb->elf, ".go.buildinfo") &&
	    !find_section(gb->elf, ".note.go.buildid")) {
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
 * .text alone can be 60 MB), and drop_pages() gives those of a one-off
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

	if (fstat(gb->fd, &st)) {
		*why = strerror(errno);
		return -errno;
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

int gobin_open(const char *path, struct gobin **out, const char **why)
{
	struct gobin *gb;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err;

	*why = NULL;
	if (elf_version(EV_CURRENT) == EV_NONE) {
		*why = "libelf initialization failed";
		return -EINVAL;
	}
	gb = calloc(1, sizeof(*gb));
	if (!gb)
		return -ENOMEM;
	gb->grpc_version_source = "";
	gb->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (gb->fd < 0) {
		err = -errno;
		*why = strerror(errno);
		free(gb);
		return err;
	}
	err = map_file(gb, why);
	if (err)
		goto fail;
	gb->elf = elf_begin(gb->fd, ELF_C_READ, NULL);
	if (!gb->elf) {
		*why = "not an ELF file";
		err = -ENOEXEC;
		goto fail;
	}
	err = check_go_elf(gb, why);
	if (err)
		goto fail;
	while ((scn = elf_nextscn(gb->elf, scn))) {
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB) {
			gb->symtab = scn;
			gb->symtab_link = sh.sh_link;
			break;
		}
	}
	/* libdw decompresses SHF_COMPRESSED debug sections by itself. */
	gb->dwarf = dwarf_begin_elf(gb->elf, DWARF_C_READ, NULL);
	parse_pclntab(gb);
	parse_buildinfo(gb);
	if (!gb->grpc_version[0])
		find_grpc_version_string(gb);
	drop_pages(gb);
	*out = gb;
	return 0;
fail:
	gobin_close(gb);
	return err;
}

void gobin_close(struct gobin *gb)
{
	if (!gb)
		return;
	free(gb->dw_index);
	free(gb->pcln_ix);
	free(gb->pcln_pkg);
	if (gb->dwarf)
		dwarf_end(gb->dwarf);
	if (gb->elf)
		elf_end(gb->elf);
	if (gb->map)
		munmap((void *)gb->map, gb->map_size);
	if (gb->fd >= 0)
		close(gb->fd);
	free(gb);
}

bool gobin_has_symtab(const struct gobin *gb)
{
	return gb->symtab != NULL;
}

bool gobin_has_dwarf(const struct gobin *gb)
{
	return gb->dwarf != NULL;
}

const char *gobin_go_version(const struct gobin *gb)
{
	return gb->go_version;
}

const char *gobin_grpc_version(const struct gobin *gb)
{
	return gb->grpc_version;
}

const char *gobin_grpc_version_source(const struct gobin *gb)
{
	return gb->grpc_version_source;
}

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

static bool symtab_view(const struct gobin *gb, struct symtab_view *v)
{
	GElf_Shdr sh, ssh;
	Elf_Scn *str;

	if (!gb->symtab || !(v->syms = scn_bytes(gb, gb->symtab, &sh)) ||
	    sh.sh_entsize != sizeof(Elf64_Sym))
		return false;
	str = elf_getscn(gb->elf, gb->symtab_link);
	if (!str || !(v->strs = (const char *)scn_bytes(gb, str, &ssh)) ||
	    ssh.sh_type != SHT_STRTAB)
		return false;
	v->n = sh.sh_size / sizeof(Elf64_Sym);
	v->strsz = ssh.sh_size;
	return true;
}

/* Symbol I of V and its NUL-terminated name (NULL when out of bounds). */
static const char *sym_at(const struct symtab_view *v, uint64_t i, Elf64_Sym *sym)
{
	memcpy(sym, v->syms + i * sizeof(*sym), sizeof(*sym));
	if (sym->st_name >= v->strsz ||
	    !memchr(v->strs + sym->st_name, '\0', v->strsz - sym->st_name))
		return NULL;
	return v->strs + sym->st_name;
}

/* Look NAME up in .symtab; with FUNCS_ONLY, only STT_FUNC symbols. */
static int find_symbol(const struct gobin *gb, const char *name, bool funcs_only,
		       uint64_t *addr, uint64_t *size)
{
	struct symtab_view v;
	int err = -ENOENT;
	const char *n;
	Elf64_Sym sym;
	uint64_t i;

	if (!symtab_view(gb, &v))
		return -ENOENT;
	for (i = 0; i < v.n; i++) {
		/* The type alone first: most symbols are not functions. */
		if (funcs_only &&
		    ELF64_ST_TYPE(v.syms[i * sizeof(sym) + offsetof(Elf64_Sym, st_info)]) != STT_FUNC)
			continue;
		n = sym_at(&v, i, &sym);
		if (n && !strcmp(n, name)) {
			*addr = sym.st_value;
			*size = sym.st_size;
			err = 0;
			break;
		}
	}
	drop_pages(gb);		/* what the search went through */
	return err;
}

int gobin_func(const struct gobin *gb, const char *name, uint64_t *addr,
	       uint64_t *size)
{
	if (!gb->symtab)
		return gobin_func_pclntab(gb, name, addr, size);
	return find_symbol(gb, name, true, addr, size);
}

int gobin_symbol(const struct gobin *gb, const char *name, uint64_t *addr,
		 uint64_t *size)
{
	return find_symbol(gb, name, false, addr, size);
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
static const uint8_t *func_bytes(const struct gobin *gb, uint64_t vaddr,
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
	const uint8_t *p = func_bytes(gb, vaddr, len);

	if (!p)
		return -ERANGE;
	memcpy(buf, p, len);
	return 0;
}

static const char *die_name(Dwarf_Die *die)
{
	return dwarf_diename(die);
}

static int dw_index_cmp(const void *a, const void *b)
{
	const struct dw_index_ent *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Go emits its types and functions as top-level children of compile units;
 * index them by name once (sorted by name, then DIE offset, so the first of
 * several same-named DIEs is the one a linear walk would meet first).
 */
static int dw_build_index(struct gobin *gb)
{
	Dwarf_Off off = 0, next;
	struct dw_index_ent *v = NULL, *nv;
	size_t n = 0, cap = 0, hsize;
	Dwarf_Die cu, die;
	const char *name;
	int tag;

	if (gb->dw_indexed)
		return 0;
	while (!dwarf_nextcu(gb->dwarf, off, &next, &hsize, NULL, NULL, NULL)) {
		if (!dwarf_offdie(gb->dwarf, off + hsize, &cu) ||
		    dwarf_child(&cu, &die))
			goto next_cu;
		do {
			tag = dwarf_tag(&die);
			if (tag != DW_TAG_structure_type && tag != DW_TAG_subprogram)
				continue;
			name = dwarf_diename(&die);
			if (!name)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 4096;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[n++] = (struct dw_index_ent){ name, dwarf_dieoffset(&die), tag };
		} while (!dwarf_siblingof(&die, &die));
next_cu:
		off = next;
	}
	if (n)
		qsort(v, n, sizeof(*v), dw_index_cmp);
	gb->dw_index = v;
	gb->dw_nindex = n;
	gb->dw_indexed = true;
	return 0;
}

/* The first top-level DIE named NAME with tag TAG. */
static int dw_find(struct gobin *gb, const char *name, int tag, Dwarf_Die *die)
{
	size_t lo = 0, hi, mid;
	int err;

	if (!gb->dwarf)
		return -ENODATA;
	err = dw_build_index(gb);
	if (err)
		return err;
	hi = gb->dw_nindex;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(gb->dw_index[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < gb->dw_nindex && !strcmp(gb->dw_index[lo].name, name); lo++)
		if (gb->dw_index[lo].tag == tag &&
		    dwarf_offdie(gb->dwarf, gb->dw_index[lo].off, die))
			return 0;
	return -ENOENT;
}

static int find_member_die(struct gobin *gb, const char *type,
			   const char *member, Dwarf_Die *child)
{
	Dwarf_Die st;
	const char *n;
	int err;

	err = dw_find(gb, type, DW_TAG_structure_type, &st);
	if (err)
		return err;
	if (dwarf_child(&st, child))
		return -ENOENT;
	do {
		if (dwarf_tag(child) != DW_TAG_member)
			continue;
		n = die_name(child);
		if (n && !strcmp(n, member))
			return 0;
	} while (!dwarf_siblingof(child, child));
	return -ENOENT;
}

int gobin_member_offset(struct gobin *gb, const char *type, const char *member,
			long *offset)
{
	Dwarf_Attribute attr;
	Dwarf_Word off;
	Dwarf_Die m;
	int err;

	err = find_member_die(gb, type, member, &m);
	if (err)
		return err;
	if (!dwarf_attr(&m, DW_AT_data_member_location, &attr) ||
	    dwarf_formudata(&attr, &off))
		return -ENOENT;
	*offset = (long)off;
	return 0;
}

int gobin_member_type(struct gobin *gb, const char *type, const char *member,
		      char *buf, size_t len)
{
	Dwarf_Attribute attr;
	Dwarf_Die m, t;
	const char *n;
	int err;

	err = find_member_die(gb, type, member, &m);
	if (err)
		return err;
	if (!dwarf_attr(&m, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &t) ||
	    !(n = dwarf_diename(&t)))
		return -ENOENT;
	if (strlen(n) >= len)
		return -ERANGE;
	strcpy(buf, n);
	return 0;
}

/*
 * Go's ABIInternal register assignment (go/src/cmd/compile/abi-internal.md)
 * for amd64: 9 integer registers RAX RBX RCX RDI RSI R8 R9 R10 R11 and 15
 * floating-point ones X0-X14, given out in order. A value is assigned
 * recursively by its DWARF type: integers, bools, pointers, maps, chans and
 * funcs take one integer register, floats one FP register, complex numbers
 * two; strings, interfaces and slices are structs in Go's DWARF (2, 2 and 3
 * words), structs go field by field, arrays of length 0 take nothing, of
 * length 1 their element, longer ones fail. When a value fails or the
 * registers run out, it goes to the stack and the counters are reset to
 * where they were before it.
 */
#define ABI_INT_REGS	9
#define ABI_FP_REGS	15
#define ABI_MAX_DEPTH	32

struct abi_regs {
	int ints, fps;
	int first_int;		/* of the value being assigned, or -1 */
};

static int abi_assign(Dwarf_Die *type, struct abi_regs *r, int depth);

static int abi_assign_ref(Dwarf_Die *die, struct abi_regs *r, int depth)
{
	Dwarf_Attribute attr;
	Dwarf_Die t;

	if (!dwarf_attr_integrate(die, DW_AT_type, &attr) ||
	    !dwarf_formref_die(&attr, &t))
		return -EINVAL;
	return abi_assign(&t, r, depth + 1);
}

static int abi_int(struct abi_regs *r)
{
	if (r->ints == ABI_INT_REGS)
		return -E2BIG;
	if (r->first_int < 0)
		r->first_int = r->ints;
	r->ints++;
	return 0;
}

static int abi_fp(struct abi_regs *r, int n)
{
	if (r->fps + n > ABI_FP_REGS)
		return -E2BIG;
	r->fps += n;
	return 0;
}

static int abi_array(Dwarf_Die *type, struct abi_regs *r, int depth)
{
	Dwarf_Attribute attr;
	Dwarf_Word count;
	Dwarf_Die sub;

	if (dwarf_child(type, &sub))
		return -EINVAL;
	do {
		if (dwarf_tag(&sub) != DW_TAG_subrange_type)
			continue;
		if (dwarf_attr(&sub, DW_AT_count, &attr)) {
			if (dwarf_formudata(&attr, &count))
				return -EINVAL;
		} else if (dwarf_attr(&sub, DW_AT_upper_bound, &attr)) {
			if (dwarf_formudata(&attr, &count))
				return -EINVAL;
			count++;
		} else {
			return -EINVAL;
		}
		if (count == 0)
			return 0;
		if (count == 1)
			return abi_assign_ref(type, r, depth);
		return -E2BIG;
	} while (!dwarf_siblingof(&sub, &sub));
	return -EINVAL;
}

static int abi_assign(Dwarf_Die *type, struct abi_regs *r, int depth)
{
	Dwarf_Attribute attr;
	Dwarf_Word enc;
	Dwarf_Die m;
	int size, err;

	if (depth > ABI_MAX_DEPTH)
		return -EINVAL;
	switch (dwarf_tag(type)) {
	case DW_TAG_pointer_type:
	case DW_TAG_subroutine_type:	/* a func value: one pointer */
		return abi_int(r);
	case DW_TAG_typedef:	/* interfaces, maps, chans: see the target */
		return abi_assign_ref(type, r, depth);
	case DW_TAG_base_type:
		size = dwarf_bytesize(type);
		if (!dwarf_attr(type, DW_AT_encoding, &attr) ||
		    dwarf_formudata(&attr, &enc) || size <= 0)
			return -EINVAL;
		if (enc == DW_ATE_float)
			return abi_fp(r, 1);
		if (enc == DW_ATE_complex_float)
			return abi_fp(r, 2);
		return size <= 8 ? abi_int(r) : -E2BIG;
	case DW_TAG_structure_type:
		if (dwarf_child(type, &m))
			return 0;	/* struct{} */
		do {
			if (dwarf_tag(&m) != DW_TAG_member)
				continue;
			err = abi_assign_ref(&m, r, depth);
			if (err)
				return err;
		} while (!dwarf_siblingof(&m, &m));
		return 0;
	case DW_TAG_array_type:
		return abi_array(type, r, depth);
	}
	return -EINVAL;
}

/*
 * The receiver type a method's name implies: "pkg/path.(*T).M" gives
 * "*pkg/path.T" (*PTR set), "pkg/path.T.M" gives "pkg/path.T" (which may as
 * well be a closure "pkg/path.F.func1": the caller checks that such a type
 * exists). False for anything else, generic instantiations included.
 */
static bool receiver_type(const char *func, char *buf, size_t len, bool *ptr)
{
	const char *slash = strrchr(func, '/');
	const char *pkgend = strchr(slash ? slash : func, '.');
	const char *t, *tend, *m;

	if (!pkgend || strchr(func, '['))
		return false;
	*ptr = !strncmp(pkgend, ".(*", 3);
	t = pkgend + (*ptr ? 3 : 1);
	tend = strchr(t, *ptr ? ')' : '.');
	if (!tend || tend == t)
		return false;
	m = tend + (*ptr ? 2 : 1);
	if ((*ptr && strncmp(tend, ").", 2)) || !*m || strchr(m, '.') ||
	    (size_t)(tend - func) + 2 > len)
		return false;
	snprintf(buf, len, "%s%.*s.%.*s", *ptr ? "*" : "", (int)(pkgend - func),
		 func, (int)(tend - t), t);
	return true;
}

/* The name of the type of the first non-result formal parameter of FN. */
static const char *first_param_type(Dwarf_Die *fn)
{
	Dwarf_Attribute attr;
	Dwarf_Die p, t;
	bool result;

	if (dwarf_child(fn, &p))
		return NULL;
	do {
		result = false;
		if (dwarf_tag(&p) != DW_TAG_formal_parameter ||
		    (dwarf_attr_integrate(&p, DW_AT_variable_parameter, &attr) &&
		     !dwarf_formflag(&attr, &result) && result))
			continue;
		if (!dwarf_attr_integrate(&p, DW_AT_type, &attr) ||
		    !dwarf_formref_die(&attr, &t))
			return NULL;
		return dwarf_diename(&t);
	} while (!dwarf_siblingof(&p, &p));
	return NULL;
}

/*
 * Go's DWARF leaves out an unnamed receiver ("func (*T) M(x int)"): a
 * pointer receiver is then put back as the one register it takes; an
 * unnamed value receiver could take any number, so it is refused.
 * Returns the integer registers the missing receiver takes, or -EINVAL.
 */
static int missing_receiver(struct gobin *gb, const char *func, Dwarf_Die *fn)
{
	const char *first = first_param_type(fn);
	char recv[512];
	Dwarf_Die t;
	bool ptr;

	if (!receiver_type(func, recv, sizeof(recv), &ptr) ||
	    (first && !strcmp(first, recv)))
		return 0;
	if (ptr)
		return 1;
	return dw_find(gb, recv, DW_TAG_structure_type, &t) ? 0 : -EINVAL;
}

int gobin_param_reg(struct gobin *gb, const char *func, const char *param,
		    int *reg)
{
	struct abi_regs r = { 0, 0, -1 }, before;
	Dwarf_Attribute attr;
	Dwarf_Die fn, p;
	const char *n;
	bool result;
	int err;

	err = dw_find(gb, func, DW_TAG_subprogram, &fn);
	if (err)
		return err;
	/*
	 * A compiler-generated method wrapper (e.g. (*T).M for a value
	 * method, or a promoted method) lists its parameters without the
	 * receiver: counting from there would be one register short.
	 */
	if (dwarf_attr(&fn, DW_AT_trampoline, &attr))
		return -EINVAL;
	err = missing_receiver(gb, func, &fn);
	if (err < 0)
		return err;
	r.ints = err;
	if (dwarf_child(&fn, &p))
		return -ENOENT;
	/* Receiver and parameters in declaration order, then the results. */
	do {
		if (dwarf_tag(&p) != DW_TAG_formal_parameter)
			continue;
		result = false;
		if (dwarf_attr_integrate(&p, DW_AT_variable_parameter, &attr) &&
		    dwarf_formflag(&attr, &result))
			return -EINVAL;
		if (result)
			continue;
		before = r;
		r.first_int = -1;
		err = abi_assign_ref(&p, &r, 0);
		if (err == -EINVAL)
			return err;
		if (err) {	/* on the stack */
			r = before;
			r.first_int = -1;
		}
		n = dwarf_diename(&p);
		if (n && !strcmp(n, param)) {
			if (err)
				return -E2BIG;
			if (r.first_int < 0)
				return -ENOTSUP;
			*reg = r.first_int;
			return 0;
		}
	} while (!dwarf_siblingof(&p, &p));
	return -ENOENT;
}

const char *gobin_reg_name(int reg)
{
	static const char *const names[ABI_INT_REGS] = {
		"rax", "rbx", "rcx", "rdi", "rsi", "r8", "r9", "r10", "r11",
	};

	return reg >= 0 && reg < ABI_INT_REGS ? names[reg] : "?";
}

static int disasm_open(csh *cs)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_64, cs) != CS_ERR_OK)
		return -EINVAL;
	cs_option(*cs, CS_OPT_DETAIL, CS_OPT_ON);
	return 0;
}

/*
 * All of the function at FUNC (SIZE bytes), disassembled with details into
 * *INSN; the count (0: none decoded). The caller frees *INSN (cs_free) and
 * closes *CS, also on 0; a negative errno when there is nothing to free.
 */
static long disasm_func(const struct gobin *gb, uint64_t func, uint64_t size, csh *cs,
			cs_insn **insn)
{
	const uint8_t *code = func_bytes(gb, func, size);

	*insn = NULL;
	if (!code)
		return -EINVAL;
	if (disasm_open(cs))
		return -EINVAL;
	return (long)cs_disasm(*cs, code, size, func, 0, insn);
}

static int make_site(const struct gobin *gb, uint64_t vaddr,
		     enum site_kind kind, struct probe_site *site)
{
	memset(site, 0, sizeof(*site));
	site->vaddr = vaddr;
	site->kind = kind;
	return gobin_vaddr_to_offset(gb, vaddr, &site->offset);
}

/*
 * Go's stack check is the first few instructions:
 *	LEAQ -N(SP), R12; CMPQ 16(R14), R12; JBE morestack_call
 * (or CMPQ 16(R14), SP; JBE ...). The JBE jumps forward to the function's
 * tail, which calls runtime.morestack and then jumps back to the entry.
 * Look for a forward JBE right after a compare against the stack guard,
 * before any call, within the function.
 */
#define PROLOGUE_INSNS	6

/*
 * The compare must read g.stackguard0 (16(R14); R14 is g in Go >= 1.17's
 * register ABI) or, in some runtime functions, g.stackguard1 (24(R14)).
 * A leaf function without a stack check can start with a JBE of its own
 * (a bounds or range check, e.g. syscall.(*SockaddrInet4).sockaddr); taking
 * that one for the stack check would make the BPF side drop every hit
 * whose branch is taken.
 */
static bool is_stack_guard_cmp(const cs_insn *insn)
{
	const cs_x86_op *op;
	int i;

	if (insn->id != X86_INS_CMP || !insn->detail)
		return false;
	for (i = 0; i < insn->detail->x86.op_count; i++) {
		op = &insn->detail->x86.operands[i];
		if (op->type == X86_OP_MEM && op->mem.base == X86_REG_R14 &&
		    op->mem.index == X86_REG_INVALID &&
		    op->mem.segment == X86_REG_INVALID &&
		    (op->mem.disp == 16 || op->mem.disp == 24))
			return true;
	}
	return false;
}

int gobin_entry_site(struct gobin *gb, uint64_t func, uint64_t size,
		     struct probe_site *site)
{
	const uint8_t *code = func_bytes(gb, func, size);
	cs_insn *insn = NULL;
	size_t i, n;
	uint64_t target;
	cs_x86_op *op;
	csh cs;
	int err;

	if (!code)
		return -ERANGE;
	if (disasm_open(&cs))
		return -EINVAL;
	n = cs_disasm(cs, code, size < 64 ? size : 64, func, PROLOGUE_INSNS, &insn);
	for (i = 0; i < n; i++) {
		if (cs_insn_group(cs, &insn[i], CS_GRP_CALL) ||
		    cs_insn_group(cs, &insn[i], CS_GRP_RET))
			break;
		if (insn[i].id != X86_INS_JBE || !insn[i].detail ||
		    insn[i].detail->x86.op_count != 1 || !i ||
		    !is_stack_guard_cmp(&insn[i - 1]))
			continue;
		op = &insn[i].detail->x86.operands[0];
		if (op->type != X86_OP_IMM)
			continue;
		target = (uint64_t)op->imm;
		if (target > insn[i].address && target < func + size) {
			err = make_site(gb, insn[i].address, SITE_STACK_CHECK, site);
			goto out;
		}
	}
	err = make_site(gb, func, SITE_ENTRY, site);
out:
	cs_free(insn, n);
	cs_close(&cs);
	return err;
}

int gobin_ret_sites(struct gobin *gb, uint64_t func, uint64_t size,
		    struct probe_site *sites, int max)
{
	const uint8_t *code = func_bytes(gb, func, size);
	cs_insn *insn;
	uint64_t addr = func;
	size_t left = size;
	int cnt = 0, err = 0;
	csh cs;

	if (!code)
		return -ERANGE;
	if (disasm_open(&cs))
		return -EINVAL;
	insn = cs_malloc(cs);
	if (!insn) {
		cs_close(&cs);
		return -ENOMEM;
	}
	/*
	 * Linear sweep: Go puts no data in its text, and the INT3 padding
	 * after the last instruction decodes as INT3.
	 */
	while (left && cs_disasm_iter(cs, &code, &left, &addr, insn)) {
		if (!cs_insn_group(cs, insn, CS_GRP_RET))
			continue;
		if (cnt == max) {
			err = -E2BIG;
			break;
		}
		err = make_site(gb, insn->address, SITE_RET, &sites[cnt]);
		if (err)
			break;
		cnt++;
	}
	if (!err && left)
		err = -EILSEQ;	/* undecodable bytes inside the function */
	cs_free(insn, 1);
	cs_close(&cs);
	return err ? err : cnt;
}

int gobin_for_each_func(const struct gobin *gb,
			int (*cb)(const char *name, uint64_t addr,
				  uint64_t size, void *ctx),
			void *ctx)
{
	const struct pclntab *t = &gb->pcln;
	uint32_t entry, next, fentry;
	struct symtab_view v;
	const char *n;
	Elf64_Sym sym;
	uint64_t i;
	int ret;

	if (gb->has_pcln) {
		for (i = 0; i < t->nfunc; i++) {
			n = pcln_name(t, i, &fentry);
			entry = pcln_entryoff(t, i);
			next = pcln_entryoff(t, i + 1);
			if (!n || fentry != entry || next <= entry)
				continue;	/* gobin_func_pclntab() says -EINVAL */
			ret = cb(n, t->text + entry, next - entry, ctx);
			if (ret)
				return ret;
		}
		return 0;
	}
	if (!symtab_view(gb, &v))
		return -ENOENT;
	for (i = 0; i < v.n; i++) {
		n = sym_at(&v, i, &sym);
		if (!n || ELF64_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_size)
			continue;
		ret = cb(n, sym.st_value, sym.st_size, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

struct pkg_filter {
	const char *pkg;
	size_t len;
	int (*cb)(const char *name, uint64_t addr, uint64_t size, void *ctx);
	void *ctx;
};

static int pkg_filter_cb(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct pkg_filter *f = ctx;

	if (pkg_len(name) != f->len || strncmp(name, f->pkg, f->len))
		return 0;
	return f->cb(name, addr, size, f->ctx);
}

int gobin_for_each_func_in(const struct gobin *gb, const char *pkg,
			   int (*cb)(const char *name, uint64_t addr,
				     uint64_t size, void *ctx),
			   void *ctx)
{
	struct pkg_filter f = { pkg, strlen(pkg), cb, ctx };
	const struct pclntab *t = &gb->pcln;
	uint32_t entry, next, fentry, h;
	const char *n;
	uint64_t i;
	int ret;

	if (gb->has_pcln && !gb->pcln_indexed)
		pcln_build_index((struct gobin *)gb);
	if (!gb->has_pcln || !gb->pcln_pkg)
		return gobin_for_each_func(gb, pkg_filter_cb, &f);
	/* One word per function; only the package's names are read. */
	h = pkg_key(pkg, f.len);
	for (i = 0; i < t->nfunc; i++) {
		if (gb->pcln_pkg[i] != h)
			continue;
		n = pcln_name(t, i, &fentry);
		entry = pcln_entryoff(t, i);
		next = pcln_entryoff(t, i + 1);
		if (!n || fentry != entry || next <= entry)
			continue;
		ret = pkg_filter_cb(n, t->text + entry, next - entry, &f);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The 64-bit general-purpose register REG is part of, or REG itself:
 * writing EAX, AX, AL or AH clobbers RAX.
 */
static unsigned int gpr64(unsigned int reg)
{
	static const uint16_t fam[][5] = {
		{ X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL, X86_REG_AH },
		{ X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL, X86_REG_BH },
		{ X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL, X86_REG_CH },
		{ X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL, X86_REG_DH },
		{ X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL, 0 },
		{ X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL, 0 },
		{ X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL, 0 },
		{ X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL, 0 },
		{ X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B, 0 },
		{ X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B, 0 },
		{ X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B, 0 },
		{ X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B, 0 },
		{ X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B, 0 },
		{ X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B, 0 },
		{ X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B, 0 },
		{ X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B, 0 },
	};
	size_t i, j;

	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++)
		for (j = 0; j < 5; j++)
			if (fam[i][j] && fam[i][j] == reg)
				return fam[i][0];
	return reg;
}

/* Does INSN write (explicitly or implicitly) REG or a part of it? */
static bool writes_reg(csh cs, const cs_insn *insn, unsigned int reg)
{
	cs_regs rd, wr;
	uint8_t nrd, nwr, i;

	if (cs_regs_access(cs, insn, rd, &nrd, wr, &nwr) != CS_ERR_OK)
		return true;	/* unknown: assume the worst */
	for (i = 0; i < nwr; i++)
		if (gpr64(wr[i]) == gpr64(reg))
			return true;
	return false;
}

static bool writes_any(csh cs, const cs_insn *insn, const uint16_t *regs)
{
	for (; regs && *regs; regs++)
		if (writes_reg(cs, insn, *regs))
			return true;
	return false;
}

/*
 * Does the kernel emulate a uprobe on INSN (no single-step)? x86's
 * branch_setup_xol_ops(): CALL rel32 (E8), JMP rel32/rel8 (E9, EB), Jcc
 * rel8 (70-7F) and rel32 (0F 80-8F), refused with an operand-size prefix;
 * any prefix is refused here.
 */
static bool emulated_branch(const cs_insn *insn)
{
	const uint8_t *b = insn->bytes;

	if (b[0] == 0xe8 || b[0] == 0xe9 || b[0] == 0xeb)
		return insn->size == (b[0] == 0xeb ? 2 : 5);
	if (b[0] >= 0x70 && b[0] <= 0x7f)
		return insn->size == 2;
	return b[0] == 0x0f && insn->size == 6 && b[1] >= 0x80 && b[1] <= 0x8f;
}

static bool is_control(csh cs, const cs_insn *insn)
{
	return cs_insn_group(cs, insn, CS_GRP_JUMP) ||
	       cs_insn_group(cs, insn, CS_GRP_CALL) ||
	       cs_insn_group(cs, insn, CS_GRP_RET) ||
	       cs_insn_group(cs, insn, CS_GRP_INT) ||
	       cs_insn_group(cs, insn, CS_GRP_IRET) ||
	       insn->id == X86_INS_UD2 || insn->id == X86_INS_HLT;
}

/* The immediate target of a direct JMP, Jcc or CALL, or 0. */
static uint64_t direct_target(csh cs, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;

	if (!cs_insn_group(cs, insn, CS_GRP_JUMP) &&
	    !cs_insn_group(cs, insn, CS_GRP_CALL))
		return 0;
	if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return 0;
	return (uint64_t)x->operands[0].imm;
}

#define ITAB_FUN		24	/* itab.fun: after inter, _type, hash + pad */
#define ITAB_MAX_METHODS	512
#define IFACE_NMETHODS		64	/* interfacetype: _type (48), pkgpath, methods.ptr, .len */
#define MAX_ITAB_SLOTS		16
#define CALLER_BACK_INSNS	16	/* how far back a CALL reg's load may be */
#define CALLER_AFTER_INSNS	8	/* straight-line insns from a CALL to its site */

/*
 * Is the word at W (holding the address of a function) the method at index
 * i of an itab? itab = { inter *interfacetype; _type *_type; hash uint32
 * (a copy of _type.hash, at +16 of both); _ [4]byte; fun [n]uintptr } in Go
 * 1.18 to 1.27. Walk back over the method words (function entries) until
 * a header whose hash is its type's and whose interface has more than i
 * methods. Returns the slot offset (24 + 8i) and sets *ITAB, or -1.
 */
static int itab_slot_at(const struct gobin *gb, uint64_t w, uint64_t *itab)
{
	uint64_t s, inter, typ, nmeth;
	uint32_t h1, h2;
	int i;

	for (i = 0; i < ITAB_MAX_METHODS; i++) {
		if (w < ITAB_FUN + 8 * (uint64_t)i)
			return -1;
		s = w - ITAB_FUN - 8 * (uint64_t)i;
		if (!in_exec_load(gb, word_at(gb, s + ITAB_FUN), 1))
			return -1;	/* not a method table word any more */
		inter = word_at(gb, s);
		typ = word_at(gb, s + 8);
		if (!inter || !typ || in_exec_load(gb, inter, 1) ||
		    in_exec_load(gb, typ, 1) || gobin_read(gb, s + 16, &h1, 4) ||
		    gobin_read(gb, typ + 16, &h2, 4) || h1 != h2)
			continue;
		nmeth = word_at(gb, inter + IFACE_NMETHODS);
		if (nmeth <= (uint64_t)i || nmeth > ITAB_MAX_METHODS)
			continue;
		*itab = s;
		return ITAB_FUN + 8 * i;
	}
	return -1;
}

struct itab_slots {
	int n;
	uint64_t other;		/* a reference to FUNC by value that is no itab's */
	uint32_t slot[MAX_ITAB_SLOTS];
	uint64_t itab[MAX_ITAB_SLOTS];
};

static void add_itab_slot(const struct gobin *gb, uint64_t w,
			  struct itab_slots *is)
{
	uint64_t itab;
	int slot = itab_slot_at(gb, w, &itab), i;

	if (slot < 0) {
		if (!is->other)
			is->other = w;
		return;
	}
	for (i = 0; i < is->n; i++)
		if (is->itab[i] == itab)
			return;
	if (is->n == MAX_ITAB_SLOTS)
		return;
	is->itab[is->n] = itab;
	is->slot[is->n++] = slot;
}

static bool is_pclntab(const struct gobin *gb, Elf_Scn *scn)
{
	GElf_Shdr sh;

	return gb->has_pcln && scn_bytes(gb, scn, &sh) == gb->pcln.data;
}

/*
 * Every itab holding FUNC, by value: an aligned word equal to its address
 * in allocated, non-executable data, or (PIE) an R_X86_64_RELATIVE
 * relocation whose addend it is. Any other such word (a func value of
 * FUNC, e.g. a method expression) is remembered in OTHER: calls through it
 * cannot be found.
 */
static void find_itab_slots(const struct gobin *gb, uint64_t func,
			    struct itab_slots *is)
{
	uint64_t i, n, touched = 0;
	Elf_Scn *scn = NULL;
	const uint8_t *p;
	GElf_Shdr sh;
	Elf64_Rela r;

	is->n = 0;
	is->other = 0;
	while ((scn = elf_nextscn(gb->elf, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_ALLOC) &&
		    !(sh.sh_flags & SHF_EXECINSTR)) {
			/* Go's function table holds offsets, never an address. */
			p = is_pclntab(gb, scn) ? NULL : scn_bytes(gb, scn, &sh);
			for (i = (8 - sh.sh_addr % 8) % 8; p && i + 8 <= sh.sh_size; i += 8) {
				if (!(i & 0xfff))
					scan_window(gb, &touched, 0x1000);
				if (le64(p + i) == func)
					add_itab_slot(gb, sh.sh_addr + i, is);
			}
		} else if (sh.sh_type == SHT_RELA) {
			p = scn_bytes(gb, scn, &sh);
			n = rela_count(p, &sh);
			for (i = 0; i < n; i++) {
				if (!(i & 0xff))
					scan_window(gb, &touched, 0x100 * sizeof(r));
				rela_at(p, i, &r);
				if (ELF64_R_TYPE(r.r_info) == R_X86_64_RELATIVE &&
				    (uint64_t)r.r_addend == func)
					add_itab_slot(gb, r.r_offset, is);
			}
		}
	}
	drop_pages(gb);
}

struct caller_scan {
	struct gobin *gb;
	csh cs;
	uint64_t func, func_size;
	const struct itab_slots *is;
	const char *const *callers;	/* name prefixes: where itab calls count */
	const uint16_t *keep;
	struct probe_site *sites;
	int max, n;
	int err;
	bool complete;
	uint64_t *targets;	/* direct branch targets of the function */
	size_t ntargets, cap;
	uint64_t touched;	/* code bytes scanned since the last drop_pages() */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool is_target(const struct caller_scan *sc, uint64_t addr)
{
	return sc->ntargets &&
	       bsearch(&addr, sc->targets, sc->ntargets, sizeof(addr), cmp_u64);
}

static void incomplete(struct caller_scan *sc, const char *fmt,
		       const char *name, uint64_t addr)
{
	if (!sc->complete)
		return;		/* keep the first reason */
	sc->complete = false;
	snprintf(sc->gb->why, sizeof(sc->gb->why), fmt, addr, name);
}

static bool slot_match(const struct itab_slots *is, int64_t disp)
{
	int i;

	for (i = 0; i < is->n; i++)
		if ((int64_t)is->slot[i] == disp)
			return true;
	return false;
}

static bool itab_mem(const struct itab_slots *is, const cs_x86_op *op)
{
	return op->type == X86_OP_MEM && op->mem.base != X86_REG_INVALID &&
	       op->mem.base != X86_REG_RIP && op->mem.base != X86_REG_RSP &&
	       op->mem.base != X86_REG_RBP && op->mem.index == X86_REG_INVALID &&
	       op->mem.segment == X86_REG_INVALID && slot_match(is, op->mem.disp);
}

/*
 * Is the CALL at I an indirect one through an itab slot: CALL slot(base),
 * or CALL reg with reg last written, in the same basic block, by
 * MOV slot(base), reg?
 */
static bool itab_call(const struct caller_scan *sc, cs_insn *insn, size_t i)
{
	const cs_x86 *x = &insn[i].detail->x86;
	unsigned int reg;
	const cs_x86 *y;
	size_t j;

	if (!sc->is->n || x->op_count != 1)
		return false;
	if (x->operands[0].type == X86_OP_MEM)
		return itab_mem(sc->is, &x->operands[0]);
	if (x->operands[0].type != X86_OP_REG)
		return false;
	reg = x->operands[0].reg;
	for (j = i; j-- > 0 && i - j <= CALLER_BACK_INSNS;) {
		if (is_target(sc, insn[j + 1].address) || is_control(sc->cs, &insn[j]))
			return false;
		if (!writes_reg(sc->cs, &insn[j], reg))
			continue;
		y = &insn[j].detail->x86;
		return insn[j].id == X86_INS_MOV && y->op_count == 2 &&
		       y->operands[0].type == X86_OP_REG &&
		       y->operands[0].reg == reg && y->operands[0].size == 8 &&
		       itab_mem(sc->is, &y->operands[1]);
	}
	return false;
}

/* The site after the CALL at I, or incomplete. */
static void caller_site(struct caller_scan *sc, const char *name,
			cs_insn *insn, size_t n, size_t i, bool via_itab)
{
	struct probe_site *site;
	size_t k;

	for (k = i + 1; k < n && k - i <= CALLER_AFTER_INSNS; k++) {
		if (is_target(sc, insn[k].address)) {
			incomplete(sc, "the call at 0x%" PRIx64 " in %s is followed by a branch target before any emulated instruction",
				   name, insn[i].address);
			return;
		}
		if (emulated_branch(&insn[k]))
			break;
		if (is_control(sc->cs, &insn[k]) || writes_any(sc->cs, &insn[k], sc->keep)) {
			incomplete(sc, "the call at 0x%" PRIx64 " in %s is not followed by an emulated instruction with the result registers intact",
				   name, insn[i].address);
			return;
		}
	}
	if (k == n || k - i > CALLER_AFTER_INSNS) {
		incomplete(sc, "the call at 0x%" PRIx64 " in %s has no emulated instruction within a few after it",
			   name, insn[i].address);
		return;
	}
	if (sc->n == sc->max) {
		sc->err = -E2BIG;
		return;
	}
	site = &sc->sites[sc->n];
	sc->err = make_site(sc->gb, insn[k].address, SITE_CALLER_BRANCH, site);
	if (sc->err)
		return;
	site->call = insn[i].address;
	site->ret = insn[i].address + insn[i].size;
	site->caller = name;
	site->via_itab = via_itab;
	sc->n++;
}

/* Is the byte at CODE + I a CALL rel32 or JMP rel32 (E8, E9) to FUNC? */
static bool rel32_to(const uint8_t *code, uint64_t i, uint64_t addr,
		     uint64_t func)
{
	return (code[i] & 0xfe) == 0xe8 &&
	       addr + i + 5 + (int32_t)le32(code + i + 1) == func;
}

/*
 * Could CODE (at ADDR) hold a CALL rel32, JMP rel32 or JMP rel8 to FUNC?
 * A byte-level filter, far cheaper than disassembling everything, run
 * over every function of the binary (60 MB of code in a large program),
 * so 16 bytes at a time: SSE2 (any x86-64) finds the E8 and E9 opcode
 * bytes, only those have their rel32 checked. A JMP rel8 is only looked
 * for where it can reach FUNC.
 */
static bool may_branch_to(const uint8_t *code, uint64_t size, uint64_t addr,
			  uint64_t func)
{
	const __m128i mask = _mm_set1_epi8((char)0xfe), op = _mm_set1_epi8((char)0xe8);
	unsigned int hits;
	uint64_t i, j;
	__m128i v;

	if (func + 130 > addr && func < addr + size + 130) {
		for (i = 0; i + 2 <= size; i++)
			if (code[i] == 0xeb && addr + i + 2 + (int8_t)code[i + 1] == func)
				return true;
	}
	/* Blocks of 16 opcode bytes whose rel32 is in the function too. */
	for (i = 0; i + 16 + 4 <= size; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(code + i));
		hits = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, mask), op));
		for (; hits; hits &= hits - 1)
			if (rel32_to(code, i + __builtin_ctz(hits), addr, func))
				return true;
	}
	for (j = i; j + 5 <= size; j++)
		if (rel32_to(code, j, addr, func))
			return true;
	return false;
}

/*
 * Byte offsets P in CODE[0..LEN) (at ADDR) where a CALL or JMP rel32 to
 * FUNC could be: rel32 at P + 1 equal to FUNC - (ADDR + P + 5). One pass
 * over all of .text (72 MB in a large program), 16 positions at a time:
 * for the four loads at P + 1 .. P + 4, lane j holds the rel32 of
 * position P + 4j + k, compared with what it must be there. Only a match
 * (a real branch to FUNC, nearly always) is looked at byte by byte.
 * Calls CB(ctx, P) for each; stops at its non-zero result.
 */
static int rel32_hits(const uint8_t *code, uint64_t len, uint64_t addr,
		      uint64_t func, int (*cb)(void *ctx, uint64_t p), void *ctx)
{
	uint32_t t = (uint32_t)(func - addr - 5);	/* rel32 wanted at P = 0 */
	__m128i w0 = _mm_setr_epi32(t, t - 4, t - 8, t - 12), m;
	const __m128i one = _mm_set1_epi32(1), sixteen = _mm_set1_epi32(16);
	uint64_t i, k;
	int ret;

	for (i = 0; i + 20 <= len; i += 16) {
		m = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(code + i + 1)), w0);
		m = _mm_or_si128(m, _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(code + i + 2)),
						    _mm_sub_epi32(w0, one)));
		m = _mm_or_si128(m, _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(code + i + 3)),
						    _mm_sub_epi32(w0, _mm_add_epi32(one, one))));
		m = _mm_or_si128(m, _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(code + i + 4)),
						    _mm_sub_epi32(w0, _mm_set1_epi32(3))));
		w0 = _mm_sub_epi32(w0, sixteen);
		if (!_mm_movemask_epi8(m))
			continue;
		for (k = i; k < i + 16; k++)
			if (rel32_to(code, k, addr, func) && (ret = cb(ctx, k)))
				return ret;
	}
	for (; i + 5 <= len; i++)
		if (rel32_to(code, i, addr, func) && (ret = cb(ctx, i)))
			return ret;
	return 0;
}

static bool is_caller(const char *const *callers, const char *name)
{
	if (!callers)
		return true;
	for (; *callers; callers++)
		if (!strncmp(name, *callers, strlen(*callers)))
			return true;
	return false;
}

static int scan_callers(const char *name, uint64_t addr, uint64_t size,
			void *ctx)
{
	struct caller_scan *sc = ctx;
	const uint8_t *code = func_bytes(sc->gb, addr, size);
	bool self = addr == sc->func, itabs;
	uint64_t t, *nt;
	cs_insn *insn = NULL;
	size_t n, i;

	if (!code) {
		incomplete(sc, "function at 0x%" PRIx64 " (%s) is not in the file", name, addr);
		return 0;
	}
	/*
	 * Every function's code is read once: keep the resident set to a
	 * window of it (and of the function table) rather than all of it.
	 */
	scan_window(sc->gb, &sc->touched, size);
	itabs = sc->is->n && is_caller(sc->callers, name);
	if (!itabs && !may_branch_to(code, size, addr, sc->func))
		return 0;
	n = cs_disasm(sc->cs, code, size, addr, 0, &insn);
	if (!n)
		return 0;
	sc->ntargets = 0;
	for (i = 0; i < n; i++) {
		t = direct_target(sc->cs, &insn[i]);
		if (!t || t < addr || t >= addr + size ||
		    cs_insn_group(sc->cs, &insn[i], CS_GRP_CALL))
			continue;
		if (sc->ntargets == sc->cap) {
			sc->cap = sc->cap ? 2 * sc->cap : 256;
			nt = realloc(sc->targets, sc->cap * sizeof(*nt));
			if (!nt) {
				sc->err = -ENOMEM;
				goto out;
			}
			sc->targets = nt;
		}
		sc->targets[sc->ntargets++] = t;
	}
	qsort(sc->targets, sc->ntargets, sizeof(*sc->targets), cmp_u64);
	for (i = 0; i < n && !sc->err; i++) {
		if (insn[i].id == X86_INS_CALL) {
			t = direct_target(sc->cs, &insn[i]);
			if (t == sc->func)
				caller_site(sc, name, insn, n, i, false);
			else if (!t && itabs && itab_call(sc, insn, i))
				caller_site(sc, name, insn, n, i, true);
		} else if (insn[i].id == X86_INS_JMP && !self &&
			   direct_target(sc->cs, &insn[i]) == sc->func) {
			incomplete(sc, "a tail jump at 0x%" PRIx64 " in %s reaches the function", name,
				   insn[i].address);
		}
	}
	if (insn[n - 1].address + insn[n - 1].size < addr + size)
		incomplete(sc, "undecodable bytes before 0x%" PRIx64 " in %s", name,
			   insn[n - 1].address + insn[n - 1].size);
out:
	cs_free(insn, n);
	return sc->err;
}

/* The functab slot whose function holds ADDR, or -1. */
static int64_t pcln_slot_at(const struct pclntab *t, uint64_t addr)
{
	uint64_t lo = 0, hi = t->nfunc, mid, off;

	if (addr < t->text || addr - t->text >= UINT32_MAX)
		return -1;
	off = addr - t->text;
	while (lo < hi) {	/* the first slot past OFF */
		mid = lo + (hi - lo) / 2;
		if (pcln_entryoff(t, mid) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || off >= pcln_entryoff(t, lo))
		return -1;
	return (int64_t)lo - 1;
}

/* Functab slots of the functions to scan, in the order found. */
struct slot_list {
	const struct pclntab *t;
	uint64_t base;		/* address of the code rel32_hits() was given */
	uint64_t *slot;
	size_t n, cap;
};

static int add_slot(struct slot_list *l, int64_t slot)
{
	uint64_t *p;

	if (slot < 0 || (l->n && l->slot[l->n - 1] == (uint64_t)slot))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		p = realloc(l->slot, l->cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->slot = p;
	}
	l->slot[l->n++] = slot;
	return 0;
}

static int add_hit(void *ctx, uint64_t p)
{
	struct slot_list *l = ctx;

	return add_slot(l, pcln_slot_at(l->t, l->base + p));
}

struct caller_pkg {
	struct slot_list *l;
	const char *const *callers;
};

static int add_caller(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct caller_pkg *cp = ctx;

	return is_caller(cp->callers, name) ? add_slot(cp->l, pcln_slot_at(cp->l->t, addr)) : 0;
}

/*
 * Every function that may call FUNC, scanned by scan_callers(). With a
 * function table the candidates come from one pass over the code
 * (rel32_hits(), and JMP rel8 near FUNC), plus the functions of the
 * callers' packages for itab calls: a large program's 100,000 functions
 * are not visited one by one. Else, or when code or callers are not
 * where the table says, every function in turn, as before.
 */
static int scan_all_callers(struct caller_scan *sc)
{
	const struct pclntab *t = &sc->gb->pcln;
	struct slot_list l = { .t = t };
	struct caller_pkg cp = { &l, sc->callers };
	uint64_t lo, hi, c, len, p, i, entry, next;
	const char *const *c1, *const *c2;
	const uint8_t *code;
	uint32_t fentry;
	uint8_t *buf;
	const char *n;
	int err = 0;
	off_t off;

	if (!sc->gb->has_pcln || !t->nfunc || (sc->is->n && !sc->callers))
		return gobin_for_each_func(sc->gb, scan_callers, sc);
	lo = t->text + pcln_entryoff(t, 0);
	hi = t->text + pcln_entryoff(t, t->nfunc);
	code = hi > lo ? func_bytes(sc->gb, lo, hi - lo) : NULL;
	buf = code ? malloc(SCAN_WINDOW + 4) : NULL;
	if (!buf)
		return gobin_for_each_func(sc->gb, scan_callers, sc);
	/*
	 * Copied in windows (pread) rather than read through the mapping:
	 * no page fault per 64 KB of code, each a costly exit under some
	 * hypervisors, and no file pages left resident.
	 */
	off = code - sc->gb->map;
	for (c = 0; c < hi - lo && !err; c += SCAN_WINDOW) {
		len = hi - lo - c < SCAN_WINDOW + 4 ? hi - lo - c : SCAN_WINDOW + 4;
		if (pread(sc->gb->fd, buf, len, off + c) != (ssize_t)len) {
			err = -EIO;
			break;
		}
		l.base = lo + c;
		err = rel32_hits(buf, len, lo + c, sc->func, add_hit, &l);
	}
	free(buf);
	/* JMP rel8 reaches 128 bytes back, 127 on. */
	p = sc->func > lo + 130 ? sc->func - 130 - lo : 0;
	for (l.base = lo; !err && p + 2 <= hi - lo && lo + p < sc->func + 130; p++)
		if (code[p] == 0xeb && lo + p + 2 + (int8_t)code[p + 1] == sc->func)
			err = add_hit(&l, p);
	/* Itab calls count in the callers only: their packages' functions. */
	for (c1 = sc->callers; sc->is->n && c1 && *c1 && !err; c1++) {
		for (c2 = sc->callers; c2 < c1; c2++)
			if (pkg_len(*c2) == pkg_len(*c1) && !strncmp(*c2, *c1, pkg_len(*c1)))
				break;
		if (c2 == c1) {
			char pkg[256];

			snprintf(pkg, sizeof(pkg), "%.*s", (int)pkg_len(*c1), *c1);
			err = gobin_for_each_func_in(sc->gb, pkg, add_caller, &cp);
		}
	}
	if (!err) {
		qsort(l.slot, l.n, sizeof(*l.slot), cmp_u64);
		for (i = 0; i < l.n && !err; i++) {
			if (i && l.slot[i] == l.slot[i - 1])
				continue;
			n = pcln_name(t, l.slot[i], &fentry);
			entry = pcln_entryoff(t, l.slot[i]);
			next = pcln_entryoff(t, l.slot[i] + 1);
			if (n && fentry == entry && next > entry)
				err = scan_callers(n, t->text + entry, next - entry, sc);
		}
	}
	free(l.slot);
	return err;
}

#define FIRST_PASS_INSNS	48	/* how far into the function the swap may be */

/* Is ADDR the target of a direct JMP or Jcc anywhere in INSN[0..N)? */
static bool branched_to(csh cs, const cs_insn *insn, size_t n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!cs_insn_group(cs, &insn[i], CS_GRP_CALL) &&
		    direct_target(cs, &insn[i]) == addr)
			return true;
	return false;
}

/*
 * From INSN[FROM], straight-line, the first instruction the kernel emulates
 * (the stack-check JBE excepted: it is fallen through), within MAX: none on
 * the way may branch or write a register of KEEP, and none after FROM (nor
 * FROM itself, with CHECK_FROM) may be a branch target. Its index, or -1.
 */
static long straight_site(csh cs, const cs_insn *insn, size_t n, size_t from,
			  size_t max, const uint16_t *keep, bool check_from)
{
	size_t k;

	for (k = from; k < n && k - from <= max; k++) {
		if ((k > from || check_from) && branched_to(cs, insn, n, insn[k].address))
			return -1;
		if (k && insn[k].id == X86_INS_JBE && is_stack_guard_cmp(&insn[k - 1]))
			continue;
		if (emulated_branch(&insn[k]))
			return k;
		if (is_control(cs, &insn[k]) || writes_any(cs, &insn[k], keep))
			return -1;
	}
	return -1;
}

int gobin_call_sites(struct gobin *gb, uint64_t func, uint64_t size, uint64_t callee,
		     struct probe_site *sites, int max)
{
	int cnt = 0, err = 0;
	cs_insn *insn;
	long i, n;
	csh cs;

	if (max < 0 || (max && !sites))
		return -EINVAL;
	n = disasm_func(gb, func, size, &cs, &insn);
	if (n < 0)
		return n;
	for (i = 0; i < n && !err; i++) {
		if (insn[i].id != X86_INS_CALL || direct_target(cs, &insn[i]) != callee ||
		    !emulated_branch(&insn[i]))
			continue;
		if (cnt == max)
			err = -E2BIG;
		else
			err = make_site(gb, insn[i].address, SITE_CALL, &sites[cnt++]);
	}
	if (!err && (!n || insn[n - 1].address + insn[n - 1].size < func + size))
		err = -EILSEQ;	/* undecodable bytes: a call could hide there */
	cs_free(insn, n);
	cs_close(&cs);
	return err ? err : cnt;
}

#define BODY_INSNS	32	/* prologue and argument spills */

int gobin_body_site(struct gobin *gb, uint64_t func, uint64_t size,
		    const uint16_t *keep_regs, struct probe_site *site)
{
	int err = -ENOENT;
	cs_insn *insn;
	long k, n;
	csh cs;

	if (!keep_regs)
		return -EINVAL;
	n = disasm_func(gb, func, size, &cs, &insn);
	if (n < 0)
		return n;
	k = n ? straight_site(cs, insn, n, 0, BODY_INSNS, keep_regs, false) : -1;
	if (k >= 0)
		err = make_site(gb, insn[k].address, SITE_BODY, site);
	cs_free(insn, n);
	cs_close(&cs);
	return err;
}

int gobin_first_pass_site(struct gobin *gb, uint64_t func, uint64_t size,
			  unsigned int swap_base, const uint16_t *keep_regs,
			  struct probe_site *site, const char **why)
{
	const cs_x86_op *op;
	unsigned int reg;
	int err = -ENOENT;
	cs_insn *insn;
	long i, k, n;
	csh cs;

	*why = "invalid arguments";
	if (!keep_regs)
		return -EINVAL;
	n = disasm_func(gb, func, size, &cs, &insn);
	if (n < 0)
		return n;
	*why = "undecodable function";
	if (!n)
		goto out;
	/*
	 * Straight from the entry to the swap: only the stack-check JBE
	 * (fallen through) may branch, and no register to keep is written.
	 */
	*why = "no XCHG reg, (base) within the first instructions";
	for (i = 0; i < n && i < FIRST_PASS_INSNS; i++) {
		if (insn[i].id == X86_INS_XCHG)
			break;
		if (i && insn[i].id == X86_INS_JBE && is_stack_guard_cmp(&insn[i - 1]))
			continue;
		if (is_control(cs, &insn[i]) || writes_any(cs, &insn[i], keep_regs)) {
			*why = "a branch, or a write of a register to keep, before the swap";
			goto out;
		}
	}
	if (i >= n || i >= FIRST_PASS_INSNS || i + 3 > n)
		goto out;
	/* XCHG reg, disp(base) (capstone: either operand order) */
	op = insn[i].detail->x86.operands;
	if (insn[i].detail->x86.op_count != 2)
		goto out;
	if (op[0].type == X86_OP_REG && op[1].type == X86_OP_MEM) {
		reg = op[0].reg;
		op = &op[1];
	} else if (op[1].type == X86_OP_REG && op[0].type == X86_OP_MEM) {
		reg = op[1].reg;
	} else {
		goto out;
	}
	if (swap_base && gpr64(op->mem.base) != gpr64(swap_base)) {
		*why = "the swap is not on the expected base register";
		goto out;
	}
	if (writes_any(cs, &insn[i], keep_regs)) {
		*why = "the swap writes a register to keep";
		goto out;
	}
	/* CMP reg, imm; JE later: the JE is taken by every call but the first. */
	op = insn[i + 1].detail->x86.operands;
	if (insn[i + 1].id != X86_INS_CMP || insn[i + 1].detail->x86.op_count != 2 ||
	    op[0].type != X86_OP_REG || gpr64(op[0].reg) != gpr64(reg) ||
	    op[1].type != X86_OP_IMM || insn[i + 2].id != X86_INS_JE) {
		*why = "the swap is not followed by CMP reg, imm; JE";
		goto out;
	}
	/*
	 * The first emulated instruction on the fall-through path, reached
	 * from the JE alone, the registers to keep unwritten.
	 */
	*why = "no emulated instruction with the registers intact after the swap";
	k = straight_site(cs, insn, n, i + 3, CALLER_AFTER_INSNS, keep_regs, true);
	if (k >= 0) {
		err = make_site(gb, insn[k].address, SITE_FIRST_PASS, site);
		*why = err ? "not in a loadable segment" : "";
	}
out:
	cs_free(insn, n);
	cs_close(&cs);
	return err;
}

static int cmp_site(const void *a, const void *b)
{
	const struct probe_site *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

int gobin_caller_sites(struct gobin *gb, const char *func, const char *itab_sym,
		       const char *const *callers, const uint16_t *keep_regs,
		       struct probe_site *sites, int max, bool *complete,
		       const char **why)
{
	struct caller_scan sc = { 0 };
	struct itab_slots is;
	uint64_t addr, size, ia, isz;
	char alt[1024];
	int err, i, j;

	*complete = false;
	*why = "invalid arguments";
	if (!gb || !func || !keep_regs || max < 0 || (max && !sites))
		return -EINVAL;
	err = gobin_func(gb, func, &addr, &size);
	if (err) {
		*why = "no such function";
		return err;
	}
	find_itab_slots(gb, addr, &is);
	gb->why[0] = '\0';
	sc.complete = true;
	if (itab_sym && gobin_symbol(gb, itab_sym, &ia, &isz)) {
		/* Go >= 1.20 spells it go:itab.*, older ones go.itab.* */
		snprintf(alt, sizeof(alt), "%s", itab_sym);
		if (!strncmp(alt, "go.itab.", 8))
			alt[2] = ':';
		else if (!strncmp(alt, "go:itab.", 8))
			alt[2] = '.';
		if (gobin_symbol(gb, alt, &ia, &isz))
			itab_sym = NULL;	/* stripped, or Go >= 1.26: no itab symbols */
	}
	if (is.other) {
		/* e.g. a func value of FUNC itself, called indirectly */
		sc.complete = false;
		snprintf(gb->why, sizeof(gb->why),
			 "the function's address is stored at 0x%" PRIx64 ", not in an itab (a func value?)",
			 is.other);
	}
	if (itab_sym && sc.complete) {
		for (i = 0; i < is.n && is.itab[i] != ia; i++)
			;
		if (i == is.n) {
			sc.complete = false;
			snprintf(gb->why, sizeof(gb->why),
				 "the itab %s does not hold the function", itab_sym);
		}
	}
	sc.gb = gb;
	sc.func = addr;
	sc.func_size = size;
	sc.is = &is;
	sc.callers = callers;
	sc.keep = keep_regs;
	sc.sites = sites;
	sc.max = max;
	if (disasm_open(&sc.cs))
		return -EINVAL;
	err = scan_all_callers(&sc);
	drop_pages(gb);
	cs_close(&sc.cs);
	free(sc.targets);
	if (err == -ENOENT) {
		*why = "no function table (.gopclntab or .symtab) to scan";
		return 0;
	}
	if (err)
		return err;
	/* One site per address (a .symtab can list a function twice). */
	qsort(sites, sc.n, sizeof(*sites), cmp_site);
	for (i = j = 0; i < sc.n; i++)
		if (!j || sites[j - 1].vaddr != sites[i].vaddr)
			sites[j++] = sites[i];
	*complete = sc.complete;
	*why = sc.complete ? "" : gb->why;
	return j;
}

int gobin_itab_type_hash(struct gobin *gb, const char *method, uint32_t *hash)
{
	struct itab_slots is;
	uint64_t addr, size;
	uint32_t h, first = 0;
	int err, i;

	if (!gb || !method || !hash)
		return -EINVAL;
	err = gobin_func(gb, method, &addr, &size);
	if (err)
		return err;
	find_itab_slots(gb, addr, &is);
	if (!is.n)
		return -ENOENT;
	for (i = 0; i < is.n; i++) {
		/* itab.hash, a copy of its _type's (checked by itab_slot_at) */
		if (gobin_read(gb, is.itab[i] + 16, &h, sizeof(h)))
			return -EINVAL;
		if (i && h != first)
			return -EINVAL;
		first = h;
	}
	*hash = first;
	return 0;
}

const char *gobin_site_kind_str(enum site_kind kind)
{
	switch (kind) {
	case SITE_ENTRY:
		return "function entry (no stack check; single-stepped)";
	case SITE_STACK_CHECK:
		return "stack-check JBE (emulated; taken branch ignored)";
	case SITE_RET:
		return "RET (single-stepped)";
	case SITE_CALLER_BRANCH:
		return "branch after the call in a caller (emulated)";
	case SITE_FIRST_PASS:
		return "branch after the state swap, first call only (emulated)";
	case SITE_BODY:
		return "first branch or call past the stack check, once per call (emulated)";
	case SITE_CALL:
		return "the call of it, arguments in place (emulated)";
	}
	return "?";
}
