# W^X on the hosted target (docs/memory.md), include()d by this folder's
# CMakeLists.txt: writing a cell's text and executing its data fault, the
# task is ended and the machine goes on; `wx` walks /proc/self/maps over the
# arena and the simulator's image and finds no writable+executable page and
# no frame mapped twice. WX_MATCHES (tests/CMakeLists.txt) are shared with
# the QEMU test, which runs the same commands from tests/qemu/wx.txt.
scenario(wx_text_not_writable_data_not_executable 0 ${WX_MATCHES} -- ${SIM} ${WX_SCRIPT})
# Under memcheck only the walk: a machine fault is itself an invalid access
# to memcheck (docs/faults.md). The walk must still see the
# arena (hosted at 0x60000000), the loaded cell's text in it.
if(VALGRIND)
	add_test(NAME valgrind.scenario_wx COMMAND ${EXPECT} 0
		--match "^wx: [0-9]+ pages in [0-9]+ ranges \\([1-9][0-9]* executable, [1-9][0-9]* writable\\): 0 writable\\+executable, 0 aliases"
		--match "^ +0x0*6[0-9a-f]+-0x[0-9a-f]+ r-x -> frames 0x[0-9a-f]+ \\(1 pages\\)"
		-- ${VALGRIND} --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite
		${SIM} -c "load faulty\nwx --list")
	set_tests_properties(valgrind.scenario_wx PROPERTIES LABELS valgrind)
endif()

# Text patching, hosted and under memcheck (PATCH_MATCHES, tests/CMakeLists.txt).
scenario(patch_live_text 0 ${PATCH_MATCHES} -- ${SIM} ${PATCH_SCRIPT})
if(VALGRIND)
	add_test(NAME valgrind.scenario_patch_live_text COMMAND ${EXPECT} 0 ${PATCH_MATCHES}
		-- ${VALGRIND} --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite
		${SIM} ${PATCH_SCRIPT})
	set_tests_properties(valgrind.scenario_patch_live_text PROPERTIES LABELS valgrind)
endif()

# Swapping a cell, hosted and under memcheck (SWAP_*, tests/CMakeLists.txt).
scenario(swap_refusals_then_swap_and_back 0 ${SWAP_MATCHES} -- ${SIM} ${SWAP_SCRIPT})
add_test(NAME scenario.swap_refusals_change_nothing COMMAND ${SWAP_SAME} -- ${SIM} ${SWAP_SCRIPT})
set_tests_properties(scenario.swap_refusals_change_nothing PROPERTIES LABELS scenario)
if(VALGRIND)
	add_test(NAME valgrind.scenario_swap COMMAND ${EXPECT} 0 ${SWAP_MATCHES}
		-- ${VALGRIND} --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite
		${SIM} --cpus 2 ${SWAP_SCRIPT})
	set_tests_properties(valgrind.scenario_swap PROPERTIES LABELS valgrind)
endif()
