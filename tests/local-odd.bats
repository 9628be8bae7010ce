#!/usr/bin/env bats
# local-odd: the local objects (semaphores, shared memory, queues, System V)
# in the states other programs leave them in, another user's, in a full
# /dev/shm or a private IPC namespace, and the calls of their code failing
# (tests/fault.c): what the user sees is one line, the documented status,
# and the object as it was.

setup() {
	load test_helper
	load fault
	T=$BATS_TEST_TMPDIR
}

teardown() {
	kill_bg "${bg:-}"
	# A directory put under an object's name (ipc_cleanup removes files).
	rmdir "/dev/shm/$N-d" 2>/dev/null || true
	ipc_cleanup
	sem_cleanup
	shm_cleanup
}

# --- ipc-ls and ipc-rm: names ------------------------------------------

@test "local-odd: ipc-ls and ipc-rm refuse a backend's name after a plain one, as before one" {
	peer-obj shm "/$N" 1 600
	for tool in ipc-ls ipc-rm; do
		run -2 --separate-stderr "$tool" "$N" etcd://127.0.0.1:1/x
		assert_output ""
		assert_equal "$stderr" "$tool: etcd://127.0.0.1:1/x: cannot take names with a scheme and others at once"
		run -2 --separate-stderr "$tool" etcd://127.0.0.1:1/x "$N"
		assert_output ""
		assert_equal "$stderr" "$tool: $N: cannot take names with a scheme and others at once"
	done
	# Nothing was removed.
	shm_exists "$N"
}

# --- semaphores ----------------------------------------------------------

@test "local-odd: a semaphore's file too short for one is refused by name, and left as it was" {
	printf 'abc' > "/dev/shm/sem.$N"
	want="not a semaphore: its file /dev/shm/sem.$N holds 3 bytes, fewer than a sem_t's 32"
	run -2 --separate-stderr sem-post "$N"
	assert_output ""
	assert_equal "$stderr" "sem-post: /$N: $want"
	run -2 --separate-stderr sem-wait -t 0 "$N"
	assert_equal "$stderr" "sem-wait: /$N: $want"
	# A lock: the tool's own failure, and the command never runs.
	run -125 --separate-stderr sem-wait "$N" -- touch "$T/ran"
	assert_equal "$stderr" "sem-wait: /$N: $want"
	[ ! -e "$T/ran" ]
	run -0 cat "/dev/shm/sem.$N"
	assert_output "abc"
}

# Write a semaphore's record (lib/sem.c: at 8192, the post lock, its PID
# namespace, the slots in use, then slots of holder, child and namespace)
# as a writer of its file could: record FILE POST USED [SLOT:HOLDER:NS...],
# SLOT "A-B" for slots A to B, "all" for every one of the 4096.
# A HOLDER is PID (its word: the id and the start time /proc tells),
# PID@START, or =N, a word as it is.
record() {
	python3 - "$@" <<'PY'
import os, struct, sys
def word(spec):
    if spec.startswith('='):
        return int(spec[1:])
    pid, _, start = spec.partition('@')
    if start == '':
        with open('/proc/%s/stat' % pid) as f:
            start = f.read().rsplit(')', 1)[1].split()[19]
    return int(pid) << 41 | (int(start) & ((1 << 41) - 1))
path, post, used = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = os.open(path, os.O_WRONLY)
os.pwrite(fd, struct.pack('<QQQ', word(post), 0, used), 8192)
for a in sys.argv[4:]:
    i, h, ns = a.split(':')
    slot = struct.pack('<QQQ', word(h), 0, int(ns))
    first, _, last = (i if i != 'all' else '0-4095').partition('-')
    n = int(last or first) - int(first) + 1
    os.pwrite(fd, slot * n, 8192 + 24 * (1 + int(first)))
os.close(fd)
PY
}

@test "local-odd: holders another program wrote: listed as they are; a unit comes back only from one that is gone" {
	peer-obj sem "/$N" 0 600
	sleep 600 3>&- &
	bg=$!
	# A pid that was, and is no more.
	true &
	gone=$!
	wait "$gone"
	myns=$(stat -L -c %i /proc/self/ns/pid)
	# Slot 0: a live process of another PID namespace; 1: a word that
	# names no process (pid 0); 2: a live process whose start time was
	# not known (0); 3: a process gone.  Slots "in use": far more than
	# the file holds yet.
	record "/dev/shm/sem.$N" =0 100000 "0:$bg:$((myns + 1))" 1:=1:0 \
	    "2:$bg@0:0" "3:$gone@5:0"
	run -0 --separate-stderr ipc-ls --holders -nr "$N"
	assert_equal "$stderr" ""
	run -0 bash -c "ipc-ls --holders -nr '$N' | cut -f 1,2,5,6"
	assert_output "$(printf '/%s\t%s\tother-pidns\t-\n/%s\t0\tdead\t-\n/%s\t%s\tholds\tsleep 600\n/%s\t%s\tdead\t-' \
	    "$N" "$bg" "$N" "$N" "$bg" "$N" "$gone")"
	# The unit of the process gone is given back, and taken; the word
	# of no process is cleared, but gives none.
	run -0 --separate-stderr sem-wait -t 0 "$N"
	assert_equal "$stderr" ""
	run -1 --separate-stderr sem-wait -t 0 "$N"
	assert_equal "$stderr" ""
	run -0 sem_value "$N"
	assert_output 0
	run -0 bash -c "ipc-ls --holders -nr '$N' | cut -f 2,5"
	assert_output "$(printf '%s\tother-pidns\n%s\tholds' "$bg" "$bg")"
}

