// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin_callers.c: the return sites of a function in its callers
 * (gobin_caller_sites()). Direct calls are found by a byte-level scan of
 * all of the code, indirect ones through the itab slots gobin_pcln.c
 * finds; each caller found is disassembled (Capstone) and its site judged
 * with gobin_sites.c's instruction predicates.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <capstone/capstone.h>
#include <emmintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gobin_internal.h"

#define CALLER_BACK_INSNS	16	/* how far back a CALL reg's load may be */

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
	uint64_t touched;	/* code bytes scanned since the last gobin_drop_pages() */
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
		if (is_target(sc, insn[j + 1].address) || gobin_is_control(sc->cs, &insn[j]))
			return false;
		if (!gobin_writes_reg(sc->cs, &insn[j], reg))
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
		if (gobin_emulated_branch(&insn[k]))
			break;
		if (gobin_is_control(sc->cs, &insn[k]) ||
		    gobin_writes_any(sc->cs, &insn[k], sc->keep)) {
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
	sc->err = gobin_make_site(sc->gb, insn[k].address, SITE_CALLER_BRANCH, site);
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
	const uint8_t *code = gobin_func_bytes(sc->gb, addr, size);
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
	gobin_scan_window(sc->gb, &sc->touched, size);
	itabs = sc->is->n && is_caller(sc->callers, name);
	if (!itabs && !may_branch_to(code, size, addr, sc->func))
		return 0;
	n = cs_disasm(sc->cs, code, size, addr, 0, &insn);
	if (!n)
		return 0;
	sc->ntargets = 0;
	for (i = 0; i < n; i++) {
		t = gobin_direct_target(sc->cs, &insn[i]);
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
	/* qsort() of NULL is undefined even for 0 elements: a function with no branch. */
	if (sc->ntargets)
		qsort(sc->targets, sc->ntargets, sizeof(*sc->targets), cmp_u64);
	for (i = 0; i < n && !sc->err; i++) {
		if (insn[i].id == X86_INS_CALL) {
			t = gobin_direct_target(sc->cs, &insn[i]);
			if (t == sc->func)
				caller_site(sc, name, insn, n, i, false);
			else if (!t && itabs && itab_call(sc, insn, i))
				caller_site(sc, name, insn, n, i, true);
		} else if (insn[i].id == X86_INS_JMP && !self &&
			   gobin_direct_target(sc->cs, &insn[i]) == sc->func) {
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

	return add_slot(l, gobin_pcln_slot_at(l->t, l->base + p));
}

struct caller_pkg {
	struct slot_list *l;
	const char *const *callers;
};

static int add_caller(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct caller_pkg *cp = ctx;

	return is_caller(cp->callers, name) ? add_slot(cp->l, gobin_pcln_slot_at(cp->l->t, addr)) : 0;
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
	uint64_t lo, hi, c, len, p, i, addr, size;
	const char *const *c1, *const *c2;
	const uint8_t *code;
	uint8_t *buf;
	const char *n;
	int err = 0;
	off_t off;

	if (!sc->gb->has_pcln || !t->nfunc || (sc->is->n && !sc->callers))
		return gobin_for_each_func(sc->gb, scan_callers, sc);
	lo = t->text + gobin_pcln_entryoff(t, 0);
	hi = t->text + gobin_pcln_entryoff(t, t->nfunc);
	code = hi > lo ? gobin_func_bytes(sc->gb, lo, hi - lo) : NULL;
	/* No more than the text needs: a small program's is a few KB. */
	buf = code ? malloc(hi - lo < SCAN_WINDOW + 4 ? hi - lo : SCAN_WINDOW + 4) : NULL;
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
			if (gobin_pkg_len(*c2) == gobin_pkg_len(*c1) && !strncmp(*c2, *c1, gobin_pkg_len(*c1)))
				break;
		if (c2 == c1) {
			char pkg[256];

			snprintf(pkg, sizeof(pkg), "%.*s", (int)gobin_pkg_len(*c1), *c1);
			err = gobin_for_each_func_in(sc->gb, pkg, add_caller, &cp);
		}
	}
	if (!err && l.n) {	/* l.slot is NULL when nothing may call FUNC */
		qsort(l.slot, l.n, sizeof(*l.slot), cmp_u64);
		for (i = 0; i < l.n && !err; i++) {
			if (i && l.slot[i] == l.slot[i - 1])
				continue;
			n = gobin_pcln_func(t, l.slot[i], &addr, &size);
			if (n)
				err = scan_callers(n, addr, size, sc);
		}
	}
	free(l.slot);
	return err;
}

static int cmp_site(const void *a, const void *b)
{
	const struct probe_site *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

int gobin_caller_sites(struct gobin *gb, const struct caller_query *q,
		       struct probe_site *sites, int max, bool *complete,
		       const char **why)
{
	struct caller_scan sc = { 0 };
	const char *itab_sym;
	struct itab_slots is;
	uint64_t addr, size, ia, isz;
	char alt[1024];
	int err, i, j;

	*complete = false;
	*why = "invalid arguments";
	if (!gb || !q || !q->func || !q->keep_regs || max < 0 || (max && !sites))
		return -EINVAL;
	/* Cleared below when the binary has no itab symbols to check against. */
	itab_sym = q->itab_sym;
	err = gobin_func(gb, q->func, &addr, &size);
	if (err) {
		*why = "no such function";
		return err;
	}
	gobin_find_itab_slots(gb, addr, &is);
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
	sc.callers = q->callers;
	sc.keep = q->keep_regs;
	sc.sites = sites;
	sc.max = max;
	if (gobin_disasm_open(&sc.cs))
		return -EINVAL;
	err = scan_all_callers(&sc);
	gobin_drop_pages(gb);
	cs_close(&sc.cs);
	free(sc.targets);
	if (err == -ENOENT) {
		*why = "no function table (.gopclntab or .symtab) to scan";
		return 0;
	}
	if (err)
		return err;
	/* One site per address (a .symtab can list a function twice). */
	if (sc.n)	/* SITES may be NULL with MAX 0 */
		qsort(sites, sc.n, sizeof(*sites), cmp_site);
	for (i = j = 0; i < sc.n; i++)
		if (!j || sites[j - 1].vaddr != sites[i].vaddr)
			sites[j++] = sites[i];
	*complete = sc.complete;
	*why = sc.complete ? "" : gb->why;
	return j;
}

