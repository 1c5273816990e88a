// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * gobin.c: opening and closing a Go executable, the one place that knows
 * every reader. gobin_open() has gobin_elf.c map and check the file, then
 * the others parse what they need up front (gobin_pcln.c, gobin_version.c,
 * gobin_dwarf.c); gobin_close() has each release what it holds. The
 * readers never call back up here, so the files form layers without a
 * cycle (gobin_internal.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gobin_internal.h"

int gobin_peek(int fd)
{
	static const char *const go_sections[] = { ".go.buildinfo", ".gopclntab",
						   ".note.go.buildid" };
	GElf_Ehdr eh;
	size_t i;
	Elf *elf;
	int r = GOBIN_NOT_GO;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	/* Mapped, not read: only the headers' pages are touched. */
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return GOBIN_NOT_GO;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		goto out;
	for (i = 0; i < sizeof(go_sections) / sizeof(go_sections[0]); i++)
		if (gobin_find_section(elf, go_sections[i]))
			break;
	if (i == sizeof(go_sections) / sizeof(go_sections[0]))
		goto out;
	r = eh.e_machine == EM_X86_64 && eh.e_ident[EI_CLASS] == ELFCLASS64 ?
		GOBIN_GO : GOBIN_GO_OTHER_ARCH;
out:
	elf_end(elf);
	return r;
}

int gobin_open(const char *path, struct gobin **out, const char **why)
{
	struct gobin *gb;
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
		err = -errno;	/* before free() may change it */
		*why = strerror(-err);
		free(gb);
		return err;
	}
	err = gobin_elf_begin(gb, why);
	if (err)
		goto fail;
	gobin_dwarf_begin(gb);
	gobin_parse_pclntab(gb);
	gobin_read_versions(gb);
	/* What the parsers went through is not needed again. */
	gobin_drop_pages(gb);
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
	gobin_pcln_end(gb);
	/* libdw reads through the Elf: it goes first. */
	gobin_dwarf_end(gb);
	gobin_elf_end(gb);
	if (gb->fd >= 0)
		close(gb->fd);
	free(gb);
}

int gobin_fd(const struct gobin *gb)
{
	return gb->fd;
}
