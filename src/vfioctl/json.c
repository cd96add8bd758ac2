// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl's one JSON writer: see json.h. */
#include <string.h>

#include "json.h"

static void escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* The comma before a member, and its key. */
static void member(struct json *j, const char *key)
{
	unsigned int bit = 1u << j->depth;

	if (j->used & bit)
		fputc(',', j->f);
	j->used |= bit;
	if (key) {
		escape(j->f, key);
		fputc(':', j->f);
	}
}

static void open_one(struct json *j, const char *key, int c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth < JSON_DEPTH - 1)
		j->depth++;
	j->used &= ~(1u << j->depth);
}

static void close_one(struct json *j, int c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void json_begin(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
}

void json_obj(struct json *j, const char *key)
{
	open_one(j, key, '{');
}

void json_obj_end(struct json *j)
{
	close_one(j, '}');
}

void json_arr(struct json *j, const char *key)
{
	open_one(j, key, '[');
}

void json_arr_end(struct json *j)
{
	close_one(j, ']');
}

void json_string(struct json *j, const char *key, const char *s)
{
	member(j, key);
	if (s)
		escape(j->f, s);
	else
		fputs("null", j->f);
}

void json_string_or_null(struct json *j, const char *key, const char *s)
{
	json_string(j, key, s && s[0] ? s : NULL);
}

void json_int(struct json *j, const char *key, long v)
{
	member(j, key);
	fprintf(j->f, "%ld", v);
}

void json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	fputs(v < 0 ? "null" : v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json_string_list(struct json *j, const char *key, const char *list)
{
	json_arr(j, key);
	while (*list) {
		size_t len = strcspn(list, ",");
		char one[128];

		snprintf(one, sizeof(one), "%.*s", (int)len, list);
		json_string(j, NULL, one);
		list += len + (list[len] == ',');
	}
	json_arr_end(j);
}
