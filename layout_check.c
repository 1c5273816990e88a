// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * layout_check: does a binary's own machine code agree with a layout?
 *
 * A binary without DWARF says nothing of its struct offsets; a table entry
 * for its grpc-go version says what the DWARF of another build of that
 * release said. A patched fork, a release newer than the table, or a
 * version string that lies would make the tool read the wrong words of
 * the traced program. So before tracing, every offset the probes read is
 * looked for in the instructions of the grpc-go function that writes or
 * reads that very field in the source, e.g. http2Client.nextID in
 * NewStream's "t.nextID += 2":
 *
 *	ADDL $0x2, 0x15c(SI)				(Go 1.19, grpc-go 1.33)
 *	MOVL 0x1b0(DX), SI; LEAL 0x2(SI), R8; MOVL R8, 0x1b0(DX)
 *
 * A field is confirmed when an instruction of the right shape (store or
 * load, width, the "+= 2", the XCHG of swapState, the length word of a
 * string copied from CallHdr.Method into Stream.method) accesses it at
 * the candidate's offset; contradicted when the function is there but no
 * such instruction is; unchecked when the binary has no such function
 * (the linker dropped it). Stack (SP) and RIP-relative operands never
 * count. Struct fields are reached as disp(base) in Go's code, with an
 * embedded struct's offset folded into the displacement.
 *
 * The patterns were checked against the DWARF of a build of every release
 * 1.33.1 - 1.83.1 (tests/unit.sh: every release's own layout confirmed,
 * and each other layout of the table refused by at least one field).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <capstone/capstone.h>

#include "layout.h"

#define TRANSPORT	"google.golang.org/grpc/internal/transport."
#define MAX_FUNCS	32
#define MAX_FUNC_SIZE	(256 * 1024)

/*
 * What the rules read of an instruction: capstone's cs_insn with its
 * cs_detail is ~1.5 KB and one malloc each; a set's functions are tens of
 * thousands of instructions, kept while every candidate is checked.
 */
#define MAX_OPS		4
struct insn {
	uint64_t address;
	unsigned int id;
	uint8_t op_count;
	cs_x86_op operands[MAX_OPS];
};

/* The instructions of a set of functions: one name and its closures. */
struct code {
	struct insn *insn[MAX_FUNCS];
	size_t n[MAX_FUNCS];
	int nfuncs;
};

enum code_set {
	C_NEWSTREAM,		/* http2Client.NewStream, newStream, their closures */
	C_CLOSESTREAM,		/* http2Client.closeStream */
	C_NEW_CLIENT,		/* transport.newHTTP2Client, NewHTTP2Client (1.7x) */
	C_OPERATE_HEADERS,	/* http2Server.operateHeaders and its closures */
	C_WRITE_STATUS,		/* http2Server.WriteStatus / writeStatus */
	C_NEW_SERVER,		/* transport.NewServerTransport / newHTTP2Server */
	C_SERVER_PEER,		/* (*http2Server).Peer (1.61+), getPeer */
	C_STATUS_CODE,		/* internal/status.(*Status).Code */
	C_TCPADDR_STRING,	/* net.(*TCPAddr).String */
	C_COUNT,
};

/*
 * Functions of each set, by name prefix: a prefix ending in '.' or ')'
 * takes closures too (NAME.func1, NAME.func1.1, NAME.gowrap1 ...).
 */
static const char *const set_funcs[C_COUNT][4] = {
	[C_NEWSTREAM] = { TRANSPORT "(*http2Client).NewStream",
			  TRANSPORT "(*http2Client).newStream" },
	[C_CLOSESTREAM] = { TRANSPORT "(*http2Client).closeStream" },
	[C_NEW_CLIENT] = { TRANSPORT "newHTTP2Client", TRANSPORT "NewHTTP2Client" },
	[C_OPERATE_HEADERS] = { TRANSPORT "(*http2Server).operateHeaders" },
	[C_WRITE_STATUS] = { TRANSPORT "(*http2Server).WriteStatus",
			     TRANSPORT "(*http2Server).writeStatus" },
	[C_NEW_SERVER] = { TRANSPORT "NewServerTransport", TRANSPORT "newHTTP2Server" },
	[C_SERVER_PEER] = { TRANSPORT "(*http2Server).Peer", TRANSPORT "(*http2Server).getPeer" },
	[C_STATUS_CODE] = { "google.golang.org/grpc/internal/status.(*Status).Code" },
	[C_TCPADDR_STRING] = { "net.(*TCPAddr).String" },
};

