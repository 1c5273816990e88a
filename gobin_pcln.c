// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin_pcln.c: what Go's own runtime tables say. Which functions the
 * binary has, at which addresses, of which package, with which argument
 * frame (.gopclntab, its moduledata, and .symtab where it is the function
 * table); which itabs hold a method, at which slot, with which type hash.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gobin_internal.h"

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
	return gobin_word_at(gb, vaddr) == pcvaddr &&
	       gobin_word_at(gb, vaddr + 8) == pcvaddr + t->names &&
	       gobin_word_at(gb, vaddr + 8 * MODDATA_FTAB) == pcvaddr + t->functab &&
	       gobin_word_at(gb, vaddr + 8 * (MODDATA_FTAB + 1)) == t->nfunc + 1;
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
		    !(p = gobin_scn_bytes(gb, scn, &sh)))
			continue;
		cand = 0;
		if (sh.sh_type == SHT_PROGBITS) {
			for (i = 0; i + 8 <= sh.sh_size && !cand; i += 8) {
				if (!(i & 0xfff))
					gobin_scan_window(gb, &touched, 0x1000);
				if (le64(p + i) == pcvaddr &&
				    moduledata_at(gb, sh.sh_addr + i, t, pcvaddr))
					cand = sh.sh_addr + i;
			}
		} else {
			/* A PIE's data words may be relocations only. */
			n = gobin_rela_count(p, &sh);
			for (i = 0; i < n && !cand; i++) {
				gobin_rela_at(p, i, &r);
				if ((uint64_t)r.r_addend == pcvaddr &&
				    moduledata_at(gb, r.r_offset, t, pcvaddr))
					cand = r.r_offset;
			}
		}
		if (!cand)
			continue;
		text = gobin_word_at(gb, cand + 8 * MODDATA_TEXT);
		if (text &&
		    gobin_word_at(gb, cand + 8 * MODDATA_MINPC) == text + gobin_pcln_entryoff(t, 0) &&
		    gobin_word_at(gb, cand + 8 * MODDATA_MAXPC) == text + gobin_pcln_entryoff(t, t->nfunc))
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
void gobin_parse_pclntab(struct gobin *gb)
{
	struct pclntab *t = &gb->pcln;
	uint64_t cu, pcln, magic;
	const uint8_t *p;
	GElf_Shdr sh;

	p = gobin_section_bytes(gb, ".gopclntab", &sh);
	if (!p)
		p = gobin_section_bytes(gb, ".data.rel.ro.gopclntab", &sh);
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
		t->text = gobin_relocated_word(gb, sh.sh_addr + 24);
	if (!t->text)
		t->text = moduledata_text(gb, t, sh.sh_addr);
	if (!gobin_in_exec_load(gb, t->text, 1))
		return;
	gb->has_pcln = true;
}

/*
 * The NUL-terminated name of functab slot I and its _func's entry offset,
 * or NULL when the record points outside the table.
 */
const char *gobin_pcln_name(const struct pclntab *t, uint64_t i,
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
size_t gobin_pkg_len(const char *name)
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
	return pkg_key(name, gobin_pkg_len(name));
}

#define PCLN_INDEX_WINDOW	16384	/* functions (~2 MB of table) per gobin_drop_pages() */

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
			gobin_drop_pages(gb);
		name = gobin_pcln_name(t, i, &fentry);
		if (!name)
			continue;
		if (gb->pcln_pkg)
			gb->pcln_pkg[i] = pkg_hash(name);
		ix[n++] = (uint64_t)name_hash(name) << 32 | i;
	}
	gobin_drop_pages(gb);		/* a one-off pass over every name */
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
			n = gobin_pcln_name(t, i, fentry);
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
		n = gobin_pcln_name(t, (uint32_t)gb->pcln_ix[i], fentry);
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
		entry = gobin_pcln_entryoff(t, i);
		next = gobin_pcln_entryoff(t, i + 1);
		/* Both copies of the entry must agree, and functions be sorted. */
		if (fentry != entry || next <= entry ||
		    !gobin_in_exec_load(gb, t->text + entry, next - entry))
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
	/* _func: entryOff, nameOff, args (gobin_pcln_name() checked 8 bytes). */
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
			n = gobin_pcln_name(t, i, &fentry);
			entry = gobin_pcln_entryoff(t, i);
			next = gobin_pcln_entryoff(t, i + 1);
			if (!n || fentry != entry || next <= entry)
				continue;	/* gobin_func_pclntab() says -EINVAL */
			ret = cb(n, t->text + entry, next - entry, ctx);
			if (ret)
				return ret;
		}
		return 0;
	}
	if (!gobin_symtab_view(gb, &v))
		return -ENOENT;
	for (i = 0; i < v.n; i++) {
		n = gobin_sym_at(&v, i, &sym);
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

	if (gobin_pkg_len(name) != f->len || strncmp(name, f->pkg, f->len))
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
		n = gobin_pcln_name(t, i, &fentry);
		entry = gobin_pcln_entryoff(t, i);
		next = gobin_pcln_entryoff(t, i + 1);
		if (!n || fentry != entry || next <= entry)
			continue;
		ret = pkg_filter_cb(n, t->text + entry, next - entry, &f);
		if (ret)
			return ret;
	}
	return 0;
}