@test "local-odd: a post lock another program wrote for a live process holds sem-post back until it is gone" {
	peer-obj sem "/$N" 0 600
	sleep 600 3>&- &
	bg=$!
	record "/dev/shm/sem.$N" "$bg" 0
	run -1 --separate-stderr sem-post -t 0.2 "$N"
	assert_equal "$stderr" ""
	run -1 --separate-stderr sem-post -n "$N"
	assert_equal "$stderr" ""
	run -0 sem_value "$N"
	assert_output 0
	kill "$bg"
	wait "$bg" || true
	run -0 --separate-stderr sem-post -v -t 10 "$N"
	assert_equal "$stderr" ""
	assert_output 1
}

@test "local-odd: sem-wait -- CMD with every slot of the record taken says the unit is not recorded, and runs CMD" {
	peer-obj sem "/$N" 1 600
	sleep 600 3>&- &
	bg=$!
	record "/dev/shm/sem.$N" =0 4096 "all:$bg:0"
	run -0 --separate-stderr sem-wait "$N" -- sh -c 'echo ran'
	assert_output ran
	assert_equal "$stderr" "sem-wait: /$N: 4096 holders recorded already: this unit will not come back if sem-wait is killed"
	# Given back all the same when it ended.
	run -0 sem_value "$N"
	assert_output 1
}

# --- System V ------------------------------------------------------------

@test "local-odd: ipc-ls -g counts what a private IPC namespace holds, and nothing else" {
	requires root unshare
	page=$(getconf PAGESIZE)
	run -0 --separate-stderr unshare -i sh -c '
	    peer-sysv msg 0x11 600 0 >/dev/null &&
	    peer-sysv sem 0x12 600 3 >/dev/null &&
	    peer-sysv sem 0x13 600 2 >/dev/null &&
	    peer-sysv shm 0x14 600 $(($1 + 1)) >/dev/null &&
	    peer-sysv shm 0x15 600 1 >/dev/null &&
	    ipc-ls -g -nr' sh "$page"
	assert_equal "$stderr" ""
	run -0 bash -c 'echo "$1" | awk -F"\t" "\$1 ~ /^sysv-/ && \$3 != \"-\" { print \$2, \$3 }"' sh "$output"
	# One queue; two sets of 5 semaphores; 2 segments of 2 pages and 1.
	assert_output "$(printf 'msgmni 1\nsemmns 5\nsemmni 2\nshmall 3\nshmmni 2')"
}

@test "local-odd: -N of a file that is no IPC namespace, or of no file, is one line and exit 2" {
	requires root
	for tool in ipc-ls ipc-rm; do
		run -2 --separate-stderr "$tool" -N /etc/hostname key:0x1
		assert_output ""
		assert_equal "$stderr" "$tool: -N /etc/hostname: its ipc namespace: Invalid argument (not an ipc namespace)"
		run -2 --separate-stderr "$tool" -N "$T/none" key:0x1
		assert_equal "$stderr" "$tool: -N $T/none: No such file or directory"
	done
}

@test "local-odd: ipc-rm --older-than leaves a younger System V object named exactly, and says nothing" {
	k=$(sysv_key 1)
	id=$(mk_sysv shm "$k" 600 64)
	run -0 --separate-stderr ipc-rm -v --older-than 1h "key:$k" "id:$id"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 ipc-ls -nr -o id "key:$k"
	assert_output "$id"
}

# --- a full /dev/shm ------------------------------------------------------

# Run a script in a mount namespace of its own whose /dev/shm is a tmpfs of
# 256 KiB: full_shm 'SCRIPT' ARGS...; "fill" in it takes what room is left.
full_shm() {
	local script=$1
	shift
	unshare -m bash -c 'mount -t tmpfs -o size=256k none /dev/shm || exit 99
	    fill() { dd if=/dev/zero of=/dev/shm/fill bs=4k 2>/dev/null; :; }
	    '"$script" sh "$@"
}

