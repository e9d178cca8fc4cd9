# Recovery stage 4 (docs/faults.md), include()d by this folder's
# CMakeLists.txt: the script and the ordered expectations are shared with
# the QEMU test (tests/reload.cmake). With 1 CPU and with 2 (the swap
# pauses the other CPU for its redirect). No memcheck variant: a machine
# fault cannot run clean under memcheck (docs/faults.md).
foreach(cpus 1 2)
	add_test(NAME scenario.stage4_reload_cpus${cpus}
		COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/expect_seq.sh 0 ${RELOAD_SEQ} -- ${SIM} --cpus ${cpus} ${RELOAD_SCRIPT})
	set_tests_properties(scenario.stage4_reload_cpus${cpus} PROPERTIES LABELS scenario)
endforeach()
add_test(NAME scenario.stage4_failed_reload_reboots
	COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/expect_seq.sh 4 ${RELOAD_FAIL_SEQ} -- ${SIM} ${RELOAD_FAIL_SCRIPT})
set_tests_properties(scenario.stage4_failed_reload_reboots PROPERTIES LABELS scenario)

# The channel fault cases (tests/chan_faults.cmake), as the QEMU test runs them;
# also with 2 CPUs (each case's tasks share the driver's CPU; the shell and
# the swap's reaper may run on the other).
add_test(NAME scenario.chan_fault_cases
	COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/expect_seq.sh 0 ${CHAN_FAULTS_SEQ} -- ${SIM} ${CHAN_FAULTS_SCRIPT})
add_test(NAME scenario.chan_fault_cases_cpus2
	COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/expect_seq.sh 0 ${CHAN_FAULTS_SEQ} -- ${SIM} --cpus 2 ${CHAN_FAULTS_SCRIPT})
set_tests_properties(scenario.chan_fault_cases scenario.chan_fault_cases_cpus2 PROPERTIES LABELS scenario)
