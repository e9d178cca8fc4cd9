# Scenario tests of what `spawn` starts and what a task runs on: only an app
# cell's declared entry (APP_ENTRY, cell.h), with the stack size asked for
# (--stack); and of three behaviours the suite once did not notice breaking:
# the scheduler's import edges, priority order, and a kill ending a sleep.
# include()d by this folder's CMakeLists.txt after scenario() and SIM are
# defined; commands are separated by "\n". The first task spawned is 2.

# --- spawn starts only a declared app entry -------------------------------------
# shell_main takes a string: spawned, it read the argument array as text
# past its end and ran the garbage as commands.
scenario(app_spawn_kernel_cell_refused 1
	--match "^spawn: cell shell is a kernel cell, not an app$"
	--match "^join: no task 2 \\('ps' lists them\\)$"
	--nomatch "^spawned task"
	--nomatch "unknown command"
	-- ${SIM} -c "spawn shell -1 -1 -1 -1 -1 -1\njoin 2")
# A refused spawn unloads what it loaded: the cell and the images it needed.
scenario(app_spawn_unloaded_kernel_cell_refused 1
	--match "^spawn: cell unwind_a is a kernel cell, not an app$"
	--match "^  unwind_a +[0-9]+ bytes$"
	--nomatch "^  unwind_a +kernel"
	-- ${SIM} -c "spawn unwind_a\nls")
scenario(app_spawn_app_without_entry_refused 1
	--match "^spawn: cell chain_a declares no app entry \\(APP_ENTRY in cell.h\\). 'call' runs its functions$"
	--match "^  chain_a +[0-9]+ bytes$"
	--nomatch "^  chain_[abc] +app"
	--nomatch "^spawned task"
	-- ${SIM} -c "spawn chain_a\nls")
scenario(app_spawn_passes_the_arguments 1
	--match "^spawned task 2 \\(spinner\\)$"
	--match "^spinner: mode 2 holds a buffer$"
	--match "^task 2 failed \\(killed\\)$"
	-- ${SIM} -c "spawn spinner 2\nkill 2\njoin 2")
scenario(app_spawn_bad_options 1
	--match "^spawn: unknown option '--frob' \\(usage: spawn \\[--restartable\\] \\[--stack SIZE\\] <cell> \\[ints...\\]\\)$"
	--match "^spawn: which cell\\? \\(usage: spawn"
	--match "^spawn: at most 6 arguments$"
	--nomatch "^spawned task"
	-- ${SIM} -c "spawn --frob hello\nspawn --restartable\nspawn spinner 1 2 3 4 5 6 7")
if(VALGRIND)
	add_test(NAME valgrind.scenario_spawn_checks_the_entry
		COMMAND ${EXPECT} 1 --match "^spawn: cell shell is a kernel cell, not an app$"
			--match "declares no app entry" --match "^task 2 exited with 0$" --match "big_stack: done"
			-- ${VALGRIND} --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite
			${SIM} -c "spawn shell -1 -1 -1 -1 -1 -1\njoin 2\nspawn chain_a\nspawn --stack 256K big_stack\njoin 2")
	set_tests_properties(valgrind.scenario_spawn_checks_the_entry PROPERTIES LABELS valgrind)
endif()

# --- the stack size ------------------------------------------------------------------
# big_stack keeps a 100 KiB array on its stack: the default 64 KiB overflows
# into the guard page (logged, unwound, its cleanup run), 256K is enough.
scenario(app_stack_default_overflows 1
	--match "^big_stack: filling a 100 KiB array on the stack$"
	--match "^big_stack: cleanup runs$"
	--match "^task 2 failed$"
	--match "^fault log: 1 fault"
	--match "^#1 .*task 2 \\(big_stack\\) .*page fault at big_stack:.text.fill_and_sum.*\\(stack overflow\\): unwound, 1 landing pad\\(s\\) run$"
	--nomatch "big_stack: done"
	-- ${SIM} -c "spawn big_stack\njoin 2\nfaults")
