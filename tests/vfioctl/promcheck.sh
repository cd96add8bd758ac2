#!/bin/sh
# promcheck FILE: checks a Prometheus text exposition (format 0.0.4) the
# way a parser of it must, and the way node_exporter's textfile collector
# takes it: prints one "promcheck: line N: why" per violation and exits 1
# when there is any, 0 when the file is valid.
#
#   - every line ends with a newline, the last one too;
#   - "# HELP name text" and "# TYPE name type" at most once per metric
#     name, TYPE before the first sample of that name, type one of
#     counter, gauge, histogram, summary, untyped; HELP text escapes only
#     \\ and \n;
#   - metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
#     [a-zA-Z_][a-zA-Z0-9_]* not starting with __, each once per sample;
#   - label values in double quotes, escapes only \\, \" and \n;
#   - a value is a float, NaN, +Inf or -Inf; an optional integer timestamp;
#   - all lines of one metric family form one group (no interleaving);
#   - no two samples with the same name and label set (in any label order):
#     "collected before with the same name and label values";
#   - ours, stricter than the format: every sample of a family has the same
#     label names, so that queries over a label never miss a series.
set -u
f=${1:?usage: promcheck FILE}
[ -f "$f" ] || {
	echo "promcheck: $f: no such file"
	exit 2
}
if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then
	echo "promcheck: the last line does not end with a newline"
	nl_bad=1
else
	nl_bad=0
fi
LC_ALL=C awk -v nl_bad="$nl_bad" '
function err(why) {
	printf "promcheck: line %d: %s: %s\n", NR, why, $0
	bad = 1
}
function valid_name(s) { return s ~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ }
# The family a sample belongs to: histograms and summaries have suffixes.
function family(n, base) {
	if (n ~ /_(bucket|sum|count)$/) {
		base = n
		sub(/_(bucket|sum|count)$/, "", base)
		if (type[base] == "histogram" || type[base] == "summary")
			return base
	}
	return n
}
# Lines of one family must be contiguous.
function enter(fam) {
	if (fam == cur)
		return
	if (fam in started)
		err("metric " fam " continues after another metric began")
	started[fam] = 1
	cur = fam
}
# Sorts a[1..n] (insertion sort: label sets are small).
function isort(a, n, i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}
/^[ \t]*$/ { next }
/^#/ {
	if ($2 != "HELP" && $2 != "TYPE")
		next
	if (!valid_name($3)) {
		err("bad metric name in " $2)
		next
	}
	if ($2 == "HELP") {
		if ($3 in help)
			err("second HELP for " $3)
		help[$3] = 1
		text = $0
		sub(/^#[ \t]+HELP[ \t]+[^ \t]+[ \t]?/, "", text)
		gsub(/\\\\|\\n/, "", text)
		if (index(text, "\\"))
			err("HELP text escapes something other than \\\\ or \\n")
		enter($3)
	} else {
		if ($3 in type)
			err("second TYPE for " $3)
		if ($4 !~ /^(counter|gauge|histogram|summary|untyped)$/ || NF != 4)
			err("bad TYPE")
		if ($3 in sampled)
			err("TYPE for " $3 " after its samples")
		type[$3] = $4
		enter($3)
	}
	next
}
{
	line = $0
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) {
		err("no metric name")
		next
	}
	name = substr(line, 1, RLENGTH)
	rest = substr(line, RLENGTH + 1)
	n = 0
	split("", seen)
	ok = 1
	if (substr(rest, 1, 1) == "{") {
		rest = substr(rest, 2)
		for (;;) {
			sub(/^[ \t]*/, "", rest)
			if (substr(rest, 1, 1) == "}") {
				rest = substr(rest, 2)
				break
			}
			if (!match(rest, /^[a-zA-Z_][a-zA-Z0-9_]*/)) {
				err("bad label name")
				ok = 0
				break
			}
			lname = substr(rest, 1, RLENGTH)
			rest = substr(rest, RLENGTH + 1)
			if (substr(lname, 1, 2) == "__")
				err("reserved label name " lname)
			if (lname in seen)
				err("label " lname " twice")
			seen[lname] = 1
			sub(/^[ \t]*/, "", rest)
			if (substr(rest, 1, 2) != "=\"") {
				err("label " lname " has no quoted value")
				ok = 0
				break
			}
			rest = substr(rest, 3)
			val = ""
			closed = 0
			while (length(rest)) {
				c = substr(rest, 1, 1)
				if (c == "\"") {
					rest = substr(rest, 2)
					closed = 1
					break
				}
				if (c == "\\") {
					e = substr(rest, 2, 1)
					if (e != "\\" && e != "\"" && e != "n") {
						err("label " lname " escapes \"" e "\"")
						ok = 0
					}
					val = val c e
					rest = substr(rest, 3)
					continue
				}
				val = val c
				rest = substr(rest, 2)
			}
			if (!closed) {
				err("label " lname " value not closed")
				ok = 0
				break
			}
			lab[++n] = lname "=" val
			sub(/^[ \t]*/, "", rest)
			if (substr(rest, 1, 1) == ",")
				rest = substr(rest, 2)
			else if (substr(rest, 1, 1) != "}") {
				err("expected , or } after label " lname)
				ok = 0
				break
			}
		}
	}
	if (!ok)
		next
	if (rest !~ /^[ \t]+/) {
		err("no space before the value")
		next
	}
	sub(/^[ \t]+/, "", rest)
	nv = split(rest, v, /[ \t]+/)
	if (nv < 1 || nv > 2 || v[1] !~ /^([-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|NaN|[-+]?Inf)$/)
		err("bad value")
	if (nv == 2 && v[2] !~ /^-?[0-9]+$/)
		err("bad timestamp")
	fam = family(name)
	enter(fam)
	sampled[name] = 1
	isort(lab, n)
	key = name
	names = ""
	for (i = 1; i <= n; i++) {
		key = key "\001" lab[i]
		names = names "," substr(lab[i], 1, index(lab[i], "=") - 1)
	}
	if (key in series)
		err("same name and labels as line " series[key])
	else
		series[key] = NR
	if (!(name in labelset))
		labelset[name] = names
	else if (labelset[name] != names)
		err("label names [" names "] differ from [" labelset[name] "] of the other " name " samples")
}
END { exit (bad || nl_bad) ? 1 : 0 }
' "$f"
