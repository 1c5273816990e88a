// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for layout_check.c: does the code check tell a binary's own
 * layout from the others?
 *
 * USAGE: test_layout BINARY...
 *
 * Each BINARY must have DWARF: its layout read from DWARF (checked against
 * gdb and llvm-dwarfdump by test_gobin) is the truth. For each one:
 *  - its own layout must be confirmed by its code;
 *  - every entry of the built-in table (layouts.gen.h) that differs from it in
 *    a field the code is checked for, or in the argument frame size of a
 *    probed function (which fixes its argument registers), must be refused, and one that differs
 *    in no such field must be confirmed (the check is then blind to the
 *    difference: said on a "# blind" line, so that a release whose layout
 *    the code cannot tell apart is seen, not hidden).
 * tests/unit.sh runs it on the plain fixtures, `make layouts` on a build
 * of every release. Output is TAP-like; the last line is
 * "layout: N passed, N failed".
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

static int passed, failed;

/* The fields layout_check() looks for in the code. */
#define F(name) { #name, offsetof(struct go_offsets, name) }
static const struct {
	const char *name;
	size_t at;
} checked[] = {
	F(client_nextid), F(cs_id), F(cs_deref), F(callhdr_method), F(cs_method),
	F(cs_ct), F(client_remote_addr), F(cs_state), F(cs_status), F(client_conn_id),
	F(ss_id), F(ss_deref), F(ss_method), F(ss_transport), F(server_peer),
	F(ss_state), F(server_conn_id), F(status_s), F(spb_code), F(tcpaddr_port),
};
#undef F

static __s32 get(const struct go_offsets *o, size_t i)
{
	return *(const __s32 *)((const char *)o + checked[i].at);
}

/*
 * The first checked field in which A and B differ, or NULL: offsets of
 * A's sides, and the argument frames of the functions A probes.
 */
static const char *differs(const struct layout *la, const struct layout *lb)
{
	const struct go_offsets *a = &la->off, *b = &lb->off;
	unsigned int sides = la->sides;
	size_t i;

	for (i = 0; i < F_COUNT; i++)
		if (la->func[i] && la->args[i] > 0 && lb->args[i] > 0 &&
		    la->args[i] != lb->args[i])
			return la->func[i];

	for (i = 0; i < sizeof(checked) / sizeof(checked[0]); i++) {
		bool client = !strncmp(checked[i].name, "c", 1);
		bool server = !strncmp(checked[i].name, "s", 1) &&
			      strncmp(checked[i].name, "status", 6) &&
			      strncmp(checked[i].name, "spb", 3);

		if ((client && !(sides & LAYOUT_CLIENT)) || (server && !(sides & LAYOUT_SERVER)))
			continue;
		if (get(a, i) != get(b, i))
			return checked[i].name;
	}
	return NULL;
}

static void result(bool ok, const char *fmt, const char *bin, const char *a, const char *b)
{
	printf("%s %d - ", ok ? "ok" : "not ok", passed + failed + 1);
	printf(fmt, bin, a, b);
	putchar('\n');
	ok ? passed++ : failed++;
}

static void test_binary(const char *bin)
{
	struct layout own, other;
	struct layout_verdict v;
	struct why lwhy = { "" };
	struct layout_code *lc;
	struct gobin *gb;
	const char *why, *field;
	char n1[32], n2[32];
	size_t i;
	int err;

	if (gobin_open(bin, &gb, &why)) {
		result(false, "%s: cannot open: %s%s", bin, why ? why : "?", "");
		return;
	}
	if (!gobin_has_dwarf(gb) || layout_resolve(gb, bin, &own, false, false, &lwhy) ||
	    layout_code_open(gb, &lc)) {
		result(false, "%s: no layout from DWARF%s%s", bin, lwhy.msg[0] ? ": " : "", lwhy.msg);
		gobin_close(gb);
		return;
	}
	err = layout_check(lc, &own, &v);
	snprintf(n1, sizeof(n1), "%d", v.confirmed);
	snprintf(n2, sizeof(n2), "%d", v.unchecked);
	if (err)
		result(false, "%s: its own layout is contradicted: %s%s", bin, v.why, "");
	else
		result(v.confirmed > 0, "%s: its own layout confirmed, %s fields, %s unchecked",
		       bin, n1, n2);
	for (i = 0; other = own, !layout_table_entry(i, &other); i++) {
		other.off.spb_code = own.off.spb_code;
		field = differs(&own, &other);
		err = layout_check(lc, &other, &v);
		if (field && err)
			result(true, "%s: layout of %s refused: %s", bin, other.entry, v.why);
		else if (field)
			result(false, "%s: layout of %s, which differs in %s, confirmed", bin,
			       other.entry, field);
		else if (err)
			result(false, "%s: layout of %s, the same in every checked field, "
			       "refused: %s", bin, other.entry, v.why);
		else if (memcmp(&own.off, &other.off, sizeof(own.off)) ||
			 memcmp(own.args, other.args, sizeof(own.args)))
			printf("# blind: %s: layout of %s differs only in unchecked fields\n",
			       bin, other.entry);
	}
	layout_code_close(lc);
	gobin_close(gb);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		test_binary(argv[i]);
	printf("layout: %d passed, %d failed\n", passed, failed);
	return failed || !passed;
}
