#!/bin/sh
# no-static-data.sh: fails when a cell object keeps static data. A spill-free
# cell (the channel cells, docs/channels.md) keeps all of its state in the
# objects its callers own, so a swap or a reload of it loses nothing; any
# section the loader would map writable (SHF_WRITE and SHF_ALLOC: .data*,
# .bss*, .data.rel*, .tbss*, whatever its name) with a non-zero size breaks
# that. Works on any .o, built in this tree or outside it.
#
#   no-static-data.sh OBJECT...        exit 0 if no object has such a section;
#                                      else names each object, section and
#                                      size, exit 1 (2: not a readable ELF)
#   no-static-data.sh --self-test CC OBJECT_WITH_DATA SECTION
#                                      shows the check catches data: it must
#                                      fail on OBJECT_WITH_DATA (a cell that
#                                      has some, e.g. dep_lib.o, naming its
#                                      SECTION, .bss.dep_counter) and on
#                                      objects CC makes with each kind of
#                                      writable section, and pass on one
#                                      with code and constants only
set -u
export LC_ALL=C
READELF=${READELF:-readelf}

# Prints "SECTION SIZE" for each writable, allocated section of $1 with a
# non-zero size. readelf -SW: "[Nr] Name Type Address Off Size ES Flg Lk Inf
# Al", Flg empty for some sections (then one field fewer).
writable_sections() {
	"$READELF" -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' | awk '
		NF == 10 && $7 ~ /W/ && $7 ~ /A/ {
			size = 0
			for (i = 1; i <= length($5); i++)
				size = size * 16 + index("0123456789abcdef", tolower(substr($5, i, 1))) - 1
			if (size > 0)
				print $1, size
		}'
}

check() {
	status=0
	for o in "$@"; do
		if ! head -c 4 "$o" 2>/dev/null | grep -q 'ELF'; then
			echo "$o: not a readable ELF object"
			return 2
		fi
		found=$(writable_sections "$o") || { echo "$o: $READELF failed"; return 2; }
		if [ -n "$found" ]; then
			printf '%s\n' "$found" | while read -r sec size; do
				echo "$o: static data: section $sec, $size bytes"
			done
			status=1
		else
			echo "$o: no static data"
		fi
	done
	return $status
}

# Expects check to fail on $1 and to name each of the sections after it.
expect_caught() {
	o=$1; shift
	out=$(check "$o"); rc=$?
	if [ $rc -ne 1 ]; then
		echo "SELF-TEST FAIL: $o: exit $rc, want 1:"; echo "$out"; return 1
	fi
	for sec in "$@"; do
		if ! printf '%s\n' "$out" | grep -q "section $sec, [1-9][0-9]* bytes$"; then
			echo "SELF-TEST FAIL: $o: section $sec not named:"; echo "$out"; return 1
		fi
	done
	echo "self-test ok: $o caught ($*)"
}

self_test() {
	cc=$1; with_data=$2; with_data_section=$3
	tmp=$(mktemp -d) || exit 2
	trap 'rm -rf "$tmp"' EXIT
	cat >"$tmp/data.c" <<-'EOF'
	int initialised = 1;
	int *pointer = &initialised;       /* .data.rel.* under -fpic */
	int *const const_pointer = &initialised; /* .data.rel.ro.*: still writable in the object */
	static int zeroed;
	__thread int per_thread;
	void bump(void) { zeroed++; per_thread++; }
	int get(void) { return initialised + zeroed + *pointer + *const_pointer + per_thread; }
	EOF
	cat >"$tmp/clean.c" <<-'EOF'
	static const int table[4] = { 1, 2, 3, 4 };
	int get(unsigned i) { return table[i & 3]; }
	EOF
	bad=0
	$cc -c -O2 -fdata-sections -fpic "$tmp/data.c" -o "$tmp/data.o" || exit 2
	$cc -c -O2 -fdata-sections "$tmp/clean.c" -o "$tmp/clean.o" || exit 2
	expect_caught "$with_data" "$(printf '%s' "$with_data_section" | sed 's/[.]/\\./g')" || bad=1
	expect_caught "$tmp/data.o" '\.data\.initialised' '\.data\.rel\.pointer' \
		'\.data\.rel\.ro\.const_pointer' '\.bss\.zeroed' '\.tbss\.per_thread' || bad=1
	out=$(check "$tmp/clean.o") || { echo "SELF-TEST FAIL: code and constants taken for data:"; echo "$out"; bad=1; }
	[ $bad -eq 0 ] && echo "self-test ok: code and constants only pass"
	printf 'garbage' >"$tmp/not.o"
	out=$(check "$tmp/not.o"); rc=$?
	[ $rc -eq 2 ] || { echo "SELF-TEST FAIL: a non-ELF file: exit $rc, want 2"; bad=1; }
	return $bad
}

if [ $# -ge 1 ] && [ "$1" = --self-test ]; then
	[ $# -eq 4 ] || { echo "usage: $0 --self-test CC OBJECT_WITH_DATA SECTION" >&2; exit 2; }
	self_test "$2" "$3" "$4"
	exit $?
fi
[ $# -ge 1 ] || { echo "usage: $0 OBJECT... | --self-test CC OBJECT_WITH_DATA SECTION" >&2; exit 2; }
check "$@"
