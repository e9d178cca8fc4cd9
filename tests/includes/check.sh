#!/bin/bash
# check.sh SOURCE_DIR BUILD_DIR CC
# The include discipline (docs/cells.md, "What a cell sees and links
# against"), checked over the sources and the built objects; every violation
# is named with its file (and line or symbol), and all are reported:
#  - a cell object imports a HAL symbol (hal_*);
#  - the nano_core exports a HAL name (EXPORT_* of hal_*, in the sources or
#    as an __export_hal_* record in a linked image);
#  - a header cells can see (kernel/include, cells/) names a HAL function,
#    type or constant, includes a HAL header, or does not compile alone with
#    a cell's flags and include path (tools/cell.flags, tools/cell.include);
#  - a file of kernel/ or cells/ includes a HAL implementation's header
#    (hal-hosted/, hal-x86_64/), or a cell includes a hal_*.h;
#  - one HAL builds a file of the other (the targets' SOURCES, written by
#    CMake), or includes the other's private header; code both build
#    (hal/x86_64/) includes neither's nor a kernel header;
#  - the hosted HAL includes a kernel header, or the bare-metal HAL one other
#    than klib.h (its libc: docs/cells.md);
#  - a header name exists both in hal/ and in kernel/include or kernel/private.
set -u
export LC_ALL=C
src=$1 build=$2 cc=$3
status=0
bad() {
	echo "FAIL: $*"
	status=1
}
cd "$src" || exit 2

# The C code of a file without its comments (a comment may name the HAL).
code_of() { "$cc" -fpreprocessed -dD -E -P "$1" 2>/dev/null; }

# --- cell objects import no HAL symbol --------------------------------------------------------
n=0
for o in "$build"/cells/*.o; do
	[ -e "$o" ] || { bad "no cell objects in $build/cells (build first)"; break; }
	n=$((n + 1))
	for s in $(nm -u "$o" | awk '$2 ~ /^hal_/ { print $2 }'); do
		bad "cell $(basename "$o") imports the HAL symbol $s (cells link only kernel exports)"
	done
done
echo "checked the imports of $n cell objects"

# --- the export table names no HAL symbol -----------------------------------------------------
while IFS= read -r hit; do
	bad "${hit%%:*}:$(echo "$hit" | cut -d: -f2): exports a HAL name: $(echo "$hit" | cut -d: -f3- | sed 's/^[[:space:]]*//')"
done < <(grep -rnE 'EXPORT_(APP|KERNEL)\([[:space:]]*hal_|EXPORT_AS\([^,]*,[[:space:]]*"hal_' kernel hal hal-hosted hal-x86_64)
for img in "$build/theseus" "$build/theseus-x86_64.elf"; do
	[ -e "$img" ] || { bad "no image $img (build first)"; continue; }
	for s in $(nm "$img" | awk '$3 ~ /^__export_hal_/ { sub(/^__export_/, "", $3); print $3 }'); do
		bad "$(basename "$img") has an export record of the HAL symbol $s"
	done
done

# --- headers cells can see --------------------------------------------------------------------
cellflags="-std=gnu11 $(grep '^-' tools/cell.flags | tr '\n' ' ') -Wall -Wextra -Werror"
cellincs=$(sed -n "s|^\([^#].*\)|-I$src/\1|p" tools/cell.include | tr '\n' ' ')
n=0
for h in kernel/include/*.h cells/*/*.h; do
	[ -e "$h" ] || continue
	n=$((n + 1))
	while IFS= read -r l; do
		bad "$h: includes a HAL header: $l"
	done < <(code_of "$h" | grep -E '#[[:space:]]*include[[:space:]]*[<"]hal')
	while IFS= read -r id; do
		bad "$h: names the HAL's $id (cells see no HAL name)"
	done < <(code_of "$h" | grep -v '^#[[:space:]]*include' | grep -oE '\b(hal|HAL)_[A-Za-z0-9_]*' | sort -u)
	# shellcheck disable=SC2086 # flag lists are words
	if ! out=$(echo "#include \"$src/$h\"" | "$cc" $cellflags $cellincs -x c -c -o /dev/null - 2>&1); then
		bad "$h does not compile alone with a cell's flags and include path:"
		echo "$out" | head -n 5
	fi
done
echo "checked $n headers visible to cells"