/* The functab slot whose function holds ADDR, or -1. */
int64_t gobin_pcln_slot_at(const struct pclntab *t, uint64_t addr)
{
	uint64_t lo = 0, hi = t->nfunc, mid, off;

	if (addr < t->text || addr - t->text >= UINT32_MAX)
		return -1;
	off = addr - t->text;
	while (lo < hi) {	/* the first slot past OFF */
		mid = lo + (hi - lo) / 2;
		if (gobin_pcln_entryoff(t, mid) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || off >= gobin_pcln_entryoff(t, lo))
		return -1;
	return (int64_t)lo - 1;
}

#define ITAB_FUN		24	/* itab.fun: after inter, _type, hash + pad */
#define ITAB_MAX_METHODS	512
#define IFACE_NMETHODS		64	/* interfacetype: _type (48), pkgpath, methods.ptr, .len */

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
		if (!gobin_in_exec_load(gb, gobin_word_at(gb, s + ITAB_FUN), 1))
			return -1;	/* not a method table word any more */
		inter = gobin_word_at(gb, s);
		typ = gobin_word_at(gb, s + 8);
		if (!inter || !typ || gobin_in_exec_load(gb, inter, 1) ||
		    gobin_in_exec_load(gb, typ, 1) || gobin_read(gb, s + 16, &h1, 4) ||
		    gobin_read(gb, typ + 16, &h2, 4) || h1 != h2)
			continue;
		nmeth = gobin_word_at(gb, inter + IFACE_NMETHODS);
		if (nmeth <= (uint64_t)i || nmeth > ITAB_MAX_METHODS)
			continue;
		*itab = s;
		return ITAB_FUN + 8 * i;
	}
	return -1;
}

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

	return gb->has_pcln && gobin_scn_bytes(gb, scn, &sh) == gb->pcln.data;
}

/*
 * Every itab holding FUNC, by value: an aligned word equal to its address
 * in allocated, non-executable data, or (PIE) an R_X86_64_RELATIVE
 * relocation whose addend it is. Any other such word (a func value of
 * FUNC, e.g. a method expression) is remembered in OTHER: calls through it
 * cannot be found.
 */
void gobin_find_itab_slots(const struct gobin *gb, uint64_t func,
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
			p = is_pclntab(gb, scn) ? NULL : gobin_scn_bytes(gb, scn, &sh);
			for (i = (8 - sh.sh_addr % 8) % 8; p && i + 8 <= sh.sh_size; i += 8) {
				if (!(i & 0xfff))
					gobin_scan_window(gb, &touched, 0x1000);
				if (le64(p + i) == func)
					add_itab_slot(gb, sh.sh_addr + i, is);
			}
		} else if (sh.sh_type == SHT_RELA) {
			p = gobin_scn_bytes(gb, scn, &sh);
			n = gobin_rela_count(p, &sh);
			for (i = 0; i < n; i++) {
				if (!(i & 0xff))
					gobin_scan_window(gb, &touched, 0x100 * sizeof(r));
				gobin_rela_at(p, i, &r);
				if (ELF64_R_TYPE(r.r_info) == R_X86_64_RELATIVE &&
				    (uint64_t)r.r_addend == func)
					add_itab_slot(gb, r.r_offset, is);
			}
		}
	}
	gobin_drop_pages(gb);
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
	gobin_find_itab_slots(gb, addr, &is);
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
