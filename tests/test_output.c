// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of output.c and agg.c, without root or BPF: the table and
 * stream lines built from synthetic events (json_writer.c's own:
 * test_json.c), random strings through both escapings, the histograms and
 * the aggregation's rows. Each expectation is written
 * out by hand from the rules in output.h; the random inputs are checked
 * for properties (no control or bidi byte in a table line, valid UTF-8
 * everywhere, JSON strings that decode back to the input).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <math.h>

#include "json_writer.h"
#include "output.h"
#include "agg.h"

#include "tap.h"

/* Run FN with stdout into a string. */
static char *capture(void (*fn)(void *), void *arg)
{
	static char out[1 << 16];
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO);
	size_t n;

	fflush(stdout);
	dup2(fileno(f), STDOUT_FILENO);
	fn(arg);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static void hostile_event(struct event *e, const char *method, size_t len)
{
	memset(e, 0, sizeof(*e));
	e->type = EVENT_STREAM;
	e->tgid = 42;
	e->conn = 0xc000123456;
	e->sid = 7;
	e->end_ns = 2000000;
	e->info.start_ns = 1000000;
	e->info.side = SIDE_CLIENT;
	e->info.peer_type = PEER_UNIX;
	e->info.peer_port = 5;		/* a unix name's length, here in peer_ip */
	memcpy(e->info.peer_ip, "\x1b[31m", 5);
	strcpy(e->info.comm, "cli\x1b]0;x\x07");
	e->info.method_len = len;
	memcpy(e->info.method, method, len < METHOD_LEN - 1 ? len : METHOD_LEN - 1);
}

static void emit_json(void *arg)
{
	const struct event *e = arg;
	struct names n;

	resolve_names(e->tgid, e->conn, &e->info, e->info.proc_gen, &n);
	out_json_stream(e, &n);
}

static void emit_table(void *arg)
{
	const struct event *e = arg;
	struct stats d = { 0 };
	struct names n;

	resolve_names(e->tgid, e->conn, &e->info, e->info.proc_gen, &n);
	out_keep_row(&(struct stream_row){ .pid = e->tgid, .conn = e->conn, .sid = e->sid,
				    .info = &e->info, .names = &n, .ns = 1000000 });
	out_table(&(struct out_figs){ .c = &d, .ns = 1000000000 });
}

static void emit_methods_table(void *arg)
{
	const struct event *e = arg;
	struct stats d = { 0 };
	struct out_figs f = { .c = &d, .ns = 1000000000 };

	agg_stream(e->tgid, &e->info, 5, true, 1000000);
	f.methods = agg_rows(&f.nmethods);
	out_table(&f);
	agg_interval_reset();
}

static void emit_summary(void *arg)
{
	struct stats d = { 0 };
	struct out_figs f = { .c = &d, .streams = 1, .now_ns = 1000, .ns = 1000000000 };

	f.methods = agg_rows(&f.nmethods);
	f.conns = agg_conns(&f.nconns);
	out_summary(&f, true);
}

