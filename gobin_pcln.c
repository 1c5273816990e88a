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
 * runtime.pcHeader, the start of .gopclntab (runtime/symtab.go; written by
 * cmd/link/internal/ld/pcln.go, generatePCHeader), 64-bit. The same fields
 * at the same offsets from Go 1.18 on; what changes:
 *  - magic: 0xfffffff0 in Go 1.18 and 1.19, 0xfffffff1 from Go 1.20
 *    (debug/gosym/pclntab.go go118magic, go120magic; Go 1.26's
 *    internal/abi Go120PCLnTabMagic);
 *  - textStart: runtime.text up to Go 1.25 (a PIE may leave it to an
 *    R_X86_64_RELATIVE relocation); from Go 1.26 the field is "_ uintptr",
 *    always zero ("no longer stored as it requires a relocation"), and
 *    runtime.text is only in the moduledata (moduledata_text()).
 * Every offset is from the start of the header. Older formats (Go <= 1.17:
 * magic 0xfffffffa, 0xfffffffb) are not read.
 */
struct go_pcheader {
	uint32_t magic;
	uint8_t pad1, pad2;	/* 0, 0 */
	uint8_t minLC;		/* min instruction size: 1 on x86 */
	uint8_t ptrSize;	/* 8 */
	uint64_t nfunc;		/* functab entries */
	uint64_t nfiles;
	uint64_t textStart;	/* Go <= 1.25; zero from Go 1.26 */
	uint64_t funcnameOffset;	/* funcnametab: the names */
	uint64_t cuOffset;	/* cutab: where funcnametab ends */
	uint64_t filetabOffset;
	uint64_t pctabOffset;
	uint64_t pclnOffset;	/* the functab (struct go_functab) */
};
_Static_assert(sizeof(struct go_pcheader) == 8 + 8 * 8, "runtime.pcHeader");
_Static_assert(offsetof(struct go_pcheader, nfunc) == 8 &&
	       offsetof(struct go_pcheader, textStart) == 24 &&
	       offsetof(struct go_pcheader, funcnameOffset) == 32 &&
	       offsetof(struct go_pcheader, cuOffset) == 40 &&
	       offsetof(struct go_pcheader, pclnOffset) == 64, "runtime.pcHeader");

/*
 * The leading fields of runtime._func (runtime/runtime2.go; written by
 * cmd/link/internal/ld/pcln.go, writeFuncs), where a functab entry's
 * funcoff leads: the same in Go 1.18 to 1.27. What follows (deferreturn,
 * pcsp, pcfile, pcln, npcdata, cuOffset, startLine from Go 1.20, funcID,
 * flag, nfuncdata, then variable-length data) is not read.
 */
struct go_func {
	uint32_t entryOff;	/* from runtime.text, as in its functab entry */
	int32_t nameOff;	/* into funcnametab */
	int32_t args;		/* in/out args size */
};
_Static_assert(sizeof(struct go_func) == 12, "runtime._func");

/* A Go slice header (runtime/slice.go slice), 64-bit. */
struct go_slice {
	uint64_t ptr, len, cap;
};
_Static_assert(sizeof(struct go_slice) == 24, "runtime.slice");

/*
 * The leading fields of runtime.moduledata (runtime/symtab.go; written by
 * cmd/link/internal/ld/symtab.go, symtab()), alike from Go 1.18 to 1.27
 * (in Go 1.26 it moved to a section of its own, .go.module). What follows
 * etext is not read.
 */
struct go_moduledata {
	uint64_t pcHeader;	/* the address of .gopclntab */
	struct go_slice funcnametab, cutab, filetab, pctab, pclntable, ftab;
	uint64_t findfunctab;
	uint64_t minpc, maxpc;	/* the functab's first and last entries */
	uint64_t text, etext;	/* runtime.text, runtime.etext */
};
_Static_assert(offsetof(struct go_moduledata, ftab) == 8 * 16 &&
	       offsetof(struct go_moduledata, minpc) == 8 * 20 &&
	       offsetof(struct go_moduledata, text) == 8 * 22 &&
	       sizeof(struct go_moduledata) == 8 * 24, "runtime.moduledata");

/* The word at VADDR + the offset of moduledata's FIELD. */
#define MODDATA(gb, vaddr, field) \
	gobin_word_at(gb, (vaddr) + GO_OFF(struct go_moduledata, field, 8))

