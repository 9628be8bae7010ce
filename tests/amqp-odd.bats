#!/usr/bin/env bats
# The broker backend where the broker says no, or says nothing: an open
# the broker refuses halfway, a --failed queue on a broker that stays
# full, against a private RabbitMQ (tests/broker.bash).

setup_file() {
	load broker
	broker_setup_file
}

teardown_file() {
	load broker
	broker_stop
}

setup() {
	load test_helper
	load broker
	requires_broker
	Q="$AMQP_URL/$N"
	pid=
	user=
	maxsize=
}

teardown() {
	kill_bg "${pid:-}"
	[ -z "${BROKER_PORT:-}" ] || [ -n "${BROKER_SKIP:-}" ] || {
		ipc-rm -f "$Q" "$Q-f" "$Q-q" "$AMQP_URL/?exchange=$N" \
		    2>/dev/null || true
		[ -z "$user" ] || broker_ctl delete_user "$user" || true
		[ -z "$maxsize" ] || broker_ctl eval \
		    'application:set_env(rabbit, max_message_size, 134217728).' \
		    >/dev/null || true
	}
}

# The broker's queues, exchanges: names, one a line.
has_queue() {
	broker_ctl list_queues --no-table-headers name | grep -qxF "$1"
}

has_exchange() {
	broker_ctl list_exchanges --no-table-headers name | grep -qxF "$1"
}

# Messages ready in a queue, as ipc-ls says.
ready() {
	ipc-ls -n "$1" | awk '{ print $3 }'
}

ready_is() {
	[ "$(ready "$1")" = "$2" ]
}

# amqp-get, Debian's amqp-tools: one message, or exit non-zero.
tools_get() {
	amqp-get -s 127.0.0.1 --port "$BROKER_PORT" --username ipct \
	    --password "$BROKER_PASSWORD" -q "$1"
}

has_lines() {
	[ "$(wc -l 2>/dev/null < "$1")" = "$2" ]
}


# A user of the broker with the permissions $1 $2 $3 (configure, write,
# read) on vhost /, or none at all without arguments: its name in $user,
# its password the same as the test's.
broker_user() {
	user="ipct-$$-$BATS_TEST_NUMBER-u"
	broker_ctl add_user "$user" "$BROKER_PASSWORD" >/dev/null
	[ "$#" -eq 0 ] ||
	    broker_ctl set_permissions -p / "$user" "$1" "$2" "$3" >/dev/null
}

# The broker's connections: how many; close them all, saying $1.
nconnections_is() {
	[ "$(broker_ctl list_connections --no-table-headers pid | wc -l)" -eq "$1" ]
}

close_connections() {
	local c
	for c in $(broker_ctl list_connections --no-table-headers pid); do
		broker_ctl close_connection "$c" "$1"
	done
}

# $stderr is exactly one line, which starts with $1.
one_line() {
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] ||
	    fail "not one line: $stderr"
	[[ "$stderr" == "$1"* ]] || fail "not $1...: $stderr"
}

@test "amqp-odd: a named queue whose binding is refused: exit 2, one line, and neither the queue nor the exchange it made is left" {
	broker_user ".*" ".*" "^$"
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" \
	    mq-recv -n "$Q-q?exchange=$N"
	[ "${#lines[@]}" -eq 0 ]
	[[ "$stderr" == "mq-recv: $Q-q?exchange=$N: "*ACCESS_REFUSED* ]] ||
	    fail "stderr: $stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	if has_queue "$N-q"; then fail "the queue $N-q is left"; fi
	if has_exchange "$N"; then fail "the exchange $N is left"; fi
	# Nor does it take away what was there before.
	run -0 mq-send "$Q-q" a
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" \
	    mq-recv -n "$Q-q?exchange=$N"
	if has_exchange "$N"; then fail "the exchange $N is left"; fi
	run -0 ready "$Q-q"
	assert_output 1
}

@test "amqp-odd: a subscriber whose own queue is refused: exit 2, one line, and the exchange it made is not left" {
	# It may make $N, not the broker's amq.gen-* names.
	broker_user "^$N" '.*' '.*'
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" \
	    mq-recv -n "$AMQP_URL/?exchange=$N"
	one_line "mq-recv: $AMQP_URL/?exchange=$N: ACCESS_REFUSED - access to queue 'amq.gen-"
	if has_exchange "$N"; then fail "the exchange $N is left"; fi
	# One that was there stays.
	run -1 mq-recv -n "$AMQP_URL/?exchange=$N"
	has_exchange "$N" || fail "no exchange $N"
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" \
	    mq-recv -n "$AMQP_URL/?exchange=$N"
	has_exchange "$N" || fail "the exchange $N is gone"
}

