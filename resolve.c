// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * resolve: what a stream's numbers name (resolve.h). The printer asks
 * here, and only here does output reach the kernel (BPF's unix_peers map)
 * or /proc (a process's cgroup).
 */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "json_writer.h"
#include "resolve.h"
#include "trace_helpers.h"

static int unix_peers_fd = -1;

void resolve_init(int peers_fd)
{
	unix_peers_fd = peers_fd;
}

/*
 * A unix peer (see peer_type): the name as the stream has it when it fits
 * in 16 bytes, else as BPF kept it for the connection (TGID, CONN).
 */
static void lb_unix_peer(struct linebuf *b, __u32 tgid, __u64 conn,
			 const struct stream_info *i)
{
	struct conn_key k = { .conn = conn, .tgid = tgid, .side = i->side };
	struct unix_peer u;

	if (!i->peer_port) {	/* unnamed: Go says "" or "@" */
		lb_str(b, "unix");
		return;
	}
	lb_str(b, "unix:");
	if (i->peer_port <= sizeof(i->peer_ip)) {
		lb_mem(b, (const char *)i->peer_ip, i->peer_port);
		return;
	}
	if (unix_peers_fd >= 0 && !bpf_map_lookup_elem(unix_peers_fd, &k, &u) &&
	    u.conn_id == i->conn_id && u.len == i->peer_port && u.len < UNIX_NAME_LEN) {
		lb_mem(b, u.name, u.len);
		return;
	}
	/* The connection's entry is gone (LRU): what the stream has, marked. */
	lb_mem(b, (const char *)i->peer_ip, sizeof(i->peer_ip));
	lb_str(b, "...");
}

/*
 * The peer of a stream of connection (TGID, CONN) as raw bytes (a unix
 * name is the program's: escape it to show it), NUL-terminated, "" if
 * unknown. Its length.
 */
size_t resolve_peer(__u32 tgid, __u64 conn, const struct stream_info *i, char *buf,
			  size_t len)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct linebuf b = { 0 };
	char ip[INET6_ADDRSTRLEN];
	const __u8 *a;
	int k;

	if (i->peer_type == PEER_IP4 ||
	    (i->peer_type == PEER_IP6 && !memcmp(i->peer_ip, v4mapped, 12))) {
		/* Per event in -j mode: without inet_ntop and printf. */
		a = i->peer_ip + (i->peer_type == PEER_IP6 ? 12 : 0);
		for (k = 0; k < 4; k++) {
			lb_u64(&b, a[k]);
			lb_mem(&b, k < 3 ? "." : ":", 1);
		}
		lb_u64(&b, i->peer_port);
	} else if (i->peer_type == PEER_IP6) {
		inet_ntop(AF_INET6, i->peer_ip, ip, sizeof(ip));
		lb_mem(&b, "[", 1);
		lb_str(&b, ip);
		lb_mem(&b, "]:", 2);
		lb_u64(&b, i->peer_port);
	} else if (i->peer_type == PEER_UNIX) {
		lb_unix_peer(&b, tgid, conn, i);
	}
	if (b.len >= len)
		b.len = len - 1;
	memcpy(buf, b.buf, b.len);
	buf[b.len] = '\0';
	return b.len;
}

/*
 * A peer, per event in -j mode (*LEN bytes, 0: unknown): a connection has
 * many streams, so the last peers formatted are kept, direct-mapped by
 * port (TCP) or connection (unix, whose long names are looked up per
 * connection).
 */
const char *resolve_peer_cached(__u32 tgid, __u64 conn, const struct stream_info *i, size_t *len)
{
	static struct {
		__u64 conn;
		__u64 conn_id;
		__u32 tgid;
		__u32 side;
		__u32 port;
		__u32 type;
		__u8 ip[16];
		size_t len;
		char str[PEER_TEXT_LEN];
	} cache[64];
	bool by_conn = i->peer_type == PEER_UNIX && i->peer_port > sizeof(i->peer_ip);
	__typeof__(cache[0]) *c = &cache[(by_conn ? conn >> 4 : i->peer_port) % 64];

	if (!c->type || c->type != i->peer_type || c->port != i->peer_port ||
	    memcmp(c->ip, i->peer_ip, sizeof(c->ip)) ||
	    (by_conn && (c->conn != conn || c->tgid != tgid || c->side != i->side ||
			 c->conn_id != i->conn_id))) {
		c->len = resolve_peer(tgid, conn, i, c->str, sizeof(c->str));
		c->conn = conn;
		c->conn_id = i->conn_id;
		c->tgid = tgid;
		c->side = i->side;
		c->port = i->peer_port;
		c->type = i->peer_type;
		memcpy(c->ip, i->peer_ip, sizeof(c->ip));
	}
	*len = c->len;
	return c->str;
}

/*
 * The cgroup (v2) of process TGID, whose proc_gen is GEN: its "0::" line
 * of /proc/TGID/cgroup when first asked (resolve_note_process: when the tool
 * found the process), kept per PID until a process of another GEN has it
 * (GEN_ANY: whichever process was last seen with that PID; a collision
 * event carries no proc_gen). NULL: unknown (gone by then, or no cgroup v2).
 */
#define CG_BUCKETS	4096

static struct cg_entry {
	struct cg_entry *next;
	__u32 tgid;
	__u64 gen;
	char *path;		/* NULL: unknown */
} *cg_table[CG_BUCKETS];

const char *resolve_cgroup(__u32 tgid, __u64 gen, size_t *len)
{
	struct cg_entry **b = &cg_table[tgid % CG_BUCKETS], *c;

	for (c = *b; c && c->tgid != tgid; c = c->next)
		;
	if (!c && (c = calloc(1, sizeof(*c)))) {
		c->tgid = tgid;
		c->next = *b;
		*b = c;
		c->gen = gen;
		c->path = proc_cgroup2(tgid);
	}
	if (!c)
		return NULL;
	if (c->gen != gen && gen != GEN_ANY) {
		free(c->path);
		c->gen = gen;
		c->path = proc_cgroup2(tgid);
	}
	*len = c->path ? strlen(c->path) : 0;
	return c->path;
}

static void cgroups_free(void)
{
	struct cg_entry *c, *next;
	size_t i;

	for (i = 0; i < CG_BUCKETS; i++) {
		for (c = cg_table[i]; c; c = next) {
			next = c->next;
			free(c->path);
			free(c);
		}
		cg_table[i] = NULL;
	}
}

void resolve_names(__u32 tgid, __u64 conn, const struct stream_info *i, __u64 gen,
		   struct names *n)
{
	n->peer = resolve_peer_cached(tgid, conn, i, &n->peer_len);
	n->cgroup = resolve_cgroup(tgid, gen, &n->cgroup_len);
}

void resolve_note_process(__u32 tgid, __u64 gen)
{
	size_t len;

	resolve_cgroup(tgid, gen, &len);
}

void resolve_fini(void)
{
	cgroups_free();
	unix_peers_fd = -1;
}
