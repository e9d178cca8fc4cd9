# Scenario tests of tasks as the shell shows them (cells/shell/cmd_tasks.c):
# spawn, join, ps and sched, and the scheduler case study (cells/prio_demo).
# include()d by this folder's CMakeLists.txt after scenario() and SIM are
# defined; commands are separated by "\n" as in shell_cases.cmake. Task ids
# are as the kernel hands them out: 0 is CPU 0's idle task, 1 the shell, so the
# first task spawned from the shell is 2.

scenario(task_spawn_and_join_hello 0
	--match "^theseus> spawn hello$"
	--match "^spawned task 2 \\(hello\\)$"
	--match "^Hello from the hello cell!$"
	--match "^task 2 exited with 0$"
	-- ${SIM} -c "spawn hello\njoin 2")

scenario(task_ps_lists_the_shell 0
	--match "^ +id +name +state +cpu +prio +namespace +cell$"
	--match "^ +[0-9]+\\* shell +[a-z]+ +[0-9]+ +-?[0-9]+ "
	-- ${SIM} -c "ps")

scenario(task_ps_shows_a_spawned_task 0
	--match "^spawned task 2 \\(hello\\)$"
	--match "^ +2  hello +[a-z]+ +[0-9]+ +0 +[^ ]+ +hello$"
	-- ${SIM} -c "spawn hello\nps\njoin 2")

scenario(task_sched_is_round_robin 0
	--match "^scheduler: sched_rr \\(round robin\\)$"
	-- ${SIM} -c "sched")

scenario(task_prio_demo 0
	--match "^spawned task 2 \\(prio_demo\\)$"
	--match "^\\[prio 1\\] iteration 0$"
	--match "^\\[prio 5\\] iteration 0$"
	--match "^\\[prio 10\\] iteration 0$"
	--match "^\\[prio 10\\] iteration 2$"
	--match "^prio_demo: done$"
	--match "^task 2 exited with 0$"
	-- ${SIM} -c "spawn prio_demo\njoin 2")

scenario(task_join_unknown_id 1
	--match "^join: no task 42 \\('ps' lists them\\)$"
	-- ${SIM} -c "join 42")

scenario(task_join_not_a_number 1
	--match "^join: 'soon' is not a task id \\('ps' lists them\\)$"
	-- ${SIM} -c "join soon")

scenario(task_spawn_unknown_cell 1
	--match "^spawn: .*no_such_cell"
	-- ${SIM} -c "spawn no_such_cell")

scenario(task_spawn_cell_without_main 1
	--match "^spawn: cell chain_c declares no app entry"
	-- ${SIM} -c "spawn chain_c")

scenario(task_join_self_refused 1
	--match "^join: task 1 is this shell. it never ends while the shell waits$"
	-- ${SIM} -c "join 1")

# A mutex whose owner dies (cells/lock_demo): the owner dies holding it, by a
# page fault or a panic; the waiter queued behind it is told "owner died",
# repairs what it guards and marks it consistent; the next lock is ok, and
# the fault log names the mutex the kernel released.
set(LOCK_DEMO_MATCHES
	--match "^lock_demo: owner dies holding the lock, halfway through a transfer$"
	--match "^lock_demo: the waiter got the lock: owner died$"
	--match "^lock_demo: accounts hold 90 \\+ 0 = 90: repairing$"
	--match "^lock_demo: the lock again: ok, accounts 90 \\+ 10$"
	--match "^task 2 exited with 0$"
	--match "^#1 .*task 3 \\(lock_owner\\) .*: unwound, 0 landing pad\\(s\\) run. released 1 mutex\\(es\\) it held, marked owner died: lock_demo:.bss.accounts_lock\\+0x0$"
	--nomatch "lock_demo: the lock again: (owner died|not recoverable|refused)")
scenario(task_lock_owner_faults 0 ${LOCK_DEMO_MATCHES}
	--match "^#1 .* page fault at lock_demo:.text.owner"
	-- ${SIM} -c "spawn lock_demo\njoin 2\nfaults")
scenario(task_lock_owner_panics_cpus2 0 ${LOCK_DEMO_MATCHES}
	--match "^#1 .* panic at lock_demo:.text.owner"
	-- ${SIM} --cpus 2 -c "spawn lock_demo 1\njoin 2\nfaults")
