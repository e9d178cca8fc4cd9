#!/bin/sh
# run-qemu.sh BUILD_DIR [--iso]
# Boots the bare-metal theseus-c in QEMU with the shell on this terminal
# (serial on stdio; `exit` powers off, Ctrl-A x quits QEMU). Every cell
# object of BUILD_DIR/cells is a boot module; with --iso, boots
# BUILD_DIR/theseus.iso instead. Exits with the status the kernel powered
# off with (isa-debug-exit reports it as (status << 1) | 1).
set -eu
build=$1
if [ "${2:-}" = "--iso" ]; then
	set -- -cdrom "$build/theseus.iso"
else
	modules="$build/theseus-x86_64.elf"
	for o in "$build"/cells/*.o; do modules="$modules,$o"; done
	set -- -kernel "$build/theseus-x86_64.elf32" -initrd "$modules"
fi
# signal=off: ^C goes to the guest shell (it ends the foreground task there);
# mux=on: Ctrl-A x still quits QEMU.
rc=0
qemu-system-x86_64 "$@" -m 256M -chardev stdio,id=con,mux=on,signal=off -serial chardev:con \
	-display none -no-reboot -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 || rc=$?
# An odd status is the kernel's; 0 means QEMU was quit (Ctrl-A x).
[ $((rc % 2)) = 1 ] && exit $(((rc - 1) / 2))
exit "$rc"
