# Scenario tests of the shell cell (cells/shell), include()d by this
# folder's CMakeLists.txt after scenario() and SIM are defined. Each case is
# what a person would type, with the lines the shell must answer beside it.
# Commands below are separated by newlines ("\n"), as CMake would split a
# ';' into two arguments; shell_semicolons shows ';' through $<SEMICOLON>.
# With -c, the simulator's exit status is the shell's: 0, 1 if a command
# failed, or the status given to `exit`.

scenario(shell_help 0
	--match "^theseus> help$"
	--match "^  ls +list the loaded cells"
	--match "^  deps <cell> \\[--rev \\[--bytes\\]\\] +list"
	--match "^  call \\[--long\\] \\[--stack SIZE\\] <symbol> \\[args...\\] +call"
	--match "^  exit \\[status\\] +leave"
	-- ${SIM} -c "help")

scenario(shell_bad_command_keeps_going 1
	--match "^theseus> frobnicate$"
	--match "^shell: unknown command 'frobnicate' \\('help' lists the commands\\)$"
	--match "^theseus> ls$"
	--match "^cells in namespace "
	-- ${SIM} -c "frobnicate\nls")

scenario(shell_bad_arguments_show_usage 1
	--match "^syms: missing arguments \\(0 given\\)$"
	--match "^  usage: syms <cell>$"
	--match "^load: too many arguments \\(2 given\\)$"
	-- ${SIM} -c "syms\nload a b")

scenario(shell_unterminated_quote 1
	--match "^shell: unterminated \" quote in: call hello_main \"oops$"
	-- ${SIM} -c "call hello_main \"oops")

scenario(shell_load_and_call_hello 0
	--match "^theseus> load hello$"
	--match "^loaded hello$"
	--match "^Hello from the hello cell!$"
	--match "^hello_main returned 0 \\(0x0\\)$"
	-- ${SIM} -c "load hello\ncall hello_main")

scenario(shell_ls_after_load 0
	--match "^  hello +(app|kernel) +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$"
	--match "^  [a-z_]+ +kernel .* builtin$"
	--nomatch "^  hello +[0-9]+ bytes$"
	-- ${SIM} -c "load hello\nls")

scenario(shell_ls_lists_images_not_loaded 0
	--match "^cell images not loaded:$"
	--match "^  hello +[0-9]+ bytes$"
	-- ${SIM} -c "ls")

scenario(shell_ns 0
	--match "^  namespace +parent +cells +symbols$"
	--match " - +[0-9]+ +[0-9]+$"
	-- ${SIM} -c "ns")

scenario(shell_syms_hello 0
	--match "^hello exports [0-9]+ symbols:$"
	--match "^  0x[0-9a-f]+ +[0-9]+ func +(app|kernel) +hello_main$"
	-- ${SIM} -c "load hello\nsyms hello")

scenario(shell_syms_of_image_not_loaded 1
	--match "^syms: cell hello is not loaded \\('load hello' loads it\\)$"
	-- ${SIM} -c "syms hello")

scenario(shell_deps_hello 0
	--match "^deps of hello: [0-9]+ edges into [0-9]+ cells: .*nano_core"
	--match "^  \\.text\\.hello_main\\+0xc R_X86_64_PLT32 kprintf-4 -> nano_core[a-z_]*:[^ ]+$"
	--nomatch "-> hello:"
	-- ${SIM} -c "load hello\ndeps hello")

scenario(shell_deps_rev_of_unused_cell 0
	--match "^dependents of hello: 0 edges from 0 cells$"
	-- ${SIM} -c "load hello\ndeps hello --rev")

scenario(shell_deps_bad_option 1
	--match "^deps: unknown option '--sideways' \\(usage: deps <cell> \\[--rev \\[--bytes\\]\\]\\)$"
	-- ${SIM} -c "deps hello --sideways")

scenario(shell_load_unknown_image 1
	--match "^load: .*no_such_cell"
	--match "^theseus> ls$"
	-- ${SIM} -c "load no_such_cell\nls")

scenario(shell_load_twice 1
	--match "^load: cell hello is already loaded$"
	-- ${SIM} -c "load hello\nload hello")

scenario(shell_unload 0
	--match "^unloaded hello$"
	--match "^  hello +[0-9]+ bytes$"
	-- ${SIM} -c "load hello\nunload hello\nls")

scenario(shell_unload_not_loaded 1
	--match "^unload: cell hello is not loaded$"
	-- ${SIM} -c "unload hello")

