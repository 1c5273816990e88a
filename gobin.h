/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * gobin: inspection of a Go executable for uprobe placement — function
 * symbols, build info, grpc-go version string, DWARF struct offsets and
 * probe sites found by disassembly (Capstone). No BPF in here, so it can be
 * unit tested on its own (tests/test_gobin.c).
 */
#ifndef __GOBIN_H
#define __GOBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gobin;

/* Where a probe goes and why; the reason is shown with -v. */
enum site_kind {
	SITE_ENTRY,		/* first instruction (no stack check found) */
	SITE_STACK_CHECK,	/* the JBE to morestack: ignore when taken */
	SITE_RET,		/* a RET of the function */
	SITE_CALLER_BRANCH,	/* emulated insn after a CALL of it, in a caller */
	SITE_FIRST_PASS,	/* emulated insn only the first call reaches */
	SITE_BODY,		/* first emulated insn past the stack check */
	SITE_CALL,		/* a CALL of it: its arguments are in place */
};

struct probe_site {
	uint64_t vaddr;
	uint64_t offset;	/* file offset, what a uprobe attaches to */
	enum site_kind kind;
	/*
	 * SITE_CALLER_BRANCH only (zero otherwise): the CALL the site follows,
	 * the return address that CALL pushes (what the callee finds at (SP)
	 * on entry), the caller's name (owned by the gobin, may be NULL), and
	 * whether the CALL is an indirect one through an itab slot (the
	 * callee is then FUNC only when the itab is one that holds FUNC there:
	 * another interface can have another method at the same slot, so the
	 * BPF side must match the return address recorded at FUNC's entry,
	 * e.g. entry (SP) == site address - (vaddr - ret)).
	 */
	uint64_t call;
	uint64_t ret;
	const char *caller;
	bool via_itab;
};

#define GOBIN_VERSION_LEN 32

/* gobin_peek()'s answers. */
enum {
	GOBIN_NOT_GO,		/* not ELF, or no Go section */
	GOBIN_GO,		/* a Go program for x86-64 */
	GOBIN_GO_OTHER_ARCH,	/* a Go program for another machine */
};

/*
 * Is the file FD a Go program, and one for x86-64? From its ELF header and
 * section names only (the file is never read whole): for looking at every
 * executable on a host. Go's own sections: .go.buildinfo, .gopclntab,
 * .note.go.buildid (stripping keeps them).
 */
int gobin_peek(int fd);

/*
 * Open PATH. Fails with -ENOEXEC (and a message in *why) when it is not an
 * ELF x86-64 Go executable.
 */
int gobin_open(const char *path, struct gobin **out, const char **why);
void gobin_close(struct gobin *gb);
/* The file gobin_open() opened, open until gobin_close(). */
int gobin_fd(const struct gobin *gb);

bool gobin_has_symtab(const struct gobin *gb);
bool gobin_has_dwarf(const struct gobin *gb);
/* "go1.19.8" from .go.buildinfo, or "" when unknown. */
const char *gobin_go_version(const struct gobin *gb);
/*
 * grpc-go version "1.33.3": from build info ("dep google.golang.org/grpc
 * v1.33.3", module builds), else from grpc-go's user agent string
 * "grpc-go/1.33.3" in read-only data (GOPATH builds too); "" when absent.
 */
const char *gobin_grpc_version(const struct gobin *gb);
/* "buildinfo", "rodata" or "" — where gobin_grpc_version() came from. */
const char *gobin_grpc_version_source(const struct gobin *gb);

/*
 * Function address and size by name: from .symtab when the binary has one,
 * else from .gopclntab (see gobin_func_source()); -ENOENT if absent.
 */
int gobin_func(const struct gobin *gb, const char *name, uint64_t *addr,
	       uint64_t *size);
/*
 * Where gobin_func() finds functions: "symtab" (.symtab), "pclntab" (no
 * .symtab, e.g. a stripped binary: Go's own .gopclntab) or "" (neither).
 */