# Stage 3 with the mutex in the data it puts back (cells/lock_demo 2): the
# spender faults twice at the same place holding lock_demo's .bss mutex; the
# kernel releases it before reinitialising the data (it used to follow the
# overwritten link and stop the machine, exit 5), and the third run locks it.
set(LOCK_REINIT_MATCHES
	--match "^lock_demo: the spender got the lock: ok$"
	--match "^lock_demo: the spender got the lock: owner died$"
	--match "^lock_demo: the spender returned 90. the lock again: ok$"
	--match "^task 2 exited with 0$"
	--match "^#1 .*task 3 \\(lock_spender\\) .*page fault at lock_demo:.text.spender.*: restarted, 0 landing pad\\(s\\) run. released 1 mutex\\(es\\) it held, marked owner died: lock_demo:.bss.accounts_lock\\+0x0$"
	--match "^#2 .*task 3 \\(lock_spender\\) .*page fault at lock_demo:.text.spender.*: data reinitialised, 0 landing pad\\(s\\) run, recurring. released 1 mutex\\(es\\) it held, marked owner died: lock_demo:.bss.accounts_lock\\+0x0$"
	--match "^fault log: 2 fault\\(s\\)$"
	--nomatch "machine stopped")
scenario(task_lock_in_reinitialised_data 0 ${LOCK_REINIT_MATCHES}
	-- ${SIM} -c "spawn lock_demo 2\njoin 2\nfaults")
# The same while the demo holds another mutex of that data: no reinit (it
# would overwrite a mutex under its holder) and no reload (the holder would
# go on with the old load's data, the spender with the new one's), each
# record says why, the spender restarts plainly and the recurring fault
# reboots (exit 4).
scenario(task_lock_reinit_refused_while_another_holds_one 4
	--match "^#2 .*task 3 \\(lock_spender\\) .*page fault at lock_demo:.text.spender.* \\(data not reinitialised: task 2 \\(lock_demo\\) holds lock_demo:.bss.other_lock\\+0x0\\): restarted, 0 landing pad\\(s\\) run, recurring. released 1 mutex\\(es\\)"
	--match "^#3 .* \\(cell not reloaded: task 2 \\(lock_demo\\) holds lock_demo:.bss.other_lock\\+0x0\\): restarted"
	--match "^fault #4 recurred 3 times at lock_demo:.text.spender"
	--nomatch "data reinitialised|machine stopped"
	-- ${SIM} -c "spawn lock_demo 3\njoin 2")
# A task that returns holding a mutex (cells/lock_demo 4): the console names
# it, the kernel releases it marked owner died (no fault recorded), and the
# next locker is told.
set(LOCK_RETURN_MATCHES
	--match "^theseus: task 3 \\(lock_keeper\\) returned holding mutex lock_demo:.bss.accounts_lock\\+0x0: released, marked owner died$"
	--match "^lock_demo: the keeper returned 0. the lock after it: owner died$"
	--match "^task 2 exited with 0$"
	--match "^fault log: 0 fault\\(s\\)"
	--nomatch "returned holding [0-9]+ more")
scenario(task_lock_returned_holding 0 ${LOCK_RETURN_MATCHES}
	-- ${SIM} -c "spawn lock_demo 4\njoin 2\nfaults")
if(VALGRIND)
	add_test(NAME valgrind.scenario_lock_returned_holding
		COMMAND ${EXPECT} 0 ${LOCK_RETURN_MATCHES}
			-- ${VALGRIND} --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite
			${SIM} -c "spawn lock_demo 4\njoin 2\nfaults")
	set_tests_properties(valgrind.scenario_lock_returned_holding PROPERTIES LABELS valgrind)
	add_test(NAME valgrind.scenario_lock_owner_panics
		COMMAND ${EXPECT} 0 ${LOCK_DEMO_MATCHES}
			-- ${VALGRIND} --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite
			${SIM} -c "spawn lock_demo 1\njoin 2\nfaults")
	set_tests_properties(valgrind.scenario_lock_owner_panics PROPERTIES LABELS valgrind)
endif()
