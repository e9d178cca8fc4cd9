#!/bin/sh
# nano_cells.sh BUILD_DIR hosted|qemu
# The nano_core as cells (docs/loader.md), checked against a second opinion:
# boots the image (the simulator, or the bare-metal image in QEMU), lists
# `nano`, and `sections` and `deps` of every builtin cell, and compares them
# with what readelf, objdump and nm read from the image's kernel and HAL
# objects (those its linker map names):
#  - coverage: in cells == in image for text, rodata, data and bss;
#  - no two sections of builtin cells overlap;
#  - every sized function and object of a kernel/<folder> (or HAL) object is
#    in a section of that name of nano_core_<folder> (nano_core_hal) big
#    enough for it, and a global one's address in exactly one section, of
#    that cell;
#  - the edges between builtin cells are exactly the relocations of those
#    objects against a symbol another folder defines (compared as sets).
# Exit 0 only if all hold; 77 when QEMU is missing.
set -u
build=$(cd "$1" && pwd) mode=$2
here=$(cd "$(dirname "$0")" && pwd)
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() {
	echo "nano_cells: FAIL: $*"
	fail=1
}

case $mode in
hosted) map=$build/theseus.map ;;
qemu) map=$build/theseus_x86_64.map ;;
*) echo "usage: nano_cells.sh BUILD_DIR hosted|qemu" >&2; exit 2 ;;
esac

# The kernel and HAL objects of the image, each with its cell's folder.
sed -n 's/^ *0x[0-9a-f]* *0x[0-9a-f]* \(.*\.o\)$/\1/p; s/^ \.[^ ]* *0x[0-9a-f]* *0x[0-9a-f]* \(.*\.o\)$/\1/p' "$map" |
	sort -u | while read -r o; do
	dir=$(basename "$(dirname "$o")") up=$(basename "$(dirname "$(dirname "$o")")")
	case $dir in
	hal | hal-*) echo "hal $o" ;;
	*) [ "$up" = kernel ] && echo "$dir $o" ;;
	esac
done >"$tmp/objs"
cells=$(cut -d' ' -f1 "$tmp/objs" | sort -u)
[ -n "$cells" ] || { echo "nano_cells: no kernel objects in $map"; exit 1; }

# --- the kernel's view ----------------------------------------------------------
{
	echo nano
	for c in $cells; do echo "sections nano_core_$c"; echo "deps nano_core_$c"; done
	echo exit
} >"$tmp/cmds"
if [ "$mode" = hosted ]; then
	"$build/theseus" -c "$(cat "$tmp/cmds")" </dev/null >"$tmp/out" 2>&1
else
	"$here/../qemu/run_qemu.sh" "$build" "$tmp/cmds" >"$tmp/out" 2>&1
fi
st=$?
[ "$st" = 77 ] && { echo "SKIP: no QEMU"; exit 77; }
[ "$st" = 0 ] || { tail -20 "$tmp/out"; echo "nano_cells: the $mode run exited $st"; exit 1; }
tr -d '\r' <"$tmp/out" >"$tmp/o" && mv "$tmp/o" "$tmp/out"

# coverage by kind
for k in text rodata data bss; do
	line=$(grep -E "^  $k +[0-9]+ +[0-9]+$" "$tmp/out")
	set -- $line
	[ $# = 3 ] && [ "$2" = "$3" ] || bad "coverage of $k: '$line' (in cells, in image)"
done
echo "nano_cells: $(grep '^  in cells:' "$tmp/out" | sed 's/^ *//')"

# sections of each cell: "cell addr size name", by address
awk '/^nano_core_[a-z_0-9]* has [0-9]* sections:$/ { cell = $1; next }
     /^  0x[0-9a-f]+ +[0-9]+ (text|rodata|data|bss) / { if (cell != "") print cell, $1, $2, $4; next }
     { cell = "" }' "$tmp/out" >"$tmp/secs"
[ -s "$tmp/secs" ] || bad "no sections listed"
awk 'function hex(s,  i, v, d) { v = 0; s = tolower(s); sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++) { d = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + d }
		return v }
     { print hex($2), $3, $1, $4 }' "$tmp/secs" | sort -n >"$tmp/byaddr"
awk 'NR > 1 && $1 < end { printf "%s:%s overlaps %s:%s\n", pc, pn, $3, $4; bad = 1 }
     { if ($1 + $2 > end) end = $1 + $2; pc = $3; pn = $4 }
     END { exit bad }' "$tmp/byaddr" || bad "sections overlap"

# every sized function and object symbol of the objects, in its cell
nm_img=$tmp/nm
if [ "$mode" = hosted ]; then img=$build/theseus; else img=$build/theseus-x86_64.elf; fi
nm -S -g --defined-only "$img" >"$nm_img"
n_syms=0
while read -r cell o; do
	objdump -t "$build/$o" 2>/dev/null | awk -v cell="$cell" '
		$2 ~ /^[lgw]$/ && ($3 == "F" || $3 == "O") && $4 !~ /^\.(tbss|tdata|eh_frame)/ && $5 != "0000000000000000" {
			print cell, $2, $4, $5, $6, $1 }' | sed "s|\$| $o|"
