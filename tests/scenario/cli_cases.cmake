# The command line and the standard descriptors, as a careless or hostile
# user meets them (issue 9, items 2 and 15). Included by CMakeLists.txt.

# Closed standard descriptors: the physical-memory memfd must never become
# fd 0 or 1 (it did: output went into "RAM", the shell ran RAM as commands).
scenario(closed_stdout 0 -- sh -c "exec \"$0\" -c 'ls\nload hello\ncall hello_main' >&-" ${SIM})
scenario(closed_stdin 0 --match "nano_core: 256 MiB" --nomatch "unknown command" --nomatch "theseus>"
	-- sh -c "exec \"$0\" <&-" ${SIM})
scenario(closed_stderr_keeps_status 1 --match "unknown command 'frobnicate'"
	-- sh -c "exec \"$0\" -c 'ls\nfrobnicate' 2>&-" ${SIM})
scenario(closed_all_three 0 -- sh -c "exec \"$0\" -c 'load hello\ncall hello_main' <&- >&- 2>&-" ${SIM})
if(VALGRIND)
	add_test(NAME valgrind.closed_stdin_stdout COMMAND ${EXPECT} 0
		-- sh -c "exec \"$1\" --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite \"$0\" -c 'ls\nload hello\ncall hello_main' <&- >&-"
		${SIM} ${VALGRIND})
	set_tests_properties(valgrind.closed_stdin_stdout PROPERTIES LABELS valgrind)
endif()

# Usage errors: on stderr, status 2, the value named as given.
scenario(bad_memory_negative 2 --match "bad memory size '-1'" --nomatch "18446744073709551615"
	-- ${SIM} -m -1)
scenario(bad_memory_blank 2 --match "bad memory size ' 8M'" -- ${SIM} -m " 8M")
scenario(bad_memory_zero_on_stderr 2 --match "0 KiB of memory is too small"
	-- sh -c "\"$0\" -m 0 2>&1 >/dev/null" ${SIM})
scenario(bad_scheduler_on_stderr 2 --match "scheduler nonexistent: .*no cell image of that name"
	--match "task setup failed" -- sh -c "\"$0\" --sched nonexistent 2>&1 >/dev/null" ${SIM})
scenario(bad_scheduler_not_on_stdout 2 --nomatch "nonexistent" --nomatch "task setup failed"
	-- sh -c "\"$0\" --sched nonexistent 2>/dev/null" ${SIM})
scenario(command_file_is_directory 2 --match "theseus: .*: Is a directory" -- ${SIM} ${CMAKE_SOURCE_DIR}/docs)
