#!/bin/sh
# expect.sh STATUS [--env K=V]... [--match REGEX]... [--nomatch REGEX]... -- COMMAND...
# Runs COMMAND, prints its output, and fails unless it exits with STATUS and
# its combined output matches every --match and no --nomatch (grep -E).
set -u
want=$1; shift
matches=""; nomatches=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	case $1 in
	--env) export "$2"; shift 2 ;;
	--match) matches="$matches
$2"; shift 2 ;;
	--nomatch) nomatches="$nomatches
$2"; shift 2 ;;
	*) echo "expect.sh: bad option $1" >&2; exit 2 ;;
	esac
done
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" </dev/null >"$out" 2>&1
got=$?
cat "$out"
fail=0
if [ "$got" != "$want" ]; then
	echo "expect.sh: exit status $got, expected $want"
	fail=1
fi
printf '%s\n' "$matches" | while IFS= read -r re; do
	[ -z "$re" ] && continue
	grep -Eq -- "$re" "$out" || { echo "expect.sh: output lacks /$re/"; exit 1; }
done || fail=1
printf '%s\n' "$nomatches" | while IFS= read -r re; do
	[ -z "$re" ] && continue
	if grep -Eq -- "$re" "$out"; then echo "expect.sh: output has /$re/"; exit 1; fi
done || fail=1
exit $fail
