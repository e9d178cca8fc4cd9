#!/bin/sh
# run_qemu.sh BUILD_DIR SCRIPT [--iso | --append CMDLINE]
# Boots the bare-metal image in QEMU (software emulation) with every cell
# object of BUILD_DIR/cells as a boot module (or the ISO with --iso), feeds
# SCRIPT to the shell over the serial line, and exits with the status the
# kernel powered off with (isa-debug-exit reports (status << 1) | 1).
# Exit 77 (skip) when qemu-system-x86_64 is not installed.
set -u
build=$1; script=$2; mode=${3:-}; append=${4:-}
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 77; }
if [ "$mode" = "--iso" ]; then
	boot="-cdrom $build/theseus.iso"
else
	modules="$build/theseus-x86_64.elf"
	for o in "${QEMU_CELLS:-$build/cells}"/*.o; do modules="$modules,$o"; done
	boot="-kernel $build/theseus-x86_64.elf32 -initrd $modules"
fi
set --
[ "$mode" = "--append" ] && set -- -append "$append"
# shellcheck disable=SC2086 # $boot is a list of arguments
timeout 120 qemu-system-x86_64 $boot "$@" -m 256M -serial stdio -display none -no-reboot -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 <"$script"
rc=$?
if [ $((rc % 2)) = 1 ]; then exit $(((rc - 1) / 2)); fi
echo "run_qemu.sh: QEMU ended with $rc without the kernel's exit status (timeout or crash)"
exit 125
