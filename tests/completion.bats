#!/usr/bin/env bats
# completion/ipcutils: options from each tool's --help, object names by family.

setup() {
	load test_helper
	COMPLETION="$BATS_TEST_DIRNAME/../completion/ipcutils"
}

teardown() {
	ipc_cleanup
}

# What bash would offer for the words given, the last being completed.
comp() {
	bash -c 'source "$1" || exit 9; shift
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ipcutils
	printf "%s\n" "${COMPREPLY[@]}"' sh "$COMPLETION" "$@" | sort
}

@test "completion: a queue name for mq-recv, with or without its slash" {
	requires mqueue-fs
	mq-send --max-messages 2 --message-size 16 "$N-q" x
	peer-obj shm "/$N-m" 1 600
	run -0 comp mq-recv -d "$N"
	assert_output "$N-q"
	run -0 comp mq-recv "/$N"
	assert_output "/$N-q"
}

@test "completion: semaphores without sem., shared memory without the semaphores" {
	peer-obj sem "/$N-s" 0 600
	peer-obj shm "/$N-m" 1 600
	run -0 comp sem-post "$N"
	assert_output "$N-s"
	run -0 comp shm-get "$N"
	assert_output "$N-m"
}

@test "completion: ipc-ls and ipc-rm complete every type, or those of -T, for every name" {
	requires mqueue-fs
	mq-send --max-messages 2 --message-size 16 "$N-q" x
	peer-obj sem "/$N-s" 0 600
	peer-obj shm "/$N-m" 1 600
	run -0 comp ipc-rm "$N-q" "$N"
	assert_output "$(printf '%s\n' "$N-m" "$N-q" "$N-s")"
	run -0 comp ipc-ls -T sem,shm "$N"
	assert_output "$(printf '%s\n' "$N-m" "$N-s")"
	run -0 comp ipc-ls --type=mq "$N"
	assert_output "$N-q"
	# As bash splits them at the "=".
	run -0 comp ipc-ls --type = mq "$N"
	assert_output "$N-q"
	run -0 comp ipc-rm --type = s
	assert_output "$(printf '%s\n' sem shm)"
}

@test "completion: only the first argument of mq-send is a queue" {
	requires mqueue-fs
	mq-send --max-messages 2 --message-size 16 "$N-q" x
	run -0 comp mq-send "$N-q" "$N"
	assert_output ""
	run -0 comp mq-send -p 3 --message-size 16 "$N"
	assert_output "$N-q"
}

@test "completion: options come from the tool's --help" {
	run -0 comp mq-send --m
	assert_output "$(printf '%s\n' --max-messages --max-priority --message-size --mode --must-exist)"
	run -0 comp ipc-rm --o
	assert_output "--older-than"
	run -0 comp ipc-ls -T ""
	assert_output "$(printf '%s\n' mq sem shm)"
	run -0 comp ipc-ls -o name,ms
	assert_output "$(printf '%s\n' name,msgs name,msgsize)"
	run -0 comp mq-recv -t ""
	assert_output ""
}

@test "completion: a tool it has never seen is read from its --help too" {
	mkdir "$BATS_TEST_TMPDIR/bin"
	cat > "$BATS_TEST_TMPDIR/bin/sem-wait" <<-'EOF'
	#!/bin/sh
	echo 'usage: sem-wait [-e] [--init n] name [-- command]'
	echo '  -e, --must-exist      do not create'
	echo '      --init n          value of a new semaphore'
	echo '  -W, --wobble w        a new option'
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/sem-wait"
	peer-obj sem "/$N-s" 0 600
	PATH="$BATS_TEST_TMPDIR/bin:$PATH"
	run -0 comp sem-wait -
	assert_output "$(printf '%s\n' --init --must-exist --wobble -W -e)"
	run -0 comp sem-wait -W 1 --init 2 "$N"
	assert_output "$N-s"
	run -0 comp sem-wait "$N-s" -- ech
	assert_line echo
}