const char *gobin_func_source(const struct gobin *gb);
/* Has a .gopclntab gobin can read (Go >= 1.18 format, header sane). */
bool gobin_has_pclntab(const struct gobin *gb);
/*
 * gobin_func() from .gopclntab alone, even when .symtab exists (for tests
 * and cross-checks). The size runs to the next function's entry, so it
 * includes the INT3 padding. -ENOENT when absent or there is no usable
 * table, -EINVAL when the function's record is inconsistent (corrupt).
 */
int gobin_func_pclntab(const struct gobin *gb, const char *name,
		       uint64_t *addr, uint64_t *size);
/*
 * The size of function NAME's argument frame, as .gopclntab records it
 * (_func.args: its arguments and results, whatever registers carry them):
 * what a change of its signature changes. -ENOENT when absent.
 */
int gobin_func_args(const struct gobin *gb, const char *name, int32_t *args);
/*
 * runtime.text as .gopclntab records it: the base of its function entries,
 * not necessarily the .text section's address. -ENOENT without a table.
 */
int gobin_pclntab_text(const struct gobin *gb, uint64_t *text);
/* Any symbol's address and size (data too, e.g. an itab); -ENOENT if absent. */
int gobin_symbol(const struct gobin *gb, const char *name, uint64_t *addr,
		 uint64_t *size);
/* LEN bytes of the file's contents at virtual address VADDR; -ERANGE if not there. */
int gobin_read(const struct gobin *gb, uint64_t vaddr, void *buf, size_t len);
/*
 * [LO, HI): the read-only, non-executable segment of a program loaded at
 * its link addresses (not PIE), where Go keeps its string constants: in
 * every process of it, at the same addresses, never written. -ENOENT for
 * a PIE or when there is none.
 */
int gobin_fixed_rodata(const struct gobin *gb, uint64_t *lo, uint64_t *hi);
/* File offset of a virtual address, from the PT_LOAD segments. */
int gobin_vaddr_to_offset(const struct gobin *gb, uint64_t vaddr,
			  uint64_t *offset);

/*
 * DWARF: offset of MEMBER in the struct type named TYPE (full Go name, e.g.
 * "google.golang.org/grpc/internal/transport.http2Client"). -ENOENT when the
 * type or member is absent, -ENODATA without DWARF.
 */
int gobin_member_offset(struct gobin *gb, const char *type, const char *member,
			long *offset);

/*
 * DWARF: the name of MEMBER's type in struct TYPE, e.g.
 * "*google.golang.org/grpc/internal/transport.Stream" (a pointer) or
 * "google.golang.org/grpc/internal/transport.Stream" (by value). -ENOENT when
 * the type or member is absent, -ENODATA without DWARF, -ERANGE when LEN is
 * too small.
 */
int gobin_member_type(struct gobin *gb, const char *type, const char *member,
		      char *buf, size_t len);

/*
 * DWARF + Go's ABIInternal (amd64): *REG = the integer register that holds
 * the first word of parameter PARAM of function FUNC (full name, e.g.
 * "google.golang.org/grpc/internal/transport.(*http2Client).NewStream") at
 * its entry, as an index into RAX RBX RCX RDI RSI R8 R9 R10 R11 (0..8; the
 * receiver counts as the first parameter). -ENODATA without DWARF, -ENOENT
 * when FUNC or PARAM is absent (results such as ~r0 never match), -E2BIG
 * when PARAM is passed on the stack, -ENOTSUP when it takes no integer
 * register (a float, a zero-sized value), -EINVAL on a type gobin cannot
 * size or for a compiler-generated method wrapper (DW_AT_trampoline: its
 * DWARF omits the receiver).
 */
int gobin_param_reg(struct gobin *gb, const char *func, const char *param,
		    int *reg);
/* "rax".."r11" for a gobin_param_reg() index, "?" otherwise. */
const char *gobin_reg_name(int reg);

