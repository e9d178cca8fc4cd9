#!/bin/bash
# self_test.sh SOURCE_DIR BUILD_DIR CC
# Shows that tests/includes/check.sh catches each kind of violation: it runs
# the check over a copy of the sources and a build directory that borrows
# the real objects, each planted with one violation, and fails unless every
# planted one is reported (and the unplanted tree passes).
set -u
src=$(realpath "$1") build=$(realpath "$2") cc=$3
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/src" "$t/build/cells" "$t/build/tests"
(cd "$src" && git ls-files -z 2>/dev/null | xargs -0 cp --parents -t "$t/src" 2>/dev/null) ||
	cp -r "$src/kernel" "$src/cells" "$src/hal" "$src/hal-hosted" "$src/hal-x86_64" "$src/tools" "$t/src"
cp "$build"/cells/*.o "$t/build/cells/"
ln -s "$build/theseus" "$t/build/theseus"
ln -s "$build/theseus-x86_64.elf" "$t/build/theseus-x86_64.elf"
for l in hal_hosted hal_x86_64; do
	sed "s|^$src/|$t/src/|" "$build/tests/$l.sources" >"$t/build/tests/$l.sources"
done
check() { "$src/tests/includes/check.sh" "$t/src" "$t/build" "$cc" 2>&1; }

out=$(check) || { echo "self-test: the check fails on the unplanted tree:"; echo "$out"; exit 1; }

# the plants, one of each kind
printf 'void hal_cpu_relax(void);\nint planted(void) { hal_cpu_relax(); return 0; }\n' >"$t/planted.c"
"$cc" -c "$t/planted.c" -o "$t/build/cells/planted.o" || exit 1
echo 'EXPORT_APP(hal_time_ns);' >>"$t/src/kernel/core/hal_services.c"
echo 'struct hal_regs;' >>"$t/src/kernel/include/irq.h"
sed -i '1a #include "../../hal/hal_fault.h"\n#include <stdio.h>' "$t/src/cells/hello/hello.c"
sed -i '1a #include "hosted.h"' "$t/src/kernel/mm/pages.c"
sed -i '1a #include "stdio.h"' "$t/src/cells/chain_a/chain_a.c"
echo "$t/src/hal-x86_64/irq.c" >>"$t/build/tests/hal_hosted.sources"
sed -i '1a #include "task.h"' "$t/src/hal-x86_64/serial.c"
sed -i '1a #include "klib.h"' "$t/src/hal-hosted/time.c"
cp "$t/src/kernel/include/console.h" "$t/src/hal/console.h"

out=$(check) && { echo "self-test: the check passed a tree with violations"; exit 1; }
ok=1
for want in \
	'cell planted.o imports the HAL symbol hal_cpu_relax' \
	'exports a HAL name: EXPORT_APP(hal_time_ns);' \
	"kernel/include/irq.h: names the HAL's hal_regs" \
	'cells/hello/hello.c:2: a cell includes a HAL header' \
	'cells/hello/hello.c:3: includes a hosted (libc) header' \
	'cells/chain_a/chain_a.c:2: includes "stdio.h", which is neither beside it' \
	"kernel/mm/pages.c:2: includes a HAL implementation's file" \
	'the hal_hosted target builds' \
	'hal-x86_64/serial.c:2: the bare-metal HAL includes' \
	'hal-hosted/time.c:2: the hosted HAL includes' \
	'hal/console.h and kernel/include/console.h share a name'; do
	echo "$out" | grep -qF "$want" || { echo "self-test: not caught: $want"; ok=0; }
done
[ $ok = 1 ] || { echo "$out"; exit 1; }
echo "self-test: every planted violation caught"
