#!/bin/sh
# run.sh SOURCE_DIR BUILD_DIR [--qemu]
# Builds tests/mkcell/oot.c with tools/mkcell as two cells, oot_gcc (gcc)
# and oot_clang (clang), into a fresh cells directory beside the build's own
# cells, then loads and calls both: in the hosted simulator, or with --qemu
# on the bare-metal image (exit 77, skip, without qemu).
set -u
src=$1 build=$2 mode=${3:-}
fail() { echo "mkcell test: $*"; exit 1; }
. "$src/tests/lib/cells.sh"
cells_dir_new
# A user's source lives anywhere: a path with spaces, a -D value with spaces.
mkdir "$dir/my sources" && cp "$src/tests/mkcell/oot.c" "$dir/my sources/out of tree.c"
for cc in gcc clang; do
	THESEUS_BUILD=$build "$src/tools/mkcell" -o "$dir/oot_$cc.o" --cc "$cc" --name "oot_$cc" --class app \
		-DOOT_ENTRY="oot_${cc}_main" -DOOT_CC="\"$cc, via mkcell\"" "$dir/my sources/out of tree.c" ||
		fail "mkcell --cc $cc failed"
done
cmds="load oot_gcc
load oot_clang
call oot_gcc_main 5
call oot_clang_main 7
ls
exit 0"
out=$dir/out.txt
cells_run "$([ "$mode" = --qemu ] && echo qemu || echo hosted)" "$out" "$cmds"
cat "$out"
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "exit status $rc, expected 0"
for re in "out-of-tree cell built by gcc, via mkcell" "oot_gcc_main returned 15 " "out-of-tree cell built by clang, via mkcell" \
	"oot_clang_main returned 21 " "^  oot_gcc +app" "^  oot_clang +app"; do
	grep -Eq "$re" "$out" || fail "no line matching '$re'"
done
[ "$(grep -c 'oot cleanup after 1 call' "$out")" = 2 ] || fail "expected both cells' cleanups to run once each"
echo "mkcell test: both compilers' cells built out of tree, loaded and run"
