// SPDX-License-Identifier: GPL-2.0
/*
 * grpcstreams: grpc-go streams keyed by (process, connection, HTTP/2 stream
 * id), client and server side, with the key collisions a stream-id-only key
 * would have had.
 *
 * Go specifics that shape this file (see the design notes):
 * - Go's register ABI: arguments and results in RAX, RBX, RCX, RDI, RSI,
 *   R8, R9, R10, R11; R14 holds the current goroutine. Goroutines move
 *   between threads, so NewStream's entry and return are paired by
 *   (tgid, g), never by thread id.
 * - No return probes of the kernel's kind: they rewrite the return address
 *   on a Go stack, which the runtime moves. A return is a plain uprobe on
 *   the branch after the CALL in each caller (or on the RETs), found by
 *   disassembly in user space.
 * - An entry probe sits on the stack-check JBE when the function has one;
 *   a hit where the branch is taken is the pass before runtime.morestack,
 *   after which the function starts again, so it is skipped.
 */
/*
 * The only kernel struct read is pt_regs, the uprobe's context, whose x86-64
 * layout is ABI: no CO-RE relocation for it, so that libbpf need not read
 * and parse the kernel's BTF (5 MB) at every start.
 */
#define BPF_NO_PRESERVE_ACCESS_INDEX
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "grpcstreams.h"
#include "grpcstreams_maps.bpf.h"
#include "go_read.bpf.h"
#include "stream_table.bpf.h"

/* ---- client side ---- */

/*
 * grpc.newClientStream(ctx, desc, cc, method, opts...): RAX:RBX = ctx,
 * RCX = desc. It calls the transport's NewStream in the same goroutine
 * (retries included), which picks the kind up from here.
 */
SEC("uprobe")
int client_kind(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct goroutine_key gk;
	__u32 kind;

	if (skip_hit(ctx, PROBE_CLIENT_KIND, tgid, bpf_get_attach_cookie(ctx)))
		return 0;
	gk = goroutine(ctx, tgid);
	kind = desc_kind(go_arg(ctx, off.r_ncs_desc));
	bpf_map_update_elem(&client_kinds, &gk, &kind, BPF_ANY);
	return 0;
}

/*
 * (*http2Client).NewStream(ctx, callHdr) entry: RAX = t, RBX:RCX = ctx,
 * RDI = callHdr. The stream id is not known yet (it is assigned under t.mu
 * inside controlBuf.executeAndPut); nextID is read only to show how often
 * an entry-time read would have been wrong.
 */
SEC("uprobe")
int newstream_entry(struct pt_regs *ctx)
{
	struct goroutine_key gk;
	struct pending pend = {}, *p = &pend;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 *kind;

	if (skip_hit(ctx, PROBE_NEWSTREAM_ENTRY, tgid, bpf_get_attach_cookie(ctx)))
		return 0;
	gk = goroutine(ctx, tgid);
	p->conn = go_arg(ctx, off.r_ns_t);
	/* Entry sites precede the prologue's SUB: (SP) is the return address. */
	p->ret = read_u64(ctx->sp);
	p->info.side = SIDE_CLIENT;
	p->info.start_ns = bpf_ktime_get_ns();
	p->info.entry_nextid = read_u32(p->conn + off.client_nextid);
	kind = bpf_map_lookup_elem(&client_kinds, &gk);
	p->info.kind = kind ? *kind : KIND_UNKNOWN;
	read_method(&p->info, go_arg(ctx, off.r_ns_hdr) + off.callhdr_method);
	bpf_map_update_elem(&pending, &gk, p, BPF_ANY);
	return 0;
}

/*
 * Start a client stream whose id is known: S is the *Stream (*ClientStream)
 * NewStream returned, INFO everything else. The reader goroutine may have
 * closed it already, if the RPC's goroutine was descheduled between
 * executeAndPut and here, or may close it on another CPU while this runs:
 * its closeStream found no stream and left a record in "early". So insert,
 * then look: the delete in stream_end decides who reports it.
 */
