// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin_dwarf.c: what the DWARF (libdw) says. At which offset a struct
 * member is and of which type; in which register a function's parameter
 * arrives (Go's ABIInternal); through an index of the top-level DIEs.
 * libdw's handle is opened and closed here, for gobin.c.
 */
#define _GNU_SOURCE
#include <dwarf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gobin_internal.h"

/* At gobin_open(), once the ELF is checked. */
void gobin_dwarf_begin(struct gobin *gb)
{
	/* libdw decompresses SHF_COMPRESSED debug sections by itself. */
	gb->dwarf = dwarf_begin_elf(gb->elf, DWARF_C_READ, NULL);
}

/* Before gobin_elf_end(): libdw reads through the Elf. */
void gobin_dwarf_end(struct gobin *gb)
{
	free(gb->dw_index);
	if (gb->dwarf)
		dwarf_end(gb->dwarf);
}

bool gobin_has_dwarf(const struct gobin *gb)
{
	return gb->dwarf != NULL;
}

/*
 * The debug sections' data, read once: libdw's own copies (elf_getdata()
 * of the Elf it was opened on returns the buffers it reads, decompressed).
 */
static void dw_read_data(struct gobin *gb)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf_Data *d;
	GElf_Shdr sh;
	const char *n;

	gb->dw_data_read = true;
	if (elf_getshdrstrndx(gb->elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(gb->elf, scn)) && gb->dw_ndata < 8) {
		if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(gb->elf, shstrndx, sh.sh_name)) ||
		    (strncmp(n, ".debug_", 7) && strncmp(n, ".zdebug_", 8)))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || !d->d_size)
			continue;
		gb->dw_data[gb->dw_ndata].lo = d->d_buf;
		gb->dw_data[gb->dw_ndata++].hi = (const char *)d->d_buf + d->d_size;
	}
}

/*
 * DIE's name, or NULL unless it ends inside the debug section it is in:
 * libdw returns an inline name (DW_FORM_string) as a pointer into
 * .debug_info without checking that a NUL follows before the section's
 * end, and a corrupt file's last name then runs off its buffer.
 */
static const char *die_name(struct gobin *gb, Dwarf_Die *die)
{
	const char *n = dwarf_diename(die);
	int i;

	if (!n)
		return NULL;
	if (!gb->dw_data_read)
		dw_read_data(gb);
	for (i = 0; i < gb->dw_ndata; i++)
		if (n >= gb->dw_data[i].lo && n < gb->dw_data[i].hi)
			return memchr(n, '\0', gb->dw_data[i].hi - n) ? n : NULL;
	return NULL;
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
			name = die_name(gb, &die);
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
		n = die_name(gb, child);
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
	    !(n = die_name(gb, &t)))
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
static const char *first_param_type(struct gobin *gb, Dwarf_Die *fn)
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
		return die_name(gb, &t);
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
	const char *first = first_param_type(gb, fn);
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
		n = die_name(gb, &p);
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