/* Is the moduledata at VADDR the one describing PCLN at PCVADDR? */
static bool moduledata_at(const struct gobin *gb, uint64_t vaddr,
			  const struct pclntab *t, uint64_t pcvaddr)
{
	return MODDATA(gb, vaddr, pcHeader) == pcvaddr &&
	       MODDATA(gb, vaddr, funcnametab.ptr) == pcvaddr + t->names &&
	       MODDATA(gb, vaddr, ftab.ptr) == pcvaddr + t->functab &&
	       MODDATA(gb, vaddr, ftab.len) == t->nfunc + 1;
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
		text = MODDATA(gb, cand, text);
		if (text &&
		    MODDATA(gb, cand, minpc) == text + gobin_pcln_entryoff(t, 0) &&
		    MODDATA(gb, cand, maxpc) == text + gobin_pcln_entryoff(t, t->nfunc))
			return text;
	}
	return 0;
}

#define PCLN_GO118	0xfffffff0u	/* Go 1.18, 1.19 */
#define PCLN_GO120	0xfffffff1u	/* Go 1.20 and later */
#define PCLN_HDR	sizeof(struct go_pcheader)
#define PCLN_END	sizeof(uint32_t)	/* the functab's last entryoff */

/*
 * Read the runtime.pcHeader at the start of .gopclntab (struct
 * go_pcheader). The functab at pclnOffset holds nfunc entries and a last
 * entryoff (the end of the text); funcoff leads, from pclnOffset, to a
 * _func (struct go_func) whose nameOff is into funcnametab. Any offset
 * outside the section leaves the table unused.
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
	magic = GO_U32(p, struct go_pcheader, magic);
	if ((magic != PCLN_GO118 && magic != PCLN_GO120) ||
	    p[offsetof(struct go_pcheader, pad1)] || p[offsetof(struct go_pcheader, pad2)] ||
	    p[offsetof(struct go_pcheader, minLC)] != 1 ||
	    p[offsetof(struct go_pcheader, ptrSize)] != 8)
		return;
	t->data = p;
	t->size = sh.sh_size;
	t->nfunc = GO_U64(p, struct go_pcheader, nfunc);
	t->text = GO_U64(p, struct go_pcheader, textStart);
	t->names = GO_U64(p, struct go_pcheader, funcnameOffset);
	cu = GO_U64(p, struct go_pcheader, cuOffset);
	pcln = GO_U64(p, struct go_pcheader, pclnOffset);
	t->names_end = cu;
	t->functab = pcln;
	/* Room for nfunc functab entries and the last entryoff, nfunc >= 1. */
	if (t->names < PCLN_HDR || t->names > cu || cu > t->size ||
	    pcln < PCLN_HDR || pcln > t->size ||
	    t->size - pcln < sizeof(struct go_functab) + PCLN_END || !t->nfunc ||
	    t->nfunc > (t->size - pcln - PCLN_END) / sizeof(struct go_functab))
		return;
	if (!t->text)
		t->text = gobin_relocated_word(gb, sh.sh_addr +
						   offsetof(struct go_pcheader, textStart));
	if (!t->text)
		t->text = moduledata_text(gb, t, sh.sh_addr);
	if (!gobin_in_exec_load(gb, t->text, 1))
		return;
	gb->has_pcln = true;
}

/* The name index pcln_build_index() made, if any (gobin_close()). */
void gobin_pcln_end(struct gobin *gb)
{
	free(gb->pcln_ix);
	free(gb->pcln_pkg);
}

/* The offset in the table of functab slot I's _func (struct go_func). */
static uint64_t pcln_func(const struct pclntab *t, uint64_t i)
{
	return t->functab + GO_U32(gobin_pcln_slot(t, i), struct go_functab, funcoff);
}

/*
 * The NUL-terminated name of functab slot I and its _func's entry offset,
 * or NULL when the record points outside the table.
 */
static const char *pcln_name(const struct pclntab *t, uint64_t i,
			     uint32_t *entryoff)
{
	uint64_t f = pcln_func(t, i);
	const uint8_t *name;
	int32_t nameoff;

	if (f > t->size || t->size - f < offsetof(struct go_func, args))
		return NULL;
	*entryoff = GO_U32(t->data + f, struct go_func, entryOff);
	nameoff = (int32_t)GO_U32(t->data + f, struct go_func, nameOff);
	if (nameoff < 0 || (uint64_t)nameoff >= t->names_end - t->names)
		return NULL;
	name = t->data + t->names + nameoff;
	if (!memchr(name, '\0', t->names_end - t->names - nameoff))
		return NULL;
	return (const char *)name;
}

/*
 * Function I of the table: its name, address and size, or NULL when its
 * record is inconsistent (both copies of the entry must agree, functions
 * be sorted): what gobin_func_pclntab() refuses with -EINVAL.
 */