@test "completion: bash -i has it for every tool, and bash-completion loads it by name" {
	run -0 --separate-stderr bash -i -c 'source "$1"; complete -p mq-send sem-wait ipc-rm' sh "$COMPLETION"
	assert_line -n 0 "complete -F _ipcutils mq-send"
	assert_line -n 1 "complete -F _ipcutils sem-wait"
	bc=/usr/share/bash-completion/bash_completion
	[ -r "$bc" ] || skip "needs bash-completion"
	# As make install leaves it: the file, and a link for each tool.
	mkdir -p "$BATS_TEST_TMPDIR/bc/completions"
	cp "$COMPLETION" "$BATS_TEST_TMPDIR/bc/completions/ipcutils"
	ln -s ipcutils "$BATS_TEST_TMPDIR/bc/completions/shm-get"
	peer-obj shm "/$N-m" 1 600
	run -0 --separate-stderr env BASH_COMPLETION_USER_DIR="$BATS_TEST_TMPDIR/bc" bash -i -c '
	    source "$1"; __load_completion shm-get || exit 9
	    complete -p shm-get
	    COMP_WORDS=(shm-get "$2"); COMP_CWORD=1; _ipcutils
	    echo "${COMPREPLY[*]}"' sh "$bc" "$N"
	assert_line "complete -F _ipcutils shm-get"
	assert_line "$N-m"
}

@test "completion: a unix: address of sock-* completes its path" {
	mkdir "$BATS_TEST_TMPDIR/sockdir"
	cd "$BATS_TEST_TMPDIR"
	run -0 comp sock-send unix:sock
	assert_output "unix:sockdir"
	# As bash splits it at the colon.
	run -0 comp sock-send unix : sock
	assert_output "sockdir"
}

ZSH_COMPLETION="$BATS_TEST_DIRNAME/../completion/_ipcutils"
FISH_COMPLETION="$BATS_TEST_DIRNAME/../completion/ipcutils.fish"

@test "completion: zsh's compinit finds _ipcutils for every tool, and its options come from --help" {
	command -v zsh >/dev/null || skip "needs zsh (not installed)"
	mkdir "$BATS_TEST_TMPDIR/zfunc"
	cp "$ZSH_COMPLETION" "$BATS_TEST_TMPDIR/zfunc/"
	run -0 zsh -fc 'fpath=("$1" $fpath); autoload -U compinit
	    compinit -u -d "$2/zcompdump"
	    for t in mq-send mq-recv sem-wait sem-post shm-put shm-get \
	        sock-listen sock-send ipc-ls ipc-rm; do
		print -r -- "$t ${_comps[$t]}"
	    done' zsh "$BATS_TEST_TMPDIR/zfunc" "$BATS_TEST_TMPDIR"
	assert_output "$(for t in mq-send mq-recv sem-wait sem-post shm-put shm-get \
	    sock-listen sock-send ipc-ls ipc-rm; do echo "$t _ipcutils"; done)"
	# What _arguments is given: every option of --help, with its
	# argument where it takes one.
	run -0 zsh -fc 'source "$1" 2>/dev/null; _ipcutils_learn mq-recv &&
	    print -r -- ${_ipcutils_specs[mq-recv]}' zsh "$ZSH_COMPLETION"
	assert_line "(-f --forever)--forever[receive until a signal, or -t idle]"
	assert_line "(-t --timeout)-t+[wait at most time for each message]:time: "
	assert_line "--exec=[run command, as sh -c does, for each message, on its input]:command: "
	local n
	n=$(mq-recv --help | grep -cE '^ +(-[^-], )? *--[[:alnum:]-]+')
	[ "$(grep -c -- '--[[:alnum:]-]*[=[]' <<< "$output")" -eq "$n" ] ||
	    fail "not every option of --help: $output"
}

@test "completion: fish completes options from --help and names by family (complete -C)" {
	command -v fish >/dev/null || skip "needs fish (not installed)"
	local d=$BATS_TEST_TMPDIR/fish t
	mkdir "$d"
	cp "$FISH_COMPLETION" "$d/ipcutils.fish"
	for t in mq-recv shm-get ipc-ls; do
		ln -s ipcutils.fish "$d/$t.fish"
	done
	peer-obj shm "/$N-m" 1 600
	peer-obj sem "/$N-s" 0 600
	run -0 fish -c 'set fish_complete_path $argv[1] $fish_complete_path
	    complete -C "mq-recv --fo"; complete -C "shm-get $argv[2]"
	    complete -C "ipc-ls $argv[2]"; complete -C "ipc-ls --type "' "$d" "$N"
	assert_equal "${lines[0]}" $'--forever\treceive until a signal, or -t idle'
	assert_equal "${lines[1]}" "$N-m"
	assert_equal "${lines[2]}" "$N-m"
	assert_equal "${lines[3]}" "$N-s"
	assert_line --partial $'sem\t'
}