static __always_inline void client_start(const struct stream_key *k, __u64 s,
					 struct stream_info *info)
{
	struct early_close *ec, e;

	stream_start(k, info);
	if (close_after_start)
		return;
	ec = bpf_map_lookup_elem(&early, k);
	if (!ec)
		return;
	e = *ec;
	bpf_map_delete_elem(&early, k);
	/* A record of another stream (an earlier connection at the same address) */
	if (e.stream != s)
		return;
	/* It ended before it was seen to start: when it started is unknown. */
	stream_end(k, e.status, e.end_ns,
		   e.flags | EF_EARLY_CLOSE | (client_entry ? 0 : EF_NO_START));
}

/*
 * NewStream has returned: at a branch right after its CALL in a caller, or
 * at one of its RETs. RAX = *Stream (*ClientStream from 1.69), RBX:RCX =
 * error (results use the argument registers from the first). The id in the
 * returned stream is final.
 */
SEC("uprobe")
int newstream_return(struct pt_regs *ctx)
{
	struct stream_info si = {}, *info = &si;
	struct stream_key k = {};
	struct goroutine_key gk;
	struct pending *p = NULL;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 s, base, cookie;

	/* No return site is a stack check: the cookie only when needed. */
	if (skip_hit(ctx, PROBE_NEWSTREAM_RETURN, tgid, 0))
		return 0;
	gk = goroutine(ctx, tgid);
	s = ctx->ax;
	if (client_entry) {
		p = bpf_map_lookup_elem(&pending, &gk);
		if (!p)
			return 0;
		/*
		 * A site in a caller follows one particular CALL, found by its
		 * itab slot: make sure it is the call this NewStream was
		 * entered from.
		 */
		cookie = bpf_get_attach_cookie(ctx);
		if ((cookie & COOKIE_CALLER_SITE) &&
		    p->ret + (cookie >> COOKIE_DELTA_SHIFT) != ctx->ip) {
			STAT_INC(caller_mismatch);
			return 0;
		}
		info = &p->info;
	}
	if (ctx->bx || !s)	/* failed: no stream was created */
		goto out;
	k.tgid = gk.tgid;
	base = stream_base(s, off.cs_deref);
	if (p) {
		k.conn = p->conn;
		k.sid = read_u32(base + off.cs_id);
	} else {
		__u64 hdr[2] = {}, ct[2] = {};

		/* id, method and ct in one read, or two, or one by one */
		if (off.cs_deref < 0 &&
		    gather(s, &(struct gather_at){ off.cs_id, off.cs_method, off.cs_ct, 8 },
			   &k.sid, hdr, ct)) {
			k.conn = ct[0];
		} else if (gather(base, &(struct gather_at){ off.cs_id, off.cs_method, -1, 8 },
				  &k.sid, hdr, ct)) {
			k.conn = read_u64(s + off.cs_ct);
		} else {
			k.sid = read_u32(base + off.cs_id);
			bpf_probe_read_user(hdr, sizeof(hdr), (void *)(base + off.cs_method));
			k.conn = read_u64(s + off.cs_ct);
		}
		/* Client stream ids are odd: else not a stream of ours. */
		if (!k.conn || !(k.sid & 1)) {
			STAT_INC(caller_mismatch);
			return 0;
		}
		info->side = SIDE_CLIENT;
		info->kind = KIND_UNKNOWN;
		info->start_ns = bpf_ktime_get_ns();
		copy_method(info, hdr[0], hdr[1]);
	}
	/* Once per stream, so that open streams show them too. */
	conn_info(info, k.tgid, k.conn, SIDE_CLIENT, k.sid);
	if (p && p->info.entry_nextid != k.sid)
		collision(&k, SIDE_CLIENT, COLL_NEXTID_RACE, 0, p->info.entry_nextid);
	client_start(&k, s, info);
out:
	if (p)
		bpf_map_delete_elem(&pending, &gk);
	return 0;
}