@test "local-odd: sem-post and sem-wait on a semaphore whose record finds no room in a full /dev/shm: one line, nothing taken" {
	requires root unshare
	run -0 --separate-stderr full_shm '
	    peer-obj sem /s 1 600 && fill
	    sem-wait s -- echo ran; echo "wait $?"
	    sem-wait -t 0 s; echo "take $?"
	    sem-post s; echo "post $?"
	    echo "value $(peer-sem value /s)"'
	assert_output "$(printf 'wait 125\ntake 2\npost 2\nvalue 1')"
	want="no room in /dev/shm for the record of its holders: No space left on device"
	assert_equal "$stderr" "$(printf 'sem-wait: /s: %s\nsem-wait: /s: %s\nsem-post: /s: %s' "$want" "$want" "$want")"
}

@test "local-odd: sem-wait -- CMD whose slot finds no room in a full /dev/shm says the unit is not recorded, runs CMD, gives it back" {
	requires root unshare
	sleep 600 3>&- &
	bg=$!
	# Slots 0 to 339 end on the record's second page; 340 needs a third.
	export -f record
	run -0 --separate-stderr full_shm '
	    peer-obj sem /s 1 600 && sem-post -t 0 s && sem-wait -t 0 s &&
	    record /dev/shm/sem.s =0 340 "0-339:$1:0" && fill
	    sem-wait s -- echo ran; echo "wait $?"
	    echo "value $(peer-sem value /s)"' "$bg"
	assert_output "$(printf 'ran\nwait 0\nvalue 1')"
	assert_equal "$stderr" "sem-wait: /s: no room in /dev/shm to record it: No space left on device: this unit will not come back if sem-wait is killed"
}

@test "local-odd: shm-put and sem-post in a full /dev/shm: one line, status 2, every object as it was, none made" {
	requires root unshare
	run -0 --separate-stderr full_shm '
	    printf abc | shm-put -s 64k x && fill
	    before=$(shm-get x | md5sum)
	    seq 100000 | shm-put x; echo "put $?"
	    printf xyz | shm-put -o 60k x; echo "put -o $?"
	    [ "$(shm-get x | md5sum)" = "$before" ] && echo "x as it was"
	    seq 100000 | shm-put y; echo "new $?"
	    sem-post z; echo "sem $?"
	    ls /dev/shm | tr "\n" " "'
	assert_output "$(printf 'put 2\nput -o 2\nx as it was\nnew 2\nsem 2\nfill x ')"
	want="No space left on device"
	assert_equal "$stderr" "$(printf 'shm-put: /x: %s\nshm-put: /x: %s\nshm-put: /y: %s\nsem-post: /z: %s' "$want" "$want" "$want" "$want")"
}

# --- queues of another user ----------------------------------------------

# Is process $2 asleep, and running $1 (not the shell before its exec)?
is_asleep_as() {
	[ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ] && asleep "$2"
}

