#!/bin/sh
# edges_match.sh THESEUS CELLINFO CELL_DIR CELL [CELL...]
# For each CELL, loads it in the simulator and checks that the dependency edges
# the kernel recorded (`deps CELL`) are exactly the edges cellinfo reads from
# CELL_DIR/CELL.o, compared as sets. Exit 0 only if every cell matches.
set -u
if [ $# -lt 4 ]; then
	echo "usage: edges_match.sh THESEUS CELLINFO CELL_DIR CELL [CELL...]" >&2
	exit 2
fi
theseus=$1 cellinfo=$2 dir=$3
shift 3
# Byte order, so sort and comm agree whatever the caller's locale.
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
# An edge line from `deps`: two spaces, "<section>+0x<hex> <type> <symbol><addend>",
# then " -> <cell>:<section>". Anything else (banner, headers) is not an edge.
edge_re='^  \([^ ][^ ]*+0x[0-9a-f][0-9a-f]* R_X86_64_[A-Z0-9_]* [^ ]*[-+][0-9][0-9]*\) -> .*$'

# Prints each line of $2 with prefix $1, indented under the summary.
list() {
	sed "s/^/    $1 /" "$2"
}

# Compares one cell; prints its summary line, returns 1 on any mismatch.
check_cell() {
	cell=$1
	"$theseus" --cells "$dir" -c "load $cell; deps $cell" </dev/null >"$tmp/out" 2>&1
	st=$?
	if [ "$st" -ne 0 ]; then
		echo "edges_match: $cell: FAIL (theseus exited $st)"
		tail -n 20 "$tmp/out" | sed 's/^/    | /'
		return 1
	fi
	if ! "$cellinfo" --edges "$dir/$cell.o" >"$tmp/file" 2>"$tmp/err"; then
		echo "edges_match: $cell: FAIL (cellinfo failed)"
		sed 's/^/    | /' "$tmp/err"
		return 1
	fi
	sed -n "s/$edge_re/\\1/p" "$tmp/out" | sort -u >"$tmp/kernel"
	sort -u "$tmp/file" >"$tmp/want"
	comm -13 "$tmp/kernel" "$tmp/want" >"$tmp/missing"
	comm -23 "$tmp/kernel" "$tmp/want" >"$tmp/extra"
	nmiss=$(wc -l <"$tmp/missing")
	nextra=$(wc -l <"$tmp/extra")
	nwant=$(wc -l <"$tmp/want")
	if [ "$nmiss" -eq 0 ] && [ "$nextra" -eq 0 ]; then
		echo "edges_match: $cell: ok, $nwant edges match"
		return 0
	fi
	echo "edges_match: $cell: FAIL, $nmiss missing, $nextra extra (of $nwant in $cell.o)"
	list "missing:" "$tmp/missing"
	list "extra:  " "$tmp/extra"
	return 1
}

status=0
for cell in "$@"; do
	check_cell "$cell" || status=1
done
exit $status