scenario(shell_call_unknown_symbol 1
	--match "^call: no symbol no_such_function in namespace "
	-- ${SIM} -c "call no_such_function 1 2")

scenario(shell_call_bad_argument 1
	--match "^call: argument 1 'twelve' is not an integer"
	--nomatch "Hello from the hello cell"
	-- ${SIM} -c "load hello\ncall hello_main twelve")

scenario(shell_call_too_many_arguments 1
	--match "^call: at most 6 arguments$"
	-- ${SIM} -c "call hello_main 1 2 3 4 5 6 7")

scenario(shell_exit_status 3
	--match "^theseus> exit 3$"
	--nomatch "^theseus> ls$"
	-- ${SIM} -c "exit 3\nls")

scenario(shell_exit_bad_status 1
	--match "^exit: status 'soon' is not a number from 0 to 255$"
	-- ${SIM} -c "exit soon")

scenario(shell_command_file 0
	--match "^theseus> load hello$"
	--match "^Hello from the hello cell!$"
	--match "^theseus> syms hello$"
	--match "^theseus> deps hello$"
	--match "^unloaded hello$"
	--nomatch "^theseus> #"
	--nomatch "^theseus> $"
	-- ${SIM} ${CMAKE_CURRENT_SOURCE_DIR}/shell_script.txt)

scenario(shell_semicolons 0
	--match "^theseus> load hello$"
	--match "^theseus> call hello_main$"
	--match "^Hello from the hello cell!$"
	--match "^theseus> call strlen \"a$<SEMICOLON>b\"$"
	--match "^strlen returned 3 \\(0x3\\)$"
	-- ${SIM} -c "load hello$<SEMICOLON> call hello_main$<SEMICOLON>$<SEMICOLON> call strlen \"a$<SEMICOLON>b\"")

# Commands piped into stdin (not a terminal) are a script: a failed command
# makes the status 1 as with -c, `exit` still decides, and nothing of the
# terminal's line editor (prompt, echo, escape sequences) shows.
scenario(shell_piped_failure_fails 1
	--match "^shell: unknown command 'frobnicate' \\('help' lists the commands\\)$"
	--match "^cells in namespace "
	--nomatch "theseus>"
	-- sh -c "printf 'frobnicate\\nls\\n' | \"$1\"" sh ${SIM})
scenario(shell_piped_success_is_0 0
	--match "^cells in namespace "
	-- sh -c "printf 'ls\\n' | \"$1\"" sh ${SIM})
scenario(shell_piped_exit_status_wins 5
	--match "unknown command 'frobnicate'"
	-- sh -c "printf 'frobnicate\\nexit 5\\n' | \"$1\"" sh ${SIM})
# `exit` without a status ends as the script's end would: a failure stays one.
scenario(shell_bare_exit_keeps_a_failure 1 --match "unknown command 'frobnicate'" --nomatch "^cells in"
	-- ${SIM} -c "frobnicate\nexit\nls")
scenario(shell_bare_exit_piped_keeps_a_failure 1 --match "unknown command 'frobnicate'"
	-- sh -c "printf 'frobnicate\\nexit\\n' | \"$1\"" sh ${SIM})
scenario(shell_bare_exit_after_success_is_0 0 --match "^cells in" -- ${SIM} -c "ls\nexit")

scenario(shell_deps_bytes_needs_rev 1
	--match "^deps: --bytes shows the sites of dependents: it needs --rev$"
	-- ${SIM} -c "deps hello --bytes")

scenario(shell_swap_bad_arguments 1
	--match "^swap: 'hello' is not OLD=NEW, OLD= or =NEW$"
	--match "^swap: no cell image no_such_image \\('ls' lists the images\\)$"
	--match "^swap: --back takes nothing else$"
	--match "^swap: --transfer needs the name of a transfer function$"
	--match "^swap: --fail-at-write needs a write number from 1$"
	--match "^swap refused at load: cell no_such_cell: not found \\(E_NOTFOUND\\): no such cell in namespace root$"
	--match "^swap refused at load: cell nano_core_mm: .*part of the nano_core image. It cannot be swapped$"
	--match "^theseus> ls$"
	-- ${SIM} -c "swap hello\nswap hello=no_such_image\nswap --back hello=hello\nswap hello=hello --transfer\nswap hello=hello --fail-at-write 0\nswap no_such_cell=hello\nswap nano_core_mm=hello\nls")