struct layout_code {
	struct gobin *gb;
	csh cs;
	struct code set[C_COUNT];
};

/* NAME is PREFIX itself, or one of its closures (PREFIX.func1 ...). */
static bool in_set(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);

	if (strncmp(name, prefix, len))
		return false;
	return !name[len] || !strncmp(name + len, ".func", 5) ||
	       !strncmp(name + len, ".gowrap", 7);
}

static enum code_set set_of(const char *name)
{
	int s, i;

	for (s = 0; s < C_COUNT; s++)
		for (i = 0; i < 4 && set_funcs[s][i]; i++)
			if (in_set(name, set_funcs[s][i]))
				return s;
	return C_COUNT;
}

/*
 * Disassemble CODE (SIZE bytes at ADDR) into *OUT, *N instructions (0: not
 * one decodable), one reused cs_insn for all.
 */
static int decode(struct layout_code *lc, const uint8_t *code, size_t size,
		  uint64_t addr, struct insn **out, size_t *n)
{
	struct insn *v = NULL, *nv;
	size_t cnt = 0, first = size / 4 + 16;	/* ~4 bytes an instruction in Go code */
	size_t cap = 0;
	cs_insn *ci = cs_malloc(lc->cs);
	const cs_x86 *x;

	if (!ci)
		return -ENOMEM;
	while (cs_disasm_iter(lc->cs, &code, &size, &addr, ci)) {
		if (cnt == cap) {
			cap = cap ? 2 * cap : first;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				cs_free(ci, 1);
				return -ENOMEM;
			}
			v = nv;
		}
		x = &ci->detail->x86;
		v[cnt].address = ci->address;
		v[cnt].id = ci->id;
		v[cnt].op_count = x->op_count < MAX_OPS ? x->op_count : MAX_OPS;
		memcpy(v[cnt].operands, x->operands, v[cnt].op_count * sizeof(x->operands[0]));
		cnt++;
	}
	cs_free(ci, 1);
	*out = v;
	*n = cnt;
	return 0;
}

static int collect_func(const char *name, uint64_t addr, uint64_t size, void *ctx)
{
	struct layout_code *lc = ctx;
	enum code_set s;
	struct code *code;
	uint8_t *buf;
	int err = 0;

	s = set_of(name);
	if (s == C_COUNT)
		return 0;
	code = &lc->set[s];
	if (code->nfuncs == MAX_FUNCS || !size || size > MAX_FUNC_SIZE)
		return 0;
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	if (!gobin_read(lc->gb, addr, buf, size))
		err = decode(lc, buf, size, addr, &code->insn[code->nfuncs],
			     &code->n[code->nfuncs]);
	free(buf);
	if (!err && code->n[code->nfuncs])
		code->nfuncs++;
	return err;
}

/* The packages of set_funcs' names. */
static const char *const set_pkgs[] = {
	"google.golang.org/grpc/internal/transport",
	"google.golang.org/grpc/internal/status",
	"net",
};

int layout_code_open(struct gobin *gb, struct layout_code **out)
{
	struct layout_code *lc = calloc(1, sizeof(*lc));
	size_t i;
	int err = 0;

	if (!lc)
		return -ENOMEM;
	lc->gb = gb;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &lc->cs) != CS_ERR_OK) {
		free(lc);
		return -EINVAL;
	}
	cs_option(lc->cs, CS_OPT_DETAIL, CS_OPT_ON);
	for (i = 0; i < sizeof(set_pkgs) / sizeof(set_pkgs[0]) && !err; i++)
		err = gobin_for_each_func_in(gb, set_pkgs[i], collect_func, lc);
	if (err) {
		layout_code_close(lc);
		return err;
	}
	*out = lc;
	return 0;
}

void layout_code_close(struct layout_code *lc)
{
	int s, f;

	if (!lc)
		return;
	for (s = 0; s < C_COUNT; s++)
		for (f = 0; f < lc->set[s].nfuncs; f++)
			free(lc->set[s].insn[f]);
	cs_close(&lc->cs);
	free(lc);
}

