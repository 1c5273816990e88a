/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * json_writer: one output line built in a fixed buffer, NDJSON objects
 * written into it field by field, and the escaping of untrusted strings,
 * in the spirit of bpftool's json_writer.c: no call site writes a quote,
 * a colon or a comma.
 *
 * Strings given here may be any bytes (grpcstreams passes the traced
 * program's methods, peers and process names): they are data, never
 * terminal commands. text_escape() shows every control byte, C1 control,
 * bidi control and invalid UTF-8 byte visibly, for a terminal; lb_json()
 * carries valid UTF-8 as is, escapes what JSON requires and maps invalid
 * UTF-8 to U+FFFD.
 *
 * Depends on the C library only, so that tests/test_json.c and the fuzz
 * harness can build it alone.
 */
#ifndef __JSON_WRITER_H
#define __JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/*
 * One output line built without printf: NDJSON at a million lines a second
 * is mostly number formatting. Appends past the end are dropped (the line
 * stays valid up to there); lines here are far shorter.
 */
struct linebuf {
	size_t len;
	char buf[2048];
};

/* Inline: with a literal, the length and the copy are known at compile time. */
static inline void lb_mem(struct linebuf *b, const char *s, size_t n)
{
	if (n > sizeof(b->buf) - b->len)
		n = sizeof(b->buf) - b->len;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
}

static inline void lb_str(struct linebuf *b, const char *s)
{
	lb_mem(b, s, strlen(s));
}

/*
 * S (N bytes, not NUL-terminated) as a JSON string, quotes included: valid
 * UTF-8 as is, '"', '\\' and control bytes escaped, each byte of an invalid
 * sequence U+FFFD.
 */
void lb_json(struct linebuf *b, const char *s, size_t n);
void lb_u64(struct linebuf *b, unsigned long long v);
void lb_i64(struct linebuf *b, long long v);
/* "0x" and lower-case hex digits. */
void lb_hex(struct linebuf *b, unsigned long long v);
/* Nanoseconds as seconds with six decimals ("1795620963.255376"). */
void lb_secs(struct linebuf *b, unsigned long long ns);
/* The line to F without taking its stdio lock (the caller writes F alone); emptied. */
void lb_write(struct linebuf *b, FILE *f);

/*
 * S (N bytes) as text for a terminal, into DST (CAP bytes, NUL-terminated):
 * printable ASCII and valid UTF-8 as is, except '\\' as "\\\\"; control
 * bytes, DEL and invalid UTF-8 bytes as "\xNN"; C1 controls, bidi and
 * isolate controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)
 * and line/paragraph separators (U+2028, U+2029) as "\uNNNN". What does
 * not fit is cut before an escape or a character, never inside one.
 * Returns the length written.
 */
size_t text_escape(char *dst, size_t cap, const char *s, size_t n);

#define JW_MAX_DEPTH	8

/* Writes one JSON object into a linebuf, field by field. */
struct json_writer {
	struct linebuf *b;
	unsigned int depth;
	bool sep[JW_MAX_DEPTH];	/* a field was written at this depth: a comma next */
	char close[JW_MAX_DEPTH];	/* what ends this depth: '}' or ']' */
};

/* Open the line's object ('{'); jw_end() closes it and ends the line. */
void jw_begin(struct json_writer *w, struct linebuf *b);
void jw_end(struct json_writer *w);
/* A field KEY holding an object; jw_object_end() closes it. */
void jw_object(struct json_writer *w, const char *key);
void jw_object_end(struct json_writer *w);
/*
 * A field KEY holding an array of objects, each opened by jw_item() and
 * closed by jw_object_end(); jw_array_end() closes the array.
 */
void jw_array(struct json_writer *w, const char *key);
void jw_item(struct json_writer *w);
void jw_array_end(struct json_writer *w);

/*
 * A field's key, after a comma when one came before at this depth. KEY is
 * a literal of the interface, never escaped. Inline: at a million lines a
 * second, the key's length and copy are then known at compile time.
 */
static inline void jw_key(struct json_writer *w, const char *key)
{
	if (w->sep[w->depth])
		lb_mem(w->b, ",", 1);
	w->sep[w->depth] = true;
	lb_mem(w->b, "\"", 1);
	lb_str(w->b, key);
	lb_mem(w->b, "\":", 2);
}

static inline void jw_string(struct json_writer *w, const char *key, const char *s, size_t n)
{
	jw_key(w, key);
	lb_json(w->b, s, n);
}

/* One of the caller's own names ("stream", "client"), unescaped; NULL: null. */
static inline void jw_name(struct json_writer *w, const char *key, const char *name)
{
	jw_key(w, key);
	if (!name) {
		lb_mem(w->b, "null", 4);
		return;
	}
	lb_mem(w->b, "\"", 1);
	lb_str(w->b, name);
	lb_mem(w->b, "\"", 1);
}

/*
 * A string value the caller appends between the two, of bytes JSON takes
 * as they are: digits, hex, '#' (a connection's "0xPOINTER#N").
 */
static inline void jw_string_open(struct json_writer *w, const char *key)
{
	jw_key(w, key);
	lb_mem(w->b, "\"", 1);
}

static inline void jw_string_close(struct json_writer *w)
{
	lb_mem(w->b, "\"", 1);
}

static inline void jw_null(struct json_writer *w, const char *key)
{
	jw_key(w, key);
	lb_mem(w->b, "null", 4);
}

/* S NUL-terminated; NULL: null. */
static inline void jw_cstr(struct json_writer *w, const char *key, const char *s)
{
	if (s)
		jw_string(w, key, s, strlen(s));
	else
		jw_null(w, key);
}

static inline void jw_u64(struct json_writer *w, const char *key, unsigned long long v)
{
	jw_key(w, key);
	lb_u64(w->b, v);
}

static inline void jw_i64(struct json_writer *w, const char *key, long long v)
{
	jw_key(w, key);
	lb_i64(w->b, v);
}

static inline void jw_bool(struct json_writer *w, const char *key, bool v)
{
	jw_key(w, key);
	if (v)
		lb_mem(w->b, "true", 4);
	else
		lb_mem(w->b, "false", 5);
}

/* Nanoseconds as seconds, six decimals. */
static inline void jw_secs(struct json_writer *w, const char *key, unsigned long long ns)
{
	jw_key(w, key);
	lb_secs(w->b, ns);
}

#endif /* __JSON_WRITER_H */