# Has process $1 the file $2 open?
holds_open() {
	local f
	for f in /proc/"$1"/fd/*; do
		[ "$(readlink "$f" 2>/dev/null)" = "$2" ] && return 0
	done
	return 1
}

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

@test "local-odd: another user's queue that nobody may read but write is listed by what it holds" {
	requires root nobody mqueue-fs
	mq-send -m 0622 "$N" one two
	run -0 --separate-stderr as_nobody ipc-ls -nr -o name,mode,msgs "$N"
	assert_equal "$stderr" ""
	assert_output "$(printf '/%s\t-rw--w--w-\t2' "$N")"
}

@test "local-odd: mq-recv on another user's queue it may only read: a message it cannot write is lost, and said so" {
	requires root nobody
	printf '%s\n' one two three | mq-send -m 0644 "$N"
	run -0 --separate-stderr as_nobody mq-recv --any-owner -c 1 "$N"
	assert_output one
	assert_equal "$stderr" ""
	# No put back without write permission (mq-recv(1)): the one lost is
	# counted in the one line.
	run -2 --separate-stderr as_nobody bash -c 'exec mq-recv --any-owner -c 1 "$1" >&-' sh "$N"
	assert_equal "$stderr" "mq-recv: stdout: 0 messages put back on /$N, 1 lost: Bad file descriptor"
	run -0 mq-recv -n "$N"
	assert_output three
}

# --- what is no object ----------------------------------------------------

@test "local-odd: ipc-ls names what stands under a name that is no object, as ipc-rm does, and a glob skips it" {
	mkdir "/dev/shm/$N-d"
	mkfifo "/dev/shm/$N-f"
	ln -s /etc/hostname "/dev/shm/sem.$N-l"
	peer-obj shm "/$N-m" 1 600
	run -2 --separate-stderr ipc-ls -nr -o type,name "$N-d" "$N-f" "$N-l" "$N-m"
	assert_output "$(printf 'shm\t/%s-m' "$N")"
	assert_equal "$stderr" "$(printf 'ipc-ls: /%s-d: /dev/shm/%s-d is a directory, not an object\nipc-ls: /%s-f: /dev/shm/%s-f is a FIFO, not an object\nipc-ls: /%s-l: /dev/shm/sem.%s-l is a symbolic link, not an object' "$N" "$N" "$N" "$N" "$N" "$N")"
	run -0 --separate-stderr ipc-ls -nr -o name "$N*"
	assert_output "/$N-m"
	run -2 --separate-stderr ipc-rm "$N-d"
	assert_equal "$stderr" "ipc-rm: /$N-d: /dev/shm/$N-d is a directory, not an object: left alone"
	run -0 ipc-rm "$N*"
	[ -d "/dev/shm/$N-d" ] && [ -p "/dev/shm/$N-f" ] && [ -L "/dev/shm/sem.$N-l" ] || false
}

# --- shm-get -w and -F under faults (tests/fault.c) ----------------------

W_CALLS="open fstat flock mmap read write lseek shm_open poll"
W_ERRNOS="EIO EINTR EAGAIN ENOMEM"

# Put a new version of $N every 20 ms, in place or as a new object in its
# place, until killed: $bg.
versions() {
	(
		i=0
		while :; do
			i=$((i + 1))
			if [ $((i % 2)) -eq 0 ]; then
				printf 'version %d' "$i" | shm-put "$N"
			else
				printf 'version %d' "$i" | shm-put -o 0 "$N"
			fi
			sleep 0.02
		done
	) 3>&- &
	bg=$!
	wait_until shm_exists "$N"
}

# shm-get's page: 0 and $WANT whole versions (-F: a line each), or 1 or 2
# and one line.
waited() {
	local spec=$1
	faulted "$spec" shm-get $WARGS "$N" > "$T/out"
	contract "$spec" shm-get "1 2"
	[ "$rc" -ne 0 ] || { [ "$WANT" -eq 1 ] && grep -Eqx 'version [0-9]+' "$T/out"; } ||
	    [ "$(grep -Ecx 'version [0-9]+' "$T/out")/$(wc -l < "$T/out")" = "$WANT/$WANT" ] ||
	    lost "$spec" shm-get "status 0, wrote: $(od -c "$T/out" | head -3)"
}

@test "local-odd: shm-get -w while another process puts versions, under faults: a whole version, or one line" {
	fault_setup
	versions
	WARGS="-w -t 10" WANT=1 \
	    CALLS=$W_CALLS ERRNOS=$W_ERRNOS NTHS="1 2 3" each_fault waited
	verdict
}

@test "local-odd: shm-get -F -c 2 while another process puts versions, under faults: two whole versions, or one line" {
	fault_setup
	versions
	# -t 3: an unlock that "fails" (the shim: it was not made) keeps the
	# writer out until shm-get ends, which then says 1 of 2 came.
	WARGS="-F -c 2 -t 3" WANT=2 \
	    CALLS=$W_CALLS ERRNOS=$W_ERRNOS NTHS="1 2 4" each_fault waited
	verdict
}

@test "local-odd: shm-get -w on an object that does not change, under faults: status 1 and silent, or one line, never 0" {
	fault_setup
	printf 'still' | shm-put "$N"
	# Timed out (1) is silent; only status 2 says why.
	timed() {
		faulted "$1" shm-get -w -t 0.1 "$N" > "$T/out"
		case $rc in
		0) lost "$1" shm-get "status 0 without a change" ;;
		1) [ ! -s "$T/ferr" ] || lost "$1" shm-get "status 1 with: $(head -c 300 "$T/ferr")" ;;
		*) contract "$1" shm-get 2 ;;
		esac
		[ ! -s "$T/out" ] || lost "$1" shm-get "wrote: $(head -c 100 "$T/out")"
	}
	CALLS="open fstat poll shm_open" ERRNOS="$W_ERRNOS" NTHS="1 2" \
	    each_fault timed
	verdict
}

# --- another user, a held lock ---------------------------------------------

@test "local-odd: ipc-rm by another user of objects it may read but not remove: one line each, all still there" {
	requires root nobody mqueue-fs
	peer-obj shm "/$N" 1 644
	peer-obj sem "/$N-s" 1 644
	mq-send -m 0644 "$N-q" x
	for names in "$N $N-s $N-q" "$N*"; do
		run -2 --separate-stderr as_nobody ipc-rm $names
		assert_output ""
		assert_equal "$stderr" "$(printf 'ipc-rm: /%s-q: Permission denied\nipc-rm: /%s-s: Permission denied\nipc-rm: /%s: Permission denied' "$N" "$N" "$N")"
	done
	run -0 ipc-ls -nr -o type,name "$N*"
	assert_output "$(printf 'mq\t/%s-q\nsem\t/%s-s\nshm\t/%s' "$N" "$N" "$N")"
}

@test "local-odd: shm-get waiting for a put's lock ends at SIGTERM by the signal, having written nothing" {
	printf 'old' | shm-put "$N"
	# A put under way, as far as shm-get can tell: its exclusive lock.
	mkfifo "$T/locked"
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(600)' "/dev/shm/$N" > "$T/locked" 3>&- &
	bg=$!
	read -r ready < "$T/locked"
	[ "$ready" = locked ]
	for t in "" "-t 600"; do
		with_default_signals shm-get $t "$N" > "$T/out" 2> "$T/err" 3>&- &
		get=$!
		# Asleep as shm-get itself: on the lock, or its nap between tries.
		wait_until is_asleep_as shm-get "$get"
		terminate "$get"
		assert_equal "$status" 143
		[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || false
	done
	kill_bg "$bg"
	run -0 shm-get "$N"
	assert_output old
}

# --- queues without /dev/mqueue, and ipc-ls -g's use of them ------------

@test "local-odd: without /dev/mqueue, another user's queue closed to the caller is listed with what cannot be seen as '-', and -g's queue use as unknown" {
	requires root unshare nobody
	mq-send -m 0600 "$N" x
	run -0 --separate-stderr unshare -m sh -c '
	    if mountpoint -q /dev/mqueue; then umount /dev/mqueue || exit 99; fi
	    setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "
		ipc-ls -nr -o type,name,mode,owner,group,mtime,msgs \"\$1\" &&
		ipc-ls -g -nr" sh "$1"' sh "$N"
	assert_equal "$stderr" ""
	assert_equal "${lines[0]}" "$(printf 'mq\t/%s\t-\t-\t-\t-\t-' "$N")"
	run -0 bash -c 'echo "$1" | awk -F"\t" "NR > 1 && \$1 == \"mq\" && \$3 != \"-\" || \$2 ~ /queues_max|RLIMIT/ { print }" | cut -f 1-3' sh "$output"
	assert_output "$(printf 'mq\tqueues_max\t-\nmq\tRLIMIT_MSGQUEUE\t-')"
}

@test "local-odd: ipc-ls -g counts every queue of its namespace, and only the caller's own against RLIMIT_MSGQUEUE" {
	requires root unshare nobody
	run -0 --separate-stderr unshare -im sh -c '
	    mount -t mqueue none /dev/mqueue || exit 99
	    mq-send --max-messages 2 --message-size 100 q x || exit 98
	    ipc-ls -g -nr && echo &&
	    setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-ls -g -nr'
	assert_equal "$stderr" ""
	run -0 bash -c 'echo "$1" | awk -F"\t" "\$0 == \"\" { print \"--\" } \$2 ~ /queues_max|RLIMIT/ { print \$2, \$3 }"' sh "$output"
	# Root's own queue: 2 messages of 100 bytes, and the kernel's
	# headers (ipc-ls -g: as mq_overview(7) counts them); nobody's: none.
	[ "${lines[1]#RLIMIT_MSGQUEUE }" -ge 200 ] || false
	assert_equal "${lines[0]} ${lines[2]} ${lines[3]} ${lines[4]}" \
	    "queues_max 1 -- queues_max 1 RLIMIT_MSGQUEUE 0"
}

@test "local-odd: ipc-ls refuses --holders with -0, -N with a backend's names and more than 64 columns, each in one line" {
	run -2 --separate-stderr ipc-ls --holders -0
	assert_output ""
	assert_equal "$stderr" "ipc-ls: cannot use --holders with -0, -o or -T other than sem"
	run -2 --separate-stderr ipc-ls -N 1 etcd://127.0.0.1:1/x
	assert_equal "$stderr" "ipc-ls: cannot use -N with names of a backend"
	cols=$(printf 'name,%.0s' $(seq 64))name
	run -2 --separate-stderr ipc-ls -o "$cols"
	assert_output ""
	assert_equal "$stderr" "ipc-ls: too many columns: $cols"
	# 64 are not too many.
	run -0 ipc-ls -n -o "${cols#name,}" "$N*"
}

@test "local-odd: ipc-ls -0 names a System V object by its id, for ipc-rm" {
	k=$(sysv_key 1)
	id=$(mk_sysv msg "$k" 600 0)
	run -0 bash -c 'ipc-ls -0 "key:$1" | od -An -c | tr -s " "' sh "$k"
	assert_output " $(echo "id:$id" | sed 's/./& /g')\\0"
	run -0 bash -c 'ipc-ls -0 "key:$1" | xargs -0 ipc-rm -v' sh "$k"
	assert_output "removed sysv-msg key:$k id:$id"
}

@test "local-odd: a queue backend's name, or --tls with a plain name, given to the semaphore and shared memory tools: one line, nothing made" {
	for tool in sem-post sem-wait shm-get shm-put; do
		case $tool in
		sem-*) what=semaphores ;;
		*) what="shared memory" ;;
		esac
		run -2 --separate-stderr "$tool" "amqp://127.0.0.1:1/$N" < /dev/null
		assert_output ""
		assert_equal "$stderr" "$tool: amqp://127.0.0.1:1/$N: amqp:// names are not $what"
	done
	# A lock's command: the tool's own failure, 125, and no command.
	run -125 --separate-stderr sem-wait "amqp://127.0.0.1:1/$N" -- touch "$T/ran"
	[ ! -e "$T/ran" ]
	for tool in sem-post sem-wait shm-get shm-put; do
		run -2 --separate-stderr "$tool" --tls-noverify "$N" < /dev/null
		assert_output ""
		assert_equal "$stderr" "$tool: $N: the --tls options are for etcds:// names"
	done
	# Nothing was made.
	run -2 --separate-stderr ipc-ls -n "$N"
	assert_output ""
	assert_equal "$stderr" "ipc-ls: /$N: No such file or directory"
}

# --- shm-put: locks, races, an object put in its place -------------------

# Hold an exclusive lock on /dev/shm/$1 as a put would, until killed: $bg.
hold_lock() {
	mkfifo "$T/locked"
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(600)' "/dev/shm/$1" > "$T/locked" 3>&- &
	bg=$!
	read -r ready < "$T/locked"
	[ "$ready" = locked ]
}

@test "local-odd: shm-put -o waiting for the lock follows the object that was put in its place meanwhile" {
	printf 'older' | shm-put "$N"
	hold_lock "$N"
	printf 'new' | shm-put -o 0 "$N" 3>&- &
	put=$!
	# Asleep with the object open: on its lock.
	wait_until holds_open "$put" "/dev/shm/$N"
	wait_until is_asleep_as shm-put "$put"
	# Another object in its place, by rename(2), as a put makes one.
	printf 'other' > "/dev/shm/.$N"
	chmod 600 "/dev/shm/.$N"
	mv "/dev/shm/.$N" "/dev/shm/$N"
	kill "$bg"
	reap "$put"
	assert_equal "$status" 0
	run -0 shm-get "$N"
	assert_output newer
}

@test "local-odd: shm-put -t while a put holds the lock: status 1, silent, the object as it was" {
	printf 'older' | shm-put "$N"
	hold_lock "$N"
	for o in "" "-o 2" "-s 100"; do
		run -1 --separate-stderr bash -c 'printf new | shm-put $1 -t 0.2 "$2"' sh "$o" "$N"
		assert_equal "$stderr" ""
	done
	kill_bg "$bg"
	run -0 shm-get "$N"
	assert_output older
}

@test "local-odd: two shm-put making one new object at once: both succeed and it is one input whole; with -x, one says it exists" {
	seq 1 40000 > "$T/a"
	seq 40001 80000 > "$T/b"
	for i in $(seq 10); do
		shm-put "$N" < "$T/a" 2> "$T/err-a" & a=$!
		shm-put "$N" < "$T/b" 2> "$T/err-b" & b=$!
		reap "$a"; sa=$status
		reap "$b"; sb=$status
		assert_equal "$sa $sb" "0 0"
		shm-get "$N" > "$T/got"
		cmp -s "$T/got" "$T/a" || cmp -s "$T/got" "$T/b" ||
		    fail "round $i: neither input whole ($(wc -c < "$T/got") bytes)"
		[ ! -s "$T/err-a" ] && [ ! -s "$T/err-b" ] || false
		peer-shm unlink "/$N"

		shm-put -x "$N" < "$T/a" 2> "$T/err-a" & a=$!
		shm-put -x "$N" < "$T/b" 2> "$T/err-b" & b=$!
		reap "$a"; sa=$status
		reap "$b"; sb=$status
		case "$sa $sb" in
		"0 2") want=a; cat "$T/err-b" > "$T/said" ;;
		"2 0") want=b; cat "$T/err-a" > "$T/said" ;;
		*) fail "round $i: -x statuses $sa $sb" ;;
		esac
		assert_equal "$(cat "$T/said")" "shm-put: /$N: File exists"
		shm-get "$N" | cmp -s - "$T/$want" ||
		    fail "round $i: -x: not the winner's input whole"
		peer-shm unlink "/$N"
	done
}

@test "local-odd: /proc/sysvipc that cannot be read, has a line that is no object, or lacks a file: one line and exit 2, skipped, nothing" {
	requires root unshare
	run -0 --separate-stderr unshare -m sh -c '
	    mount -t tmpfs none /proc/sysvipc && mkdir /proc/sysvipc/shm &&
	    printf "header\nnot a queue\n" > /proc/sysvipc/msg || exit 99
	    ipc-ls -nr -T sysv-msg; echo "msg $?"
	    ipc-ls -nr -T sysv-shm; echo "shm $?"
	    ipc-ls -nr -T sysv-sem; echo "sem $?"
	    ipc-rm -f key:0x1; echo "rm $?"
	    ipc-ls -g -nr | cut -f 1,3 | grep "^sysv" | sort -u | tr "\n\t" "  "'
	assert_output "$(printf 'msg 0\nshm 2\nsem 0\nrm 2\nsysv-msg - sysv-sem - sysv-shm - ')"
	assert_equal "$stderr" "$(printf 'ipc-ls: /proc/sysvipc/shm: Is a directory\nipc-rm: /proc/sysvipc/shm: Is a directory')"
}

@test "local-odd: where /proc/sys/fs/mqueue does not tell the limits, mq-send names the files and no number, and sizes a new queue by the defaults" {
	requires root unshare
	run -0 --separate-stderr unshare -m sh -c '
	    mount -t tmpfs none /proc/sys/fs/mqueue || exit 99
	    mq-send --max-messages 100000 "$1" x; echo "over $?"
	    mq-send --max-messages 3 "$1" x; echo "made $?"
	    peer-mq attr "/$1"
	    ipc-ls -g -nr | cut -f 2-4 | grep "^msg_max"' sh "$N"
	assert_output "$(printf 'over 2\nmade 0\n3 8192 1\nmsg_max\t-\t-')"
	assert_equal "$stderr" "mq-send: /$N: queue size is over the system's limits (/proc/sys/fs/mqueue/msg_max, msgsize_max)"
}

@test "local-odd: a dead holder's unit on a semaphore at SEM_VALUE_MAX has nowhere to go, and sem-wait takes one all the same" {
	peer-sem create "/$N" 2147483647
	true &
	gone=$!
	wait "$gone"
	record "/dev/shm/sem.$N" =0 1 "0:$gone@5:0"
	run -0 --separate-stderr sem-wait -v -t 0 "$N"
	assert_equal "$stderr" ""
	assert_output 2147483646
	run -0 sem_value "$N"
	assert_output 2147483646
	run -0 ipc-ls --holders -n "$N"
	assert_output ""
}

@test "local-odd: a semaphore's file cut short while sem-wait holds a unit for its command: one line at the end, 125, no SIGBUS" {
	mkfifo "$T/go" "$T/done"
	sem-wait "$N" -- sh -c 'echo go > "$1"; read x < "$2"' sh "$T/go" "$T/done" \
	    > "$T/out" 2> "$T/err" 3>&- &
	w=$!
	read -r ready < "$T/go"
	[ "$ready" = go ]
	# Whoever may write the file can do this (sem.c: map()).
	truncate -s 0 "/dev/shm/sem.$N"
	echo > "$T/done"
	reap "$w"
	assert_equal "$status" 125
	assert_equal "$(cat "$T/err")" "sem-wait: /$N: the semaphore's file was cut short"
	# The next one is told what the file is now.
	run -2 --separate-stderr sem-post "$N"
	assert_equal "$stderr" "sem-post: /$N: not a semaphore: its file /dev/shm/sem.$N holds 0 bytes, fewer than a sem_t's 32"
}

@test "local-odd: a shared memory object of the longest name there can be is listed, read and removed like any" {
	long=$N-$(printf 'a%.0s' $(seq $((255 - ${#N} - 1))))
	printf 'long' > "/dev/shm/$long"
	chmod 600 "/dev/shm/$long"
	run -0 --separate-stderr ipc-ls -nr -o type,name "$N*"
	assert_output "$(printf 'shm\t/%s' "$long")"
	# No semaphore can have it (sem. and 255 bytes), so it names one kind.
	run -0 --separate-stderr ipc-ls -nr -o type,size "$long"
	assert_output "$(printf 'shm\t4')"
	run -0 shm-get "$long"
	assert_output long
	run -0 --separate-stderr ipc-rm -v "$long"
	assert_output "removed shm /$long"
	[ ! -e "/dev/shm/$long" ]
}

# ipc-rm under a fault: status 0 and all gone (a faked ENOENT aside: "gone
# meanwhile" is no failure), or 2 and one line that names the one object
# left, or the directory that could not be read, with nothing removed.
rm_case() {
	local spec=$1 all left named
	shift
	peer-obj shm "/$N-a" 1 600
	peer-obj sem "/$N-b" 1 600
	mq-send "$N-c" x
	all="/$N-a /$N-b /$N-c "
	faulted "$spec" ipc-rm "$@"
	contract "$spec" ipc-rm 2
	left=$(ipc-ls -nr -o name "$N*" | sort | tr '\n' ' ')
	if [ "$rc" -eq 0 ]; then
		case $spec in *ENOENT) ;; *)
			[ -z "$left" ] || lost "$spec" ipc-rm "status 0, left: $left" ;;
		esac
	elif [ "$rc" -eq 2 ]; then
		named=$(sed -n 's/^ipc-rm: \([^:]*\): .*/\1/p' "$T/ferr")
		case " $all" in
		*" $named "*) [ "$left" = "$named " ] ||
		    lost "$spec" ipc-rm "said $named, left: $left" ;;
		*) [ "$left" = "$all" ] ||
		    lost "$spec" ipc-rm "said $named, but removed some: left $left" ;;
		esac
	fi
	ipc-rm -f "$N-a" "$N-b" "$N-c"
}