const char *gobin_pcln_func(const struct pclntab *t, uint64_t i, uint64_t *addr,
			    uint64_t *size)
{
	uint32_t entry = gobin_pcln_entryoff(t, i), next = gobin_pcln_entryoff(t, i + 1);
	uint32_t fentry;
	const char *n = pcln_name(t, i, &fentry);

	if (!n || fentry != entry || next <= entry)
		return NULL;
	*addr = t->text + entry;
	*size = next - entry;
	return n;
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
		name = pcln_name(t, i, &fentry);
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
	/* pcln_name() checked entryOff and nameOff; args follows. */
	f = pcln_func(t, i);
	if (t->size - f < sizeof(struct go_func))
		return -EINVAL;
	*args = (int32_t)GO_U32(t->data + f, struct go_func, args);
	return 0;
}

/* .symtab when there is one (exact sizes), else the table (gobin.h). */
int gobin_func(const struct gobin *gb, const char *name, uint64_t *addr,
	       uint64_t *size)
{
	if (!gb->symtab)
		return gobin_func_pclntab(gb, name, addr, size);
	return gobin_find_symbol(gb, name, true, addr, size);
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
	uint64_t addr, size;
	struct symtab_view v;
	const char *n;
	Elf64_Sym sym;
	uint64_t i;
	int ret;

	if (gb->has_pcln) {
		for (i = 0; i < t->nfunc; i++) {
			n = gobin_pcln_func(t, i, &addr, &size);
			if (n && (ret = cb(n, addr, size, ctx)))
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
	uint64_t i, addr, size;
	const char *n;
	uint32_t h;
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
		n = gobin_pcln_func(t, i, &addr, &size);
		if (n && (ret = pkg_filter_cb(n, addr, size, &f)))
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

/*
 * runtime._type (runtime/type.go; internal/abi/type.go Type from Go 1.21),
 * the same in Go 1.18 to 1.27: what a type descriptor starts with.
 */
struct go_type {
	uint64_t size;
	uint64_t ptrdata;
	uint32_t hash;		/* copied into each of its itabs */
	uint8_t tflag, align, fieldAlign, kind;
	uint64_t equal;
	uint64_t gcdata;
	int32_t str;
	int32_t ptrToThis;
};
_Static_assert(sizeof(struct go_type) == 48 &&
	       offsetof(struct go_type, hash) == 16, "runtime._type");

/*
 * runtime.interfacetype (runtime/type.go; internal/abi/type.go
 * InterfaceType from Go 1.21), the same in Go 1.18 to 1.27.
 */
struct go_interfacetype {
	struct go_type typ;
	uint64_t pkgpath;	/* name: a pointer */
	struct go_slice methods;	/* []imethod (mhdr before Go 1.21) */
};
_Static_assert(offsetof(struct go_interfacetype, methods.len) == 64,
	       "runtime.interfacetype");

/*
 * runtime.itab (runtime/runtime2.go; internal/abi/iface.go ITab from Go
 * 1.22), the same in Go 1.18 to 1.27, written by the compiler
 * (cmd/compile/internal/reflectdata/reflect.go, writeITab) for every
 * (concrete type, interface) pair it sees converted.
 */
struct go_itab {
	uint64_t inter;		/* *interfacetype */
	uint64_t type;		/* *_type */
	uint32_t hash;		/* a copy of _type.hash */
	uint8_t pad[4];
	uint64_t fun[];		/* the methods, in the interface's order */
};
_Static_assert(sizeof(struct go_itab) == 24 &&
	       offsetof(struct go_itab, hash) == 16 &&
	       offsetof(struct go_itab, fun) == 24, "runtime.itab");

#define ITAB_FUN		((int)offsetof(struct go_itab, fun))
#define ITAB_MAX_METHODS	512

/*
 * Is the word at W (holding the address of a function) the method at index
 * i of an itab (struct go_itab)? Walk back over the method words (function
 * entries) until a header whose hash is its type's and whose interface has
 * more than i methods. Returns the slot offset (24 + 8i) and sets *ITAB,
 * or -1.
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
		inter = gobin_word_at(gb, s + GO_OFF(struct go_itab, inter, 8));
		typ = gobin_word_at(gb, s + GO_OFF(struct go_itab, type, 8));
		if (!inter || !typ || gobin_in_exec_load(gb, inter, 1) ||
		    gobin_in_exec_load(gb, typ, 1) ||
		    gobin_read(gb, s + GO_OFF(struct go_itab, hash, sizeof(h1)), &h1, sizeof(h1)) ||
		    gobin_read(gb, typ + GO_OFF(struct go_type, hash, sizeof(h2)), &h2, sizeof(h2)) ||
		    h1 != h2)
			continue;
		nmeth = gobin_word_at(gb, inter + GO_OFF(struct go_interfacetype,
							 methods.len, 8));
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
		if (gobin_read(gb, is.itab[i] + GO_OFF(struct go_itab, hash, sizeof(h)),
			       &h, sizeof(h)))
			return -EINVAL;
		if (i && h != first)
			return -EINVAL;
		first = h;
	}
	*hash = first;
	return 0;
}