/* The instructions of set S; NULL: the binary has no such code. */
static const struct code *code_of(const struct layout_code *lc, enum code_set s)
{
	return lc->set[s].nfuncs ? &lc->set[s] : NULL;
}

/* ---- instruction shapes ---- */

/* The memory operand of INSN at a struct field: base+disp, not the stack. */
static const cs_x86_op *field_op(const struct insn *insn)
{
	const struct insn *x = insn;
	int i;

	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type != X86_OP_MEM)
			continue;
		if (op->mem.base == X86_REG_INVALID || op->mem.base == X86_REG_RSP ||
		    op->mem.base == X86_REG_RIP || op->mem.index != X86_REG_INVALID ||
		    op->mem.segment != X86_REG_INVALID)
			return NULL;
		return op;
	}
	return NULL;
}

#define ACC_LOAD	1
#define ACC_STORE	2
#define ACC_LEA		4	/* the field's address taken (write barrier, copy) */
#define ACC_XCHG	8	/* XCHG or LOCK CMPXCHG on it (atomic swap/CAS) */

/* Does INSN access the field at DISP, SIZE bytes (0: any), the way ACC says? */
static bool accesses(const struct insn *insn, long disp, int size, int acc)
{
	const cs_x86_op *op = field_op(insn);

	if (!op || op->mem.disp != disp)
		return false;
	if (insn->id == X86_INS_LEA)
		return acc & ACC_LEA;
	if (size && op->size != size)
		return false;
	if (insn->id == X86_INS_XCHG || insn->id == X86_INS_CMPXCHG)
		return acc & (ACC_XCHG | ACC_STORE | ACC_LOAD);
	if ((acc & ACC_STORE) && (op->access & CS_AC_WRITE))
		return true;
	return (acc & ACC_LOAD) && (op->access & CS_AC_READ);
}

/* First register operand of INSN (its destination for MOV, LEA, ADD). */
static unsigned int reg_op(const struct insn *insn, int i)
{
	const struct insn *x = insn;

	return i < x->op_count && x->operands[i].type == X86_OP_REG ? x->operands[i].reg : 0;
}

/* Any instruction of CODE accessing DISP as ACC says: found where. */
static bool find_access(const struct code *code, long disp, int size, int acc,
			int *fn, size_t *at)
{
	int f;
	size_t i;

	for (f = 0; f < code->nfuncs; f++)
		for (i = 0; i < code->n[f]; i++)
			if (accesses(&code->insn[f][i], disp, size, acc)) {
				if (fn)
					*fn = f;
				if (at)
					*at = i;
				return true;
			}
	return false;
}

/* Is INSN "+2" into a register: ADD reg, 2 or LEA reg, [reg + 2]? */
static bool adds_two(const struct insn *insn, unsigned int *reg)
{
	const struct insn *x = insn;

	if (x->op_count != 2 || x->operands[0].type != X86_OP_REG)
		return false;
	*reg = x->operands[0].reg;
	if (insn->id == X86_INS_ADD)
		return x->operands[1].type == X86_OP_IMM && x->operands[1].imm == 2;
	return insn->id == X86_INS_LEA && x->operands[1].mem.disp == 2 &&
	       x->operands[1].mem.index == X86_REG_INVALID;
}

/*
 * "t.nextID += 2" at DISP: ADDL $2, DISP(base), or a register that got
 * "+2" within the 4 instructions before stored to DISP(base). Where: *FN, *AT.
 */
static bool find_add_two(const struct code *code, long disp, int *fn, size_t *at)
{
	const struct insn *insn;
	unsigned int reg;
	int f;
	size_t i, j;

	for (f = 0; f < code->nfuncs; f++) {
		for (i = 0; i < code->n[f]; i++) {
			insn = &code->insn[f][i];
			if (!accesses(insn, disp, 4, ACC_STORE))
				continue;
			if (insn->id == X86_INS_ADD && insn->operands[1].type == X86_OP_IMM &&
			    insn->operands[1].imm == 2)
				goto found;
			if (insn->id != X86_INS_MOV)
				continue;
			for (j = i > 4 ? i - 4 : 0; j < i; j++)
				if (adds_two(&code->insn[f][j], &reg) &&
				    reg == reg_op(insn, 1))
					goto found;
		}
	}
	return false;
found:
	*fn = f;
	*at = i;
	return true;
}

