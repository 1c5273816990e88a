// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer harness: the escaping of strings that come from the traced
 * program. Beyond "no crash": the table text never holds a control byte,
 * and the JSON string is cut nowhere but at the line buffer's end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[8 * 4096 + 1];
	struct linebuf b;
	size_t i, n;

	n = text_escape(text, size % 97 ? size % 97 + 1 : sizeof(text), (const char *)data, size);
	for (i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			abort();
	if (text[n])
		abort();
	b.len = 0;
	lb_json(&b, (const char *)data, size);
	if (b.len > sizeof(b.buf) || b.buf[0] != '"')
		abort();
	return 0;
}
