#!/bin/sh
# cell_dir.sh SIM CELL_DIR [RUNNER...]
# cell_dir.sh --qemu RUN_QEMU BUILD_DIR
# Boots the simulator (under RUNNER, e.g. valgrind, if given) on a cells
# directory as a user might leave it: a copy of hello.o saved as hello2.o,
# chain_c.o saved as renamed.o beside a broken leftover chain_c.o (its first
# 3000 bytes), a renamed copy of chain_b (a second provider of chain_b's
# symbols), a cell whose file name is too long (120 characters), and entries that are no cell images: a FIFO, a
# directory and a dangling symbolic link. The boot must neither hang nor
# stop; each oddity gets a message naming its file; `ls` lists each cell
# once under its record's name; loading needs no guess between providers.
# With --qemu, the same files (but the odd entries) are the bare-metal
# image's boot modules: the kernel names and checks them the same way.
set -eu
qemu=
if [ "$1" = "--qemu" ]; then
	qemu=$2; build=$3; sim=; cells=$build/cells; shift 3
else
	sim=$1; cells=$2; shift 2
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for c in shell sched_rr hello chain_a chain_b; do cp "$cells/$c.o" "$dir/"; done
cp "$cells/hello.o" "$dir/hello2.o"
cp "$cells/chain_c.o" "$dir/renamed.o"
head -c 3000 "$cells/chain_c.o" >"$dir/chain_c.o"
long=$(printf '%0118d' 0 | tr 0 a).o
cp "$cells/hello.o" "$dir/$long"
# chain_x.o: chain_b with the name in its info record (offset 16) changed
cp "$cells/chain_b.o" "$dir/chain_x.o"
info=$(readelf -SW "$dir/chain_x.o" | sed -n 's/.*\] \.theseus\.cell_info  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p')
printf 'chain_x' | dd of="$dir/chain_x.o" bs=1 seek=$((0x$info + 16)) conv=notrunc 2>/dev/null
script="ls
load hello2
load hello
call hello_main
load chain_a
load chain_x
load chain_a
call chain_a_main 5
deps chain_a"
fail() { echo "cell_dir.sh: $*"; exit 1; }
if [ -n "$qemu" ]; then
	printf '%s\nexit 0\n' "$script" >"$dir/script.txt"
	out=$(QEMU_CELLS=$dir "$qemu" "$build" "$dir/script.txt" 2>&1) && rc=0 || rc=$?
	printf '%s\n' "$out"
	[ $rc -eq 77 ] && exit 77
	[ $rc -eq 0 ] || fail "exit status $rc, expected 0"
	out=$(printf '%s\n' "$out" | tr -d '\r')
else
	mkfifo "$dir/x.o"
	mkdir "$dir/d.o"
	ln -s nowhere.o "$dir/l.o"
	out=$(timeout 60 "$@" "$sim" --cells "$dir" -c "$script" 2>&1) && rc=0 || rc=$?
	printf '%s\n' "$out"
	[ $rc -eq 1 ] || fail "exit status $rc, expected 1 (two loads are refused)"
fi
has() { printf '%s\n' "$out" | grep -Eq -- "$1" || fail "output lacks /$1/"; }
count() { n=$(printf '%s\n' "$out" | grep -Ec -- "$2") || true; [ "$n" = "$1" ] || fail "/$2/ $n times, expected $1"; }
if [ -z "$qemu" ]; then
	has "^theseus: skipping $dir/x.o: not a regular file \(a FIFO\)$"
	has "^theseus: skipping $dir/d.o: not a regular file \(a directory\)$"
	has "^theseus: skipping $dir/l.o: a dangling symbolic link$"
	count 1 "^theseus: skipping $dir/$long: file name too long for a cell image$"
else
	count 1 "^hal-x86_64: ignoring boot module '$long': file name too long for a cell image \(120 characters, at most 63\)$"
fi
count 1 "^theseus: cell images hello.o and hello2.o both hold cell hello: hello.o is used \(its file is named after the cell\), hello2.o is refused$"
count 1 "^theseus: warning: file renamed.o holds cell chain_c; it is listed as chain_c$"
count 1 "^theseus: cell image chain_c.o is unusable: malformed cell object \(E_BADELF\): .+"
count 1 "^theseus: cell image chain_c.o is refused; cell chain_c comes from renamed.o$"
count 0 "both hold cell chain_c"
# 9 files: hello2.o and the broken chain_c.o refused; the banner counts what `images` would list
count 1 "nano_core: .* exports, 7 cell images \(9 files, 2 refused\)$"
count 1 "^theseus: warning"
count 1 "^  hello +[0-9]+ bytes"
count 1 "^  chain_c +[0-9]+ bytes"
count 0 "^  (hello2|renamed|x|d|l) "
has "^load: cell hello2: not found \(E_NOTFOUND\): .*file hello2.o holds cell hello but was refused at boot"
has "^Hello from the hello cell!"
has "^hello_main returned 0 "
has "^load: cell chain_a, symbol chain_b_(value|calls_seen): duplicate symbol \(E_DUP_SYMBOL\): 2 cell images export it, chain_b and chain_x; load the one to use first"
has "^loaded chain_x along with chain_c$"
has "^chain_a_main returned 32 "
has "^deps of chain_a: .* into 2 cells: chain_x, nano_core_lib"
echo "cell_dir.sh: every oddity named, every cell listed once, no provider guessed"
