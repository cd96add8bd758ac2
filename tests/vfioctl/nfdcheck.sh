#!/bin/sh
# nfdcheck.sh FILE [PREFIX]: FILE is a feature file that Node Feature
# Discovery's local source reads whole and turns into the labels it says,
# and (with PREFIX) every label is PREFIX/NAME. Prints what is wrong, one
# line each; exit 1 then.
#
# Written from kubernetes-sigs/node-feature-discovery (read, not copied):
# docs/usage/customization-guide.md ("Local feature source", "Input
# format"), source/local/local.go (getFileContent, parseFeatureFile,
# parseDirectives) and pkg/apis/nfd/validate/validate.go (Label):
# - at most 64 kB (MaxFeatureFileSize = 65536), else the file is ignored;
# - a line is trimmed; '#' starts a comment; "# +" a directive: only
#   expiry-time=RFC3339, no-label and no-feature exist; an expiry in the
#   past drops the lines after it (here: an error, our labels must hold);
# - KEY[=VALUE], VALUE "true" when left out; KEY is a qualified name: a
#   prefix (DNS subdomain: at most 253 of [a-z0-9.-], each dot-separated
#   part alphanumeric at both ends; not kubernetes.io nor *.kubernetes.io)
#   and a name of at most 63 of [A-Za-z0-9._-], alphanumeric at both ends;
#   VALUE empty or the same as a name. A name twice is ambiguous (the last
#   wins): refused.
set -u
f=$1 want=${2:-}
rc=0
err() {
	echo "nfdcheck: $*"
	rc=1
}
size=$(wc -c <"$f")
[ "$size" -le 65536 ] || err "$size bytes: NFD ignores a file over 65536"
case ${f##*/} in .*) err "${f##*/}: NFD ignores a file whose name starts with '.'" ;; esac
now=$(date -u +%s)
NAME='^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$'
DNS='^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$'
seen=
n=0
while IFS= read -r raw || [ -n "$raw" ]; do
	n=$((n + 1))
	l=$(printf '%s' "$raw" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
	case $l in
	'') continue ;;
	'# +'*)
		d=${l#'# +'}
		case $d in
		no-label | no-feature) ;;
		expiry-time=*)
			t=$(printf '%s' "${d#expiry-time=}" | sed 's/^[[:space:]]*//')
			if ! printf '%s\n' "$t" | grep -Eq "$RFC3339"; then
				err "line $n: expiry-time '$t' is not RFC3339"
			elif ! e=$(date -u -d "$t" +%s 2>/dev/null); then
				err "line $n: expiry-time '$t' is no date"
			elif [ "$e" -le "$now" ]; then
				err "line $n: expiry-time $t is past: NFD drops what follows"
			fi
			;;
		*) err "line $n: '# +${d%%=*}' is no NFD directive" ;;
		esac
		continue
		;;
	'#'*) continue ;;
	esac
	k=${l%%=*}
	v=true
	case $l in *=*) v=${l#*=} ;; esac
	p=${k%/*} nm=${k##*/}
	if [ "$p" = "$k" ]; then
		err "line $n: '$k' has no prefix"
	else
		case $p in */*) err "line $n: '$k' has two '/'" ;; esac
		if [ ${#p} -gt 253 ] || ! printf '%s\n' "$p" | grep -Eq "$DNS"; then
			err "line $n: prefix '$p' is no DNS subdomain"
		fi
		case $p in
		kubernetes.io | *.kubernetes.io) err "line $n: prefix '$p' is kubernetes.io's" ;;
		esac
		[ -z "$want" ] || [ "$p" = "$want" ] ||
			err "line $n: prefix '$p', not $want"
	fi
	if [ ${#nm} -gt 63 ] || ! printf '%s\n' "$nm" | grep -Eq "$NAME"; then
		err "line $n: name '$nm' is no label name (63 of [A-Za-z0-9._-])"
	fi
	if [ -n "$v" ] && { [ ${#v} -gt 63 ] ||
		! printf '%s\n' "$v" | grep -Eq "$NAME"; }; then
		err "line $n: value '$v' is no label value"
	fi
	case " $seen " in *" $k "*) err "line $n: '$k' twice" ;; esac
	seen="$seen $k"
done <"$f"
exit $rc
