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
};

struct probe_site {
	uint64_t vaddr;
	uint64_t offset;	/* file offset, what a uprobe attaches to */
	enum site_kind kind;
};

#define GOBIN_VERSION_LEN 32

/*
 * Open PATH. Fails with -ENOEXEC (and a message in *why) when it is not an
 * ELF x86-64 Go executable.
 */
int gobin_open(const char *path, struct gobin **out, const char **why);
void gobin_close(struct gobin *gb);

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

/* Function address and size by symbol name; -ENOENT if absent. */
int gobin_func(const struct gobin *gb, const char *name, uint64_t *addr,
	       uint64_t *size);
/* Any symbol's address and size (data too, e.g. an itab); -ENOENT if absent. */
int gobin_symbol(const struct gobin *gb, const char *name, uint64_t *addr,
		 uint64_t *size);
/* LEN bytes of the file's contents at virtual address VADDR; -ERANGE if not there. */
int gobin_read(const struct gobin *gb, uint64_t vaddr, void *buf, size_t len);
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
 * Entry site of a function: its stack-check JBE when it has one (the kernel
 * emulates a Jcc, and a hit whose branch is taken is the pre-morestack pass
 * to be ignored), else its first instruction.
 */
int gobin_entry_site(struct gobin *gb, uint64_t func, uint64_t size,
		     struct probe_site *site);
/* Every RET of a function, found by disassembly; returns the count. */
int gobin_ret_sites(struct gobin *gb, uint64_t func, uint64_t size,
		    struct probe_site *sites, int max);

const char *gobin_site_kind_str(enum site_kind kind);

#endif /* __GOBIN_H */
