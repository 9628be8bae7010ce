#!/usr/bin/env bats
# ipc-rm: names and types, globs, --older-than, -n, -v, -f, refused names.

setup() {
	load test_helper
}

teardown() {
	kill_bg "${attached:-}"
	ipc_cleanup
}

# The objects under this test's name, as "type name" lines.
left() {
	ipc-ls -nr -o type,name "$N" "$N-*" 2>/dev/null | tr '\t' ' '
}

@test "ipc-rm: removes a queue, a semaphore and shared memory by name" {
	requires mqueue-fs
	mq-send --max-messages 2 --message-size 16 "$N-q" x
	peer-obj sem "/$N-s" 1 600
	peer-obj shm "/$N-m" 1 600
	run -0 --separate-stderr ipc-rm "$N-q" "/$N-s" "$N-m"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 left
	assert_output ""
	run -1 mq_exists "$N-q"
	[ ! -e "/dev/shm/sem.$N-s" ] && [ ! -e "/dev/shm/$N-m" ]
}

@test "ipc-rm: a name two types share needs -T, and nothing is removed without it" {
	peer-obj sem "/$N" 1 600
	peer-obj shm "/$N" 1 600
	peer-obj shm "/$N-a" 1 600
	run -2 --separate-stderr ipc-rm "$N-a" "$N"
	assert_output ""
	assert_equal "$stderr" "ipc-rm: /$N: names objects of more than one type (sem and shm): use -T"
	run -0 left
	assert_output "$(printf 'sem /%s\nshm /%s\nshm /%s-a' "$N" "$N" "$N")"
	run -0 ipc-rm -T shm "$N"
	run -0 left
	assert_output "$(printf 'sem /%s\nshm /%s-a' "$N" "$N")"
}

@test "ipc-rm: a glob selects exactly the objects it matches, of the type asked" {
	peer-obj shm "/$N-job-1" 1 600
	peer-obj shm "/$N-job-22" 1 600
	peer-obj shm "/$N-jobs" 1 600
	peer-obj sem "/$N-job-3" 1 600
	run -0 --separate-stderr ipc-rm -v -T shm "$N-job-*"
	assert_output "$(printf 'removed shm /%s-job-1\nremoved shm /%s-job-22' "$N" "$N")"
	assert_equal "$stderr" ""
	run -0 left
	assert_output "$(printf 'sem /%s-job-3\nshm /%s-jobs' "$N" "$N")"
	run -0 --separate-stderr ipc-rm -v "$N-job-?"
	assert_output "removed sem /$N-job-3"
	assert_equal "$stderr" "$(mqfs_note ipc-rm)"
}

@test "ipc-rm: a glob that matches nothing is no error; a missing name is, unless -f" {
	peer-obj shm "/$N-a" 1 600
	run -0 --separate-stderr ipc-rm "$N-x*"
	assert_equal "$stderr" "$(mqfs_note ipc-rm)"
	run -2 --separate-stderr ipc-rm "$N-x" "$N-a"
	assert_equal "$stderr" "ipc-rm: /$N-x: No such file or directory"
	run -0 left
	assert_output ""
	run -0 --separate-stderr ipc-rm -f "$N-x"
	assert_equal "$stderr" ""
}

@test "ipc-rm: --older-than selects by age, exactly" {
	requires mqueue-fs
	peer-obj shm "/$N-old" 1 600
	peer-obj shm "/$N-new" 1 600
	peer-obj sem "/$N-olds" 1 600
	mq-send --max-messages 2 --message-size 16 "$N-oldq" x
	touch -m -d '-2 hours' "/dev/shm/$N-old" "/dev/shm/sem.$N-olds" "/dev/mqueue/$N-oldq"
	touch -m -d '-50 minutes' "/dev/shm/$N-new"
	run -0 --separate-stderr ipc-rm -v --older-than 1h "$N-*"
	assert_output "$(printf 'removed mq /%s-oldq\nremoved sem /%s-olds\nremoved shm /%s-old' "$N" "$N" "$N")"
	assert_equal "$stderr" ""
	run -0 left
	assert_output "shm /$N-new"
	# A younger object named exactly stays, and that is no error.
	run -0 --separate-stderr ipc-rm --older-than 1h "$N-new"
	assert_equal "$stderr" ""
	run -0 ipc-rm -v --older-than 49m "$N-new"
	assert_output "removed shm /$N-new"
}