/* Table lines: one per row, no control byte but '\n', no bidi control raw. */
static bool terminal_safe(const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return false;
		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f)
			return false;
		if (c == 0xe2 && ((s[1] == '\x80' && (unsigned char)s[2] >= 0xaa &&
				   (unsigned char)s[2] <= 0xae) ||
				  (s[1] == '\x81' && (unsigned char)s[2] >= 0xa6 &&
				   (unsigned char)s[2] <= 0xa9)))
			return false;
	}
	return true;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_lines(void)
{
	static const char evil[] = "/\x1b[2J\r\n\xe2\x80\xae" "evil/unicode\xc3\xa9";
	struct out_opts o = { .rows = 4, .nextid_measured = true,
			      .view = VIEW_STREAMS };
	char long_name[300], want[256];
	struct event e;
	char *out;

	out_init(&o);
	agg_init(NULL);
	hostile_event(&e, evil, sizeof(evil) - 1);
	out = capture(emit_json, &e);
	check(strstr(out, "\"method\":\"/\\u001b[2J\\u000d\\u000a\xe2\x80\xae"
			  "evil/unicode\xc3\xa9\",\"method_truncated\":false") != NULL,
	      "json line: exact method, escaped as JSON requires", out, "");
	check(strstr(out, "\"comm\":\"cli\\u001b]0;x\\u0007\"") && strstr(out, "\"peer\":\"unix:\\u001b[31m\""),
	      "json line: comm and unix peer escaped", out, "");
	check(count_lines(out) == 1, "json line: one line", out, "");

	out = capture(emit_table, &e);
	check(terminal_safe(out), "table: no raw control, C1 or bidi byte", out, "");
	check(count_lines(out) == 4, "table: header, column names, one row, blank", out, "");
	check(strstr(out, "/\\x1b[2J\\x0d\\x0a\\u202eevil/unicode\xc3\xa9\n") != NULL,
	      "table: the method shown visibly", out, "");

	memset(long_name, 'm', sizeof(long_name));
	long_name[0] = '/';
	hostile_event(&e, long_name, 200);
	out = capture(emit_json, &e);
	snprintf(want, sizeof(want), "\"method\":\"%.*s\",\"method_truncated\":true",
		 METHOD_LEN - 1, long_name);
	check(strstr(out, want) != NULL, "json line: long method cut and marked", out, want);
	out = capture(emit_table, &e);
	snprintf(want, sizeof(want), "%.*s...\n", METHOD_LEN - 1, long_name);
	check(strstr(out, want) != NULL, "table: long method cut and marked", out, want);
	hostile_event(&e, long_name, METHOD_LEN - 1);
	out = capture(emit_json, &e);
	check(strstr(out, "\"method_truncated\":false") != NULL,
	      "json line: a method of METHOD_LEN - 1 bytes is whole", out, "");
	out_fini();

	/* The methods view and the summary's "methods", of the same hostile names. */
	o.view = VIEW_METHODS;
	out_init(&o);
	hostile_event(&e, evil, sizeof(evil) - 1);
	out = capture(emit_methods_table, &e);
	check(terminal_safe(out), "methods table: no raw control, C1 or bidi byte", out, "");
	check(count_lines(out) == 4, "methods table: header, column names, one row, blank", out, "");
	check(strstr(out, " NOT_FOUND ") && strstr(out, "/\\x1b[2J\\x0d\\x0a\\u202eevil/unicode\xc3\xa9\n"),
	      "methods table: top error by name, the method shown visibly", out, "");
	out = capture(emit_summary, &e);
	check(count_lines(out) == 1 && strstr(out, "\"methods\":[{\"pid\":42,\"comm\":\"cli\\u001b]0;x\\u0007\","
					       "\"side\":\"client\",\"method\":\"/\\u001b[2J"),
	      "summary: methods, one line, names escaped as JSON requires", out, "");
	check(strstr(out, "\"count\":1,\"errors\":1,\"codes\":{\"NOT_FOUND\":1},\"p50_ns\":") != NULL,
	      "summary: count, errors, codes by name", out, "");
	hostile_event(&e, long_name, 200);
	out = capture(emit_methods_table, &e);
	snprintf(want, sizeof(want), "%.*s...\n", METHOD_LEN - 1, long_name);
	check(strstr(out, want) != NULL, "methods table: long method cut and marked", out, want);
	out_fini();
	agg_fini();
}

/* Decode one JSON string (quotes included) of P into OUT: its length, -1 if bad. */
static long json_decode(const char *p, char *out)
{
	long n = 0;
	unsigned int cp;

	if (*p++ != '"')
		return -1;
	for (; *p != '"'; p++) {
		if (!*p || (unsigned char)*p < 0x20)
			return -1;
		if (*p != '\\') {
			out[n++] = *p;
			continue;
		}
		p++;
		if (*p == '"' || *p == '\\') {
			out[n++] = *p;
		} else if (*p == 'u' && sscanf(p + 1, "%4x", &cp) == 1) {
			p += 4;
			if (cp < 0x80) {
				out[n++] = cp;
			} else if (cp < 0x800) {
				out[n++] = 0xc0 | cp >> 6;
				out[n++] = 0x80 | (cp & 0x3f);
			} else {
				out[n++] = 0xe0 | cp >> 12;
				out[n++] = 0x80 | (cp >> 6 & 0x3f);
				out[n++] = 0x80 | (cp & 0x3f);
			}
		} else {
			return -1;
		}
	}
	return p[1] ? -1 : n;
}

