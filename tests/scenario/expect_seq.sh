#!/bin/sh
# expect_seq.sh STATUS [--then REGEX]... [--count N REGEX]... -- COMMAND...
# Runs COMMAND (stdin /dev/null), prints its output, and fails unless it
# exits with STATUS, its lines match the --then REGEXes in the order given
# (other lines may come between), and exactly N lines match each --count
# REGEX (grep -E / awk regular expressions).
set -u
want=$1; shift
seq=$(mktemp); counts=$(mktemp); out=$(mktemp)
trap 'rm -f "$seq" "$counts" "$out"' EXIT
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	case $1 in
	--then) printf '%s\n' "$2" >>"$seq"; shift 2 ;;
	--count) printf '%s %s\n' "$2" "$3" >>"$counts"; shift 3 ;;
	*) echo "expect_seq.sh: bad option $1" >&2; exit 2 ;;
	esac
done
shift
"$@" </dev/null >"$out" 2>&1
got=$?
cat "$out"
fail=0
if [ "$got" != "$want" ]; then
	echo "expect_seq.sh: exit status $got, expected $want"
	fail=1
fi
[ ! -s "$seq" ] || awk 'NR == FNR { re[n++] = $0; next }
     i < n && $0 ~ re[i] { i++ }
     END { if (i < n) { printf "expect_seq.sh: no line matches /%s/ after the earlier ones\n", re[i]; exit 1 } }' \
	"$seq" "$out" || fail=1
while read -r n re; do
	c=$(grep -Ec -- "$re" "$out")
	if [ "$c" != "$n" ]; then
		echo "expect_seq.sh: $c lines match /$re/, expected $n"
		fail=1
	fi
done <"$counts"
exit $fail