/*
 * A string's length word copied from SRC+8 of one struct to DST+8 of
 * another: MOVQ SRC+8(a), R ... MOVQ R, DST+8(b), R untouched between,
 * within 16 instructions (the pointer word goes through a write barrier).
 */
static bool find_string_copy(const struct code *code, long src, long dst)
{
	const struct insn *insn;
	unsigned int reg;
	int f;
	size_t i, j;

	for (f = 0; f < code->nfuncs; f++) {
		for (i = 0; i < code->n[f]; i++) {
			insn = &code->insn[f][i];
			if (insn->id != X86_INS_MOV || !accesses(insn, src + 8, 8, ACC_LOAD))
				continue;
			reg = reg_op(insn, 0);
			for (j = i + 1; j < code->n[f] && j <= i + 16; j++) {
				insn = &code->insn[f][j];
				if (insn->id == X86_INS_MOV && reg_op(insn, 1) == reg &&
				    accesses(insn, dst + 8, 8, ACC_STORE))
					return true;
				if (reg_op(insn, 0) == reg && insn->id != X86_INS_CMP &&
				    insn->id != X86_INS_TEST)
					break;
			}
		}
	}
	return false;
}

/*
 * "connectionID: atomic.AddUint64(&counter, 1)": LOCK XADD R, counter;
 * INC R; MOVQ R, DISP(base), within 4 instructions of the XADD.
 */
static bool find_counter_store(const struct code *code, long disp)
{
	const struct insn *insn;
	unsigned int reg;
	int f;
	size_t i, j;

	for (f = 0; f < code->nfuncs; f++) {
		for (i = 0; i < code->n[f]; i++) {
			insn = &code->insn[f][i];
			if (insn->id != X86_INS_XADD || !(reg = reg_op(insn, 1)))
				continue;
			for (j = i + 1; j < code->n[f] && j <= i + 4; j++) {
				insn = &code->insn[f][j];
				if (insn->id == X86_INS_MOV && reg_op(insn, 1) == reg &&
				    accesses(insn, disp, 8, ACC_STORE))
					return true;
			}
		}
	}
	return false;
}

/* ---- the fields ---- */

/* How the code must touch a field. */
enum shape {
	S_ACCESS,	/* an access of SIZE bytes (0: any) as ACC says */
	S_IFACE,	/* two 8-byte stores, at the offset and 8 past it */
	S_NEXTID,	/* "nextID += 2" (find_add_two) */
	S_ID_AFTER,	/* a 32-bit store within 24 instructions after it */
	S_STRING,	/* a string's length word copied from SRC (find_string_copy) */
	S_COUNTER,	/* an atomic counter stored there (find_counter_store) */
	S_AFTER_LOAD,	/* a 32-bit load after an 8-byte load at SRC (s.s.Code) */
};

#define OFF(f)	offsetof(struct go_offsets, f)
#define NO_SRC	((size_t)-1)

/*
 * One field and the code that shows it, in the order the fields are
 * checked: the first one contradicted is named. A field whose offset is -1
 * in the layout is not read by the probes, so not checked.
 */
