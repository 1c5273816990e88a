// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin: Go executable inspection for grpcstreams. See gobin.h.
 *
 * ELF and DWARF go through elfutils (libelf, libdw), disassembly through
 * Capstone: no hand-written decoders.
 */
#define _GNU_SOURCE
#include <dwarf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <elfutils/libdw.h>
#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gobin.h"

#define MAX_LOADS	16

struct load_seg {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
};

struct gobin {
	int fd;
	Elf *elf;
	Dwarf *dwarf;
	Elf_Scn *symtab;
	size_t symtab_link;
	struct load_seg loads[MAX_LOADS];
	int nloads;
	char go_version[GOBIN_VERSION_LEN];
	char grpc_version[GOBIN_VERSION_LEN];
	const char *grpc_version_source;
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

static Elf_Data *section_data(Elf *elf, const char *name)
{
	Elf_Scn *scn = find_section(elf, name);
	GElf_Shdr sh;

	if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
		return NULL;
	return elf_getdata(scn, NULL);
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

/* Copy "X.Y.Z" (digits and dots only) from P into OUT. */
static void copy_version(char *out, const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && n < GOBIN_VERSION_LEN - 1 &&
	       ((p[n] >= '0' && p[n] <= '9') || p[n] == '.'))
		n++;
	while (n && p[n - 1] == '.')
		n--;
	memcpy(out, p, n);
	out[n] = '\0';
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
	Elf_Data *d = section_data(gb->elf, ".go.buildinfo");
	const uint8_t *p, *end;
	const char *mod, *dep;
	uint64_t n;

	if (!d || !d->d_buf || d->d_size < 32 ||
	    memcmp(d->d_buf, magic, sizeof(magic) - 1))
		return;
	p = d->d_buf;
	end = p + d->d_size;
	if (!(p[15] & 2))
		return;
	p += 32;
	p = read_uvarint(p, end, &n);
	if (!p || n > (uint64_t)(end - p))
		return;
	if (n < GOBIN_VERSION_LEN) {
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
static void find_grpc_version_string(struct gobin *gb)
{
	static const char ua[] = "grpc-go/";
	const char *names[] = { ".rodata", ".data.rel.ro" };
	const char *p, *start, *end;
	Elf_Data *d;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		d = section_data(gb->elf, names[i]);
		if (!d || !d->d_buf)
			continue;
		start = d->d_buf;
		end = start + d->d_size;
		for (p = start; p < end; p += sizeof(ua) - 1) {
			p = memmem(p, end - p, ua, sizeof(ua) - 1);
			if (!p)
				break;
			copy_version(gb->grpc_version, p + sizeof(ua) - 1, end);
			if (strchr(gb->grpc_version, '.')) {
				gb->grpc_version_source = "rodata";
				return;
			}
			gb->grpc_version[0] = '\0';
		}
	}
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
			ph.p_vaddr, ph.p_offset, ph.p_filesz };
	}
	if (!gb->nloads) {
		*why = "no loadable segments";
		return -ENOEXEC;
	}
	return 0;
}

