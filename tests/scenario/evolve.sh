#!/bin/sh
# evolve.sh SOURCE_DIR BUILD_DIR [hosted|valgrind|qemu]
# An evolution built in a second checkout (docs/evolve.md): chain_c and
# hello changed, chain_b rebuilt unchanged from another path, each cell
# built there with tools/mkcell into a copy of the build's cells. Then
# tools/evolve makes the evolution (only chain_c and hello change), and
#  hosted/valgrind: `evolve DIR` refuses a tampered object and a malformed
#    manifest leaving the dependent's site bytes and the memory counters as
#    they were, applies the evolution as one swap (the answers change, the
#    dependents' sites point at the new cells), then a --replace evolution
#    (chain_c -> chain_c_v2); and `evolve --serial` over stdin refuses a
#    damaged transfer (and the commands after it still run), applies a good
#    one, and refuses a cut one;
#  qemu: `evolve --serial` on bare metal, the transfer streamed over the
#    serial line by `tools/evolve send`: a damaged one refused, a good one
#    applied without a reboot.
# The tool's own refusals (missing directory, non-ELF object, odd files,
# a non-empty -o, a tampered send) are checked in every mode.
set -u
src=$1 build=$2 mode=${3:-hosted}
fail() { echo "evolve test: $*"; exit 1; }
evolve=$build/tools/evolve
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the second checkout ---------------------------------------------------------
co="$work/second checkout/cells"
mkdir -p "$co/chain_c" "$co/hello" "$co/chain_b" "$co/chain_c_v2" "$work/new" "$work/new_v2"
sed 's/return 3 \* x;/return 4 * x;/' "$src/cells/chain_c/chain_c.c" >"$co/chain_c/chain_c.c"
sed 's/Hello from the hello cell!/Hello from hello v2, built in a second checkout!/' "$src/cells/hello/hello.c" \
	>"$co/hello/hello.c"
sed -e 's/return 3 \* x;/return 5 * x;/' -e 's/CELL_INFO("chain_c"/CELL_INFO("chain_c_v2"/' \
	"$src/cells/chain_c/chain_c.c" >"$co/chain_c_v2/chain_c.c"
cp "$src/cells/chain_b/chain_b.c" "$co/chain_b/"
grep -q 'return 4 \* x;' "$co/chain_c/chain_c.c" && grep -q 'hello v2' "$co/hello/hello.c" &&
	grep -q 'CELL_INFO("chain_c_v2"' "$co/chain_c_v2/chain_c.c" || fail "the sources did not change as meant"
