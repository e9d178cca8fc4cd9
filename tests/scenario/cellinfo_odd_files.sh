#!/bin/sh
# cellinfo_odd_files.sh CELLINFO CELL_DIR
# cellinfo, with --check and without, on paths that are no cell objects: a
# FIFO (opening it for reading would wait for a writer forever), a
# directory, a character device, a dangling symbolic link. Each is refused
# at once with a message naming the file and its kind, exit status 1; a
# real cell given beside them is still checked (status 0 alone).
set -u
cellinfo=$1 cells=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "cellinfo_odd_files.sh: $*"; exit 1; }
mkfifo "$dir/x.o"
mkdir "$dir/d.o"
ln -s nowhere.o "$dir/l.o"
expect() { # MODE FILE MESSAGE
	out=$(timeout 10 "$cellinfo" $1 "$2" 2>&1) && rc=0 || rc=$?
	[ $rc = 124 ] && fail "cellinfo $1 $2 hangs"
	[ $rc = 1 ] || fail "cellinfo $1 $2: exit status $rc, expected 1 ($out)"
	[ "$out" = "cellinfo: $2: $3" ] || fail "cellinfo $1 $2 says '$out', expected 'cellinfo: $2: $3'"
}
for mode in --check --info ""; do
	expect "$mode" "$dir/x.o" "not a regular file (a FIFO)"
	expect "$mode" "$dir/d.o" "not a regular file (a directory)"
	expect "$mode" /dev/null "not a regular file (a character device)"
	expect "$mode" "$dir/l.o" "No such file or directory"
done
# the odd files do not stop the others from being checked
out=$(timeout 10 "$cellinfo" --check "$dir/x.o" "$cells/hello.o" "$dir/d.o" 2>&1) && rc=0 || rc=$?
[ $rc = 1 ] || fail "mixed --check: exit status $rc, expected 1"
[ "$(printf '%s\n' "$out" | grep -c 'not a regular file')" = 2 ] || fail "mixed --check: $out"
timeout 10 "$cellinfo" --check "$cells/hello.o" || fail "hello.o refused"
echo "cellinfo_odd_files.sh: FIFO, directory, device and dangling link refused at once, by name"