@test "ipc-rm: -n says what would go and removes nothing" {
	peer-obj shm "/$N-a" 1 600
	peer-obj sem "/$N-b" 1 600
	run -0 --separate-stderr ipc-rm -n "$N-*"
	assert_output "$(printf 'would remove sem /%s-b\nwould remove shm /%s-a' "$N" "$N")"
	assert_equal "$stderr" "$(mqfs_note ipc-rm)"
	run -0 left
	assert_output "$(printf 'sem /%s-b\nshm /%s-a' "$N" "$N")"
}

@test "ipc-rm: a name outside the IPC name spaces is refused; nothing made or removed" {
	peer-obj shm "/$N" 1 600
	for bad in ../etc/passwd /../etc/passwd "$N/../$N" ..; do
		run -2 --separate-stderr ipc-rm "$N" "$bad"
		assert_output ""
		case $bad in
		..) assert_equal "$stderr" "ipc-rm: ..: name is '.' or '..'" ;;
		*) assert_equal "$stderr" "ipc-rm: $bad: name holds a '/' after the leading one" ;;
		esac
	done
	run -2 --separate-stderr ipc-rm -f ""
	assert_equal "$stderr" 'ipc-rm: "": empty name'
	[ -f /etc/passwd ]
	run -0 left
	assert_output "shm /$N"
}

@test "ipc-rm: bad options and arguments exit 2 with one line" {
	run -2 --separate-stderr ipc-rm
	assert_equal "$stderr" "$(ipc-rm --help | head -4)"
	run -2 --separate-stderr ipc-rm --older-than 1x "$N"
	assert_equal "$stderr" "ipc-rm: --older-than is invalid: 1x"
	run -2 --separate-stderr ipc-rm --older-than -1 "$N"
	assert_equal "$stderr" "ipc-rm: --older-than is negative: -1"
	run -2 --separate-stderr ipc-rm -T fifo "$N"
	assert_equal "$stderr" "ipc-rm: type is invalid: fifo"
	peer-obj shm "/$N" 1 600
	run -2 --separate-stderr ipc-rm --tls-ca /etc/passwd "$N"
	assert_equal "$stderr" "ipc-rm: the --tls options are for names of a backend (etcds://, amqps://)"
	[ -e "/dev/shm/$N" ]
}

@test "ipc-rm: an object it may not remove is reported; the others go" {
	requires root unshare
	command -v setpriv >/dev/null || skip "needs setpriv"
	setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-rm --version >/dev/null 2>&1 ||
	    skip "nobody cannot run the built ipc-rm here"
	peer-obj shm "/$N-a" 1 600
	peer-obj shm "/$N-b" 1 666
	# /dev/shm is sticky: nobody may remove only its own.
	chown nobody "/dev/shm/$N-b"
	run -2 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    ipc-rm "$N-a" "$N-b"
	assert_equal "$stderr" "ipc-rm: /$N-a: Permission denied"
	run -0 left
	assert_output "shm /$N-a"
}

@test "ipc-rm: without /dev/mqueue mounted, a queue named exactly still goes" {
	requires root unshare mqueue-fs
	mq-send --max-messages 2 --message-size 16 "$N-q" x
	peer-obj shm "/$N-m" 1 600
	run -0 --separate-stderr unshare -m sh -c \
	    'umount /dev/mqueue && ipc-rm -v "$1-q" "$1-m*"' sh "$N"
	assert_output "$(printf 'removed mq /%s-q\nremoved shm /%s-m' "$N" "$N")"
	assert_equal "$stderr" "ipc-rm: /dev/mqueue: not mounted, so no queues are matched (mount -t mqueue none /dev/mqueue)"
	run -1 mq_exists "$N-q"
	run -2 --separate-stderr unshare -m sh -c \
	    'umount /dev/mqueue && ipc-rm -T mq "$1-*"' sh "$N"
	assert_equal "$stderr" "ipc-rm: /dev/mqueue: not mounted, so no queues are matched (mount -t mqueue none /dev/mqueue)"
}

