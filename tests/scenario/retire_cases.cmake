# Retired cells, include()d by this folder's CMakeLists.txt: the script and
# its matches are shared with the QEMU test (RETIRE_*, tests/CMakeLists.txt).
# With two CPUs the sleeping task and the shell may sit on different CPUs,
# and the check pauses the other one.
scenario(retired_cell_listed_until_its_task_leaves 0 ${RETIRE_MATCHES} -- ${SIM} ${RETIRE_SCRIPT})
scenario(retired_cell_listed_until_its_task_leaves_cpus2 0 ${RETIRE_MATCHES} -- ${SIM} --cpus 2 ${RETIRE_SCRIPT})
if(VALGRIND)
	add_test(NAME valgrind.scenario_retired_cell COMMAND ${EXPECT} 0 ${RETIRE_MATCHES}
		-- ${VALGRIND} --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite
		${SIM} --cpus 2 ${RETIRE_SCRIPT})
	set_tests_properties(valgrind.scenario_retired_cell PROPERTIES LABELS valgrind)
endif()
