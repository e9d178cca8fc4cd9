# The channel apps (docs/channel_apps.md), include()d by this folder's
# CMakeLists.txt. Each app checks every message it gets and prints one
# summary line, asserted whole: a message lost, duplicated or reordered, a
# checksum or an answer wrong shows in it. Each runs under both channel
# protocols: the second time after `swap chan_rendezvous=chan_async`. The
# first task spawned is 2; ids follow in spawn order whatever --cpus is.
set(CHAN_PINGPONG_CHECKS
	--then "^chan_pingpong: 500 round trips, 0 lost, 0 duplicated, 0 out of order[[:punct:]] flavors: rendezvous 500$"
	--then "^task 2 exited with 0$"
	--then "^chan_pingpong: 500 round trips, 0 lost, 0 duplicated, 0 out of order[[:punct:]] flavors: async 500$"
	--then "^task 4 exited with 0$"
	--count 0 "wrong")
set(CHAN_PINGPONG_SCRIPT
	"spawn chan_pingpong 500\njoin 2\nswap chan_rendezvous=chan_async\nspawn chan_pingpong 500\njoin 4")
# 8 stages: the pipeline app is 2, its source 3, its stages 4-11.
set(CHAN_PIPELINE_CHECKS
	--then "^chan_pipeline: 8 stages, 500 messages, 0 lost, 0 duplicated, 0 out of order, 0 bad checksums[[:punct:]] flavors: rendezvous 500$"
	--then "^task 2 exited with 0$"
	--then "^chan_pipeline: 8 stages, 500 messages, 0 lost, 0 duplicated, 0 out of order, 0 bad checksums[[:punct:]] flavors: async 500$"
	--then "^task 12 exited with 0$"
	--count 0 "wrong")
set(CHAN_PIPELINE_SCRIPT
	"spawn chan_pipeline 8 500\njoin 2\nswap chan_rendezvous=chan_async\nspawn chan_pipeline 8 500\njoin 12")
# 6 clients (tasks 3-8) and the server (9); the second run is 10.
set(CHAN_SERVER_CHECKS
	--count 12 "^chan_server: client [0-5]: 100 answered, 0 wrong$"
	--count 2 "^chan_server: the server answered 600 requests of 6 clients[[:punct:]] every answer right$"
	--then "^task 2 exited with 0$"
	--then "^task 10 exited with 0$"
	--count 0 "stopped|FAILED|did not end")
set(CHAN_SERVER_SCRIPT
	"spawn chan_server 6 100\njoin 2\nswap chan_rendezvous=chan_async\nspawn chan_server 6 100\njoin 10")
foreach(app pingpong pipeline server)
	string(TOUPPER ${app} APP)
	foreach(cpus 1 2)
		add_test(NAME scenario.chan_${app}_cpus${cpus}
			COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/expect_seq.sh 0 ${CHAN_${APP}_CHECKS}
				-- ${SIM} --cpus ${cpus} -c ${CHAN_${APP}_SCRIPT})
		set_tests_properties(scenario.chan_${app}_cpus${cpus} PROPERTIES LABELS scenario)
	endforeach()
endforeach()

# Bad arguments: a usage line, exit status 2, nothing started.
scenario(chan_apps_bad_arguments 0
	--match "^chan_pingpong: usage: spawn chan_pingpong \\[ROUNDS\\] \\[1: live\\]"
	--match "^chan_pipeline: usage: spawn chan_pipeline \\[STAGES\\] \\[MESSAGES\\] \\[1: live\\][[:punct:]] STAGES 0..16"
	--match "^chan_server: usage: spawn chan_server \\[CLIENTS\\] \\[REQUESTS\\][[:punct:]] CLIENTS 0..16"
	--match "^task 2 exited with 2$" --match "^task 3 exited with 2$" --match "^task 4 exited with 2$"
	--match "^task 5 exited with 2$" --match "^task 6 exited with 2$"
	--nomatch "^ +[0-9]+ +(ponger|source|stage|client|server) "
	-- ${SIM} -c "spawn chan_pingpong -5\njoin 2\nspawn chan_pingpong 10 2\njoin 3\nspawn chan_pipeline 17\njoin 4\nspawn chan_pipeline 4 -1\njoin 5\nspawn chan_server 17\njoin 6\nps")