@test "local-odd: ipc-rm under faults: every object removed, or one line naming what is left" {
	requires mqueue-fs
	fault_setup
	named() { rm_case "$1" "$N-a" "$N-b" "$N-c"; }
	globbed() { rm_case "$1" "$N-*"; }
	CALLS="shm_unlink mq_unlink unlink opendir stat open" \
	    ERRNOS="EIO ENOENT" NTHS="1 2" each_fault named
	# EACCES from lstat(2) is a directory closed to the caller: the
	# first is /dev/mqueue's, where mq_open(3) tells (/dev/shm is open to
	# all, as shm_open(3) needs).
	CALLS="shm_unlink mq_unlink unlink opendir open" ERRNOS=EACCES \
	    NTHS="1 2" each_fault named
	CALLS=stat ERRNOS=EACCES NTHS=1 each_fault named
	CALLS="shm_unlink mq_unlink opendir" ERRNOS="EIO ENOENT EACCES" \
	    NTHS="1 2" each_fault globbed
	verdict
}

@test "local-odd: where /dev/mqueue is closed to the caller, a name is no queue unless mq_open says so: ipc-rm removes the caller's own object" {
	requires root unshare nobody
	run -0 --separate-stderr unshare -im sh -c '
	    mount -t mqueue none /dev/mqueue && mq-send -m 0600 "$1-q" x &&
	    chmod 700 /dev/mqueue || exit 99
	    setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "
		peer-obj shm /\$1 1 600 &&
		ipc-ls -nr -o type,name,mode \$1 \$1-q && ipc-rm -v \$1" sh "$1"' sh "$N"
	assert_equal "$stderr" ""
	# Root's queue is there, closed to nobody; no queue of the other name.
	assert_output "$(printf 'mq\t/%s-q\t-\nshm\t/%s\t-rw-------\nremoved shm /%s' "$N" "$N" "$N")"
}

