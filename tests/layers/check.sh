#!/bin/bash
# The kernel's floors (docs/layers.md), checked over the sources and the
# built objects. Lowest first:
#   lib(0) -> unwind(1) -> mm(2) -> cell(3) -> task(4) -> swap(5) -> fault(6) -> core(7)
# A kernel file may use its own floor and lower ones only; HAL headers
# (hal/) lie below every floor. Fails, naming file, floors and header or
# symbol, when:
#  - a kernel file includes a header of a floor above its own (a header in
#    kernel/include or kernel/private (headers the kernel shares but cells
#    do not see) says its floor on its first line: "/* floor: mm */"; a
#    header beside the sources has the floor of its folder), another
#    folder's private header, a header of one HAL's implementation
#    (hal-hosted/, hal-x86_64/), or a header it cannot find;
#  - a kernel object uses (calls, takes the address of) a symbol that an
#    object of a higher floor defines (nm over the nano_core's objects).
#
#   check.sh SOURCE_DIR OBJECT_LIST [HAL_OBJECT_LIST]
#                                      the check (OBJECT_LIST: a file naming
#                                      the nano_core objects, one a line;
#                                      HAL_OBJECT_LIST: the HALs' objects,
#                                      which may use only kernel/lib and
#                                      kernel_main)
#   check.sh --self-test SOURCE_DIR    shows that the check catches each
#                                      kind of violation, on a small tree
set -u

FLOORS="lib unwind mm cell task swap fault core"
NM=${NM:-nm}

# Exceptions (none today; the self-test uses them): symbols as floor:symbol,
# includes as file:header. Each one unused is reported.
EXCEPTIONS=${LAYERS_EXCEPTIONS-""}
INCLUDE_EXCEPTIONS=${LAYERS_INCLUDE_EXCEPTIONS-""}

declare -A FLOOR_NUM
n=0
for f in $FLOORS; do
	FLOOR_NUM[$f]=$n
	n=$((n + 1))
done
floor_num() { # name -> number, or nothing
	[ -n "$1" ] && echo "${FLOOR_NUM[$1]:-}"
}

# The floor name a header in kernel/include declares on its first line.
header_floor() {
	sed -n '1s|^/\* floor: \([a-z]*\) \*/$|\1|p' "$1"
}

errors=0
fail() {
	echo "layers: $*"
	errors=$((errors + 1))
}

# The floor of a kernel file, into $floor: its folder's, or for
# kernel/include/*.h its marker's; empty (and a failure said) if it has none.
file_floor() {
	local src=$1 rel=$2
	floor=
	case "$rel" in
	kernel/include/* | kernel/private/*)
		local f
		f=$(header_floor "$src")
		if [ -z "$f" ] || [ -z "$(floor_num "$f")" ]; then
			fail "$rel: no floor marker on its first line (\"/* floor: <one of: $FLOORS> */\")"
			return
		fi
		floor=$f ;;
	kernel/*/*)
		local d=${rel#kernel/}
		d=${d%%/*}
		if [ -z "$(floor_num "$d")" ]; then
			fail "$rel: kernel/$d is not a floor (one of: $FLOORS); add it to tests/layers/check.sh and docs/layers.md"
			return
		fi
		floor=$d ;;
	esac
}

check_includes() {
	local root=$1 src rel floor inc dir target tfloor tn fn used
	declare -A seen_inc_exc
	while IFS= read -r src; do
		rel=${src#"$root"/}
		file_floor "$src" "$rel"
		[ -n "$floor" ] || continue
		fn=${FLOOR_NUM[$floor]}
		dir=$(dirname "$src")
		while IFS= read -r inc; do
			local angle=false # <x.h> searches the include path only: kernel/include, kernel/private, hal/
			[ "${inc:0:1}" = "<" ] && angle=true
			inc=${inc:1}
			case "$inc" in
			*hal-hosted/* | *hal-x86_64/*)
				fail "$rel (floor $floor) includes \"$inc\": a HAL implementation's header (the kernel sees hal/ only)"
				continue ;;
			esac
			if ! $angle && [ -f "$dir/$inc" ]; then
				target=$(realpath -m "$dir/$inc")
				target=${target#"$(realpath "$root")"/}
				case "$target" in
				kernel/include/* | kernel/private/*) ;; # its marker decides, below
				"${rel%/*}"/*) continue ;; # a header of its own folder
				*)
					fail "$rel (floor $floor) includes \"$inc\": $target is private to another folder"
					continue ;;
				esac
			elif [ -f "$root/kernel/include/$inc" ]; then
				target=kernel/include/$inc
			elif [ -f "$root/kernel/private/$inc" ]; then
				target=kernel/private/$inc
			elif [ -f "$root/hal/$inc" ]; then
				continue # the HAL contract: below every floor
			elif [ -f "$root/hal-hosted/$inc" ] || [ -f "$root/hal-x86_64/$inc" ]; then
				fail "$rel (floor $floor) includes \"$inc\": a HAL implementation's header (the kernel sees hal/ only)"
				continue
			elif $angle; then
				continue # a compiler header (tests/includes allows only the freestanding ones)
			else
				fail "$rel (floor $floor) includes \"$inc\", found neither beside it, in kernel/include, kernel/private nor in hal/"
				continue
			fi
			tfloor=$(header_floor "$root/$target")
			tn=$(floor_num "$tfloor")
			[ -n "$tn" ] || continue # said when the header itself is checked
			[ "$tn" -le "$fn" ] && continue
			if [[ " $INCLUDE_EXCEPTIONS " == *" $rel:$inc "* ]]; then
				seen_inc_exc[$rel:$inc]=1
				continue
			fi
			fail "$rel (floor $floor) includes \"$inc\", a header of floor $tfloor (above it)"
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"]\)\([^">]*\)[">].*/\1\2/p' "$src")
	done < <(find "$root/kernel" -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) | sort)
	for used in $INCLUDE_EXCEPTIONS; do
		[ -n "${seen_inc_exc[$used]:-}" ] ||
			echo "layers: note: the exception $used is no longer needed; remove it from tests/layers/check.sh"
	done
}