int gobin_open(const char *path, struct gobin **out, const char **why)
{
	struct gobin *gb;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t len;
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
	/*
	 * Read, never mmap: a uprobe registered for every process running
	 * this file (-b, or another tracer) also plants its INT3 in any
	 * executable-capable mapping of it, ours included, and the
	 * disassembly would then see breakpoints instead of code.
	 */
	gb->elf = elf_begin(gb->fd, ELF_C_READ, NULL);
	if (!gb->elf) {
		*why = "not an ELF file";
		err = -ENOEXEC;
		goto fail;
	}
	/*
	 * Read the whole file before any section: func_bytes() needs
	 * elf_rawfile() anyway, and when libelf (0.188) reads the file whole
	 * after some sections were read one by one, elf_end() never frees
	 * those (2 MB per open of the test fixture, seen with valgrind).
	 */
	if (elf_kind(gb->elf) == ELF_K_ELF && !elf_rawfile(gb->elf, &len)) {
		*why = "cannot read the file";
		err = -EIO;
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
	parse_buildinfo(gb);
	if (!gb->grpc_version[0])
		find_grpc_version_string(gb);
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
	if (gb->dwarf)
		dwarf_end(gb->dwarf);
	if (gb->elf)
		elf_end(gb->elf);
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

/* Look NAME up in .symtab; with FUNCS_ONLY, only STT_FUNC symbols. */
static int find_symbol(const struct gobin *gb, const char *name, bool funcs_only,
		       uint64_t *addr, uint64_t *size)
{
	Elf_Data *d;
	GElf_Sym sym;
	const char *n;
	size_t i, cnt;
	GElf_Shdr sh;

	if (!gb->symtab || !gelf_getshdr(gb->symtab, &sh) || !sh.sh_entsize)
		return -ENOENT;
	d = elf_getdata(gb->symtab, NULL);
	if (!d)
		return -ENOENT;
	cnt = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < cnt; i++) {
		if (!gelf_getsym(d, i, &sym) ||
		    (funcs_only && GELF_ST_TYPE(sym.st_info) != STT_FUNC))
			continue;
		n = elf_strptr(gb->elf, gb->symtab_link, sym.st_name);
		if (n && !strcmp(n, name)) {
			*addr = sym.st_value;
			*size = sym.st_size;
			return 0;
		}
	}
	return -ENOENT;
}

int gobin_func(const struct gobin *gb, const char *name, uint64_t *addr,
	       uint64_t *size)
{
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

/* Bytes of the function at [vaddr, vaddr + size), mapped from the file. */
static const uint8_t *func_bytes(const struct gobin *gb, uint64_t vaddr,
				 uint64_t size)
{
	size_t len;
	uint64_t off;
	char *raw;

	if (gobin_vaddr_to_offset(gb, vaddr, &off) ||
	    gobin_vaddr_to_offset(gb, vaddr + size - 1, &off) || !size)
		return NULL;
	gobin_vaddr_to_offset(gb, vaddr, &off);
	raw = elf_rawfile(gb->elf, &len);
	if (!raw || off + size > len)
		return NULL;
	return (const uint8_t *)raw + off;
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

static int find_member(Dwarf_Die *type, const char *member, long *offset)
{
	Dwarf_Die child;
	Dwarf_Attribute attr;
	Dwarf_Word off;
	const char *n;

	if (dwarf_child(type, &child))
		return -ENOENT;
	do {
		if (dwarf_tag(&child) != DW_TAG_member)
			continue;
		n = die_name(&child);
		if (!n || strcmp(n, member))
			continue;
		if (!dwarf_attr(&child, DW_AT_data_member_location, &attr) ||
		    dwarf_formudata(&attr, &off))
			return -ENOENT;
		*offset = (long)off;
		return 0;
	} while (!dwarf_siblingof(&child, &child));
	return -ENOENT;
}

int gobin_member_offset(struct gobin *gb, const char *type, const char *member,
			long *offset)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu, die;
	const char *n;

	if (!gb->dwarf)
		return -ENODATA;
	/* Go emits its types as top-level children of compile units. */
	while (!dwarf_nextcu(gb->dwarf, off, &next, &hsize, NULL, NULL, NULL)) {
		if (!dwarf_offdie(gb->dwarf, off + hsize, &cu))
			goto next_cu;
		if (dwarf_child(&cu, &die))
			goto next_cu;
		do {
			if (dwarf_tag(&die) != DW_TAG_structure_type)
				continue;
			n = die_name(&die);
			if (n && !strcmp(n, type))
				return find_member(&die, member, offset);
		} while (!dwarf_siblingof(&die, &die));
next_cu:
		off = next;
	}
	return -ENOENT;
}

static int disasm_open(csh *cs)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_64, cs) != CS_ERR_OK)
		return -EINVAL;
	cs_option(*cs, CS_OPT_DETAIL, CS_OPT_ON);
	return 0;
}

static int make_site(const struct gobin *gb, uint64_t vaddr,
		     enum site_kind kind, struct probe_site *site)
{
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

const char *gobin_site_kind_str(enum site_kind kind)
{
	switch (kind) {
	case SITE_ENTRY:
		return "function entry (no stack check; single-stepped)";
	case SITE_STACK_CHECK:
		return "stack-check JBE (emulated; taken branch ignored)";
	case SITE_RET:
		return "RET (single-stepped)";
	}
	return "?";
}
