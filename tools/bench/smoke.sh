#!/bin/sh
# bench.smoke: `bench --quick` must exit 0 and report "leak: none".
# Times are printed for the log only; nothing here asserts them.
out=$("$1" --quick) || { status=$?; printf '%s\n' "$out"; echo "bench exited with $status"; exit 1; }
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -q '^leak: none$' || { echo "no 'leak: none' line"; exit 1; }
