/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the traced Go program: arguments in Go's register ABI, struct
 * fields at the layout's offsets (struct go_offsets), strings, interfaces
 * (net.Addr by its itab's type hash), grpc-go's status and stream kinds.
 * Included once, by grpcstreams.bpf.c, after grpcstreams_maps.bpf.h.
 */
#ifndef __GO_READ_BPF_H
#define __GO_READ_BPF_H

static __always_inline __u64 read_u64(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline __u32 read_u32(__u64 addr)
{
	__u32 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/*
 * Argument register I of a Go function (ABIInternal order). Through a stack
 * array: a switch on I compiles to a load at ctx + variable offset, which
 * the verifier refuses.
 */
static __always_inline __u64 go_arg(struct pt_regs *ctx, __s32 i)
{
	__u64 regs[9] = { ctx->ax, ctx->bx, ctx->cx, ctx->di, ctx->si,
			  ctx->r8, ctx->r9, ctx->r10, ctx->r11 };

	if (i < 0 || i > 8)
		return 0;
	return regs[i];
}

/* The Stream inside a *ClientStream / *ServerStream (or the *Stream itself). */
static __always_inline __u64 stream_base(__u64 p, __s32 deref)
{
	__u64 v = 0;

	if (deref < 0)
		return p;
	bpf_probe_read_user(&v, sizeof(v), (void *)(p + deref));
	return v;
}

static __always_inline __u8 read_u8(__u64 addr)
{
	__u8 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (void *)addr);
	return v;
}

/*
 * Common checks for every probe: our process, and not the pre-morestack
 * pass through a stack-check site (JBE taken: CF or ZF set). A hit that
 * passes is counted; with trap_only (make bench's "trap" line) it then
 * goes no further. TGID and COOKIE are the caller's, read once: a helper
 * call costs tens of ns here (every kernel return goes through the SRSO
 * safe-RET thunk on these CPUs).
 */
static __always_inline bool skip_hit(struct pt_regs *ctx, enum probe_id id, __u32 tgid,
				     __u64 cookie)
{
	if (targ_tgid && tgid != targ_tgid)
		return true;
	if (filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return true;
	if ((cookie & COOKIE_STACK_CHECK) &&
	    (ctx->flags & (X86_EFLAGS_CF | X86_EFLAGS_ZF))) {
		STAT_INC(stack_skips);
		return true;
	}
	STAT_INC(hits[id]);
	return trap_only;
}

/* Goroutines move between threads: state is per (process, g), g in R14. */
static __always_inline struct goroutine_key goroutine(struct pt_regs *ctx, __u32 tgid)
{
	struct goroutine_key gk = {
		.g = ctx->r14,
		.tgid = tgid,
	};

	return gk;
}

/* grpc-go's per-process connection counter, so "conn" survives reuse. */
static __always_inline __u64 conn_id(__u64 conn, __u32 side)
{
	__s32 o = side == SIDE_SERVER ? off.server_conn_id : off.client_conn_id;

	return o >= 0 ? read_u64(conn + o) : 0;
}

/*
 * A Go string's bytes (pointer STR, length LEN) into the info's method: the
 * first METHOD_LEN - 1 of them; method_len keeps the string's own length,
 * so that user space can say a longer name was cut.
 */
static __always_inline void copy_method(struct stream_info *info, __u64 str, __u64 len)
{
	struct method_cached *c = NULL;
	__u32 i = (__u32)(str >> 3) & (METHOD_CACHE - 1);

	info->method_len = len > 0xffffffff ? 0xffffffff : len;
	if (len > METHOD_LEN - 1)
		len = METHOD_LEN - 1;
	info->method[0] = '\0';
	if (str >= ro_lo && str + len <= ro_hi)
		c = bpf_map_lookup_elem(&method_cache, &i);
	if (c && c->str == str && c->len == len) {
		__builtin_memcpy(info->method, c->bytes, METHOD_LEN);
		/* A run preempted while another on this CPU refilled it? */
		barrier();
		if (c->str == str)
			return;
	}
	if (bpf_probe_read_user(info->method, len & (METHOD_LEN - 1), (void *)str) || !c)
		return;
	c->str = 0;
	barrier();
	__builtin_memcpy(c->bytes, info->method, METHOD_LEN);
	c->len = len;
	barrier();
	c->str = str;
}

/* A Go string (pointer, length) at ADDR into the info's method. */
static __always_inline void read_method(struct stream_info *info, __u64 addr)
{
	__u64 hdr[2] = {};	/* one read for both words: each read costs */

	bpf_probe_read_user(hdr, sizeof(hdr), (void *)addr);
	copy_method(info, hdr[0], hdr[1]);
}

#define GATHER_SPAN	128

/*
 * What a stream probe reads of one object, in one read when it lies
 * within GATHER_SPAN bytes (each bpf_probe_read_user() is a fault-handling
 * copy_from_user, kernel/trace/bpf_trace.c): the stream id
 * (4 bytes at AT's id), the method's string header (16 at str) and, with
 * w >= 0, wlen (8 or 16) bytes at w. Offsets are constants of the loaded program,
 * so the verifier knows every index. False when they do not fit.
 */
struct gather_at {
	__s32 id, str, w;
	__u32 wlen;
};

static __always_inline bool gather(__u64 obj, const struct gather_at *at, __u32 *sid, __u64 hdr[2],
				   __u64 word[2])
{
	__s32 id = at->id, str = at->str, w = at->w;
	__u32 wlen = at->wlen;
	__u8 buf[GATHER_SPAN];
	__s32 lo = id, hi = id + 4;

	if (str < lo)
		lo = str;
	if (str + 16 > hi)
		hi = str + 16;
	if (w >= 0 && w < lo)
		lo = w;
	if (w >= 0 && w + (__s32)wlen > hi)
		hi = w + wlen;
	lo &= ~7;	/* the verifier refuses a misaligned 8-byte stack load */
	if (lo < 0 || hi - lo > GATHER_SPAN || (wlen != 8 && wlen != 16))
		return false;
	if (bpf_probe_read_user(buf, hi - lo, (void *)(obj + lo)))
		return false;
	*sid = *(__u32 *)(buf + (id - lo));
	hdr[0] = *(__u64 *)(buf + (str - lo));
	hdr[1] = *(__u64 *)(buf + (str - lo) + 8);
	if (w >= 0) {
		word[0] = *(__u64 *)(buf + (w - lo));
		if (wlen == 16)
			word[1] = *(__u64 *)(buf + (w - lo) + 8);
	}
	return true;
}

#define PAIR_SPAN	272

/*
 * A stream id (4 bytes at ID) and a word (8 at W) of one object, in one
 * read when they lie within PAIR_SPAN bytes. False when they do not.
 */
static __always_inline bool read_pair(__u64 obj, __s32 id, __s32 w, __u32 *sid, __u64 *word)
{
	__u8 buf[PAIR_SPAN];
	__s32 lo = (id < w ? id : w) & ~7, hi = id + 4 > w + 8 ? id + 4 : w + 8;

	/* lo 8-aligned: the verifier refuses a misaligned 8-byte stack load */
	if (lo < 0 || hi - lo > PAIR_SPAN ||
	    bpf_probe_read_user(buf, hi - lo, (void *)(obj + lo)))
		return false;
	*sid = *(__u32 *)(buf + (id - lo));
	*word = *(__u64 *)(buf + (w - lo));
	return true;
}

/*
 * The peer's fields are read into the per-CPU buffer U (the stack is full):
 * U->name as 16 words. A *net.TCPAddr at ADDR: IP bytes and port.
 */
static __always_inline void read_tcp_peer(struct conn_val *cv, struct unix_peer *u, __u64 addr)
{
	__u64 *w = (__u64 *)u->name;	/* IP slice (pointer, length, capacity), Port */
	__s32 ip = off.tcpaddr_ip, port = off.tcpaddr_port;

	if (ip < 0 || port < 0)
		return;
	/* Port right after the slice (every Go so far): one read for both. */
	if (port == ip + 24) {
		if (bpf_probe_read_user(w, 32, (void *)(addr + ip)))
			return;
	} else if (bpf_probe_read_user(w, 16, (void *)(addr + ip)) ||
		   bpf_probe_read_user(&w[3], 8, (void *)(addr + port))) {
		return;
	}
	if (!w[0] || (w[1] != 4 && w[1] != 16))
		return;
	if (bpf_probe_read_user(cv->peer_ip, w[1] & 16 ? 16 : 4, (void *)w[0]))
		return;
	cv->peer_type = w[1] == 4 ? PEER_IP4 : PEER_IP6;
	cv->peer_port = w[3];
}

/*
 * A *net.UnixAddr at ADDR: its Name, as long as it is (PEER_UNIX with
 * length 0: Go names an unnamed socket "" or "@"). The first 16 bytes go
 * with every stream; a longer name goes to "unix_peers" as well.
 */
static __always_inline void read_unix_peer(struct conn_val *cv, const struct conn_key *ck,
					   struct unix_peer *u, __u64 addr)
{
	__u64 *w = (__u64 *)u->name, str;	/* the string: pointer, length */
	__u32 len;

	if (off.unixaddr_name < 0 ||
	    bpf_probe_read_user(w, 16, (void *)(addr + off.unixaddr_name)))
		return;
	str = w[0];
	len = w[1] > UNIX_NAME_LEN - 1 ? UNIX_NAME_LEN - 1 : w[1];
	if (len && (!str || bpf_probe_read_user(u->name, len & (UNIX_NAME_LEN - 1), (void *)str)))
		return;
	__builtin_memcpy(cv->peer_ip, u->name, sizeof(cv->peer_ip));
	if (len > sizeof(cv->peer_ip)) {
		u->conn_id = cv->conn_id;
		u->len = len;
		bpf_map_update_elem(&unix_peers, ck, u, BPF_ANY);
	}
	if (len == 1 && cv->peer_ip[0] == '@')
		len = 0;
	cv->peer_type = PEER_UNIX;
	cv->peer_port = len;
}

/*
 * The peer of connection CK, from its net.Addr interface at IFACE: the
 * dynamic type first (the hash in the itab the type word points at), then
 * the fields of that type. One read more than a TCP-only reader, once per
 * connection.
 */
static __always_inline void read_peer(struct conn_val *cv, const struct conn_key *ck,
				      __u64 iface)
{
	__u32 zero = 0, hash = 0;
	struct unix_peer *u = bpf_map_lookup_elem(&unix_scratch, &zero);
	__u64 *w, itab, data;

	cv->peer_type = PEER_NONE;
	if (!u)
		return;
	w = (__u64 *)u->name;
	if (bpf_probe_read_user(w, 16, (void *)iface) || !w[0] || !w[1])
		return;
	itab = w[0];
	data = w[1];
	cv->peer_type = PEER_OTHER;
	if (bpf_probe_read_user(&hash, sizeof(hash), (void *)(itab + GO_ITAB_HASH)))
		return;
	if (tcpaddr_hash && hash == tcpaddr_hash)
		read_tcp_peer(cv, u, data);
	else if (unixaddr_hash && hash == unixaddr_hash)
		read_unix_peer(cv, ck, u, data);
}

static __always_inline bool conn_cached_is(const struct conn_cached *c,
					    const struct conn_key *ck)
{
	return c->key.conn == ck->conn && c->key.tgid == ck->tgid && c->key.side == ck->side;
}

/*
 * The exits so far of processes of TGID's slot (see PROC_GEN_SLOTS): an
 * inlined array lookup, where the process's start time would be two reads
 * through the task and its kernel's BTF read at every start of the tool.
 */
static __always_inline __u64 proc_gen_of(__u32 tgid)
{
	__u32 i = tgid & (PROC_GEN_SLOTS - 1);
	__u64 *g = bpf_map_lookup_elem(&proc_gen, &i);

	return g ? *(volatile __u64 *)g : 0;
}

static __always_inline void conn_fill(struct stream_info *info, const struct conn_val *v)
{
	info->conn_id = v->conn_id;
	info->peer_port = v->peer_port;
	info->peer_type = v->peer_type;
	__builtin_memcpy(info->peer_ip, v->peer_ip, sizeof(info->peer_ip));
	__builtin_memcpy(info->comm, v->comm, sizeof(info->comm));
}

/*
 * The connection's id, peer and process name into INFO, for a stream SID
 * on it: from the conns map when this connection was seen before. A freed connection's
 * address can be reused by a new one, whose stream ids start again at 1:
 * when SID is not above the id the entry was made for, connectionID is
 * read again. That id is not raised as streams go by: the entry stays
 * read-only, where a write per stream would move its cache line between
 * CPUs on every stream; only streams that start out of order right after
 * it was made cost a read.
 */
static __always_inline void conn_info(struct stream_info *info, __u32 tgid, __u64 conn,
				      __u32 side, __u32 sid)
{
	struct conn_key ck = { .conn = conn, .tgid = tgid, .side = side };
	struct conn_val cv = {}, *v;
	__s32 peer = side == SIDE_SERVER ? off.server_peer : off.client_remote_addr;
	__u32 i = (__u32)((conn >> 4) ^ (conn >> 12) ^ tgid ^ side) & (CONN_CACHE - 1);
	struct conn_cached *c = bpf_map_lookup_elem(&conn_cache, &i);
	struct globals *gl = glob();
	__u64 gen = gl ? *(volatile __u64 *)&gl->conns_gen : 0;

	info->proc_gen = proc_gen_of(tgid);
	if (c && c->gen == gen && conn_cached_is(c, &ck) && sid > c->val.last_sid &&
	    c->val.proc_gen == info->proc_gen) {
		conn_fill(info, &c->val);
		/*
		 * Per CPU, but a run preempted while another on this CPU
		 * refills the entry (it clears the key first) must not keep
		 * a mix of two.
		 */
		barrier();
		if (conn_cached_is(c, &ck))
			return;
	}
	v = bpf_map_lookup_elem(&conns, &ck);
	if (v && v->proc_gen == info->proc_gen) {
		if (sid > v->last_sid)
			goto fill;
		cv.conn_id = conn_id(conn, side);
		if (cv.conn_id == v->conn_id)
			goto fill;
	} else {
		cv.conn_id = conn_id(conn, side);
	}
	cv.last_sid = sid;
	cv.proc_gen = info->proc_gen;
	bpf_get_current_comm(cv.comm, sizeof(cv.comm));
	if (peer >= 0)
		read_peer(&cv, &ck, conn + peer);
	bpf_map_update_elem(&conns, &ck, &cv, BPF_ANY);
	/* After the update: a CPU that reads the new gen finds the new entry. */
	if (gl)
		__sync_fetch_and_add(&gl->conns_gen, 1);
	v = &cv;
fill:
	conn_fill(info, v);
	if (!c)
		return;
	c->key.conn = 0;
	barrier();
	c->val = *v;
	c->gen = gen;	/* read before the lookup: a later remake voids it */
	barrier();
	c->key = ck;
}

/* grpc status code from a *status.Status (nil means OK). */
static __always_inline __s32 status_code(__u64 st)
{
	__u64 s;

	if (!st || off.status_s < 0 || off.spb_code < 0)
		return 0;
	s = read_u64(st + off.status_s);
	if (!s)
		return 0;
	return (__s32)read_u32(s + off.spb_code);
}

/*
 * Keep VAL for TGID. The tgid is cleared first and set last: a run
 * preempted meanwhile by another on this CPU never takes one process's
 * value for another's.
 */
static __always_inline void seen_set(struct proc_seen *s, __u64 val, __u32 tgid)
{
	s->tgid = 0;
	barrier();
	s->val = val;
	barrier();
	s->tgid = tgid;
}

/* The value kept for TGID, if S holds one (read as seen_set writes it). */
static __always_inline bool seen_get(const struct proc_seen *s, __u32 tgid, __u64 *val)
{
	if (s->tgid != tgid)
		return false;
	*val = s->val;
	barrier();
	return s->tgid == tgid;
}

/*
 * grpc.statusOK's value (a *status.Status) in process TGID, read once per
 * CPU and process: a server stream that ends with it is OK, without the
 * two reads status_code() takes. 0 when unknown.
 */
static __always_inline __u64 status_ok(__u32 tgid)
{
	__u32 kind = SEEN_STATUS_OK;
	struct proc_seen *s;
	__u64 p;

	if (!status_ok_var)
		return 0;
	s = bpf_map_lookup_elem(&seen, &kind);
	if (s && seen_get(s, tgid, &p))
		return p;
	p = read_u64(status_ok_var);
	if (s && p)
		seen_set(s, p, tgid);
	return p;
}

/* RPC kind from a *grpc.StreamDesc. */
static __always_inline __u32 desc_kind(__u64 desc)
{
	__u8 b[2] = {};

	if (!desc || off.desc_server_streams < 0 || off.desc_client_streams < 0)
		return KIND_UNKNOWN;
	/* Adjacent bools (every version so far): one read. */
	if (off.desc_client_streams == off.desc_server_streams + 1) {
		bpf_probe_read_user(b, sizeof(b), (void *)(desc + off.desc_server_streams));
		return KIND_UNARY + !!b[0] + 2 * !!b[1];
	}
	return KIND_UNARY + !!read_u8(desc + off.desc_server_streams) +
	       2 * !!read_u8(desc + off.desc_client_streams);
}

#endif /* __GO_READ_BPF_H */