@test "amqp-odd: a queue the broker refuses behind a new exchange: exit 2, one line, and the exchange is not left" {
	# amq.* names are the broker's own: it refuses to declare one.
	run -2 --separate-stderr mq-send "$AMQP_URL/amq.$N?exchange=$N" a
	[[ "$stderr" == "mq-send: $AMQP_URL/amq.$N?exchange=$N: "*ACCESS_REFUSED* ]] ||
	    fail "stderr: $stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	if has_exchange "$N"; then fail "the exchange $N is left"; fi
}

@test "amqp-odd: mq-recv --exec with a broker's --failed queue that stays full: -t bounds the wait, the message goes back on its queue, exit 1" {
	mq-send --max-messages 1 "$Q-f" x
	mq-send "$Q" a
	run -1 --separate-stderr timeout 30 \
	    mq-recv -t 2 --failed "$Q-f" --exec false "$Q"
	assert_equal "$stderr" "mq-recv: $Q: message 1: command exited 1; $Q-f stayed full, put back on $Q"
	# Nothing lost, nothing twice: a on its queue, x alone in failed.
	wait_until ready_is "$Q" 1
	run -0 mq-recv -d "$Q"
	assert_output a
	run -0 mq-recv -d "$Q-f"
	assert_output x
}

@test "amqp-odd: mq-recv --exec waiting for room in a broker's --failed queue sends the message there once, when a consumer makes room" {
	d=$BATS_TEST_TMPDIR
	mq-send --max-messages 2 "$Q-f" x y
	mq-send "$Q" a
	mq-recv -c 1 -t 30 --failed "$Q-f" --exec "echo ran >> $d/ran; false" \
	    "$Q" 2> "$d/err" 3>&- &
	pid=$!
	wait_until has_lines "$d/ran" 1
	wait_asleep "$pid"
	run -0 tools_get "$N-f"
	assert_output x
	reap "$pid"
	pid=
	run -0 cat "$d/err"
	assert_output "mq-recv: $Q: message 1: command exited 1; sent to $Q-f"
	assert_equal "$status" 0
	run -0 mq-recv -d "$Q-f"
	assert_output $'y\na'
	run -0 ready "$Q"
	assert_output 0
}

@test "amqp-odd: SIGTERM to mq-recv --exec waiting for room in a broker's --failed queue puts the message back on its own queue" {
	d=$BATS_TEST_TMPDIR
	mq-send --max-messages 1 "$Q-f" x
	mq-send "$Q" a
	mq-recv --failed "$Q-f" --exec "echo ran >> $d/ran; false" \
	    "$Q" 2> "$d/err" 3>&- &
	pid=$!
	wait_until has_lines "$d/ran" 1
	wait_asleep "$pid"
	run -0 timeout 30 bash -c "kill -TERM $pid; while kill -0 $pid 2>/dev/null; do sleep 0.05; done"
	reap "$pid"
	pid=
	assert_equal "$status" 143
	wait_until ready_is "$Q" 1
	run -0 mq-recv -d "$Q"
	assert_output a
	run -0 mq-recv -d "$Q-f"
	assert_output x
}

@test "amqp-odd: a user with no permissions on the vhost: every tool exit 2, one line, and the queue is as it was" {
	mq-send "$Q" a
	broker_user
	for t in "mq-send $Q b" "mq-recv -n $Q" "ipc-rm $Q"; do
		run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" $t
		one_line "${t%% *}: $Q: NOT_ALLOWED - access to vhost '/' refused for user '$user'"
	done
	run -0 mq-recv -d "$Q"
	assert_output a
}

@test "amqp-odd: a user who may not use the queue: exit 2, one line, nothing sent, taken or removed" {
	mq-send "$Q" a
	broker_user '^$' '^$' '^$'
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" mq-recv -n "$Q"
	one_line "mq-recv: $Q: ACCESS_REFUSED - access to queue '$N' in vhost '/' refused for user '$user'"
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" ipc-rm "$Q"
	one_line "ipc-rm: $Q: ACCESS_REFUSED - access to queue '$N' in vhost '/' refused for user '$user'"
	# It may see the queue, but not publish to it.
	broker_ctl set_permissions -p / "$user" '^$' '^$' '.*' >/dev/null
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" mq-send "$Q" b c
	one_line "mq-send: $Q: ACCESS_REFUSED - access to exchange 'amq.default' in vhost '/' refused for user '$user'; 0 messages confirmed, record 1 was the first not confirmed"
	run -0 mq-recv -d "$Q"
	assert_output a
}

@test "amqp-odd: a vhost that does not exist: exit 2, one line naming it" {
	run -2 --separate-stderr mq-send "$AMQP_URL/no-$N/$N" a
	one_line "mq-send: $AMQP_URL/no-$N/$N: NOT_ALLOWED - vhost no-$N not found"
	run -2 --separate-stderr mq-recv -n "$AMQP_URL/no-$N/$N"
	one_line "mq-recv: $AMQP_URL/no-$N/$N: NOT_ALLOWED - vhost no-$N not found"
}

