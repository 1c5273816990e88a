// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * json_writer: the line buffer, the NDJSON writer and the escaping of
 * untrusted strings (see json_writer.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"

static const char hex[] = "0123456789abcdef";

/*
 * The length of the valid UTF-8 sequence at S (N bytes left), its code
 * point in *CP; 0 when it is not one: a stray continuation byte, a cut
 * sequence, an overlong form, a surrogate or past U+10FFFF (RFC 3629).
 */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* C1 controls: a terminal may act on them even UTF-8 encoded (U+009B: CSI). */
static bool is_c1(uint32_t cp)
{
	return cp >= 0x80 && cp <= 0x9f;
}

/* Code points that reorder or break what a terminal shows around them. */
static bool is_layout_control(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029;
}

/* "\u" and four hex digits of CP (< 0x10000) into OUT[6]. */
static void u_escape(char *out, uint32_t cp)
{
	out[0] = '\\';
	out[1] = 'u';
	out[2] = hex[cp >> 12 & 15];
	out[3] = hex[cp >> 8 & 15];
	out[4] = hex[cp >> 4 & 15];
	out[5] = hex[cp & 15];
}

void lb_json(struct linebuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char esc[6];
	size_t i, j, len;
	uint32_t cp;

	lb_mem(b, "\"", 1);
	for (i = 0; i < n;) {
		/* Method names and peers are nearly always plain ASCII: in runs. */
		for (j = i; j < n && u[j] >= 0x20 && u[j] < 0x7f && u[j] != '"' && u[j] != '\\'; j++)
			;
		lb_mem(b, s + i, j - i);
		if (j == n)
			break;
		i = j;
		len = utf8_seq(u + i, n - i, &cp);
		if (!len) {
			lb_str(b, "\\ufffd");	/* one per byte of an invalid sequence */
			len = 1;
		} else if (cp == '"' || cp == '\\') {
			esc[0] = '\\';
			esc[1] = (char)cp;
			lb_mem(b, esc, 2);
		} else if (cp < 0x20 || cp == 0x7f || is_c1(cp)) {
			u_escape(esc, cp);
			lb_mem(b, esc, 6);
		} else {
			lb_mem(b, s + i, len);
		}
		i += len;
	}
	lb_mem(b, "\"", 1);
}

size_t text_escape(char *dst, size_t cap, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, o = 0, len, k, out;
	char tmp[6];
	uint32_t cp;

	if (!cap)
		return 0;
	for (i = 0; i < n; i += len) {
		len = utf8_seq(u + i, n - i, &cp);
		if (!len) {	/* an invalid byte */
			len = 1;
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[u[i] >> 4];
			tmp[3] = hex[u[i] & 15];
			out = 4;
		} else if (cp < 0x20 || cp == 0x7f) {
			tmp[0] = '\\';
			tmp[1] = 'x';
			tmp[2] = hex[cp >> 4];
			tmp[3] = hex[cp & 15];
			out = 4;
		} else if (cp == '\\') {
			tmp[0] = tmp[1] = '\\';
			out = 2;
		} else if (is_c1(cp) || is_layout_control(cp)) {
			u_escape(tmp, cp);
			out = 6;
		} else {
			for (k = 0; k < len; k++)
				tmp[k] = s[i + k];
			out = len;
		}
		if (o + out >= cap)
			break;
		memcpy(dst + o, tmp, out);
		o += out;
	}
	dst[o] = '\0';
	return o;
}

void lb_u64(struct linebuf *b, unsigned long long v)
{
	/* Two digits per division: half the divisions of one at a time. */
	static const char pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	char tmp[24];
	int i = sizeof(tmp);

	while (v >= 100) {
		i -= 2;
		memcpy(tmp + i, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		i -= 2;
		memcpy(tmp + i, pairs + 2 * v, 2);
	} else {
		tmp[--i] = '0' + v;
	}
	lb_mem(b, tmp + i, sizeof(tmp) - i);
}

void lb_i64(struct linebuf *b, long long v)
{
	if (v < 0) {
		lb_mem(b, "-", 1);
		lb_u64(b, -(unsigned long long)v);
	} else {
		lb_u64(b, v);
	}
}

void lb_hex(struct linebuf *b, unsigned long long v)
{
	char tmp[16];
	int i = sizeof(tmp);

	do {
		tmp[--i] = hex[v & 15];
		v >>= 4;
	} while (v);
	lb_mem(b, "0x", 2);
	lb_mem(b, tmp + i, sizeof(tmp) - i);
}

void lb_secs(struct linebuf *b, unsigned long long ns)
{
	unsigned long long us = ns / 1000 % 1000000;
	char frac[7];
	int i;

	lb_u64(b, ns / 1000000000ULL);
	for (i = 5; i >= 0; i--, us /= 10)
		frac[i + 1] = '0' + us % 10;
	frac[0] = '.';
	lb_mem(b, frac, sizeof(frac));
}

void lb_write(struct linebuf *b, FILE *f)
{
	fwrite_unlocked(b->buf, 1, b->len, f);
	b->len = 0;
}

/* ---- the writer ---- */

void jw_begin(struct json_writer *w, struct linebuf *b)
{
	w->b = b;
	w->depth = 0;
	w->sep[0] = false;
	lb_mem(b, "{", 1);
}

void jw_end(struct json_writer *w)
{
	while (w->depth)
		jw_object_end(w);
	lb_mem(w->b, "}\n", 2);
}

/* A level deeper, ended by CLOSE. */
static void jw_open(struct json_writer *w, const char *open, char close)
{
	lb_mem(w->b, open, 1);
	if (w->depth + 1 < JW_MAX_DEPTH) {
		w->depth++;
		w->sep[w->depth] = false;
		w->close[w->depth] = close;
	}
}

void jw_object(struct json_writer *w, const char *key)
{
	jw_key(w, key);
	jw_open(w, "{", '}');
}

/* Whichever is open: '}' or ']'. */
void jw_object_end(struct json_writer *w)
{
	char c = w->depth ? w->close[w->depth] : '}';

	if (w->depth)
		w->depth--;
	lb_mem(w->b, &c, 1);
}

void jw_array(struct json_writer *w, const char *key)
{
	jw_key(w, key);
	jw_open(w, "[", ']');
}

void jw_item(struct json_writer *w)
{
	if (w->sep[w->depth])
		lb_mem(w->b, ",", 1);
	w->sep[w->depth] = true;
	jw_open(w, "{", '}');
}

void jw_array_end(struct json_writer *w)
{
	jw_object_end(w);
}