/* RFC 3629, written apart from output.c's decoder. */
static bool valid_utf8(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, len;
	unsigned int c;

	while (i < n) {
		c = s[i];
		len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		      (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!len || i + len > n)
			return false;
		c &= len == 1 ? 0x7f : len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
		    (len == 4 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static void test_random(void)
{
	static const char pool[] = "a/.\\\"\x1b\n\x7f\xc2\x9b\xc3\xa9\xe2\x80\xae\xff\xf0\x9f\x98\x80";
	char in[64], text[1024], dec[1024];
	int i, j, bad_text = 0, bad_json = 0, valid = 0;
	struct linebuf b;
	size_t n;
	long m;

	srand(1);
	for (i = 0; i < 20000; i++) {
		n = rand() % sizeof(in);
		for (j = 0; j < (int)n; j++)
			in[j] = pool[rand() % (sizeof(pool) - 1)];
		text_escape(text, sizeof(text), in, n);
		bad_text += !terminal_safe(text) || strchr(text, '\n') || !valid_utf8(text, strlen(text));
		b.len = 0;
		lb_json(&b, in, n);
		b.buf[b.len] = '\0';
		m = json_decode(b.buf, dec);
		/* Any input: valid UTF-8 JSON; valid UTF-8 input comes back exactly. */
		if (m < 0 || !valid_utf8(b.buf, b.len))
			bad_json++;
		else if (valid_utf8(in, n) && (valid++, (size_t)m != n || memcmp(dec, in, n)))
			bad_json++;
	}
	check(!bad_text, "random: table text is valid UTF-8 without control or bidi bytes", "", "");
	check(!bad_json && valid > 100, "random: JSON strings valid, valid UTF-8 back exactly",
	      "", "");
}

/* The value of rank ceil(Q * N) in sorted V. */
static __u64 exact_quantile(const __u64 *v, size_t n, double q)
{
	size_t r = (size_t)(q * n);

	if ((double)r < q * n)
		r++;
	return v[(r ? r : 1) - 1];
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Buckets cover every value once, none wider than 1/HIST_SUB of its low end. */
static void test_buckets(void)
{
	unsigned int i, bad = 0;
	__u64 v;
	char got[64];

	for (i = 0; i < HIST_BUCKETS - 1; i++) {
		if (hist_bucket(hist_low(i)) != i || hist_bucket(hist_high(i) - 1) != i ||
		    hist_high(i) <= hist_low(i) ||
		    (hist_low(i) >= HIST_SUB && (hist_high(i) - hist_low(i)) * HIST_SUB > hist_low(i)))
			bad++;
	}
	snprintf(got, sizeof(got), "%u bad", bad);
	check(!bad, "hist: buckets contiguous, each 1/8 of its value wide at most", got, "0 bad");
	for (v = 1, bad = 0; v && v < (1ULL << 62); v = v * 3 + 1)
		if (hist_low(hist_bucket(v)) > v || (hist_bucket(v) < HIST_BUCKETS - 1 &&
						     hist_high(hist_bucket(v)) <= v))
			bad++;
	snprintf(got, sizeof(got), "%u bad", bad);
	check(!bad, "hist: each value inside its bucket (the last: all above)", got, "0 bad");
}

/*
 * Percentiles of random latencies (spread over 5 orders of magnitude)
 * against the exact nearest-rank values: within 6.25 %.
 */
static void test_quantiles(void)
{
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999, 1.0 };
	static __u64 v[20000];
	double worst = 0, err;
	struct hist *h = calloc(1, sizeof(*h));
	size_t n, i, k;
	int round;
	char got[64];

	srand(7);
	for (round = 0; round < 200; round++) {
		memset(h, 0, sizeof(*h));
		n = 1 + rand() % (round < 100 ? 50 : 20000);
		for (i = 0; i < n; i++) {
			v[i] = (__u64)(1000.0 * pow(10, 5.0 * rand() / RAND_MAX)) + rand() % 7;
			hist_add(h, v[i]);
		}
		qsort(v, n, sizeof(v[0]), cmp_u64);
		for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			__u64 want = exact_quantile(v, n, qs[k]), q = hist_quantile(h, qs[k]);

			err = fabs((double)q - want) / want;
			if (err > worst)
				worst = err;
		}
		if (h->max != v[n - 1] || h->min != v[0] || h->n != n)
			worst = 1;
	}
	snprintf(got, sizeof(got), "worst %.4f", worst);
	check(worst <= 1.0 / (2 * HIST_SUB), "hist: p50..max within 6.25% of exact", got, "<= 0.0625");
	memset(h, 0, sizeof(*h));
	check(hist_quantile(h, 0.5) == 0, "hist: empty: 0", "", "");
	hist_add(h, 5);
	hist_add(h, 123456789);
	check(hist_quantile(h, 0.5) == 5 && hist_quantile(h, 0.51) == 123456789,
	      "hist: two values, nearest rank", "", "");
	free(h);
}

/* Rows by (pid, side, method); sort keys; codes; the row cap. */
static void test_agg_rows(void)
{
	struct stream_info a = { .side = SIDE_CLIENT, .method_len = 2, .method = "/a" };
	struct stream_info b = { .side = SIDE_SERVER, .method_len = 2, .method = "/b" };
	struct mrow *const *all;
	const struct mrow *sel[8];
	char got[128];
	size_t n, i;
	struct agg_dropped d;
	int k;

	/* Not a power of two, past FIRST_ROWS: the table grows, then stops. */
	agg_init(&(struct agg_limits){ .method_rows = 3000, .conn_rows = 1500 });
	for (i = 0; i < 10; i++)
		agg_stream(1, &a, i < 3 ? 4 : 0, true, 1000 * (i + 1));
	agg_stream(1, &b, 99, false, 0);
	agg_stream(1, &b, 5, true, 50000);
	agg_stream(2, &a, 0, true, 7);
	agg_open(1, &b);
	all = agg_rows(&n);
	snprintf(got, sizeof(got), "%zu rows, counts %llu %llu %llu", n,
		 (unsigned long long)all[0]->run.count, (unsigned long long)all[1]->run.count,
		 (unsigned long long)(n > 2 ? all[2]->run.count : 0));
	check(n == 3 && all[0]->run.count == 10 && all[1]->run.count == 2 && all[2]->run.count == 1,
	      "agg: one row per (pid, side, method)", got, "3 rows, counts 10 2 1");
	check(all[0]->run.errors == 3 && all[0]->run.codes[4] == 3 && all[0]->run.codes[0] == 7 &&
	      figs_top_error(&all[0]->run) == 4 && all[1]->run.codes[CODE_OTHER] == 1 &&
	      all[1]->run.lat.n == 1 && all[1]->open == 1 && figs_top_error(&all[2]->run) == CODE_SLOTS,
	      "agg: errors, codes, other code, top error, no latency, open", "", "");
	check(!strcmp(code_name(4), "DEADLINE_EXCEEDED") && !strcmp(code_name(1), "CANCELLED") &&
	      !strcmp(code_name(CODE_OTHER), "other"), "agg: code names", "", "");
	for (k = 0; k < SORT_KEYS; k++) {
		static const char *const want[SORT_KEYS] = {
			[SORT_RATE] = "1a 1b 2a", [SORT_ERRORS] = "1a 1b 2a", [SORT_P50] = "1b 1a 2a",
			[SORT_P99] = "1b 1a 2a", [SORT_MAX] = "1b 1a 2a", [SORT_OPEN] = "1b 1a 2a",
			[SORT_NAME] = "1a 2a 1b",
		};
		size_t o = 0;

		memcpy(sel, all, n * sizeof(*sel));
		agg_sort(sel, n, k, true);
		for (i = 0; i < n; i++)
			o += snprintf(got + o, sizeof(got) - o, "%s%u%c", i ? " " : "", sel[i]->pid,
				      sel[i]->method[1]);
		check(!strcmp(got, want[k]) && agg_sort_parse(agg_sort_names[k]) == k,
		      agg_sort_names[k], got, want[k]);
	}
	agg_interval_reset();
	agg_open_reset();
	check(all[0]->ival.count == 0 && all[0]->run.count == 10 && all[1]->open == 0,
	      "agg: interval and open reset, run kept", "", "");
	for (i = 0; i < 4000; i++) {
		snprintf(a.method, sizeof(a.method), "/m%zu", i);
		a.method_len = strlen(a.method);
		agg_stream(3, &a, 0, true, 1);
		/* Every row still found after the table grew under it. */
		agg_stream(3, &a, 0, true, 1);
		agg_conn_stream(3, 0x1000 + i, 1, &a, false);
	}
	all = agg_rows(&n);
	agg_dropped(&d);
	snprintf(got, sizeof(got), "%zu rows, %llu dropped, conns %llu dropped, capped %d %d", n,
		 (unsigned long long)d.methods, (unsigned long long)d.conns, d.methods_capped,
		 d.conns_capped);
	check(n == 3000 && all[2999]->run.count == 2 && d.methods == 2 * (4000 + 3 - 3000) &&
	      d.conns == 4000 - 1500 && d.methods_capped && d.conns_capped &&
	      d.method_rows_max == 3000,
	      "agg: tables grow to their caps, the rest counted", got,
	      "3000 rows, 2006 dropped, conns 2500 dropped, capped 1 1");
	agg_fini();
}

/* BPF's cumulative counts: each read adds what they grew by. */
static void test_agg_bpf(void)
{
	static struct magg_key k = { .tgid = 9, .side = SIDE_SERVER, .method_len = 4,
				     .method = "/a/b" };
	static struct magg_val v;
	struct mrow *r;
	char got[128];

	agg_init(&(struct agg_limits){ .method_rows = 1 });
	v.codes[0] = 5;
	v.codes[5] = 2;
	v.nolat = 1;
	v.b[hist_bucket(3000000)] = 6;
	v.log2_us[11] = 6;
	v.max = 3100000;
	strcpy(v.comm, "srv");
	r = agg_bpf(&k, &v);
	agg_interval_reset();
	v.codes[0] = 9;
	v.b[hist_bucket(3000000)] = 9;
	v.b[hist_bucket(250000000)] = 1;
	v.log2_us[17] = 1;
	v.max = 251000000;
	agg_bpf(&k, &v);
	snprintf(got, sizeof(got), "run %llu/%llu/%llu ival %llu/%llu max %llu",
		 (unsigned long long)r->run.count, (unsigned long long)r->run.errors,
		 (unsigned long long)r->run.lat.n, (unsigned long long)r->ival.count,
		 (unsigned long long)r->ival.lat.n, (unsigned long long)r->ival.lat.max);
	check(r && r->run.count == 11 && r->run.errors == 2 && r->run.lat.n == 10 &&
	      r->ival.count == 4 && r->ival.lat.n == 4 && r->ival.codes[5] == 0 &&
	      r->run.lat.max == 251000000 && r->ival.lat.max == 251000000 &&
	      r->log2_us[11] == 6 && r->log2_us[17] == 1 && !strcmp(r->comm, "srv") &&
	      r->pid == 9 && r->side == SIDE_SERVER && r->method_len == 4,
	      "agg: BPF's counts read twice: run, interval, max, log2", got,
	      "run 11/2/10 ival 4/4 max 251000000");
	check(hist_quantile(&r->ival.lat, 0.5) < 3300000 && hist_quantile(&r->ival.lat, 0.5) > 2700000,
	      "agg: the interval's p50 from BPF's buckets", "", "");
	/* A second method finds no row: all its streams counted, each pass anew. */
	{
		static struct magg_key k2 = { .tgid = 9, .side = SIDE_SERVER, .method_len = 4,
					      .method = "/a/c" };
		static struct magg_val v2 = { .codes = { 3, 4 } };
		struct agg_dropped d;
		int pass;

		for (pass = 0; pass < 2; pass++) {
			agg_bpf(&k, &v);
			check(!agg_bpf(&k2, &v2), "agg: BPF method past the cap has no row", "", "");
			agg_bpf_done();
			v2.codes[0] += 10;
		}
		agg_dropped(&d);
		snprintf(got, sizeof(got), "%llu", (unsigned long long)d.methods);
		check(d.methods == 17 && d.methods_capped,
		      "agg: BPF's streams past the cap counted, not summed twice", got, "17");
	}
	agg_fini();
}

int main(void)
{
	test_lines();
	test_random();
	test_buckets();
	test_quantiles();
	test_agg_rows();
	test_agg_bpf();
	printf("output: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