/*
 * (*http2Client).closeStream(s, err, rst, rstCode, st, mdata, eos):
 * RAX = t, RBX = s, RCX:RDI = err, RSI = rst, R8 = rstCode, R9 = st.
 * Probed, in this order of preference, where the RPC's goroutine calls it
 * from CloseStream with the RPC's status (COOKIE_RPC_CLOSE: once per
 * stream, after NewStream's return); past its state swap, where only the
 * first of its two or three calls goes (COOKIE_FIRST_PASS); at its entry,
 * where later calls find the stream done. The stream leaves the map once.
 */
SEC("uprobe")
int closestream(struct pt_regs *ctx)
{
	struct stream_key k = {};
	struct early_close ec = {};
	__u64 cs, s = 0, st, cookie, first = 0;
	__s32 status;

	k.tgid = bpf_get_current_pid_tgid() >> 32;
	cookie = bpf_get_attach_cookie(ctx);
	if (skip_hit(ctx, PROBE_CLOSESTREAM, k.tgid, cookie))
		return 0;
	k.conn = go_arg(ctx, off.r_cs_t);
	cs = go_arg(ctx, off.r_cs_s);	/* *Stream, or *ClientStream (1.69+) */
	/* At the RPC's close: the id and the first close's status in one read */
	if (!(cookie & COOKIE_RPC_CLOSE) || off.cs_deref >= 0 || off.cs_status < 0 ||
	    !read_pair(cs, off.cs_id, off.cs_status, &k.sid, &first)) {
		s = stream_base(cs, off.cs_deref);
		k.sid = read_u32(s + off.cs_id);
		if ((cookie & COOKIE_RPC_CLOSE) && off.cs_status >= 0)
			first = read_u64(cs + off.cs_status);
	}
	/*
	 * A later call finds the stream done already; skipping it here keeps
	 * the maps free of closes that mean nothing. Past grpc-go's own swap
	 * (COOKIE_FIRST_PASS) only the first call gets here, and the state
	 * reads done already.
	 */
	if (!(cookie & (COOKIE_FIRST_PASS | COOKIE_RPC_CLOSE)) &&
	    off.cs_state >= 0 && read_u32(s + off.cs_state) == STREAM_DONE)
		return 0;
	st = go_arg(ctx, off.r_cs_st);
	/*
	 * At the RPC's own close, the first closeStream (the reader's, on the
	 * trailers) may have run already: its status is the stream's, even
	 * where the RPC closes with another (grpc-go ends an attempt whose
	 * send met the stream's end as a success, and reads the status later).
	 */
	if (first)
		st = first;
	status = status_code(st);
	/* An error without a status is grpc's Unknown. */
	if (!st && go_arg(ctx, off.r_cs_err))
		status = 2;
	ec.end_ns = bpf_ktime_get_ns();
	ec.stream = cs;
	ec.status = status;
	/*
	 * The RPC's own close comes after NewStream's return (it closes the
	 * stream NewStream gave it): not live, it began before tracing did.
	 */
	if (stream_end(&k, status, ec.end_ns, 0) || (cookie & COOKIE_RPC_CLOSE))
		return 0;
	/* Not (yet) known: NewStream's return will pick it up... */
	bpf_map_update_elem(&early, &k, &ec, BPF_ANY);
	/* ...unless it inserted the stream meanwhile, on another CPU. */
	if (stream_end(&k, status, ec.end_ns, EF_EARLY_CLOSE))
		bpf_map_delete_elem(&early, &k);
	return 0;
}

/* ---- server side ---- */

/*
 * The server transport of a server stream, from the stream's transport
 * interface (ITAB, DATA: Stream.st, or ServerStream.st from 1.69; the
 * argument lists of the functions below changed, the stream did not).
 * Streams of other transports (ServeHTTP) never reach http2Server's
 * WriteStatus, so they must not start either: the type hash in the itab
 * tells them apart. 0 for those.
 */