@test "ipc-rm: a directory it cannot read is named in the error, not /dev/shm" {
	requires root unshare mqueue-fs nobody
	run -2 --separate-stderr unshare -mi sh -c 'mount -t mqueue none /dev/mqueue &&
	    chmod 0 /dev/mqueue &&
	    exec setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-rm "$1-*"' sh "$N"
	assert_equal "$stderr" "ipc-rm: /dev/mqueue: Permission denied"
}

@test "ipc-rm: removes the longest names other programs make: 255 bytes, 251 for a semaphore" {
	requires mqueue-fs
	long=$N-$(printf "%0$((254 - ${#N}))d" 0)
	peer-mq send "/$long" hi
	peer-obj sem "/${long:0:251}" 0 600
	peer-obj shm "/$long" 1 600
	run -0 ipc-rm -v "$N-*"
	assert_output "$(printf 'removed mq /%s\nremoved sem /%s\nremoved shm /%s' "$long" "${long:0:251}" "$long")"
	run -0 left
	assert_output ""
}

# Is the System V object of this type (msg, sem, shm) and id there?
sysv_there() {
	awk -v id="$2" 'NR > 1 && $2 == id { found = 1 } END { exit !found }' \
	    "/proc/sysvipc/$1"
}

@test "ipc-rm: removes System V objects by key and by id, -v and -n say which" {
	k1=$(sysv_key 1) k2=$(sysv_key 2)
	m=$(mk_sysv shm "$k1" 600 64)
	q=$(mk_sysv msg "$k1" 600 1)
	s=$(mk_sysv sem "$k2" 600 2)
	run -0 --separate-stderr ipc-rm -n -T sysv "key:$k1" "key:$k2"
	assert_output "$(printf 'would remove sysv-msg key:%s id:%s\nwould remove sysv-sem key:%s id:%s\nwould remove sysv-shm key:%s id:%s' \
	    "$k1" "$q" "$k2" "$s" "$k1" "$m")"
	assert_equal "$stderr" ""
	sysv_there shm "$m"
	sysv_there msg "$q"
	run -2 --separate-stderr ipc-rm -v "key:$k1"
	assert_equal "$stderr" "ipc-rm: key:$k1: names objects of more than one type (sysv-msg and sysv-shm): use -T"
	run -0 --separate-stderr ipc-rm -v -T sysv-msg,sysv-shm "key:$k1"
	assert_output "$(printf 'removed sysv-msg key:%s id:%s\nremoved sysv-shm key:%s id:%s' "$k1" "$q" "$k1" "$m")"
	run -1 sysv_there shm "$m"
	run -1 sysv_there msg "$q"
	run -0 ipc-rm -T sysv-sem "id:$s"
	run -1 sysv_there sem "$s"
	run -0 ipc-ls -n -T sysv "key:${k1%??}*"
	assert_output ""
}

@test "ipc-rm: a glob over keys, --older-than by the last use, and a missing key" {
	k1=$(sysv_key 1) k2=$(sysv_key 2)
	a=$(mk_sysv shm "$k1" 600 64)
	b=$(mk_sysv shm "$k2" 600 64)
	other=$(mk_sysv shm "$(sysv_key 3)" 600 64)
	run -0 --separate-stderr ipc-rm -v --older-than 1h "key:${k1%?}*"
	assert_output ""
	run -0 --separate-stderr ipc-rm -v "key:${k1%?}[12]"
	assert_output "$(printf 'removed sysv-shm key:%s id:%s\nremoved sysv-shm key:%s id:%s' "$k1" "$a" "$k2" "$b")"
	sysv_there shm "$other"
	run -2 --separate-stderr ipc-rm "key:$k1"
	assert_output ""
	assert_equal "$stderr" "ipc-rm: key:$k1: No such file or directory"
	run -0 --separate-stderr ipc-rm -f "key:$k1"
	assert_equal "$stderr" ""
}