cp "$build"/cells/*.o "$work/new/"
for c in chain_c hello chain_b; do
	THESEUS_BUILD=$build "$src/tools/mkcell" -o "$work/new/$c.o" "$co/$c/$c.c" || fail "mkcell $c failed"
done
cp "$work"/new/*.o "$work/new_v2/"
THESEUS_BUILD=$build "$src/tools/mkcell" -o "$work/new_v2/chain_c_v2.o" "$co/chain_c_v2/chain_c.c" ||
	fail "mkcell chain_c_v2 failed"
cmp -s "$work/new/chain_b.o" "$build/cells/chain_b.o" &&
	fail "chain_b.o rebuilt at another path should differ in its bytes (debug info), not in what loads"

# --- tools/evolve -----------------------------------------------------------------
"$evolve" "$build" "$work/new" -o "$work/ev" || fail "tools/evolve failed"
cat "$work/ev/manifest"
steps=$(grep -Ev '^(#|theseus-evolution 1$)' "$work/ev/manifest")
want="change chain_c chain_c chain_c.o $(sha256sum <"$work/new/chain_c.o" | cut -d' ' -f1)
change hello hello hello.o $(sha256sum <"$work/new/hello.o" | cut -d' ' -f1)"
[ "$steps" = "$want" ] || fail "the manifest's steps are not exactly chain_c's and hello's changes"
[ "$(ls "$work/ev" | tr '\n' ' ')" = "chain_c.o hello.o manifest " ] || fail "the evolution holds other files"
cmp -s "$work/ev/chain_c.o" "$work/new/chain_c.o" || fail "the evolution's chain_c.o is not the new build's"
"$evolve" "$work/new" "$work/new_v2" -o "$work/ev_v2" --replace chain_c=chain_c_v2 || fail "--replace failed"
grep -Eq '^change chain_c chain_c_v2 chain_c_v2.o [0-9a-f]{64}$' "$work/ev_v2/manifest" &&
	[ "$(grep -cv '^#' "$work/ev_v2/manifest")" = 2 ] || fail "--replace did not make one change chain_c -> chain_c_v2"

# Its refusals, each naming what and where.
expect_tool() { # STATUS REGEX COMMAND...
	want_rc=$1 re=$2
	shift 2
	"$@" >"$work/tool.out" 2>&1
	got_rc=$?
	cat "$work/tool.out"
	[ $got_rc = "$want_rc" ] || fail "'$*' exited with $got_rc, expected $want_rc"
	grep -Eq "$re" "$work/tool.out" || fail "'$*' did not say /$re/"
}
expect_tool 1 "evolve: $work/nowhere: No such file or directory" "$evolve" "$work/nowhere" "$work/new" -o "$work/x1"
mkdir "$work/odd" && cp "$work/new/hello.o" "$work/odd/" && echo notes >"$work/odd/README" && mkdir "$work/odd/sub.o"
expect_tool 0 "evolve: $work/odd/README: skipped \\(not a regular \\*.o file\\)" "$evolve" "$work/odd" "$work/odd" -o "$work/x2"
grep -q 'sub.o: skipped' "$work/tool.out" || fail "the directory sub.o was not skipped by name"
echo "not elf" >"$work/odd/junk.o"
expect_tool 1 "evolve: $work/odd/junk.o: not an ELF file" "$evolve" "$work/odd" "$work/new" -o "$work/x3"
expect_tool 1 "evolve: -o $work/ev: the directory is not empty" "$evolve" "$build" "$work/new" -o "$work/ev"
expect_tool 1 "evolve: --replace chain_c=nope: no cell nope in $work/new" "$evolve" "$build" "$work/new" -o "$work/x4" \
	--replace chain_c=nope
[ -e "$work/x3/manifest" ] || [ -e "$work/x4/manifest" ] && fail "a refused evolution left a manifest"

# A tampered object and a malformed manifest, made from the good evolution.
cp -r "$work/ev" "$work/ev_tampered" && cp -r "$work/ev" "$work/ev_malformed"
printf 'X' | dd of="$work/ev_tampered/chain_c.o" bs=1 seek=100 conv=notrunc 2>/dev/null
sed -i 's/^change hello /chnage hello /' "$work/ev_malformed/manifest"
bad_line=$(grep -n '^chnage' "$work/ev_malformed/manifest" | cut -d: -f1)
expect_tool 1 "evolve send: $work/ev_tampered/chain_c.o: its SHA-256 is not the one the manifest names" \
	"$evolve" send "$work/ev_tampered"

# The transfers: good, damaged in one data line of chain_c.o, and cut short.
"$evolve" send "$work/ev" >"$work/good.txt" || fail "evolve send failed"
awk '/^file chain_c.o / { f = 1 } f && /^data / && !done { sub(/^data [0-9]+ ./, "&"); $3 = (substr($3, 1, 1) == "0" ? "1" : "0") substr($3, 2); done = 1 } { print }' \
	"$work/good.txt" >"$work/damaged.txt"
cmp -s "$work/good.txt" "$work/damaged.txt" && fail "the damaged transfer is not damaged"
head -n 20 "$work/good.txt" >"$work/cut.txt"

# --- what the block after the N-th "theseus> CMD" holds -----------------------------------
block() { # OUT CMD N
	awk -v cmd="theseus> $2" -v n="$3" '$0 == cmd { k++; on = (k == n); next } /^theseus> / { on = 0 } on' "$1"
}
same() { # OUT CMD N M: the blocks after the N-th and M-th CMD are equal
	[ "$(block "$1" "$2" "$3")" = "$(block "$1" "$2" "$4")" ] || fail "'$2' printed other lines after run $4 than after run $3"
}
expect() { # OUT REGEX
	grep -Eq -- "$2" "$1" || fail "no line matching /$2/"
}

run() { # OUT CMDS|--stdin FILE: the simulator (or under valgrind) given -c CMDS, or reading FILE
	out_=$1
	if [ "$2" = --stdin ]; then in_=$3; set -- "$1"; else in_=/dev/null; set -- "$1" -c "$2"; fi
	shift
	[ "$mode" = valgrind ] &&
		set -- valgrind --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite "$build/theseus" "$@"
	[ "$mode" = valgrind ] || set -- "$build/theseus" "$@"
	"$@" <"$in_" >"$out_" 2>&1
	rc=$?
	cat "$out_"
}

if [ "$mode" = qemu ]; then
	{
		printf 'load chain_a\ncall chain_a_main 5\nevolve /tmp/ev\ndeps chain_c --rev --bytes\nevolve --serial\n'
		cat "$work/damaged.txt"
		printf 'deps chain_c --rev --bytes\ncall chain_a_main 5\nevolve --serial\n'
		cat "$work/good.txt"
		printf 'call chain_a_main 5\ndeps chain_c --rev --bytes\nexit 0\n'
	} >"$work/script.txt"
	"$src/tests/qemu/run_qemu.sh" "$build" "$work/script.txt" >"$work/raw.out" 2>&1
	rc=$?
	tr -d '\r' <"$work/raw.out" >"$work/out"
	cat "$work/out"
	[ $rc = 77 ] && exit 77
	[ $rc = 0 ] || fail "QEMU exited with $rc, expected 0"
	out=$work/out
	expect "$out" "^evolve: /tmp/ev/manifest: no files on bare metal \\(send the evolution with evolve --serial\\) \\(E_HAL\\)"
	expect "$out" "^evolve: transfer line [0-9]+: checksum mismatch .*\\(E_CHECKSUM\\); nothing changed"
	expect "$out" "^evolve: received the manifest and 2 object\\(s\\)"
	expect "$out" "^evolve: applied as one swap: 1 changed, 0 added, 0 removed, 1 skipped"
	[ "$(grep -c '^chain_a_main returned 32 ' "$out")" = 2 ] || fail "chain_a_main did not answer 32 twice before the swap"
	expect "$out" "^chain_a_main returned 42 "
	same "$out" "deps chain_c --rev --bytes" 1 2
	[ "$(block "$out" "deps chain_c --rev --bytes" 1)" != "$(block "$out" "deps chain_c --rev --bytes" 3)" ] ||
		fail "the dependents' sites were not rewritten"
	echo "evolve test: an evolution sent over the serial line was applied on bare metal"
	exit 0
fi

# --- evolve DIR ------------------------------------------------------------------------
cmds="load chain_a
load hello
call chain_a_main 5
deps chain_c --rev --bytes
mem
evolve $work/ev_tampered
deps chain_c --rev --bytes
mem
evolve $work/ev_malformed
deps chain_c --rev --bytes
mem
evolve $work/ev
call chain_a_main 5
call hello_main
deps chain_c --rev --bytes
evolve $work/ev_v2 --keep-old
call chain_a_main 5
deps chain_b
swap --back
call chain_a_main 5
evolve $work/nowhere"
run "$work/dir.out" "$cmds"
out=$work/dir.out
[ $rc = 1 ] || fail "exit status $rc, expected 1 (the refused evolutions)"
expect "$out" "^chain_a_main returned 32 "
expect "$out" "^evolve: chain_c.o: SHA-256 [0-9a-f]{16}\\.\\.\\., the manifest \\(line 4\\) says [0-9a-f]{16}\\.\\.\\. \\(E_CHECKSUM\\); nothing changed$"
expect "$out" "^evolve: manifest line $bad_line: unknown step \\(change, add or remove\\) 'chnage' \\(E_INVAL\\); nothing changed$"
for b in 2 3; do
	same "$out" "deps chain_c --rev --bytes" 1 $b
	same "$out" mem 1 $b
done
expect "$out" "^  change chain_c -> chain_c \\(chain_c.o, [0-9]+ bytes, sha256 [0-9a-f]{16}\\)$"
expect "$out" "^  change hello -> hello \\(hello.o, [0-9]+ bytes, sha256 [0-9a-f]{16}\\)$"
expect "$out" "^swap: load .* 2 sites, 2 edges, 1 objects copied"
expect "$out" "^evolve: applied as one swap: 2 changed, 0 added, 0 removed, 0 skipped$"
expect "$out" "^chain_a_main returned 42 "
expect "$out" "^Hello from hello v2, built in a second checkout!$"
[ "$(block "$out" "deps chain_c --rev --bytes" 1)" != "$(block "$out" "deps chain_c --rev --bytes" 4)" ] ||
	fail "the dependents' sites were not rewritten"
expect "$out" "^  change chain_c -> chain_c_v2 \\(chain_c_v2.o"
expect "$out" "^chain_a_main returned 52 "
expect "$out" "^deps of chain_b: 2 edges into 1 cells: chain_c_v2"
[ "$(grep '^chain_a_main returned' "$out" | tr '\n' ' ')" = \
	"chain_a_main returned 32 (0x20) chain_a_main returned 42 (0x2a) chain_a_main returned 52 (0x34) chain_a_main returned 42 (0x2a) " ] ||
	fail "chain_a_main did not answer 32, 42, 52 and (after swap --back) 42"
expect "$out" "^evolve: $work/nowhere/manifest: No such file or directory \\(E_HAL\\); nothing changed$"
[ "$(grep -c '^evolve: applied' "$out")" = 2 ] || fail "expected exactly two evolutions applied"

# --- evolve --serial, the transfer on stdin -------------------------------------------------
{
	printf 'load chain_a\nload hello\nevolve --serial\n'
	cat "$work/damaged.txt"
	printf 'call chain_a_main 5\nevolve --serial\n'
	cat "$work/good.txt"
	printf 'call chain_a_main 5\nevolve --serial\n'
	cat "$work/cut.txt"
} >"$work/stdin.txt"
run "$work/serial.out" --stdin "$work/stdin.txt"
out=$work/serial.out
[ $rc = 1 ] || fail "exit status $rc, expected 1 (the refused transfers)"
expect "$out" "^evolve: transfer line [0-9]+: checksum mismatch \\(the line was damaged or is not the framing\\) \\(E_CHECKSUM\\); nothing changed$"
[ "$(grep -c '^chain_a_main returned' "$out")" = 2 ] || fail "a command after a transfer was lost"
expect "$out" "^chain_a: 5 -> 32$"
expect "$out" "^evolve: received the manifest and 2 object\\(s\\)"
expect "$out" "^evolve: applied as one swap: 2 changed"
expect "$out" "^chain_a_main returned 42 "
expect "$out" "^evolve: transfer line 21: the input ended before the transfer's end line \\(E_INVAL\\); nothing changed$"
grep -q "unknown command" "$out" && fail "a line of a transfer was taken for a command"
echo "evolve test ($mode): evolutions from a second checkout applied, refusals changed nothing"