static const struct rule {
	const char *field;
	unsigned int sides;		/* checked when the binary has one of these */
	size_t off, src;		/* offsetof(struct go_offsets, ...) */
	enum code_set set[3];		/* found in any of these (C_COUNT: none) */
	enum shape shape;
	int size, acc;
	const char *where;		/* what was not found, for the message */
} rules[] = {
	{ "http2Client.nextID", LAYOUT_CLIENT, OFF(client_nextid), NO_SRC,
	  { C_NEWSTREAM, C_COUNT, C_COUNT }, S_NEXTID, 4, ACC_STORE,
	  "no \"nextID += 2\" stores there in NewStream" },
	{ "Stream.id", LAYOUT_CLIENT, OFF(cs_id), NO_SRC,
	  { C_NEWSTREAM, C_COUNT, C_COUNT }, S_ID_AFTER, 4, ACC_STORE,
	  "not stored after \"nextID += 2\" in NewStream" },
	/* ClientStream's *Stream (1.69 - 1.76): followed to store the id. */
	{ "ClientStream.Stream", LAYOUT_CLIENT, OFF(cs_deref), NO_SRC,
	  { C_NEWSTREAM, C_COUNT, C_COUNT }, S_ACCESS, 8, ACC_LOAD,
	  "not read in NewStream" },
	{ "Stream.method", LAYOUT_CLIENT, OFF(cs_method), OFF(callhdr_method),
	  { C_NEWSTREAM, C_COUNT, C_COUNT }, S_STRING, 8, ACC_STORE,
	  "not copied from CallHdr.Method in NewStream" },
	{ "the stream's http2Client", LAYOUT_CLIENT, OFF(cs_ct), NO_SRC,
	  { C_NEWSTREAM, C_COUNT, C_COUNT }, S_ACCESS, 8, ACC_STORE,
	  "not stored in NewStream" },
	{ "http2Client.remoteAddr", LAYOUT_CLIENT, OFF(client_remote_addr), NO_SRC,
	  { C_NEWSTREAM, C_COUNT, C_COUNT }, S_ACCESS, 0, ACC_LOAD | ACC_LEA,
	  "not read in NewStream" },
	{ "Stream.state", LAYOUT_CLIENT, OFF(cs_state), NO_SRC,
	  { C_CLOSESTREAM, C_COUNT, C_COUNT }, S_ACCESS, 4, ACC_XCHG,
	  "not swapped in closeStream" },
	{ "the stream's status", LAYOUT_CLIENT, OFF(cs_status), NO_SRC,
	  { C_CLOSESTREAM, C_COUNT, C_COUNT }, S_ACCESS, 8, ACC_STORE | ACC_LEA,
	  "not stored in closeStream" },
	{ "http2Client.connectionID", LAYOUT_CLIENT, OFF(client_conn_id), NO_SRC,
	  { C_NEW_CLIENT, C_COUNT, C_COUNT }, S_COUNTER, 8, ACC_STORE,
	  "no counter stored there in newHTTP2Client" },
	/*
	 * StreamDesc.ServerStreams and ClientStreams (-F's RPC kind) are not
	 * checked: grpc-go copies the desc whole, reading its bools only
	 * through other structs; it is public API, unchanged since 2016 (the
	 * DWARF of every release: 24 and 25).
	 */
	{ "server Stream.id", LAYOUT_SERVER, OFF(ss_id), NO_SRC,
	  { C_OPERATE_HEADERS, C_COUNT, C_COUNT }, S_ACCESS, 4, ACC_STORE,
	  "not stored in operateHeaders" },
	/* ServerStream's *Stream (1.69 - 1.76). */
	{ "ServerStream.Stream", LAYOUT_SERVER, OFF(ss_deref), NO_SRC,
	  { C_OPERATE_HEADERS, C_COUNT, C_COUNT }, S_ACCESS, 8, ACC_LOAD,
	  "not read in operateHeaders" },
	{ "server Stream.method", LAYOUT_SERVER, OFF(ss_method), NO_SRC,
	  { C_OPERATE_HEADERS, C_COUNT, C_COUNT }, S_STRING, 8, ACC_STORE,
	  "its length not stored in operateHeaders" },
	{ "the stream's ServerTransport", LAYOUT_SERVER, OFF(ss_transport), NO_SRC,
	  { C_OPERATE_HEADERS, C_COUNT, C_COUNT }, S_IFACE, 8, ACC_STORE,
	  "not stored in operateHeaders" },
	/*
	 * The peer's address: read in operateHeaders (remoteAddr, before
	 * 1.61) or in Peer() (peer.Addr), or stored where the transport is
	 * made.
	 */
	{ "http2Server's peer address", LAYOUT_SERVER, OFF(server_peer), NO_SRC,
	  { C_OPERATE_HEADERS, C_SERVER_PEER, C_NEW_SERVER }, S_ACCESS, 0,
	  ACC_LOAD | ACC_LEA | ACC_STORE, "not read in operateHeaders" },
	{ "server Stream.state", LAYOUT_SERVER, OFF(ss_state), NO_SRC,
	  { C_WRITE_STATUS, C_COUNT, C_COUNT }, S_ACCESS, 4, ACC_LOAD | ACC_XCHG,
	  "not read in WriteStatus" },
	{ "http2Server.connectionID", LAYOUT_SERVER, OFF(server_conn_id), NO_SRC,
	  { C_NEW_SERVER, C_COUNT, C_COUNT }, S_COUNTER, 8, ACC_STORE,
	  "no counter stored there in NewServerTransport" },
	{ "status.Status.s, .Code", LAYOUT_CLIENT | LAYOUT_SERVER, OFF(spb_code),
	  OFF(status_s), { C_STATUS_CODE, C_COUNT, C_COUNT }, S_AFTER_LOAD, 4, ACC_LOAD,
	  "not read in status.(*Status).Code" },
	{ "net.TCPAddr.Port", LAYOUT_CLIENT | LAYOUT_SERVER, OFF(tcpaddr_port), NO_SRC,
	  { C_TCPADDR_STRING, C_COUNT, C_COUNT }, S_ACCESS, 8, ACC_LOAD,
	  "not read in net.(*TCPAddr).String" },
};