# --- kernel/ and cells/ reach no HAL implementation -------------------------------------------
# names of files as an extended regex alternative (dots literal); "none" never matches a header
names_re() { { ls "$@" 2>/dev/null | xargs -rn1 basename; echo none; } | sort -u | sed 's/\./\\./g' | paste -sd'|'; }
impl_headers=$(names_re hal-hosted/*.h hal-x86_64/*.h)
while IFS= read -r hit; do
	bad "${hit%%:*}:$(echo "$hit" | cut -d: -f2): includes a HAL implementation's file: $(echo "$hit" | cut -d: -f3-)"
done < <(grep -rnE "#[[:space:]]*include[[:space:]]*[<\"]([^\">]*hal-(hosted|x86_64)/|($impl_headers)[\">])" kernel cells)
while IFS= read -r hit; do
	bad "${hit%%:*}:$(echo "$hit" | cut -d: -f2): a cell includes a HAL header: $(echo "$hit" | cut -d: -f3-)"
done < <(grep -rnE '#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?(hal_[^">/]*|hal\.h)[">]|#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?hal/' cells)

# --- kernel/ and cells/ are freestanding: of the compiler's headers, only those a
# freestanding C11 implementation has (and valgrind's client requests, which
# compile to a no-op instruction sequence off valgrind, in the kernel) -----------
freestanding='stdint|stddef|stdbool|stdarg|stdalign|stdnoreturn|limits|float|iso646|stdatomic'
while IFS= read -r hit; do
	bad "${hit%%:*}:$(echo "$hit" | cut -d: -f2): includes a hosted (libc) header: $(echo "$hit" | cut -d: -f3-)"
done < <(grep -rnE '#[[:space:]]*include[[:space:]]*<' kernel cells |
	grep -vE "#[[:space:]]*include[[:space:]]*<($freestanding)\.h>" |
	grep -vE '^kernel/[^:]*:[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*<valgrind/[a-z]+\.h>')

# a cell's "..." include is found beside it, in kernel/include or in cells/ (the cell include
# path), never by the compiler's fallback to its own (hosted) directories
while IFS= read -r f; do
	while IFS=: read -r line inc; do
		[ -e "$(dirname "$f")/$inc" ] || [ -e "kernel/include/$inc" ] || [ -e "cells/$inc" ] ||
			bad "$f:$line: includes \"$inc\", which is neither beside it, in kernel/include nor in cells/"
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/')
done < <(find cells -name '*.[ch]')

# --- each HAL builds and includes only its own files (and hal/) ------------------------------
for pair in hal_hosted:hal-x86_64 hal_x86_64:hal-hosted; do
	target=${pair%%:*} other=${pair#*:}
	list="$build/tests/$target.sources"
	[ -e "$list" ] || { bad "no source list $list (written by CMake at configure time)"; continue; }
	while IFS= read -r f; do
		bad "the $target target builds $f, a file of $other (shared code belongs in hal/x86_64/)"
	done < <(grep -F "/$other/" "$list")
done
x86_private=$(names_re hal-x86_64/*.h)
hosted_private=$(names_re hal-hosted/*.h)
kernel_headers=$(names_re kernel/include/*.h kernel/private/*.h)
while IFS= read -r hit; do
	bad "${hit%%:*}:$(echo "$hit" | cut -d: -f2): the hosted HAL includes $(echo "$hit" | cut -d: -f3-)"
done < <(grep -rnE "#[[:space:]]*include[[:space:]]*\"(.*hal-x86_64/|$x86_private|$kernel_headers)\"" hal-hosted)
while IFS= read -r hit; do
	bad "${hit%%:*}:$(echo "$hit" | cut -d: -f2): the bare-metal HAL includes $(echo "$hit" | cut -d: -f3-) (of the kernel, only klib.h)"
done < <(grep -rnE "#[[:space:]]*include[[:space:]]*\"(.*hal-hosted/|$hosted_private|$kernel_headers)\"" hal-x86_64 |
	grep -vE '#[[:space:]]*include[[:space:]]*"klib\.h"')
while IFS= read -r hit; do
	bad "${hit%%:*}:$(echo "$hit" | cut -d: -f2): code both x86-64 HALs build includes $(echo "$hit" | cut -d: -f3-)"
done < <(grep -rnE "#[[:space:]]*include[[:space:]]*\"(.*hal-(hosted|x86_64)/|$hosted_private|$x86_private|$kernel_headers)\"" hal/x86_64)

# --- no header name in both hal/ and the kernel ------------------------------------------------
for h in hal/*.h; do
	for k in kernel/include kernel/private; do
		[ -e "$k/$(basename "$h")" ] && bad "$h and $k/$(basename "$h") share a name"
	done
done

[ $status = 0 ] && echo "include discipline holds"
exit $status