static __always_inline __u64 server_conn(__u64 itab, __u64 data, __u32 tgid)
{
	__u32 kind = SEEN_ITAB;
	struct proc_seen *s;
	__u64 v;

	if (!server_type_hash)
		return data;
	/* A process has one such itab: the last one checked, per CPU. */
	s = bpf_map_lookup_elem(&seen, &kind);
	if (s && seen_get(s, tgid, &v) && v == itab)
		return data;
	if (read_u32(itab + GO_ITAB_HASH) != server_type_hash)
		return 0;
	if (s)
		seen_set(s, itab, tgid);
	return data;
}

/*
 * grpc.(*Server).processUnaryRPC / processStreamingRPC(..., stream, info,
 * md or sd, trInfo): the handler is known to exist, and so is the kind;
 * the stream's id and method are final. Not handleStream, which runs first
 * on a new goroutine: its stack check is taken once per stream (the stack
 * grows), a second hit for nothing. An unknown method never gets here:
 * server_end reports it without a start.
 */
SEC("uprobe")
int server_start(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	bool unary = cookie & COOKIE_UNARY;
	struct stream_info si = {}, *info = &si;
	__u64 stream, s, hdr[2] = {}, st[2] = {};	/* st: the transport interface */
	struct stream_key k = {};

	k.tgid = bpf_get_current_pid_tgid() >> 32;
	if (skip_hit(ctx, PROBE_SERVER_START, k.tgid, cookie))
		return 0;
	stream = go_arg(ctx, unary ? off.r_pu_stream : off.r_ps_stream);
	s = stream_base(stream, off.ss_deref);
	/* id, method and transport in one read, or two, or one by one */
	if (off.ss_deref < 0 &&
	    gather(stream, &(struct gather_at){ off.ss_id, off.ss_method, off.ss_transport, 16 },
		   &k.sid, hdr, st)) {
	} else if (gather(s, &(struct gather_at){ off.ss_id, off.ss_method, -1, 8 }, &k.sid, hdr, st)) {
		bpf_probe_read_user(st, sizeof(st), (void *)(stream + off.ss_transport));
	} else {
		k.sid = read_u32(s + off.ss_id);
		bpf_probe_read_user(hdr, sizeof(hdr), (void *)(s + off.ss_method));
		bpf_probe_read_user(st, sizeof(st), (void *)(stream + off.ss_transport));
	}
	k.conn = server_conn(st[0], st[1], k.tgid);
	if (!k.conn)
		return 0;
	info->start_ns = bpf_ktime_get_ns();
	info->side = SIDE_SERVER;
	info->kind = unary ? KIND_UNARY : desc_kind(go_arg(ctx, off.r_ps_sd));
	copy_method(info, hdr[0], hdr[1]);
	conn_info(info, k.tgid, k.conn, SIDE_SERVER, k.sid);
	stream_start(&k, info);
	return 0;
}

/*
 * (*http2Server).WriteStatus(s, st) (writeStatus from 1.69): every stream
 * ends here with the status its handler returned (also when the client
 * already reset the stream and nothing is sent any more); a second call
 * for the same stream finds it gone from the map, and the stream done.
 * A stream that never started (unknown method; or its handler was already
 * running when tracing began) is reported without latency and kind.
 */
