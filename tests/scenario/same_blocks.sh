#!/bin/sh
# same_blocks.sh [--same COMMAND N]... -- RUNNER...
# Runs RUNNER (stdin /dev/null), prints its output, and fails unless, for
# each --same, the shell ran COMMAND exactly N times ("theseus> COMMAND"
# lines) and printed the same lines after each (up to the next prompt):
# what a refused change must leave as it was.
set -u
specs=$(mktemp); out=$(mktemp)
trap 'rm -f "$specs" "$out" "$out".*' EXIT
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	case $1 in
	--same) printf '%s\t%s\n' "$3" "$2" >>"$specs"; shift 3 ;;
	*) echo "same_blocks.sh: bad option $1" >&2; exit 2 ;;
	esac
done
shift
"$@" </dev/null 2>&1 | tr -d '\r' >"$out"
cat "$out"
fail=0
while IFS="$(printf '\t')" read -r n cmd; do
	awk -v cmd="theseus> $cmd" -v base="$out.b" '
		$0 == cmd { k++; on = 1; next }
		/^theseus> / { on = 0 }
		on { print > (base k) }
		END { print k + 0 }' "$out" >"$out.count"
	got=$(cat "$out.count")
	if [ "$got" != "$n" ]; then
		echo "same_blocks.sh: '$cmd' ran $got times, expected $n"
		fail=1
		continue
	fi
	k=2
	while [ "$k" -le "$n" ]; do
		if ! cmp -s "$out.b1" "$out.b$k"; then
			echo "same_blocks.sh: what '$cmd' printed the $k-th time differs from the first:"
			diff "$out.b1" "$out.b$k"
			fail=1
		fi
		k=$((k + 1))
	done
	[ -s "$out.b1" ] || { echo "same_blocks.sh: '$cmd' printed nothing"; fail=1; }
	rm -f "$out".b*
done <"$specs"
[ $fail = 0 ] && echo "same_blocks.sh: every block the same"
exit $fail
