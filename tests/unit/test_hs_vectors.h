/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reads values out of RFC 8448's text (../shared/vectors/rfc8448/tls13-vectors.txt) for the key
 * schedule and handshake tests: a step ("{server}  extract secret \"early\""), its n-th occurrence
 * in a section, and a field label ("secret"); the hex that follows, across lines and page breaks.
 * Test-only; header-only so each test program is one file.
 */
#ifndef TEST_HS_VECTORS_H
#define TEST_HS_VECTORS_H

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *v8448_text;

static const char *v8448_section(int n, const char **end)
{
	static const char *titles[] = { NULL, NULL, NULL, "\n3.  Simple 1-RTT Handshake\n",
					"\n4.  Resumed 0-RTT Handshake\n", "\n5.  HelloRetryRequest\n",
					"\n6.  Client Authentication\n" };
	if (!v8448_text) {
		FILE *f = fopen(FTLS_VECTORS_DIR "/rfc8448/tls13-vectors.txt", "rb");
		if (!f)
			return NULL;
		fseek(f, 0, SEEK_END);
		long len = ftell(f);
		fseek(f, 0, SEEK_SET);
		v8448_text = calloc(1, (size_t)len + 1);
		if (fread(v8448_text, 1, (size_t)len, f) != (size_t)len) {
			fclose(f);
			return NULL;
		}
		fclose(f);
	}
	const char *s = strstr(v8448_text, titles[n]);
	*end = s ? strstr(s + 1, titles[n + 1]) : NULL;
	return s;
}

static bool v8448_hexline(const char *p, const char *eol)
{
	bool any = false;
	while (p < eol) {
		while (p < eol && *p == ' ')
			p++;
		if (p >= eol)
			break;
		if (!(isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]) &&
		      (p + 2 == eol || p[2] == ' ')))
			return false;
		any = true;
		p += 2;
	}
	return any;
}

/* The hex of field in the occ-th step of section sec; returns its length (0: not found). */
static size_t v8448_get(int sec, const char *step, int occ, const char *field, uint8_t *out,
			size_t cap)
{
	const char *end, *s = v8448_section(sec, &end);
	char label[80];
	size_t n = 0;

	if (!s || !end)
		return 0;
	for (int i = 0; i <= occ; i++) {
		s = strstr(s + 1, step);
		if (!s || s > end)
			return 0;
	}
	snprintf(label, sizeof(label), "\n      %s (", field);
	s = strstr(s, label);
	if (!s || s > end)
		return 0;
	s = strstr(s, "):");
	if (!s)
		return 0;
	s += 2;
	/* First line: after the colon. Then continuation lines of pure hex, skipping page breaks. */
	const char *p = s;
	for (;;) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			break;
		const char *q = p;
		if (p != s) {
			const char *t = p;
			while (t < eol && (*t == ' ' || *t == '\f'))
				t++;
			if (t == eol || strncmp(t, "Thomson", 7) == 0 || strncmp(t, "Internet-Draft", 14) == 0) {
				p = eol + 1;
				continue;
			}
			if (!v8448_hexline(p, eol))
				break;
		}
		while (q < eol) {
			while (q < eol && *q == ' ')
				q++;
			if (q + 1 < eol && isxdigit((unsigned char)q[0]) && isxdigit((unsigned char)q[1])) {
				unsigned v;
				if (sscanf(q, "%2x", &v) != 1 || n == cap)
					return 0;
				out[n++] = (uint8_t)v;
				q += 2;
			} else {
				break;
			}
		}
		p = eol + 1;
	}
	return n;
}

#endif