SEC("uprobe")
int server_end(struct pt_regs *ctx)
{
	struct stream_info si = {}, *info = &si;
	struct stream_key k = {};
	__u64 s, st, now;
	__s32 status;

	k.tgid = bpf_get_current_pid_tgid() >> 32;
	if (skip_hit(ctx, PROBE_SERVER_END, k.tgid, bpf_get_attach_cookie(ctx)))
		return 0;
	now = bpf_ktime_get_ns();
	k.conn = go_arg(ctx, off.r_ws_t);
	s = stream_base(go_arg(ctx, off.r_ws_s), off.ss_deref);
	k.sid = read_u32(s + off.ss_id);
	st = go_arg(ctx, off.r_ws_st);
	status = st && st == status_ok(k.tgid) ? 0 : status_code(st);
	if (stream_end(&k, status, now, 0))
		return 0;
	if (off.ss_state < 0 || read_u32(s + off.ss_state) == STREAM_DONE)
		return 0;
	/* Ended by user space when its connection closed (server_close). */
	if (bpf_map_lookup_elem(&reaped, &k)) {
		bpf_map_delete_elem(&reaped, &k);
		return 0;
	}
	info->side = SIDE_SERVER;
	info->kind = KIND_UNKNOWN;
	read_method(info, s + off.ss_method);
	conn_info(info, k.tgid, k.conn, SIDE_SERVER, k.sid);
	count_started();
	emit_stream(&k, info, now, status, EF_NO_START);
	return 0;
}

/*
 * (*http2Server).Close, the receiver in RAX: the connection is gone (its
 * client went away, reset it, or the server stopped). grpc-go cancels the
 * streams still on it and, when their handlers' sends fail, writes no
 * status: server_end never comes for them. User space ends them as
 * abandoned ("conn_closed"), those that started before this. grpc-go
 * may close a connection twice (a second pass finds nothing more to
 * end); at the stack check, whose re-entry is skipped.
 */
SEC("uprobe")
int server_close(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct event *e;

	if (skip_hit(ctx, PROBE_SERVER_CLOSE, tgid, bpf_get_attach_cookie(ctx)))
		return 0;
	e = reserve();
	if (!e)
		return 0;
	e->type = EVENT_CONN_CLOSED;
	e->tgid = tgid;
	e->conn = ctx->ax;
	e->end_ns = bpf_ktime_get_ns();
	e->info.side = SIDE_SERVER;
	submit(e);
	return 0;
}

/* A process of TGID exited or executed a program: PROC_GEN's count of it raised. */
static __always_inline void proc_gone(__u32 tgid)
{
	__u32 i = tgid & (PROC_GEN_SLOTS - 1);
	__u64 *g = bpf_map_lookup_elem(&proc_gen, &i);

	if (g)
		__sync_fetch_and_add(g, 1);
}

/* Whole host: tell user space of TGID's exec (of K's file) or exit (no K). */
static __always_inline void proc_event(__u32 tgid, const struct exe_key *k)
{
	struct event *e = reserve();

	if (!e)
		return;
	e->type = k ? EVENT_EXEC : EVENT_EXIT;
	e->tgid = tgid;
	if (k) {
		e->conn = k->ino;
		e->other_conn = k->ctime_sec;
		e->other_conn_id = (__u64)k->dev << 32 | k->ctime_nsec;
	}
	submit(e);
}

/*
 * A process exits (its leader thread, the last to go in an exit_group, or
 * a zombie's): its PID may name another process next, whose streams can
 * have the same keys (Go's heap addresses repeat from run to run). Every
 * thread exit on the host runs this; it is a compare and, for a leader,
 * one atomic add (and, on the whole host, one lookup).
 */
SEC("raw_tracepoint/sched_process_exit")
int proc_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;

	if ((__u32)id != tgid)
		return 0;
	proc_gone(tgid);
	if (watch_procs && !bpf_map_delete_elem(&watched, &tgid))
		proc_event(tgid, NULL);
	return 0;
}