/*
 * Entry site of a function: its stack-check JBE when it has one (the kernel
 * emulates a Jcc, and a hit whose branch is taken is the pre-morestack pass
 * to be ignored), else its first instruction.
 */
int gobin_entry_site(struct gobin *gb, uint64_t func, uint64_t size,
		     struct probe_site *site);
/* Every RET of a function, found by disassembly; returns the count. */
int gobin_ret_sites(struct gobin *gb, uint64_t func, uint64_t size,
		    struct probe_site *sites, int max);

/*
 * What gobin_caller_sites() is asked: the function, the itab it is
 * expected in, the callers whose interface calls count, and the registers
 * that must still hold its results at a site.
 */
struct caller_query {
	const char *func;		/* full name */
	const char *itab_sym;		/* "go.itab.*T,I", or NULL */
	const char *const *callers;	/* name prefixes, NULL-terminated; NULL: all */
	const uint16_t *keep_regs;	/* capstone x86_reg ids, 0-terminated */
};

/*
 * Return sites of FUNC (full name) in its callers, for a uprobe on an
 * instruction the kernel emulates instead of FUNC's single-stepped RETs.
 * FUNC, ITAB_SYM, CALLERS and KEEP_REGS are Q's fields.
 *
 * Calls of FUNC are looked for in the code of the functions of the binary
 * (.gopclntab, else .symtab):
 *  - a direct CALL rel32 to FUNC, in every function (a byte-level filter
 *    picks the functions to disassemble);
 *  - an indirect CALL reg (or CALL mem) whose target was loaded by
 *    MOV SLOT(base), reg earlier in the same basic block (within 16
 *    instructions), in the functions whose names start with one of CALLERS
 *    (NULL-terminated list of name prefixes; CALLERS NULL: every function).
 *    SLOT is 24 + 8 * i for FUNC at index i of the method table of any
 *    itab of the file that holds FUNC, found by value (so stripped
 *    binaries, Go >= 1.26 that has no itab symbols, and a PIE's
 *    R_X86_64_RELATIVE addends are covered). The slot says nothing of the
 *    interface: another interface's method at the same slot matches too
 *    (grpc 1.33 and 1.64: ServerTransport calls in package grpc), so such
 *    a site has via_itab set and can follow a call of another function;
 *    the BPF side must then check the return address (see probe_site).
 * ITAB_SYM, when given ("go.itab.*T,I"; "go:itab." is tried as well) and
 * present in .symtab, must be one of the itabs found (else incomplete).
 *
 * For each call, the site is the first instruction after it that the
 * kernel emulates (Jcc rel, JMP rel, CALL rel, without prefix) such that
 * at most 8 instructions lead to it from the CALL, straight-line (no
 * branch, and no direct branch target of the caller among them or at the
 * site), none writing a register of KEEP_REGS (capstone x86_reg ids,
 * 0-terminated, e.g. RAX RBX RCX R14; writing a part, e.g. EAX, counts;
 * implicit writes too).
 *
 * Returns the number of sites (sorted by address), -ENOENT when FUNC is
 * absent, -EINVAL on bad arguments, -E2BIG when more than MAX. *COMPLETE is
 * set false, with the reason in *WHY (valid until the next call), when a
 * call (or a slot match) has no such site, FUNC is reached by a tail JMP,
 * FUNC's address is stored in data outside any itab (a func value), the
 * itab symbol does not hold FUNC, a scanned function has undecodable
 * bytes, or there is no function table; the caller must then fall back to
 * FUNC's RET sites. Not seen, ever: calls through reflection, through an
 * itab built only at run time (none for that pair in the file), and
 * interface calls in functions outside CALLERS.
 */
int gobin_caller_sites(struct gobin *gb, const struct caller_query *q,
		       struct probe_site *sites, int max, bool *complete,
		       const char **why);