# Low end first (as memset writes): the compiler's stack-clash probes make
# even that overflow fault in the guard page, not 36 KiB below it.
scenario(app_stack_overflow_low_end_first_hits_the_guard 1
	--match "^big_stack: filling a 100 KiB array on the stack, low end first$"
	--match "^big_stack: cleanup runs$"
	--match "^task 2 failed$"
	--match "^#1 .*task 2 \\(big_stack\\) .*page fault at big_stack:.text.fill_low_first.*\\(stack overflow\\): unwound, 1 landing pad\\(s\\) run$"
	--match "^task 3 exited with 0$"
	-- ${SIM} -c "spawn big_stack 1\njoin 2\nfaults\nspawn --stack 256K big_stack 1\njoin 3")
scenario(app_stack_256k_runs_to_completion 0
	--match "^spawned task 2 \\(big_stack\\)$"
	--match "^big_stack: done, sum 13056000$"
	--match "^task 2 exited with 0$"
	--match "^big_stack_main returned 0 \\(0x0\\)$"
	--match "^spawned task 4 \\(big_stack, restartable\\)$"
	--match "^task 4 exited with 0$"
	--match "^fault log: 0 fault"
	-- ${SIM} -c "spawn --stack 256K big_stack\njoin 2\ncall --stack 256K big_stack_main\nspawn --stack 262144 --restartable big_stack\njoin 4\nfaults")
scenario(app_call_default_stack_overflows 1
	--match "^call: big_stack_main failed \\('faults' shows why\\)$"
	--match "\\(stack overflow\\): unwound"
	-- ${SIM} -c "load big_stack\ncall big_stack_main\nfaults")
scenario(app_stack_bad_sizes_refused 1
	--match "^spawn: --stack 1 is less than the smallest task stack, 16K$"
	--match "^spawn: --stack 17M is more than the largest task stack, 16M$"
	--match "^spawn: --stack 'lots' is not a size: bytes, or KiB/MiB with K or M \\(e.g. 256K\\)$"
	--match "^spawn: --stack needs a size, e.g. --stack 256K \\(default 64K\\)$"
	--match "^call: --stack 0 is less than the smallest task stack, 16K$"
	--match "^call: --stack '99999999999999999999K' is not a size"
	--match "^call: --stack 1048576K is more than the largest task stack, 16M$"
	--nomatch "^spawned task"
	--nomatch "Hello from"
	-- ${SIM} -c "spawn --stack 1 hello\nspawn --stack 17M hello\nspawn --stack lots hello\nspawn --stack\ncall --stack 0 hello_main\ncall --stack 99999999999999999999K hello_main\ncall --stack 1048576K hello_main")
scenario(app_help_names_the_stack_option 0
	--match "^  spawn \\[--restartable\\] \\[--stack SIZE\\] <cell> \\[ints...\\] +run an app cell.s APP_ENTRY as a task.*default 64K"
	--match "^  call \\[--long\\] \\[--stack SIZE\\] <symbol> \\[args...\\] +call a function.*default 64K"
	-- ${SIM} -c "help")

# --- behaviours a mutation once broke without a test noticing ----------------------
# The scheduler's import slots are dependency edges (kernel/cell/imports.c):
# the live scheduler cannot be unloaded, and `deps --rev` shows all four slots.
foreach(sched sched_rr sched_prio)
	scenario(sched_${sched}_unload_refused_while_bound 1
		--match "^unload: cell ${sched}, .*E_DEPENDED_ON.*1 cell\\(s\\) depend on it, e.g. nano_core_task \\(.bss.sched_imports\\+0\\).*\\(depended on by nano_core_task\\)$"
		--match "^dependents of ${sched}: 4 edges from 1 cells: nano_core_task$"
		--match "^  nano_core_task:.bss.sched_imports\\+0x0 R_X86_64_64 sched_add\\+0 -> .text.sched_add$"
		--match "^  nano_core_task:.bss.sched_imports\\+0x8 R_X86_64_64 sched_remove\\+0 -> .text.sched_remove$"
		--match "^  nano_core_task:.bss.sched_imports\\+0x10 R_X86_64_64 sched_pick_next\\+0 -> .text.sched_pick_next$"
		--match "^  nano_core_task:.bss.sched_imports\\+0x18 R_X86_64_64 sched_policy\\+0 -> .text.sched_policy$"
		--match "^  ${sched} +kernel"
		--match "^Hello from the hello cell!$"
		--nomatch "^unloaded"
		-- ${SIM} --sched ${sched} -c "unload ${sched}\ndeps ${sched} --rev\nls\nspawn hello\njoin 2")
