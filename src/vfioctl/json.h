/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfioctl's one JSON writer (plan, groups, verify): compact output, no
 * spaces, strings escaped. The writer puts the commas between members;
 * a key is given inside objects and NULL inside arrays.
 */
#ifndef VC_JSON_H
#define VC_JSON_H

#include <stdio.h>

#define JSON_DEPTH 16

struct json {
	FILE *f;
	int depth;
	/* Bit d: the container at depth d already has a member. */
	unsigned int used;
};

void json_begin(struct json *j, FILE *f);
/* Ends the document with a newline. */
void json_end(struct json *j);

void json_obj(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr(struct json *j, const char *key);
void json_arr_end(struct json *j);

/* A string; null for NULL. */
void json_string(struct json *j, const char *key, const char *s);
/* A string; null for NULL or "". */
void json_string_or_null(struct json *j, const char *key, const char *s);
void json_int(struct json *j, const char *key, long v);
/* true, false; null for v < 0. */
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
/* Each comma-separated item of list ("a,b"), as strings. */
void json_string_list(struct json *j, const char *key, const char *list);

#endif