@test "amqp-odd: a message over the broker's maximum size: exit 2, one line; what it confirmed is queued, the big one and those after it are not" {
	maxsize=1024
	broker_ctl eval "application:set_env(rabbit, max_message_size, $maxsize)." >/dev/null
	big=$(head -c 2000 /dev/zero | tr '\0' x)
	run -2 --separate-stderr mq-send "$Q" "$big"
	one_line "mq-send: $Q: PRECONDITION_FAILED - message size 2000 is larger than configured max size 1024; 0 messages confirmed, record 1 was the first not confirmed"
	run -0 ready "$Q"
	assert_output 0
	# Between others: those before it may be confirmed or not, as the
	# message says; the big one and those after it are not queued.
	run -2 --separate-stderr mq-send "$Q" a b "$big" c
	[[ "$stderr" =~ ^"mq-send: $Q: PRECONDITION_FAILED - message size 2000 is larger than configured max size 1024; "([0-9]+)" messages confirmed, record "([0-9]+)" was the first not confirmed"$ ]] ||
	    fail "stderr: $stderr"
	confirmed=${BASH_REMATCH[1]} first=${BASH_REMATCH[2]}
	[ "$first" -eq $((confirmed + 1)) ]
	[ "$first" -le 3 ]
	run -0 mq-recv -d "$Q"
	# The confirmed ones, then perhaps the unconfirmed before the big one.
	want=$(printf 'a\nb\n' | head -n $((first - 1)))
	[[ "$output" == "$want"* ]] || fail "queued: $output"
	[ "$output" = "$want" ] || [ "$output" = $'a\nb' ] || fail "queued: $output"
}

@test "amqp-odd: the broker closes mq-recv's connection while it waits: exit 2, one line with the broker's reason" {
	mq-send "$Q" a
	mq-recv -d "$Q" > /dev/null
	mq-recv -f "$Q" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until nconnections_is 1
	wait_asleep "$pid"
	close_connections "go away"
	reap "$pid"
	pid=
	assert_equal "$status" 2
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	one_line "mq-recv: $Q: CONNECTION_FORCED - go away"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	# The queue is still there, and takes and gives a message.
	mq-send -e "$Q" b
	run -0 mq-recv -d "$Q"
	assert_output b
}

@test "amqp-odd: the broker closes mq-send's connection while it waits for room: exit 2, one line, nothing queued twice" {
	mq-send --max-messages 1 "$Q" a
	mq-send "$Q" b c 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until nconnections_is 1
	wait_asleep "$pid"
	close_connections "go away"
	reap "$pid"
	pid=
	assert_equal "$status" 2
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	one_line "mq-send: $Q: CONNECTION_FORCED - go away; 0 messages confirmed, record 1 was the first not confirmed"
	run -0 mq-recv -d "$Q"
	assert_output a
}

@test "amqp-odd: mq-recv --exec -j 3 over 12 messages with --retries 1 and a broker's --failed: each done once, or in failed once, one line each" {
	d=$BATS_TEST_TMPDIR
	seq 12 | mq-send "$Q"
	# Multiples of 3 fail, 5 and 10 are killed; the rest succeed.
	run -0 --separate-stderr mq-recv -c 12 -j 3 --retries 1 \
	    --failed "$Q-f" --exec "read -r m; echo \$m >> $d/runs
	    case \$m in 5|10) kill -KILL \$\$ ;; esac
	    [ \$((m % 3)) -ne 0 ] && echo \$m >> $d/done" "$Q"
	run -0 sort -n "$d/done"
	assert_output "$(printf '%s\n' 1 2 4 7 8 11)"
	# A failed one ran twice (--retries 1), the others once.
	run -0 sh -c "sort -n $d/runs | uniq -c | awk '{ print \$1 \" \" \$2 }'"
	assert_output "$(for m in $(seq 12); do
		case $m in 3|5|6|9|10|12) echo "2 $m" ;; *) echo "1 $m" ;; esac
	    done)"
	run -0 sh -c "printf '%s\n' \"\$1\" | sort" sh "$stderr"
	assert_output "$({ for m in 3 6 9 12; do echo "mq-recv: $Q: message $m: command exited 1; sent to $Q-f"; done
	      for m in 5 10; do echo "mq-recv: $Q: message $m: command was killed by signal 9; sent to $Q-f"; done; } | sort)"
	run -0 sh -c "mq-recv -d '$Q-f' | sort -n"
	assert_output "$(printf '%s\n' 3 5 6 9 10 12)"
	run -0 ready "$Q"
	assert_output 0
}