static __s32 offset_of(const struct go_offsets *o, size_t off)
{
	return *(const __s32 *)((const char *)o + off);
}

/* Is R's field where the code of CODE says it is? */
static bool matches(const struct code *code, const struct rule *r, const struct go_offsets *o)
{
	long disp = offset_of(o, r->off);
	size_t at, i;
	int f;

	switch (r->shape) {
	case S_ACCESS:
		return find_access(code, disp, r->size, r->acc, NULL, NULL);
	case S_IFACE:
		return find_access(code, disp, 8, r->acc, NULL, NULL) &&
		       find_access(code, disp + 8, 8, r->acc, NULL, NULL);
	case S_NEXTID:
		return find_add_two(code, disp, &f, &at);
	case S_ID_AFTER:
		/* s.id = h.streamID, right after "t.nextID += 2". */
		if (!find_add_two(code, offset_of(o, OFF(client_nextid)), &f, &at))
			return false;
		for (i = at + 1; i < code->n[f] && i <= at + 24; i++)
			if (accesses(&code->insn[f][i], disp, 4, ACC_STORE))
				return true;
		return false;
	case S_STRING:
		/* Client: copied from CallHdr.Method; server: from a local. */
		if (r->src != NO_SRC)
			return find_string_copy(code, offset_of(o, r->src), disp);
		return find_access(code, disp + 8, 8, ACC_STORE, NULL, NULL);
	case S_COUNTER:
		return find_counter_store(code, disp);
	case S_AFTER_LOAD:
		if (!find_access(code, offset_of(o, r->src), 8, ACC_LOAD, &f, &at))
			return false;
		for (i = at + 1; i < code->n[f]; i++)
			if (accesses(&code->insn[f][i], disp, r->size, r->acc))
				return true;
		return false;
	}
	return false;
}

int layout_check(const struct layout_code *lc, const struct layout *l,
		 struct layout_verdict *v)
{
	const struct rule *r;
	const struct code *code;
	bool found, ok;
	size_t i;
	int f;

	memset(v, 0, sizeof(*v));
	for (r = rules; r < rules + sizeof(rules) / sizeof(rules[0]); r++) {
		if (!(l->sides & r->sides) || offset_of(&l->off, r->off) < 0)
			continue;
		found = ok = false;
		for (i = 0; i < 3 && !ok; i++) {
			if (r->set[i] == C_COUNT || !(code = code_of(lc, r->set[i])))
				continue;
			found = true;
			ok = matches(code, r, &l->off);
		}
		if (!found) {
			v->unchecked++;
		} else if (ok) {
			v->confirmed++;
		} else {
			snprintf(v->why, sizeof(v->why), "%s at %d: %s", r->field,
				 offset_of(&l->off, r->off), r->where);
			return -EDOM;
		}
	}
	/*
	 * Argument registers: Go assigns them from the signature, so a
	 * function whose argument frame has another size than in the
	 * layout's build has another signature, and its registers are not
	 * the layout's. After the fields: a refusal names a field first.
	 */
	for (f = 0; f < F_COUNT; f++) {
		__s32 args;

		if (!l->func[f] || l->args[f] <= 0 || gobin_func_args(lc->gb, l->func[f], &args)) {
			v->unchecked += l->func[f] != NULL;
			continue;
		}
		if (args != l->args[f]) {
			snprintf(v->why, sizeof(v->why), "the argument frame of %s at %d: %d "
				 "bytes in the layout's build, another signature",
				 strrchr(l->func[f], '/') + 1, args, l->args[f]);
			return -EDOM;
		}
		v->confirmed++;
	}
	return 0;
}
