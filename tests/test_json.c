// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of json_writer.c alone (no grpcstreams header, no BPF): the
 * table text escaping and the JSON string escaping of bytes that come from
 * the traced program, and the writer's separators and nesting. Each
 * expectation is written out by hand from the rules in json_writer.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"
#include "tap.h"

static void text_is(const char *in, size_t n, size_t cap, const char *want, const char *what)
{
	char out[1024];

	text_escape(out, cap, in, n);
	check(!strcmp(out, want), what, out, want);
}

static void json_is(const char *in, size_t n, const char *want, const char *what)
{
	struct linebuf b = { 0 };

	lb_json(&b, in, n);
	b.buf[b.len] = '\0';
	check(!strcmp(b.buf, want), what, b.buf, want);
}

static void test_text_escape(void)
{
	text_is("/pkg.Svc/Get", 12, 64, "/pkg.Svc/Get", "text: plain ASCII as is");
	text_is("/a\x1b[2Jb", 7, 64, "/a\\x1b[2Jb", "text: ESC shown as \\x1b");
	text_is("/a\r\nb", 5, 64, "/a\\x0d\\x0ab", "text: CR LF shown, no line break");
	text_is("/a\x7f", 3, 64, "/a\\x7f", "text: DEL shown");
	text_is("/\xe2\x80\xae" "evil", 8, 64, "/\\u202eevil", "text: U+202E shown");
	text_is("/\xe2\x81\xa6x\xe2\x81\xa9", 8, 64, "/\\u2066x\\u2069", "text: isolates shown");
	text_is("/\xe2\x80\x8f", 4, 64, "/\\u200f", "text: RLM shown");
	text_is("/\xc2\x9b" "31m", 6, 64, "/\\u009b31m", "text: C1 CSI shown");
	text_is("/unicode\xc3\xa9", 10, 64, "/unicode\xc3\xa9", "text: valid UTF-8 as is");
	text_is("/\xff\xfe", 3, 64, "/\\xff\\xfe", "text: invalid bytes as \\xNN");
	text_is("/\xe2\x80", 3, 64, "/\\xe2\\x80", "text: a cut sequence, byte by byte");
	text_is("/\xc0\xaf", 3, 64, "/\\xc0\\xaf", "text: overlong '/' refused");
	text_is("/\xed\xa0\x80", 4, 64, "/\\xed\\xa0\\x80", "text: surrogate refused");
	text_is("a\\b", 3, 64, "a\\\\b", "text: backslash doubled");
	text_is("a\0b", 3, 64, "a\\x00b", "text: NUL shown");
	text_is("abc\x1b", 4, 6, "abc", "text: cut before an escape, never in it");
	text_is("ab\xc3\xa9", 4, 4, "ab", "text: cut before a character, never in it");
}

static void test_json_string(void)
{
	json_is("/pkg.Svc/Get", 12, "\"/pkg.Svc/Get\"", "json: plain ASCII");
	json_is("/\xe2\x80\xae" "evil/unicode\xc3\xa9", 18,
		"\"/\xe2\x80\xae" "evil/unicode\xc3\xa9\"", "json: valid UTF-8 as is");
	json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"", "json: quote and backslash");
	json_is("a\x1b\n\x7f", 4, "\"a\\u001b\\u000a\\u007f\"", "json: control bytes");
	json_is("\xc2\x9b", 2, "\"\\u009b\"", "json: C1 control escaped");
	json_is("a\xff" "b\xe2\x80", 5, "\"a\\ufffdb\\ufffd\\ufffd\"", "json: invalid UTF-8 as U+FFFD");
	json_is("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"", "json: 4-byte UTF-8 as is");
}

static void test_writer(void)
{
	struct json_writer w;
	struct linebuf b = { 0 };
	const char *want = "{\"type\":\"t\",\"n\":-3,\"o\":{\"a\":1,\"b\":null},\"x\":true,"
			   "\"s\":null,\"ts\":12.000345}\n";

	jw_begin(&w, &b);
	jw_cstr(&w, "type", "t");
	jw_i64(&w, "n", -3);
	jw_object(&w, "o");
	jw_u64(&w, "a", 1);
	jw_null(&w, "b");
	jw_object_end(&w);
	jw_bool(&w, "x", true);
	jw_cstr(&w, "s", NULL);
	jw_secs(&w, "ts", 12000345678ULL);
	jw_end(&w);
	b.buf[b.len] = '\0';
	check(!strcmp(b.buf, want), "writer: separators, nesting, null, seconds", b.buf, want);

	b.len = 0;
	want = "{\"m\":[{\"a\":1,\"c\":{\"X\":2}},{\"a\":3}],\"e\":[],\"z\":0}\n";
	jw_begin(&w, &b);
	jw_array(&w, "m");
	jw_item(&w);
	jw_u64(&w, "a", 1);
	jw_object(&w, "c");
	jw_u64(&w, "X", 2);
	jw_object_end(&w);
	jw_object_end(&w);
	jw_item(&w);
	jw_u64(&w, "a", 3);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_array(&w, "e");
	jw_array_end(&w);
	jw_u64(&w, "z", 0);
	jw_end(&w);
	b.buf[b.len] = '\0';
	check(!strcmp(b.buf, want), "writer: arrays of objects, an empty array", b.buf, want);

	/* As deep as the summary's conns go: summary, conns, a conn, shadow_with, one. */
	b.len = 0;
	want = "{\"a\":[{\"b\":[{\"c\":1,\"d\":{\"e\":2}}],\"f\":3}],\"g\":4}\n";
	jw_begin(&w, &b);
	jw_array(&w, "a");
	jw_item(&w);
	jw_array(&w, "b");
	jw_item(&w);
	jw_u64(&w, "c", 1);
	jw_object(&w, "d");
	jw_u64(&w, "e", 2);
	jw_object_end(&w);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_u64(&w, "f", 3);
	jw_object_end(&w);
	jw_array_end(&w);
	jw_u64(&w, "g", 4);
	jw_end(&w);
	b.buf[b.len] = '\0';
	check(!strcmp(b.buf, want), "writer: arrays in objects in arrays, five deep", b.buf, want);
}

int main(void)
{
	test_text_escape();
	test_json_string();
	test_writer();
	printf("json_writer: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