endforeach()
# sched_prio runs the highest priority first (prio_demo's tasks wait at a
# gate on one CPU, then record their run order); round robin takes turns.
scenario(sched_prio_runs_highest_first 0
	--match "^scheduler: sched_prio \\(priority\\)$"
	--match "^prio_demo: run order 10 10 10 5 5 5 1 1 1$"
	--match "^task 2 exited with 0$"
	-- ${SIM} --sched sched_prio -c "sched\nspawn prio_demo\njoin 2")
# With two CPUs (`call`, not `join 2`: task ids are not yet deterministic there).
scenario(sched_prio_runs_highest_first_cpus2 0
	--match "^prio_demo: run order 10 10 10 5 5 5 1 1 1$"
	--match "^prio_demo_main returned 0 "
	-- ${SIM} --cpus 2 --sched sched_prio -c "load prio_demo\ncall prio_demo_main")
scenario(sched_rr_takes_turns 0
	--match "^prio_demo: run order 1 5 10 1 5 10 1 5 10$"
	-- ${SIM} -c "spawn prio_demo\njoin 2")
# A kill ends a sleeping task at once, however long its sleep (here an hour;
# `timeout` only keeps a broken kill from hanging the suite).
scenario(kill_ends_an_hour_long_sleep 0
	--match "^spinner: mode 1 holds a buffer$"
	--match "^ +2  spinner +sleeping "
	--match "^killing task 2 \\(spinner\\)$"
	--match "^spinner: cleanup frees the buffer$"
	--match "^ +2  spinner +killed "
	--match "^task 2 failed \\(killed\\)$"
	--match "^#1 .*task 2 \\(spinner\\) .*kill at .*\\(killed\\): unwound, 1 landing pad\\(s\\) run$"
	-- timeout 10 ${SIM} -c "spawn spinner 1 3600000\nps\nkill 2\nps\njoin 2\nfaults\nexit 0")

# `call` of an app's entry passes a struct app_args of its integers, as
# spawn does (it passed whatever rdi held: the entry read a garbage pointer).
scenario(call_of_an_app_entry_gets_app_args 0
	--match "^big_stack: filling a 100 KiB array on the stack, low end first$"
	--match "^big_stack_main returned 0 \\(0x0\\)$"
	--match "^call: spinner_main is an app entry: its arguments are integers$"
	--match "^fault log: 0 fault"
	-- ${SIM} -c "load big_stack\ncall --stack 256K big_stack_main 1\nload spinner\ncall spinner_main \"x\"\nfaults\nexit 0")

# A task that ends holding a spinlock stops the machine (the lock stays taken
# for good); one that ends with preemption disabled gives it back, so the
# CPU's next task runs and faults as usual.
scenario(task_ending_holding_a_spinlock_stops_the_machine 5
	--match "panic at nano_core_task:.text.task_exit.*ended holding 1 spinlock\\): machine stopped"
	--nomatch "strlen returned"
	-- ${SIM} -c "call spin_note_locked\ncall strlen 1\nexit 0")
scenario(task_ending_with_preemption_disabled_gives_it_back 0
	--match "^theseus: task 2 \\(preempt_disable\\) ended with preemption disabled \\(depth 1\\): enabled again$"
	--match "^Hello from the hello cell!$" --match "^hello_main returned 0"
	--match "^fault log: 1 fault" --match "page fault at nano_core_lib:.text.strlen.*: unwound"
	-- ${SIM} -c "call preempt_disable\nload hello\ncall hello_main\ncall strlen 1\nfaults\nexit 0")
