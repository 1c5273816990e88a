// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin_sites.c: where a probe goes in a function, found by disassembly
 * (Capstone): its entry (its stack check), RETs, CALLs of another, first
 * body branch and first-pass branch; and the instruction predicates
 * (registers written, branches the kernel emulates) that gobin_callers.c
 * judges the return sites in a function's callers with.
 */
#include <errno.h>
#include <capstone/capstone.h>
#include <string.h>

#include "gobin_internal.h"

int gobin_disasm_open(csh *cs)
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
	const uint8_t *code = gobin_func_bytes(gb, func, size);

	*insn = NULL;
	if (!code)
		return -EINVAL;
	if (gobin_disasm_open(cs))
		return -EINVAL;
	return (long)cs_disasm(*cs, code, size, func, 0, insn);
}

int gobin_make_site(const struct gobin *gb, uint64_t vaddr,
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
 * The leading fields of runtime.g (runtime/runtime2.go g), the goroutine,
 * alike from Go 1.17 to 1.27: the stack bounds, then the guards a stack
 * check compares SP with ("offset known to liblink": the prologue is
 * cmd/internal/obj/x86/obj6.go, stacksplit). R14 holds the g in Go >= 1.17's
 * register ABI (cmd/compile/abi-internal.md, amd64).
 */
struct go_g {
	uint64_t stack_lo, stack_hi;	/* stack: [lo, hi) */
	uint64_t stackguard0;	/* the Go stack growth prologue's */
	uint64_t stackguard1;	/* the C (system stack) prologue's */
};
_Static_assert(offsetof(struct go_g, stackguard0) == 16 &&
	       offsetof(struct go_g, stackguard1) == 24, "runtime.g");

#define G_STACKGUARD0	((int64_t)offsetof(struct go_g, stackguard0))
#define G_STACKGUARD1	((int64_t)offsetof(struct go_g, stackguard1))

/*
 * The compare must read g.stackguard0 (16(R14)) or, in some runtime
 * functions, g.stackguard1 (24(R14)).
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
		    (op->mem.disp == G_STACKGUARD0 || op->mem.disp == G_STACKGUARD1))
			return true;
	}
	return false;
}

int gobin_entry_site(struct gobin *gb, uint64_t func, uint64_t size,
		     struct probe_site *site)
{
	const uint8_t *code = gobin_func_bytes(gb, func, size);
	cs_insn *insn = NULL;
	size_t i, n;
	uint64_t target;
	cs_x86_op *op;
	csh cs;
	int err;

	if (!code)
		return -ERANGE;
	if (gobin_disasm_open(&cs))
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
			err = gobin_make_site(gb, insn[i].address, SITE_STACK_CHECK, site);
			goto out;
		}
	}
	err = gobin_make_site(gb, func, SITE_ENTRY, site);
out:
	cs_free(insn, n);
	cs_close(&cs);
	return err;
}

int gobin_ret_sites(struct gobin *gb, uint64_t func, uint64_t size,
		    struct probe_site *sites, int max)
{
	const uint8_t *code = gobin_func_bytes(gb, func, size);
	cs_insn *insn;
	uint64_t addr = func;
	size_t left = size;
	int cnt = 0, err = 0;
	csh cs;

	if (!code)
		return -ERANGE;
	if (gobin_disasm_open(&cs))
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
		err = gobin_make_site(gb, insn->address, SITE_RET, &sites[cnt]);
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
bool gobin_writes_reg(csh cs, const cs_insn *insn, unsigned int reg)
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

bool gobin_writes_any(csh cs, const cs_insn *insn, const uint16_t *regs)
{
	for (; regs && *regs; regs++)
		if (gobin_writes_reg(cs, insn, *regs))
			return true;
	return false;
}

/*
 * Does the kernel emulate a uprobe on INSN (no single-step)? x86's
 * branch_setup_xol_ops(): CALL rel32 (E8), JMP rel32/rel8 (E9, EB), Jcc
 * rel8 (70-7F) and rel32 (0F 80-8F), refused with an operand-size prefix;
 * any prefix is refused here.
 */
bool gobin_emulated_branch(const cs_insn *insn)
{
	const uint8_t *b = insn->bytes;

	if (b[0] == 0xe8 || b[0] == 0xe9 || b[0] == 0xeb)
		return insn->size == (b[0] == 0xeb ? 2 : 5);
	if (b[0] >= 0x70 && b[0] <= 0x7f)
		return insn->size == 2;
	return b[0] == 0x0f && insn->size == 6 && b[1] >= 0x80 && b[1] <= 0x8f;
}

bool gobin_is_control(csh cs, const cs_insn *insn)
{
	return cs_insn_group(cs, insn, CS_GRP_JUMP) ||
	       cs_insn_group(cs, insn, CS_GRP_CALL) ||
	       cs_insn_group(cs, insn, CS_GRP_RET) ||
	       cs_insn_group(cs, insn, CS_GRP_INT) ||
	       cs_insn_group(cs, insn, CS_GRP_IRET) ||
	       insn->id == X86_INS_UD2 || insn->id == X86_INS_HLT;
}

/* The immediate target of a direct JMP, Jcc or CALL, or 0. */
uint64_t gobin_direct_target(csh cs, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;

	if (!cs_insn_group(cs, insn, CS_GRP_JUMP) &&
	    !cs_insn_group(cs, insn, CS_GRP_CALL))
		return 0;
	if (x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return 0;
	return (uint64_t)x->operands[0].imm;
}

#define FIRST_PASS_INSNS	48	/* how far into the function the swap may be */

/* Is ADDR the target of a direct JMP or Jcc anywhere in INSN[0..N)? */
static bool branched_to(csh cs, const cs_insn *insn, size_t n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!cs_insn_group(cs, &insn[i], CS_GRP_CALL) &&
		    gobin_direct_target(cs, &insn[i]) == addr)
			return true;
	return false;
}

/*
 * From INSN[FROM], straight-line, the first instruction the kernel emulates
 * (the stack-check JBE excepted: it is fallen through), within MAX: none on
 * the way may branch or write a register of KEEP, and none after FROM may
 * be a branch target (FROM itself may: a function's entry is, from its
 * morestack call; the caller checks FROM where it matters). Its index, or
 * -1.
 */
static long straight_site(csh cs, const cs_insn *insn, size_t n, size_t from,
			  size_t max, const uint16_t *keep)
{
	size_t k;

	for (k = from; k < n && k - from <= max; k++) {
		if (k > from && branched_to(cs, insn, n, insn[k].address))
			return -1;
		if (k && insn[k].id == X86_INS_JBE && is_stack_guard_cmp(&insn[k - 1]))
			continue;
		if (gobin_emulated_branch(&insn[k]))
			return k;
		if (gobin_is_control(cs, &insn[k]) || gobin_writes_any(cs, &insn[k], keep))
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
		if (insn[i].id != X86_INS_CALL || gobin_direct_target(cs, &insn[i]) != callee ||
		    !gobin_emulated_branch(&insn[i]))
			continue;
		if (cnt == max)
			err = -E2BIG;
		else
			err = gobin_make_site(gb, insn[i].address, SITE_CALL, &sites[cnt++]);
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
	k = n ? straight_site(cs, insn, n, 0, BODY_INSNS, keep_regs) : -1;
	if (k >= 0)
		err = gobin_make_site(gb, insn[k].address, SITE_BODY, site);
	cs_free(insn, n);
	cs_close(&cs);
	return err;
}

int gobin_first_pass_site(struct gobin *gb, uint64_t func, uint64_t size,
			  const struct first_pass_regs *regs,
			  struct probe_site *site, const char **why)
{
	const cs_x86_op *op;
	unsigned int reg;
	int err = -ENOENT;
	cs_insn *insn;
	long i, k, n;
	csh cs;

	*why = "invalid arguments";
	if (!regs || !regs->keep)
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
		if (gobin_is_control(cs, &insn[i]) || gobin_writes_any(cs, &insn[i], regs->keep)) {
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
	if (regs->swap_base && gpr64(op->mem.base) != gpr64(regs->swap_base)) {
		*why = "the swap is not on the expected base register";
		goto out;
	}
	if (gobin_writes_any(cs, &insn[i], regs->keep)) {
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
	 * from the JE alone (so not the fall-through itself either if a
	 * branch goes there), the registers to keep unwritten.
	 */
	*why = "no emulated instruction with the registers intact after the swap";
	if (i + 3 < n && branched_to(cs, insn, n, insn[i + 3].address))
		k = -1;
	else
		k = straight_site(cs, insn, n, i + 3, CALLER_AFTER_INSNS, regs->keep);
	if (k >= 0) {
		err = gobin_make_site(gb, insn[k].address, SITE_FIRST_PASS, site);
		*why = err ? "not in a loadable segment" : "";
	}
out:
	cs_free(insn, n);
	cs_close(&cs);
	return err;
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