/*
 * The type hash (runtime._type.hash, copied at +16 of each of its itabs)
 * of the dynamic type whose itabs hold METHOD (full name, e.g.
 * "net.(*TCPAddr).String") in their method table, whatever the interface:
 * what the type word of an interface value holding that type points at.
 * The itabs are found by value (see gobin_caller_sites), so stripped
 * binaries, Go >= 1.26 (no itab symbols) and PIEs are covered; the hash
 * does not move with the load address. -ENOENT when METHOD is absent or
 * no itab holds it (the type is never converted to such an interface
 * where the compiler can see it), -EINVAL when two itabs that hold it
 * disagree or cannot be read.
 */
int gobin_itab_type_hash(struct gobin *gb, const char *method, uint32_t *hash);

/*
 * Every direct CALL rel32 of CALLEE in the function at FUNC (SIZE bytes):
 * at the CALL, CALLEE's arguments are in their registers, and the kernel
 * emulates it. Returns the count, -E2BIG when more than MAX, -EILSEQ when
 * the function has undecodable bytes (a call could hide there).
 */
int gobin_call_sites(struct gobin *gb, uint64_t func, uint64_t size, uint64_t callee,
		     struct probe_site *sites, int max);

/*
 * The first instruction of FUNC's body the kernel emulates (Jcc, JMP or
 * CALL rel), straight-line from the entry within 32 instructions, falling
 * through the stack check, not a branch target, with no register of
 * KEEP_REGS (0-terminated capstone ids) written on the way: the arguments
 * are where they were on entry, and a call that grows its stack reaches it
 * once, where the stack-check site is hit twice. -ENOENT when there is none.
 */
int gobin_body_site(struct gobin *gb, uint64_t func, uint64_t size,
		    const uint16_t *keep_regs, struct probe_site *site);

/* The registers gobin_first_pass_site() looks at, capstone x86_reg ids. */
struct first_pass_regs {
	unsigned int swap_base;	/* the swap's base register; 0: any */
	const uint16_t *keep;	/* to stay unwritten up to the site, 0-terminated */
};

/*
 * A site in FUNC that only its first call per object reaches, for a
 * function that starts by swapping a state word (grpc-go's closeStream:
 * "if s.swapState(streamDone) == streamDone { return }"):
 *	[stack check] ... XCHG reg, disp(REGS->swap_base); CMP reg, $imm; JE later
 * The site is the first instruction on the JE's fall-through path that the
 * kernel emulates, within 8 instructions, straight-line, not a branch
 * target. From the entry to the site nothing may branch (but the stack
 * check, fallen through) or write a register of REGS->keep: the arguments
 * are still where they were on entry. Returns 0, or -ENOENT with the
 * reason in *WHY (static), -EINVAL on bad arguments.
 */
int gobin_first_pass_site(struct gobin *gb, uint64_t func, uint64_t size,
			  const struct first_pass_regs *regs,
			  struct probe_site *site, const char **why);

/*
 * Call CB for every function: from .gopclntab when the binary has a usable
 * one (disjoint ranges, padding included, any build), else .symtab's
 * STT_FUNC symbols of non-zero size. Stops at and returns the first
 * non-zero CB result; -ENOENT when there is neither table. NAME is owned
 * by the gobin.
 */
int gobin_for_each_func(const struct gobin *gb,
			int (*cb)(const char *name, uint64_t addr,
				  uint64_t size, void *ctx),
			void *ctx);

/*
 * Like gobin_for_each_func(), only the functions of package PKG (its
 * import path: "net", "google.golang.org/grpc/internal/transport"),
 * their closures and methods included. From the function table's index
 * a large program's 100,000 other names are not read again.
 */
int gobin_for_each_func_in(const struct gobin *gb, const char *pkg,
			   int (*cb)(const char *name, uint64_t addr,
				     uint64_t size, void *ctx),
			   void *ctx);

const char *gobin_site_kind_str(enum site_kind kind);

#endif /* __GOBIN_H */