# Nothing is left behind: after each app (which joins its own tasks before
# it ends), under both protocols, with the cells unloaded, the memory
# counters are those of the start (an endpoint left unreleased keeps its
# channel on the heap). chan_faults, the channel cells' fault injector, was
# loaded along with them. Kills of each app's tasks are tests/pty/chan_kills.txt.
add_test(NAME scenario.chan_apps_leave_no_memory
	COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/same_blocks.sh --same mem 2 -- ${SIM} -c
		"mem\nload chan_rendezvous\nspawn chan_pingpong 200\njoin 2\nspawn chan_pipeline 4 200\njoin 4\nspawn chan_server 4 50\njoin 10\nswap chan_rendezvous=chan_async\nspawn chan_pingpong 200\njoin 16\nspawn chan_pipeline 4 200\njoin 18\nspawn chan_server 4 50\njoin 24\nunload chan_pingpong\nunload chan_pipeline\nunload chan_server\nunload chan_async\nunload chan_faults\nmem")
set_tests_properties(scenario.chan_apps_leave_no_memory PROPERTIES LABELS scenario)

# Swaps typed at the shell under load: twenty swaps back and forth while a
# long ping-pong and pipeline run; nothing lost, duplicated or reordered
# (tests/qemu/chan_swap_many.txt, the QEMU test runs it too). The swaps
# usually land while the apps run (their flavors show it), but the shell
# may also do them all before the apps get the CPU: only the counts are
# asserted. One CPU: a round trip across two costs ~1 ms.
add_test(NAME scenario.chan_swaps_from_the_shell_under_load
	COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/expect_seq.sh 0
		--count 20 "^swap: load .* 33 sites, 33 edges"
		--count 0 "refused"
		--count 1 "^chan_pipeline: 4 stages, 100000 messages, 0 lost, 0 duplicated, 0 out of order, 0 bad checksums[[:punct:]] flavors: "
		--count 1 "^chan_pingpong: 100000 round trips, 0 lost, 0 duplicated, 0 out of order[[:punct:]] flavors: "
		--then "^task 2 exited with 0$"
		--then "^task 4 exited with 0$"
		--then "^fault log: 0 fault"
		-- ${SIM} ${CMAKE_SOURCE_DIR}/tests/qemu/chan_swap_many.txt)
set_tests_properties(scenario.chan_swaps_from_the_shell_under_load PROPERTIES LABELS scenario)

if(VALGRIND)
	# Shorter: each app once after the swap (pipeline 2, its source and
	# stages 3-7; ping-pong 8 and 9; server 10, clients 11-12, server 13).
	add_test(NAME valgrind.scenario_chan_apps
		COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/expect_seq.sh 0
			--then "^chan_pipeline: 4 stages, 300 messages, 0 lost, 0 duplicated, 0 out of order, 0 bad checksums[[:punct:]] flavors: async 300$"
			--then "^chan_pingpong: 300 round trips, 0 lost, 0 duplicated, 0 out of order[[:punct:]] flavors: async 300$"
			--count 2 "^chan_server: client [01]: 50 answered, 0 wrong$"
			--then "^chan_server: the server answered 100 requests of 2 clients[[:punct:]] every answer right$"
			--then "^task 10 exited with 0$"
			-- ${VALGRIND} --quiet --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite
			${SIM} --cpus 2 -c "load chan_rendezvous\nswap chan_rendezvous=chan_async\nspawn chan_pipeline 4 300\njoin 2\nspawn chan_pingpong 300\njoin 8\nspawn chan_server 2 50\njoin 10")
	set_tests_properties(valgrind.scenario_chan_apps PROPERTIES LABELS valgrind TIMEOUT 300)
endif()
