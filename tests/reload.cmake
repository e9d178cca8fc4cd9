# Recovery stage 4 (docs/faults.md), include()d by this folder's
# CMakeLists.txt: the hosted scenario (scenario/reload_cases.cmake) and the
# QEMU test run tests/qemu/reload.txt and expect the same lines, in this
# order (expect_seq.sh). The fault injector `rot` writes ud2 over
# faulty_text_value; a restartable task calling it faults three times:
# restarted (stage 2), data reinitialised (3: no cure for code), cell
# reloaded (4), and completes in the new load. First the task's entry lies
# in a dependent (faulty_text_user: its calls are redirected to the new
# load), then, with the new load corrupted again, in faulty_text itself
# (the entry moves into the newer load). A one-shot call through the
# dependent works after each reload. Only lines printed while the shell
# waits in the foreground are expected in order: a task's own lines may be
# cut by the shell's prompt and echo while it reads the next command (the
# console does not keep one kprintf whole against another task's); the
# fault log holds what they say.
set(RELOAD_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/qemu/reload.txt)
set(RELOAD_FAULT "illegal instruction at faulty_text:\\.text\\.faulty_text_value\\+0x0 \\(faulty_text_value\\+0x0\\)")
set(RELOAD_SEQ
	--then "^faulty_text_user_value returned 111 "
	--then "^rot_text: ud2 written over faulty_text:\\.text\\.faulty_text_value\\+0x0 \\(faulty_text_value\\)"
	--then "^spawned task 4 \\(faulty_text_user, restartable\\)"
	--then "^task 4 exited with 111"
	--then "^faulty_text_user_value returned 111 "
	--then "^rot_text: ud2 written over faulty_text:\\.text\\.faulty_text_value\\+0x0 \\(faulty_text_value\\)"
	--then "^task 7 exited with 13"
	--then "^faulty_text_user_value returned 111 "
	--then "^fault log: 6 fault\\(s\\)"
	--then "^#1 .* task 4 \\(faulty_text_user\\) cpu [0-9]+: ${RELOAD_FAULT}, address (0x)?[0-9a-f]+: restarted, 0 landing pad\\(s\\) run"
	--then "^#2 .* task 4 \\(faulty_text_user\\) cpu [0-9]+: ${RELOAD_FAULT}, address (0x)?[0-9a-f]+: data reinitialised, 0 landing pad\\(s\\) run, recurring"
	--then "^#3 .* task 4 \\(faulty_text_user\\) cpu [0-9]+: ${RELOAD_FAULT}, address (0x)?[0-9a-f]+ \\(faulty_text reloaded from 0x[0-9a-f]+ to 0x[0-9a-f]+, downtime [0-9]+ us\\): cell reloaded, 0 landing pad\\(s\\) run, recurring"
	--then "^#4 .* task 7 \\(faulty_text\\) cpu [0-9]+: ${RELOAD_FAULT}, address (0x)?[0-9a-f]+: restarted, 0 landing pad\\(s\\) run"
	--then "^#5 .* task 7 \\(faulty_text\\) cpu [0-9]+: ${RELOAD_FAULT}, address (0x)?[0-9a-f]+: data reinitialised, 0 landing pad\\(s\\) run, recurring"
	--then "^#6 .* task 7 \\(faulty_text\\) cpu [0-9]+: ${RELOAD_FAULT}, address (0x)?[0-9a-f]+ \\(faulty_text reloaded from 0x[0-9a-f]+ to 0x[0-9a-f]+, downtime [0-9]+ us\\): cell reloaded, 0 landing pad\\(s\\) run, recurring"
	--count 2 "cell reloaded, "
	--count 0 "reboot|rebooting|unwound|exited with -1|failed")

# A reload that fails reboots at once (stage 5, exit 4) at the fault that
# asked for it, the third, with the swap's reason: here the swap's own fault
# injection makes its first site write fail, so stage 3 of the swap undoes
# it and refuses (tests/qemu/reload_fail.txt, hosted and in QEMU). The
# reboot's lines are printed with interrupts off: nothing cuts them.
set(RELOAD_FAIL_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/qemu/reload_fail.txt)
set(RELOAD_FAIL_SEQ
	--then "^spawned task 4 \\(faulty_text_user, restartable\\)"
	--then "fault #3 recurred 2 times at faulty_text:\\.text\\.faulty_text_value\\+0x0 \\(faulty_text_value\\+0x0\\), and reloading cell faulty_text failed \\(swap refused at redirect: .*injected failure.*\\): rebooting"
	--then "^#1 .* task 4 \\(faulty_text_user\\) .*: restarted, 0 landing pad\\(s\\) run"
	--then "^#2 .* task 4 \\(faulty_text_user\\) .*: data reinitialised, 0 landing pad\\(s\\) run, recurring"
	--then "^#3 .* task 4 \\(faulty_text_user\\) .*\\(reloading cell faulty_text failed: E_[A-Z_]+\\): reboot, 0 landing pad\\(s\\) run, recurring"
	--count 0 "cell reloaded|^#4 |task 4 exited")