# An object's source file and folder: .../nano_core.dir/kernel/mm/heap.c.o
obj_source() {
	local o=${1#*/kernel/}
	echo "kernel/${o%.o}"
}

declare -A def_src def_floor # every kernel symbol: its source and floor (check_symbols)

check_symbols() {
	local list=$1 obj src dir sym def defsrc uf df used
	declare -A seen_exc
	local objs=()
	while IFS= read -r obj; do
		[ -n "$obj" ] && objs+=("$obj")
	done < "$list"
	[ ${#objs[@]} -gt 0 ] || { fail "no objects listed in $list"; return; }
	for obj in "${objs[@]}"; do
		[ -r "$obj" ] || { fail "$obj: no such object (build the nano_core first)"; continue; }
		src=$(obj_source "$obj")
		dir=${src#kernel/}
		dir=${dir%%/*}
		if [ -z "$(floor_num "$dir")" ]; then
			fail "$src: kernel/$dir is not a floor (one of: $FLOORS)"
			continue
		fi
		while read -r sym; do
			[ -n "${def_src[$sym]:-}" ] && continue
			def_src[$sym]=$src
			def_floor[$sym]=$dir
		done < <("$NM" -g --defined-only "$obj" | awk 'NF == 3 { print $3 }')
	done
	for obj in "${objs[@]}"; do
		[ -r "$obj" ] || continue
		src=$(obj_source "$obj")
		dir=${src#kernel/}
		dir=${dir%%/*}
		uf=${FLOOR_NUM[$dir]:-}
		[ -n "$uf" ] || continue
		while read -r sym; do
			def=${def_floor[$sym]:-}
			[ -n "$def" ] || continue # the HAL's, or the linker's
			df=${FLOOR_NUM[$def]}
			[ "$df" -gt "$uf" ] || continue
			if [[ " $EXCEPTIONS " == *" $dir:$sym "* ]]; then
				seen_exc[$dir:$sym]=1
				continue
			fi
			fail "$src (floor $dir) uses $sym, defined in ${def_src[$sym]} (floor $def, above it)"
		done < <("$NM" -u "$obj" | awk '{ print $NF }')
	done
	for used in $EXCEPTIONS; do
		[ -n "${seen_exc[$used]:-}" ] ||
			echo "layers: note: the exception $used is no longer needed; remove it from tests/layers/check.sh"
	done
}

# The HALs lie below every floor: of the kernel, their objects may use only
# kernel/lib (the bare-metal HAL's libc; the compiler's mem* calls) and the
# entry they boot into, kernel_main. Everything else the kernel gives them
# (fault, tick and CPU-start handlers) it installs through function pointers.
check_hal_symbols() {
	local list=$1 obj sym def
	while IFS= read -r obj; do
		[ -n "$obj" ] || continue
		[ -r "$obj" ] || { fail "$obj: no such object (build the HALs first)"; continue; }
		while read -r sym; do
			def=${def_floor[$sym]:-}
			[ -n "$def" ] && [ "$def" != lib ] && [ "$sym" != kernel_main ] || continue
			fail "HAL object $(basename "$(dirname "$obj")")/$(basename "$obj") uses $sym, defined in ${def_src[$sym]} (floor $def): a HAL uses only kernel/lib and kernel_main"
		done < <("$NM" -u "$obj" | awk '{ print $NF }')
	done < "$list"
}

# A small tree with one violation of each kind; the check must name each.
self_test() {
	local root=$1
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
	mkdir -p "$t/kernel/include" "$t/kernel/lib" "$t/kernel/task" "$t/kernel/mm" "$t/hal" "$t/hal-hosted" "$t/objs/kernel/lib" "$t/objs/kernel/task"
	printf '/* floor: lib */\nint lib_fn(void);\n' > "$t/kernel/include/low.h"
	printf '/* floor: task */\nint task_fn(void);\n' > "$t/kernel/include/high.h"
	printf 'int no_marker;\n' > "$t/kernel/include/bare.h"
	printf 'int hal_fn(void);\n' > "$t/hal/hal_x.h"
	printf 'int hosted_fn(void);\n' > "$t/hal-hosted/hosted.h"
	printf 'int mm_private;\n' > "$t/kernel/mm/mm_priv.h"
	cat > "$t/kernel/lib/bad.c" <<-'EOF'
	#include "low.h"
	#include "hal_x.h"
	#include "high.h"
	#include "hosted.h"
	#include "../mm/mm_priv.h"
	#include "nowhere.h"
	int lib_fn(void) { return task_fn(); }
	EOF
	printf '#include "high.h"\n#include "low.h"\nint task_fn(void) { return lib_fn(); }\n' > "$t/kernel/task/good.c"
	printf '#include <stdint.h>\n#include <high.h>\n' > "$t/kernel/mm/angle.c"
	# the objects: what bad.c and good.c would compile to (bad.c itself
	# cannot compile: one of its headers is nowhere)
	mkdir -p "$t/sym"
	printf 'int task_fn(void);\nint lib_fn(void) { return task_fn(); }\n' > "$t/sym/bad.c"
	cc -c "$t/sym/bad.c" -o "$t/objs/kernel/lib/bad.c.o" || return 1
	cc -c -I"$t/kernel/include" "$t/kernel/task/good.c" -o "$t/objs/kernel/task/good.c.o" || return 1
	printf '%s\n' "$t/objs/kernel/lib/bad.c.o" "$t/objs/kernel/task/good.c.o" > "$t/objects"
	local out
	out=$(LAYERS_EXCEPTIONS= LAYERS_INCLUDE_EXCEPTIONS= "$0" "$t" "$t/objects")
	local rc=$? ok=1
	echo "$out" | sed 's/^/  | /'
	[ $rc -ne 0 ] || { echo "self-test: the check passed a tree with violations"; ok=0; }
	local want
	for want in \
		'kernel/lib/bad.c (floor lib) includes "high.h", a header of floor task (above it)' \
		'kernel/lib/bad.c (floor lib) includes "hosted.h": a HAL implementation'"'"'s header' \
		'kernel/lib/bad.c (floor lib) includes "../mm/mm_priv.h": kernel/mm/mm_priv.h is private to another folder' \
		'kernel/lib/bad.c (floor lib) includes "nowhere.h", found neither' \
		'kernel/include/bare.h: no floor marker' \
		'kernel/mm/angle.c (floor mm) includes "high.h", a header of floor task (above it)' \
		'kernel/lib/bad.c (floor lib) uses task_fn, defined in kernel/task/good.c (floor task, above it)'; do
		echo "$out" | grep -qF "layers: $want" || { echo "self-test: not caught: $want"; ok=0; }
	done
	for want in 'good.c (floor task) includes' 'good.c (floor task) uses' 'includes "low.h"' 'includes "hal_x.h"' 'stdint.h'; do
		echo "$out" | grep -qF "$want" && { echo "self-test: a false report: $want"; ok=0; }
	done
	[ $ok -eq 1 ] && echo "self-test: every kind of violation caught, nothing else reported"
	[ $ok -eq 1 ]
}

if [ "${1:-}" = "--self-test" ]; then
	[ $# -eq 2 ] || { echo "usage: $0 --self-test SOURCE_DIR" >&2; exit 2; }
	self_test "$2"
	exit
fi
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: $0 SOURCE_DIR OBJECT_LIST [HAL_OBJECT_LIST] | --self-test SOURCE_DIR" >&2; exit 2; }
root=$(realpath "$1")
check_includes "$root"
check_symbols "$2"
[ $# -eq 3 ] && check_hal_symbols "$3"
if [ $errors -ne 0 ]; then
	echo "layers: $errors violation(s) of the kernel's floors ($FLOORS, lowest first; docs/layers.md)"
	exit 1
fi
echo "layers: every kernel file uses only its own floor and lower ones ($FLOORS)"
