# Evolutions from a second checkout (docs/evolve.md), include()d by this
# folder's CMakeLists.txt: tools/evolve over the build and a copy of it with
# cells rebuilt by tools/mkcell from changed sources; applied with
# `evolve DIR` and `evolve --serial` (stdin) hosted, under memcheck, and over
# the serial line in QEMU (tools/evolve send streaming into its console).
set(EVOLVE_SH ${CMAKE_CURRENT_SOURCE_DIR}/evolve.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
add_test(NAME scenario.evolution_from_a_second_checkout COMMAND ${EVOLVE_SH} hosted)
set_tests_properties(scenario.evolution_from_a_second_checkout PROPERTIES LABELS scenario)
if(VALGRIND)
	add_test(NAME valgrind.scenario_evolution COMMAND ${EVOLVE_SH} valgrind)
	set_tests_properties(valgrind.scenario_evolution PROPERTIES LABELS valgrind TIMEOUT 120)
endif()
add_test(NAME qemu.evolution_over_the_serial_line COMMAND ${EVOLVE_SH} qemu)
set_tests_properties(qemu.evolution_over_the_serial_line PROPERTIES LABELS qemu TIMEOUT 300 SKIP_RETURN_CODE 77)