@test "ipc-rm: an attached segment is refused unless -f; --unattached takes only the others" {
	k1=$(sysv_key 1) k2=$(sysv_key 2)
	a=$(mk_sysv shm "$k1" 600 64)
	b=$(mk_sysv shm "$k2" 600 64)
	attach_sysv "$a"
	run -2 --separate-stderr ipc-rm "key:$k2" "key:$k1"
	assert_output ""
	assert_equal "$stderr" "ipc-rm: key:$k1: attached by 1 process (-f removes it at the last detach)"
	# Nothing removed by a failed command.
	sysv_there shm "$b"
	run -0 --separate-stderr ipc-rm -v --unattached "key:${k1%?}*"
	assert_output "removed sysv-shm key:$k2 id:$b"
	sysv_there shm "$a"
	run -0 --separate-stderr ipc-rm -v --unattached -n
	refute_output --partial "key:$k1"
	# Named exactly, an attached segment is left alone too, and no error.
	run -0 --separate-stderr ipc-rm -v --unattached "key:$k1"
	assert_output ""
	assert_equal "$stderr" ""
	sysv_there shm "$a"
	# Removed at the last detach: its key goes at once, its id stays.
	run -0 --separate-stderr ipc-rm -v -f "key:$k1"
	assert_output "removed sysv-shm key:$k1 id:$a"
	awk -v id="$a" 'NR > 1 && $2 == id { exit !($1 == 0 && $7 == 1) }' /proc/sysvipc/shm
	kill_bg "$attached"
	run -1 sysv_there shm "$a"
	run -2 --separate-stderr ipc-rm --unattached -T shm
	assert_equal "$stderr" "ipc-rm: cannot use --unattached with -T other than sysv-shm"
}

@test "ipc-rm: id: of several types needs -T; IPC_PRIVATE's key needs an id" {
	k=$(sysv_key 1)
	m=$(mk_sysv shm "$k" 600 64)
	s=$(mk_sysv sem "$k" 600 1)
	run -2 --separate-stderr ipc-rm "key:$k"
	assert_equal "$stderr" "ipc-rm: key:$k: names objects of more than one type (sysv-sem and sysv-shm): use -T"
	sysv_there shm "$m"
	p1=$(mk_sysv shm 0x0 600 64)
	p2=$(mk_sysv shm 0x0 600 64)
	run -2 --separate-stderr ipc-rm -T sysv-shm key:0x00000000
	assert_equal "$stderr" "ipc-rm: key:0x00000000: names more than one sysv-shm object: use id:N"
	sysv_there shm "$p1"
	sysv_there shm "$p2"
	run -0 ipc-rm -T sysv-shm "id:$p1" "id:$p2"
	run -1 sysv_there shm "$p1"
}

@test "ipc-rm: another user's System V objects are listed, and cannot be removed by that user" {
	requires root nobody
	k=$(sysv_key 1)
	m=$(mk_sysv shm "$k" 600 64)
	run -0 setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-ls -nr -o name,owner,mode,size -T sysv-shm "key:$k"
	assert_output "$(printf 'key:%s\troot\t-rw-------\t64' "$k")"
	run -2 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-rm "key:$k"
	assert_output ""
	assert_equal "$stderr" "ipc-rm: key:$k: Operation not permitted (only its owner, its creator or root may remove it)"
	# A glob takes what this user may remove, and leaves the rest.
	run -0 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-rm -v "key:${k%?}*"
	assert_output ""
	sysv_there shm "$m"
}

@test "ipc-rm: bad key: and id: forms exit 2 with one line, and nothing is removed" {
	k=$(sysv_key 1)
	m=$(mk_sysv shm "$k" 600 64)
	run -2 --separate-stderr ipc-rm "key:$k" key:0x1x
	assert_equal "$stderr" "ipc-rm: key:0x1x: key is not 0x and hex digits (key:0x0000abcd)"
	run -2 --separate-stderr ipc-rm "key:$k" id:
	assert_equal "$stderr" "ipc-rm: id:: id is not a decimal number (id:N)"
	run -2 --separate-stderr ipc-rm "key:$k" key:0x100000000
	assert_equal "$stderr" "ipc-rm: key:0x100000000: key is too large (32 bits: at most key:0xffffffff)"
	sysv_there shm "$m"
}
