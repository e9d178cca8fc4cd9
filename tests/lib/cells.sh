# Sourced by the tests that build cells with tools/mkcell and run them
# (tests/mkcell, tests/runtime, tests/unwind_matrix): a fresh cells
# directory beside the build's own cells, one cell built per CC:LEVEL, and
# one run of a command text hosted, under valgrind or in QEMU.
# Needs $src (source tree), $build (build tree) and a fail() of the caller.

# A fresh directory in $dir, removed on exit, holding the build's cells.
cells_dir_new() {
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' EXIT
	cp "$build"/cells/*.o "$dir/" || fail "no cells in $build/cells"
}

# cells_build BUILD PREFIX SOURCE DEFINE: builds SOURCE for BUILD (CC:LEVEL)
# as the cell PREFIX_CC_OLEVEL (in $cell), passing -DDEFINE=<the cell's name>.
cells_build() {
	cc=${1%%:*} lvl=${1#*:}
	cell=${2}_${cc}_O$lvl
	THESEUS_BUILD=$build "$src/tools/mkcell" -o "$dir/$cell.o" --cc "$cc" -O "$lvl" --name "$cell" --class app \
		-D"$4=$cell" "$3" >/dev/null 2>&1 || fail "mkcell $1 of $3 failed"
}

# cells_run MODE OUT CMDS [THESEUS_OPTIONS...]: runs CMDS with the cells of
# $dir, hosted, under valgrind (memcheck, definite leaks are errors) or in
# QEMU (MODE qemu), into OUT without carriage returns; sets $rc.
cells_run() {
	mode_=$1 out_=$2 cmds_=$3
	shift 3
	case $mode_ in
	qemu)
		printf '%s\n' "$cmds_" >"$dir/script.txt"
		QEMU_CELLS=$dir "$src/tests/qemu/run_qemu.sh" "$build" "$dir/script.txt" >"$out_.raw" 2>&1 ;;
	valgrind)
		valgrind --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite \
			"$build/theseus" --cells "$dir" "$@" -c "$cmds_" </dev/null >"$out_.raw" 2>&1 ;;
	*)
		"$build/theseus" --cells "$dir" "$@" -c "$cmds_" </dev/null >"$out_.raw" 2>&1 ;;
	esac
	rc=$?
	tr -d '\r' <"$out_.raw" >"$out_"
	rm -f "$out_.raw"
}
