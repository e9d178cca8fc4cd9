# The channel fault cases (docs/faults.md, "Channel fault cases"), include()d
# by this folder's CMakeLists.txt: the hosted scenario and the QEMU test run
# tests/qemu/chan_faults.txt and expect the same lines in this order
# (expect_seq.sh). The rendezvous cases, then, after the swap, the async
# ones: each row says where the fault hit and whether the case recovered
# fully; endpoint_ch is the one that does not, as it expects. Then the one
# case asked of the wrong channel cell, a case that does not exist, and the
# fault log: 21 faults, each in a sender or receiver task, each restarted but
# the third of waiter_ref_x3, whose recurrence reloads chan_rendezvous.
# `call` keeps the shell waiting in the foreground, so no prompt cuts a row.
set(CHAN_FAULTS_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/qemu/chan_faults.txt)
set(CHAN_FAULTS_SEQ
	--then "^loaded itc_faults along with chan_faults, chan_rendezvous"
	--then "^itc_faults: channels served by rendezvous"
	--then "^ 1 recv_dest +\\| chan_object_recv: .*\\| recovered: yes"
	--then "^ 2 send_src +\\| chan_give_to_receiver: .*\\| recovered: yes"
	--then "^ 3 handover_dest +\\| .*\\| recovered: yes"
	--then "^ 4 take_src +\\| .*\\| recovered: yes"
	--then "^ 7 waiter_link +\\| .*\\| recovered: yes"
	--then "^ 8 waiter_ref +\\| .*\\| recovered: yes"
	--then "^ 9 sender_count +\\| .*\\| recovered: yes"
	--then "^10 wait_queued +\\| .*\\| recovered: yes"
	--then "^12 wake_rx +\\| .*\\| recovered: yes"
	--then "^13 wake_tx +\\| .*40/40 in order, 1 dup, 0 lost. disconnected.*\\| recovered: yes"
	--then "^14 drop_last +\\| .*\\| recovered: yes"
	--then "^15 clone +\\| .*\\| recovered: yes"
	--then "^16 recv_size +\\| .*\\| recovered: yes"
	--then "^17 endpoint_ch +\\| .*40/40 in order, 0 dup, 0 lost. timeout, 1 sender\\(s\\) left.*\\| recovered: no \\(as expected\\)"
	--then "^19 waiter_ref_x3 +\\| .*receiver restarted 3x, peer ran 1x. 40/40 in order.*\\| recovered: yes"
	--then "^itc_faults: 15 case\\(s\\) run, 14 recovered fully, 15 as expected"
	--then "^itc_faults_table returned 0 "
	--then "^swap: load "
	--then "^itc_faults: channels served by async"
	--then "^ 5 ring_head +\\| chan_ring_pop: .*\\| recovered: yes"
	--then "^ 6 ring_count +\\| .*\\| recovered: yes"
	--then "^11 push_midway +\\| .*\\| recovered: yes"
	--then "^18 wake_rx_async +\\| .*40/40 in order, 0 dup, 0 lost.*\\| recovered: yes"
	--then "^itc_faults: 4 case\\(s\\) run, 4 recovered fully, 4 as expected"
	--then "^itc_faults_table returned 0 "
	--then "^itc_faults: case 1 \\(recv_dest\\) needs the rendezvous channel cell \\(swap it in first\\)"
	--then "^itc_faults_table returned 1 "
	--then "^itc_faults: no case 99 \\(1\\.\\.19\\)"
	--then "^itc_faults_table returned 2 "
	--then "^fault log: 21 fault\\(s\\)"
	--count 18 "\\| recovered: yes"
	--count 20 "^#[0-9]+ .* task [0-9]+ \\(itc_(sender|receiver)\\) cpu [0-9]+: (page fault|panic) at .*: restarted, "
	--count 1 "^#[0-9]+ .* \\(itc_receiver\\) .*page fault at chan_rendezvous:.*\\(chan_rendezvous reloaded from 0x[0-9a-f]+ to 0x[0-9a-f]+, downtime [0-9]+ us\\): cell reloaded, .*recurring"
	--count 0 "UNEXPECTED|machine stopped|reboot|unwound|failed")