done <"$tmp/objs" >"$tmp/want_syms"
n_syms=$(wc -l <"$tmp/want_syms")
[ "$n_syms" -gt 100 ] || bad "only $n_syms sized symbols found in the objects"
# by section name and size, in the right cell
awk 'function hex(s,  i, v, d) { v = 0; s = tolower(s); sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++) { d = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + d }
		return v }
     FILENAME == ARGV[1] { k = $1 " " $4; if ($3 > big[k]) big[k] = $3; next }
     { k = "nano_core_" $1 " " $3
       if (!(k in big)) { printf "%s (%s, %s) is in no section %s of nano_core_%s\n", $5, $7, $2, $3, $1; bad = 1 }
       else if (hex($6) + hex($4) > big[k]) { printf "%s: section %s of nano_core_%s is too small\n", $5, $3, $1; bad = 1 } }
     END { exit bad }' "$tmp/secs" "$tmp/want_syms" || bad "symbols outside their cells"
# globals by address, in exactly one section, of their cell
awk '$2 == "g" { print $5, $1 }' "$tmp/want_syms" | sort -u >"$tmp/globals"
awk 'function hex(s,  i, v, d) { v = 0; s = tolower(s); sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++) { d = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + d }
		return v }
     FILENAME == ARGV[1] { a[++n] = $1; sz[n] = $2; c[n] = $3; next }
     FILENAME == ARGV[2] { if (NF == 4) addr[$4] = hex($1); next }
     { if (!($1 in addr)) next; x = addr[$1]; hits = 0; where = ""
       for (i = 1; i <= n; i++) if (x >= a[i] && x < a[i] + sz[i]) { hits++; where = c[i] }
       if (hits != 1 || where != "nano_core_" $2) { printf "%s at %x: in %d sections (%s), cell %s expected\n", $1, x, hits, where, $2; bad = 1 } }
     END { exit bad }' "$tmp/byaddr" "$nm_img" "$tmp/globals" || bad "globals not in exactly one section of their cell"

# --- edges: the kernel's against the objects' relocations -------------------------
for c in $cells; do
	sed -n "/^deps of nano_core_$c: /,/^[^ ]/p" "$tmp/out" |
		sed -n 's/^  \([^ ]*+0x[0-9a-f]* R_X86_64_[A-Z0-9_]* [^ ]*\) -> nano_core_[a-z0-9_]*:.*$/\1/p' |
		sed "s/^/$c /"
done | sort -u >"$tmp/kernel_edges"
# which cell defines each global: "name cell"
while read -r cell o; do nm -g --defined-only "$build/$o" | awk -v c="$cell" 'NF == 3 { print $3, c }'; done \
	<"$tmp/objs" | sort -u >"$tmp/defs"
while read -r cell o; do
	nm -u "$build/$o" | awk '{ print $NF }' >"$tmp/undef"
	readelf -rW "$build/$o" | awk -v cell="$cell" -v undef="$tmp/undef" -v defs="$tmp/defs" '
		function hex(s,  i, v, d) { v = 0; s = tolower(s)
			for (i = 1; i <= length(s); i++) { d = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + d }
			return v }
		BEGIN { while ((getline l < undef) > 0) u[l] = 1
			while ((getline l < defs) > 0) { split(l, f, " "); d[f[1]] = f[2] } }
		/^Relocation section / { sec = $3; gsub(/\047/, "", sec); sub(/^\.rela/, "", sec)
			keep = sec !~ /^\.(eh_frame|debug|comment|note)/; next }
		keep && $3 ~ /^R_X86_64_/ && NF >= 7 {
			sym = $5; if (!(sym in u) || !(sym in d) || d[sym] == cell) next
			printf "%s %s+0x%x %s %s%s%d\n", cell, sec, hex($1), $3, sym, $6 == "-" ? "-" : "+", hex($7) }'
done <"$tmp/objs" | sort -u >"$tmp/want_edges"
comm -13 "$tmp/kernel_edges" "$tmp/want_edges" >"$tmp/missing"
comm -23 "$tmp/kernel_edges" "$tmp/want_edges" >"$tmp/extra"
nwant=$(wc -l <"$tmp/want_edges")
if [ -s "$tmp/missing" ] || [ -s "$tmp/extra" ] || [ "$nwant" -lt 50 ]; then
	bad "edges: $(wc -l <"$tmp/missing") missing, $(wc -l <"$tmp/extra") extra of $nwant"
	sed 's/^/    missing: /' "$tmp/missing" | head -20
	sed 's/^/    extra:   /' "$tmp/extra" | head -20
else
	echo "nano_cells: $nwant edges between $(echo $cells | wc -w) builtin cells match the objects' relocations"
fi
echo "nano_cells: $n_syms sized symbols checked"
exit $fail