# ipc-ls under a fault: status 0 and every object a row (what could not be
# looked at as "-"), or 2 and one line.
ls_case() {
	faulted "$1" ipc-ls -nr -o type,name "$N*" > "$T/out"
	contract "$1" ipc-ls 2
	[ "$rc" -ne 0 ] || cmp -s "$T/out" "$T/want" ||
	    lost "$1" ipc-ls "status 0, listed: $(tr '\n\t' '| ' < "$T/out")"
}

@test "local-odd: ipc-ls under faults: every object a row, or one line" {
	requires mqueue-fs
	fault_setup
	peer-obj shm "/$N-a" 1 600
	peer-obj sem "/$N-b" 1 600
	mq-send "$N-c" x
	printf 'mq\t/%s-c\nsem\t/%s-b\nshm\t/%s-a\n' "$N" "$N" "$N" > "$T/want"
	CALLS="opendir stat open mq_open mq_getattr fstat" \
	    ERRNOS="EIO EACCES ENOMEM" NTHS="1 2 3" each_fault ls_case
	verdict
}

@test "local-odd: a /proc/sysvipc file closed to the caller is one line and exit 2; /proc/sys/kernel that does not tell leaves -g's System V limits unknown" {
	requires root unshare nobody
	run -0 --separate-stderr unshare -m sh -c '
	    mount -t tmpfs none /proc/sysvipc && touch /proc/sysvipc/shm &&
	    chmod 000 /proc/sysvipc/shm || exit 99
	    setpriv --reuid=nobody --regid=nogroup --clear-groups \
		ipc-ls -nr -T sysv-shm; echo "ls $?"'
	assert_output "ls 2"
	assert_equal "$stderr" "ipc-ls: /proc/sysvipc/shm: Permission denied"
	run -0 --separate-stderr unshare -m sh -c '
	    mount -t tmpfs none /proc/sys/kernel || exit 99
	    ipc-ls -g -nr | awk -F"\t" "\$1 ~ /^sysv-/ { print \$4 }" | sort -u'
	assert_equal "$stderr" ""
	assert_equal "$output" "-"
}

@test "local-odd: sem-wait --ttl on a POSIX semaphore, and shm-get -F -t at a held lock: one line and 2 (125), or silent 1" {
	want="sem-wait: /$N: --ttl is for etcd:// names: a POSIX semaphore's unit comes back when its holder dies"
	run -2 --separate-stderr sem-wait --ttl 5s -t 0 "$N"
	assert_equal "$stderr" "$want"
	run -125 --separate-stderr sem-wait --ttl 5s "$N" -- touch "$T/ran"
	assert_equal "$stderr" "$want"
	[ ! -e "$T/ran" ]
	run -1 sem_value "$N"
	printf 'old' | shm-put "$N"
	hold_lock "$N"
	run -1 --separate-stderr shm-get -F -t 0.2 "$N"
	assert_output ""
	assert_equal "$stderr" ""
}