/* Its change time, whatever the kernel calls the field (6.11, 6.6, before). */
struct inode___sec {
	time64_t i_ctime_sec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

struct inode___ts {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

static __always_inline void inode_ctime(struct inode *inode, struct exe_key *k)
{
	if (bpf_core_field_exists(struct inode___sec, i_ctime_sec)) {
		struct inode___sec *i = (void *)inode;

		k->ctime_sec = BPF_CORE_READ(i, i_ctime_sec);
		k->ctime_nsec = BPF_CORE_READ(i, i_ctime_nsec);
	} else if (bpf_core_field_exists(struct inode___ts, __i_ctime)) {
		struct inode___ts *i = (void *)inode;

		k->ctime_sec = BPF_CORE_READ(i, __i_ctime.tv_sec);
		k->ctime_nsec = BPF_CORE_READ(i, __i_ctime.tv_nsec);
	} else {
		struct inode___old *i = (void *)inode;

		k->ctime_sec = BPF_CORE_READ(i, i_ctime.tv_sec);
		k->ctime_nsec = BPF_CORE_READ(i, i_ctime.tv_nsec);
	}
	/* 6.13's multigrain timestamps keep a flag above the nanoseconds. */
	k->ctime_nsec &= (1U << 30) - 1;
}

/*
 * A process executed a program: its streams are gone with the old one, as
 * at an exit (a stream keeps its proc_gen). On the whole host, user space
 * is told when the file is one it has not classed as skipped (a new
 * executable, to look at; or a traced one, one more process of it), or
 * when the process was one it traces. Every exec on the host runs this:
 * one add, and one or two hash lookups.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(proc_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct exe_key k = {};
	struct inode *inode;
	__u32 *class;

	proc_gone(tgid);
	if (!watch_procs)
		return 0;
	if (filter_cg && !bpf_current_task_under_cgroup(&cgroup_map, 0))
		return 0;
	inode = BPF_CORE_READ(bprm, file, f_inode);
	k.ino = BPF_CORE_READ(inode, i_ino);
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	inode_ctime(inode, &k);
	class = bpf_map_lookup_elem(&exe_class, &k);
	if (class && *class == EXE_SKIP && !bpf_map_lookup_elem(&watched, &tgid))
		return 0;
	proc_event(tgid, &k);
	return 0;
}

/* ---- synthetic events, for the frontend's throughput test ---- */

/*
 * In .rodata, not as string literals: clang 14 puts those in a
 * .rodata.str1.1 section whose BTF the kernel refuses, and bpf_loop's
 * callback needs the program's BTF.
 */
const volatile char bench_method[METHOD_LEN] = "/bench.Synthetic/Call";
const volatile char bench_comm[TASK_COMM_LEN] = "synthetic";

static long gen_event(__u32 i, void *ctx)
{
	const struct gen_args *a = ctx;
	struct event *e = reserve();

	if (!e)
		return 0;
	e->type = EVENT_STREAM;
	e->tgid = 1;
	e->conn = 0xc000100000ULL + (i & 3) * 0x1000;
	e->sid = 2 * i + 1;
	e->end_ns = bpf_ktime_get_ns();
	e->info.start_ns = e->end_ns - 1000000;
	e->info.conn_id = 1 + (i & 3);
	e->info.side = SIDE_CLIENT;
	e->info.kind = KIND_UNARY;
	e->info.entry_nextid = e->sid;
	e->info.method_len = 21;
	__builtin_memcpy(e->info.method, (const void *)bench_method, METHOD_LEN);
	e->info.peer_type = PEER_IP4;
	e->info.peer_ip[0] = 127;
	e->info.peer_ip[3] = 1;
	e->info.peer_port = 50051;
	__builtin_memcpy(e->info.comm, (const void *)bench_comm, TASK_COMM_LEN);
	/*
	 * The rest of the last batch would wait for the drain timer (100 ms),
	 * charged to the drain rate: the very last event wakes the consumer.
	 */
	if (a->last && i + 1 == a->n)
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	else
		submit(e);
	return 0;
}

/*
 * Run with BPF_PROG_TEST_RUN by --bench-events: N stream events into the
 * same ring buffer, through the same submit path as the probes, so that
 * everything user space does with them is measured for real.
 */
SEC("syscall")
int gen_events(struct gen_args *args)
{
	struct gen_args a = *args;	/* bpf_loop's context is on the stack */

	bpf_loop(a.n, gen_event, &a, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