@test "amqp-odd: bad amqp:// names are exit 2, one line saying what is wrong, for each tool, and nothing is made" {
	h=127.0.0.1:$BROKER_PORT
	while IFS='|' read -r name shown why; do
		for t in mq-send mq-recv ipc-rm; do
			case $t in
			mq-send) run -2 --separate-stderr mq-send "$name" x ;;
			*) run -2 --separate-stderr $t "$name" ;;
			esac
			assert_equal "$stderr" "$t: ${shown:-$name}: $why"
			[ "${#lines[@]}" -eq 0 ]
		done
	done <<-EOF2
	amqp://%zz:$BROKER_PORT/$N||a bad %-escape
	amqp://%zz@$h/$N||a bad %-escape
	amqp://u:%z@$h/$N|amqp://u@$h/$N|a bad %-escape
	amqp://$h/v%/$N||a bad %-escape
	amqp://127.0.0.1:x/$N||a bad port
	amqp://[::1/$N||a [ without its ]
	amqp:///$N||an empty host
	amqp://$h/$N?||an empty parameter in the query (a lone ? or &&)
	amqp://$h/$N?exchange=$N&&type=topic||an empty parameter in the query (a lone ? or &&)
	amqp://$h/$N?exchange=||exchange= is empty
	amqp://$h/$N?key=k||a query without exchange= (amqp://host/?exchange=EX)
	amqp://$h/$N?exchange=$N&exchange=f||exchange= is given twice
	amqp://$h/?exchange=$N&type=bogus||type= is not fanout, topic or direct
	amqp://$h/$N?exchange=%zz||a bad %-escape
	EOF2
	if has_queue "$N"; then fail "a queue $N was made"; fi
	if has_exchange "$N"; then fail "an exchange $N was made"; fi
}

@test "amqp-odd: mq-recv --exec whose --failed queue the broker refuses to take: exit 2, the refusal and the message put back, nothing lost" {
	mq-send "$Q" a b c
	mq-send "$Q-f" x
	# It may write to its own queue only.
	broker_user '.*' "^$N\$" '.*'
	run -2 --separate-stderr env IPCUTILS_AMQP_USER="$user" timeout 60 \
	    mq-recv --failed "$Q-f" --exec false "$Q"
	assert_equal "$stderr" "mq-recv: $Q-f: ACCESS_REFUSED - access to exchange 'amq.default' in vhost '/' refused for user '$user'
mq-recv: $Q: message 1: command exited 1; put back on $Q"
	wait_until ready_is "$Q" 3
	run -0 sh -c "mq-recv -d '$Q' | sort"
	assert_output $'a\nb\nc'
	run -0 mq-recv -d "$Q-f"
	assert_output x
}

@test "amqp-odd: a broker's --failed queue removed while mq-recv --exec waits for room there: exit 2, one line for it, the message back on its queue" {
	d=$BATS_TEST_TMPDIR
	mq-send --max-messages 1 "$Q-f" x
	mq-send "$Q" a
	mq-recv --failed "$Q-f" --exec "echo ran >> $d/ran; false" \
	    "$Q" 2> "$d/err" 3>&- &
	pid=$!
	wait_until has_lines "$d/ran" 1
	wait_asleep "$pid"
	# Stopped while the queue goes: a try for room made while RabbitMQ
	# deletes it is confirmed, and the message goes with the queue,
	# as it would one moment later (the user removed what it held).
	kill -STOP "$pid"
	ipc-rm "$Q-f"
	kill -CONT "$pid"
	reap "$pid"
	pid=
	assert_equal "$status" 2
	run -0 cat "$d/err"
	assert_output "mq-recv: $Q-f: the queue is gone
mq-recv: $Q: message 1: command exited 1; put back on $Q"
	wait_until ready_is "$Q" 1
	run -0 mq-recv -d "$Q"
	assert_output a
	if has_queue "$N-f"; then fail "$N-f came back"; fi
}

@test "amqp-odd: mq-recv -f -j 2 --exec goes on with the other messages while one waits for room in a broker's full --failed queue; -t ends the wait" {
	d=$BATS_TEST_TMPDIR
	mq-send --max-messages 1 "$Q-f" x
	mq-send "$Q" bad g1 g2 g3
	run -1 --separate-stderr timeout 60 mq-recv -f -j 2 -t 5 \
	    --failed "$Q-f" --exec "read -r m; [ \$m != bad ] && echo \$m >> $d/done" "$Q"
	assert_equal "$stderr" "mq-recv: $Q: message 1: command exited 1; $Q-f stayed full, put back on $Q"
	run -0 sort "$d/done"
	assert_output $'g1\ng2\ng3'
	wait_until ready_is "$Q" 1
	run -0 mq-recv -d "$Q"
	assert_output bad
	run -0 mq-recv -d "$Q-f"
	assert_output x
}
