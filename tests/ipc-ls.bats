#!/usr/bin/env bats
# ipc-ls: every type with its details, the table, -o, -r, -0, -J, names.

setup() {
	load test_helper
}

teardown() {
	kill_bg "${holder:-}" "${child:-}" "${attached:-}" "${ns:-}"
	ipc_cleanup
}

# A queue of 2 x 16 holding the given messages.
queue() {
	mq-send --max-messages 2 --message-size 16 "$@"
}

# The fields of one object, tab-separated: ipc-ls -nr -o COLUMNS NAME.
fields() {
	ipc-ls -nr -o "$1" "${@:2}"
}

@test "ipc-ls: a queue made by mq-send shows its type, mode, owner and counts" {
	requires mqueue-fs
	queue -m 640 "$N" hello
	run -0 fields type,name,mode,owner,group,size,msgs,maxmsg,msgsize,value,bytes "$N"
	assert_output "$(printf 'mq\t/%s\t-rw-r-----\t%s\t%s\t5\t1\t2\t16\t-\t-' \
	    "$N" "$(id -un)" "$(id -gn)")"
}

@test "ipc-ls: a queue made by a C peer shows its counts" {
	requires mqueue-fs
	peer-mq send "/$N" one
	peer-mq send "/$N" three
	run -0 fields name,size,msgs,maxmsg,msgsize "$N"
	assert_output "$(printf '/%s\t8\t2\t4\t64' "$N")"
}

@test "ipc-ls: a semaphore made by a C peer shows its type, mode and value" {
	peer-obj sem "/$N" 3 640
	run -0 fields type,name,mode,owner,msgs,value,bytes "$N"
	assert_output "$(printf 'sem\t/%s\t-rw-r-----\t%s\t-\t3\t-' "$N" "$(id -un)")"
}

@test "ipc-ls: shared memory made by a C peer shows its size, and BYTES what is used" {
	peer-obj shm "/$N" 8192 604
	run -0 fields type,name,mode,size,value,bytes "$N"
	assert_output "$(printf 'shm\t/%s\t-rw----r--\t8192\t-\t0' "$N")"
	peer-obj fill "/$N" 4096
	run -0 fields size,bytes "$N"
	assert_output "$(printf '8192\t4096')"
}

@test "ipc-ls: shared memory made by Python's multiprocessing.shared_memory" {
	requires python3
	python3 - "$N" <<'PY'
import sys
from multiprocessing import resource_tracker, shared_memory
m = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=1000)
m.buf[:5] = b"hello"
# Keep it when Python exits: the tracker would remove it.
resource_tracker.unregister(m._name, "shared_memory")
m.close()
PY
	run -0 fields type,name,mode,owner,size "$N"
	assert_output "$(printf 'shm\t/%s\t-rw-------\t%s\t1000' "$N" "$(id -un)")"
}

@test "ipc-ls: OWNER and GROUP are names, or numbers where there is none" {
	requires root
	peer-obj shm "/$N" 10 600
	peer-obj shm "/$N-a" 10 600
	chown nobody:nogroup "/dev/shm/$N"
	chown 4242:4343 "/dev/shm/$N-a"
	run -0 fields name,owner,group "$N" "$N-a"
	assert_output "$(printf '/%s\tnobody\tnogroup\n/%s-a\t4242\t4343' "$N" "$N")"
}

@test "ipc-ls: the table has a header and padded columns, sorted by type and name" {
	peer-obj shm "/$N-b" 100 600
	peer-obj shm "/$N-a" 5 600
	peer-obj sem "/$N-c" 12 600
	run -0 --separate-stderr ipc-ls -o type,name,size,value "$N-*"
	assert_equal "$stderr" "$(mqfs_note ipc-ls)"
	w=$((${#N} + 3))
	assert_output "$(printf '%-4s %-*s %4s %5s\n' TYPE "$w" NAME SIZE VALUE \
	    sem "$w" "/$N-c" 32 12 shm "$w" "/$N-a" 5 - shm "$w" "/$N-b" 100 -)"
}

@test "ipc-ls: the default columns are those of the types listed, and MTIME as ls would give it" {
	peer-obj shm "/$N" 1 600
	run -0 ipc-ls "$N"
	u=$(id -un) g=$(id -gn)
	wn=$((${#N} + 1)) wu=$((${#u} > 5 ? ${#u} : 5)) wg=$((${#g} > 5 ? ${#g} : 5))
	assert_line -n 0 "$(printf 'TYPE %-*s ID MODE       %-*s %-*s SIZE MSGS MAXMSG MSGSIZE VALUE NSEMS BYTES NATTCH MTIME' \
	    "$wn" NAME "$wu" OWNER "$wg" GROUP)"
	run -0 ipc-ls -T shm "$N"
	assert_line -n 0 "$(printf 'TYPE %-*s MODE       %-*s %-*s SIZE BYTES MTIME' \
	    "$wn" NAME "$wu" OWNER "$wg" GROUP)"
	run -0 --separate-stderr ipc-ls -T mq,sem "$N-none-*"
	assert_output 'TYPE NAME MODE OWNER GROUP SIZE MSGS MAXMSG MSGSIZE VALUE MTIME'
	run -0 ipc-ls -T sysv-shm "key:0xfedcb*"
	assert_output 'TYPE NAME ID MODE OWNER GROUP SIZE NATTCH MTIME'
	run -0 ipc-ls -T sysv "key:0xfedcb*"
	assert_output 'TYPE NAME ID MODE OWNER GROUP SIZE MSGS NSEMS NATTCH MTIME'
	run -0 fields mtime "$N"
	assert_output "$(date -r "/dev/shm/$N" +%Y-%m-%dT%H:%M:%S%:z)"
}

@test "ipc-ls: -n leaves out the header; -o takes columns in any case and order" {
	peer-obj sem "/$N" 7 600
	run -0 ipc-ls -n -o VALUE,Name "$N"
	assert_output "7 /$N"
	run -0 ipc-ls -o value "$N"
	assert_output $'VALUE\n    7'
}

@test "ipc-ls: -0 prints names only, and feeds xargs -0 ipc-rm" {
	peer-obj shm "/$N-a" 1 600
	peer-obj shm "/$N-b b" 1 600
	peer-obj sem "/$N-c" 0 600
	run -0 sh -c 'ipc-ls -0 "$1-*" 2>/dev/null | od -An -c | tr -s " \n" "  "' sh "$N"
	assert_output "$(printf '/%s-c\0/%s-a\0/%s-b b\0' "$N" "$N" "$N" | od -An -c | tr -s ' \n' '  ')"
	ipc-ls -0 "$N-*" 2>/dev/null | xargs -0 ipc-rm
	run -0 --separate-stderr ipc-ls -n "$N-*"
	assert_output ""
}

@test "ipc-ls: -J is one JSON document with the same values as the table" {
	requires python3 mqueue-fs
	queue "$N-q" a b
	peer-obj sem "/$N-s" 4 640
	peer-obj shm "/$N-m" 300 600
	ipc-ls -J "$N-*" > "$BATS_TEST_TMPDIR/json"
	run -0 python3 -m json.tool "$BATS_TEST_TMPDIR/json"
	if command -v jq >/dev/null; then
		run -0 jq -e 'length == 3' "$BATS_TEST_TMPDIR/json"
	fi
	run -0 python3 -c '
import json, sys
for o in json.load(open(sys.argv[1])):
    print("\t".join("-" if v is None else str(v) for v in o.values()))
' "$BATS_TEST_TMPDIR/json"
	table=$(ipc-ls -nr "$N-*")
	assert_output "$table"
	[ "$(echo "$table" | cut -f1,8,11 | tr '\t\n' ' ;')" = "mq 2 -;sem - 4;shm - -;" ]
}

@test "ipc-ls: -J with -o has those keys; no objects is an empty array" {
	requires python3
	peer-obj sem "/$N" 2 600
	run -0 ipc-ls -J -o name,value,msgs "$N"
	assert_output "[
  {\"name\": \"/$N\", \"value\": 2, \"msgs\": null}
]"
	run -0 --separate-stderr ipc-ls -J "$N-none-*"
	assert_output "[]"
	assert_equal "$stderr" "$(mqfs_note ipc-ls)"
}

@test "ipc-ls: a name with a tab and a newline: escaped in the table, exact in JSON" {
	requires python3
	peer-obj shm "/$N-a"$'\t\n'"b" 1 600
	run -0 --separate-stderr ipc-ls -nr -o name "$N-*"
	assert_output "/$N-a\\t\\nb"
	run -0 python3 -c 'import json, sys; print(repr(json.load(sys.stdin)[0]["name"]))' \
	    < <(ipc-ls -J "$N-*" 2>/dev/null)
	assert_output "'/$N-a\\t\\nb'"
}

@test "ipc-ls: -T lists only that type; a name shared by two types shows both" {
	peer-obj sem "/$N" 1 600
	peer-obj shm "/$N" 1 600
	run -0 ipc-ls -nr -o type,name "$N"
	assert_output "$(printf 'sem\t/%s\nshm\t/%s' "$N" "$N")"
	run -0 ipc-ls -nr -o type -T shm "$N"
	assert_output "shm"
	run -0 ipc-ls -nr -o type -T mq,sem "/$N"
	assert_output "sem"
}

@test "ipc-ls: a missing name is reported after the others are listed, with 2" {
	peer-obj shm "/$N" 1 600
	run -2 --separate-stderr ipc-ls -nr -o name "$N-x" "$N"
	assert_output "/$N"
	assert_equal "$stderr" "ipc-ls: /$N-x: No such file or directory"
	run -2 --separate-stderr ipc-ls -T sem "$N"
	assert_output "$(ipc-ls -T sem "$N-*" 2>&1)"
	assert_equal "$stderr" "ipc-ls: /$N: No such file or directory"
}

@test "ipc-ls: a pattern that matches nothing is no error" {
	run -0 --separate-stderr ipc-ls -n "$N-*"
	assert_output ""
	assert_equal "$stderr" "$(mqfs_note ipc-ls)"
}

@test "ipc-ls: bad names, types, columns and option mixes exit 2 with one line" {
	peer-obj shm "/$N" 1 600
	run -2 --separate-stderr ipc-ls ../etc/passwd
	assert_output ""
	assert_equal "$stderr" "ipc-ls: ../etc/passwd: name holds a '/' after the leading one"
	run -2 --separate-stderr ipc-ls "$N" ""
	assert_output ""
	assert_equal "$stderr" 'ipc-ls: "": empty name'
	run -2 --separate-stderr ipc-ls "$(printf 'x%.0s' $(seq 256))"
	assert_equal "$stderr" "ipc-ls: $(printf 'x%.0s' $(seq 256)): name too long"
	run -2 --separate-stderr ipc-ls -T queue
	assert_equal "$stderr" "ipc-ls: type is invalid: queue"
	run -2 --separate-stderr ipc-ls -T mq,
	assert_equal "$stderr" "ipc-ls: type is invalid: mq,"
	run -2 --separate-stderr ipc-ls -o name,size,colour
	assert_equal "$stderr" "ipc-ls: column is invalid: colour (the columns: type,name,key,id,mode,owner,group,creator,size,msgs,maxmsg,msgsize,value,nsems,bytes,nattch,cpid,lpid,lspid,lrpid,mtime,ctime,atime,dtime,stime,rtime,otime)"
	run -2 --separate-stderr ipc-ls -o name,
	assert_equal "$stderr" 'ipc-ls: column is invalid: "" (the columns: type,name,key,id,mode,owner,group,creator,size,msgs,maxmsg,msgsize,value,nsems,bytes,nattch,cpid,lpid,lspid,lrpid,mtime,ctime,atime,dtime,stime,rtime,otime)'
	run -2 --separate-stderr ipc-ls -0 -J
	assert_equal "$stderr" "ipc-ls: cannot use more than one of -0, -J and -r"
	run -2 --separate-stderr ipc-ls -n -J
	assert_equal "$stderr" "ipc-ls: cannot use -n with -0 or -J"
	run -2 --separate-stderr ipc-ls -0 -o name
	assert_equal "$stderr" "ipc-ls: cannot use -0 and -o"
	run -2 --separate-stderr ipc-ls --tls-ca /etc/passwd "$N"
	assert_output ""
	assert_equal "$stderr" "ipc-ls: the --tls options are for names of a backend (etcds://, amqps://)"
	run -2 --separate-stderr ipc-ls --tls-noverify
	assert_equal "$stderr" "ipc-ls: the --tls options are for names of a backend (etcds://, amqps://)"
	run -2 --separate-stderr ipc-ls -q
	assert_equal "${stderr_lines[0]}" "ipc-ls: -q: unknown option"
	assert_equal "${stderr_lines[1]}" "$(ipc-ls --help | head -1)"
}

@test "ipc-ls: a write error exits 2 and says so" {
	[ -w /dev/full ] || skip "needs /dev/full"
	peer-obj shm "/$N" 1 600
	run -2 --separate-stderr sh -c 'ipc-ls "$1" > /dev/full' sh "$N"
	assert_equal "$stderr" "ipc-ls: stdout: No space left on device"
}

@test "ipc-ls: without /dev/mqueue mounted, one message, the rest listed, exit 0" {
	requires root unshare mqueue-fs
	queue "$N-q" x
	peer-obj shm "/$N-m" 1 600
	run -0 --separate-stderr unshare -m sh -c \
	    'umount /dev/mqueue && ipc-ls -nr -o type,name "$1-*"' sh "$N"
	assert_output "$(printf 'shm\t/%s-m' "$N")"
	assert_equal "$stderr" "ipc-ls: /dev/mqueue: not mounted, so no queues are listed (mount -t mqueue none /dev/mqueue)"
	# A queue asked for by its name is found all the same.
	run -0 --separate-stderr unshare -m sh -c \
	    'umount /dev/mqueue && ipc-ls -nr -o type,name,mode,msgs,maxmsg "$1-q"' sh "$N"
	assert_output "$(printf 'mq\t/%s-q\t-rw-------\t1\t2' "$N")"
	assert_equal "$stderr" ""
}

@test "ipc-ls: a directory it cannot read is named in the error, not /dev/shm" {
	requires root unshare mqueue-fs nobody
	# A queue file system of its own (-i), closed to nobody.
	run -2 --separate-stderr unshare -mi sh -c 'mount -t mqueue none /dev/mqueue &&
	    chmod 0 /dev/mqueue &&
	    exec setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-ls'
	assert_equal "$stderr" "ipc-ls: /dev/mqueue: Permission denied"
	assert_output ""
}

@test "ipc-ls: lists the longest names other programs make: 255 bytes, 251 for a semaphore" {
	requires mqueue-fs
	long=$N-$(printf "%0$((254 - ${#N}))d" 0)
	[ "${#long}" -eq 255 ]
	peer-mq send "/$long" hi
	peer-obj sem "/${long:0:251}" 0 600
	peer-obj shm "/$long" 1 600
	run -0 ipc-ls -nr -o type,name "$N-*"
	assert_output "$(printf 'mq\t/%s\nsem\t/%s\nshm\t/%s' "$long" "${long:0:251}" "$long")"
	run -0 ipc-ls -nr -o type,name -T shm "$long"
	assert_output "$(printf 'shm\t/%s' "$long")"
}

@test "ipc-ls: -o name,perms lists the valid columns" {
	run -2 --separate-stderr ipc-ls -o name,perms
	assert_equal "$stderr" "ipc-ls: column is invalid: perms (the columns: type,name,key,id,mode,owner,group,creator,size,msgs,maxmsg,msgsize,value,nsems,bytes,nattch,cpid,lpid,lspid,lrpid,mtime,ctime,atime,dtime,stime,rtime,otime)"
}

@test "ipc-ls: MTIME is ISO 8601 with the offset of the time zone" {
	peer-obj shm "/$N" 1 600
	touch -d '2026-01-02T03:04:05Z' "/dev/shm/$N"
	run -0 env TZ=Asia/Tokyo ipc-ls -nr -o mtime "$N"
	assert_output "2026-01-02T12:04:05+09:00"
	run -0 env TZ=UTC ipc-ls -J -o mtime "$N"
	assert_output $'[\n  {"mtime": "2026-01-02T03:04:05+00:00"}\n]'
	run -0 env TZ=America/St_Johns ipc-ls -nr -o mtime "$N"
	assert_output "2026-01-01T23:34:05-03:30"
}

@test "ipc-ls: -g lists each limit, its use and where it is set, as a table, raw and JSON" {
	run -0 ipc-ls -g
	assert_line -n 0 --regexp '^TYPE +NAME +USED +LIMIT SOURCE$'
	run -0 ipc-ls -g -nr
	assert_line -n 0 "$(printf 'mq\tmsg_max\t-\t%s\t/proc/sys/fs/mqueue/msg_max' "$(cat /proc/sys/fs/mqueue/msg_max)")"
	assert_line -n 1 "$(printf 'mq\tmsgsize_max\t-\t%s\t/proc/sys/fs/mqueue/msgsize_max' "$(cat /proc/sys/fs/mqueue/msgsize_max)")"
	assert_line -n 2 --regexp "^mq	queues_max	[-0-9]+	$(cat /proc/sys/fs/mqueue/queues_max)	/proc/sys/fs/mqueue/queues_max\$"
	q=$(ulimit -q)
	[ "$q" = unlimited ] && q=-
	assert_line -n 3 --regexp "^mq	RLIMIT_MSGQUEUE	[-0-9]+	$q	ulimit -q\$"
	assert_line -n 4 --regexp "^shm	size	[0-9]+	$(df -B1 --output=size /dev/shm | tail -1 | tr -d ' ')	/dev/shm\$"
	assert_line -n 5 "$(printf 'sem\tSEM_VALUE_MAX\t-\t2147483647\tlimits.h')"
	[ "${#lines[@]}" -eq 16 ]
	ipc-ls -g -J > "$BATS_TEST_TMPDIR/json"
	run -0 python3 -c '
import json, sys
for o in json.load(open(sys.argv[1])):
    print(o["type"], o["name"], o["used"], o["limit"], o["source"])
' "$BATS_TEST_TMPDIR/json"
	assert_line -n 0 "mq msg_max None $(cat /proc/sys/fs/mqueue/msg_max) /proc/sys/fs/mqueue/msg_max"
	assert_line -n 5 "sem SEM_VALUE_MAX None 2147483647 limits.h"
	run -2 --separate-stderr ipc-ls -g "$N"
	assert_equal "$stderr" "ipc-ls: cannot use -g with -0, -o, -T, --holders or names"
}

@test "ipc-ls: -g counts this user's queues against RLIMIT_MSGQUEUE as the kernel does" {
	requires root unshare mqueue-fs nobody
	command -v prlimit >/dev/null || skip "needs prlimit"
	# A queue file system of its own, and a user with no other queues.
	cat > "$BATS_TEST_TMPDIR/t.sh" <<'SH'
mq-send --max-messages 3 --message-size 100 q1 x
used=$(ipc-ls -g -nr | awk -F'\t' '$2 == "RLIMIT_MSGQUEUE" { print $3 }')
echo "$used"
# A queue of 2 x 50 counts 2 * (50 + 96) bytes: one byte less is refused.
more=$((used + 2 * (50 + 96)))
prlimit --msgqueue=$((more - 1)) mq-send --max-messages 2 --message-size 50 q2 x 2>/dev/null &&
    echo "fits in one byte less" || echo refused
prlimit --msgqueue=$more mq-send --max-messages 2 --message-size 50 q2 x && echo fits
ipc-ls -g -nr | awk -F'\t' '$2 == "RLIMIT_MSGQUEUE" { print $3 }'
SH
	run -0 unshare -mi sh -c 'mount -t mqueue none /dev/mqueue &&
	    exec setpriv --reuid=nobody --regid=nogroup --clear-groups sh -s' \
	    < "$BATS_TEST_TMPDIR/t.sh"
	assert_output "$(printf '%s\n' 588 refused fits 880)"
}

# What ipc-ls -nr shows, as lsipc --raw shows it: a mode without its type,
# the creator as user and group, nothing where ipc-ls has "-".
as_lsipc() {
	ipc-ls -nr "$@" | awk -F'\t' -v OFS=' ' '{
		for (i = 1; i <= NF; i++)
			if ($i == "-")
				$i = ""
			else if ($i ~ /^-[-r][-w][-xsS]/)
				$i = substr($i, 2)
			else if ($i ~ /^[^:T]+:[^:T]+$/)
				sub(/:/, " ", $i)
		print
	}'
}

# A mode as ls shows it, in octal, as ipcs shows it.
octal() {
	local s=${1:1} o=0 i
	for ((i = 0; i < 9; i++)); do
		o=$((o * 2))
		[ "${s:i:1}" = - ] || o=$((o + 1))
	done
	printf '%o\n' "$o"
}

@test "ipc-ls: System V queues, sets and segments made by a C peer agree with lsipc, field by field" {
	requires lsipc
	k=$(sysv_key 1)
	m=$(mk_sysv shm "$k" 640 4096)
	q=$(mk_sysv msg "$k" 600 2)
	s=$(mk_sysv sem "$k" 604 3)
	attach_sysv "$m"
	run -0 as_lsipc -T sysv-shm -o key,id,owner,mode,creator,size,nattch,cpid,lpid,atime,dtime,ctime "key:$k"
	assert_output "$(lsipc -m --raw --noheadings -b --time-format iso \
	    -o KEY,ID,OWNER,PERMS,CUSER,CGROUP,SIZE,NATTCH,CPID,LPID,ATTACH,DETACH,CTIME |
	    grep "^$k $m ")"
	assert_output --regexp "^$k $m [^ ]+ rw-r----- [^ ]+ [^ ]+ 4096 1 [0-9]+ $attached 20"
	run -0 as_lsipc -T sysv-msg -o key,id,owner,mode,creator,size,msgs,lspid,lrpid,stime,rtime,ctime "key:$k"
	assert_output "$(lsipc -q --raw --noheadings -b --time-format iso \
	    -o KEY,ID,OWNER,PERMS,CUSER,CGROUP,USEDBYTES,MSGS,LSPID,LRPID,SEND,RECV,CTIME |
	    grep "^$k $q ")"
	assert_output --regexp "^$k $q [^ ]+ rw------- [^ ]+ [^ ]+ 10 2 "
	run -0 as_lsipc -T sysv-sem -o key,id,owner,mode,creator,nsems,otime,ctime "key:$k"
	assert_output "$(lsipc -s --raw --noheadings -b --time-format iso \
	    -o KEY,ID,OWNER,PERMS,CUSER,CGROUP,NSEMS,OTIME,CTIME |
	    grep "^$k $s ")"
	assert_output --regexp "^$k $s [^ ]+ rw----r-- [^ ]+ [^ ]+ 3 20"
	kill_bg "$attached"
}

@test "ipc-ls: objects made by ipcmk agree with ipcs -a" {
	requires ipcmk ipcs
	m=$(ipcmk -M 8192 -p 0640 | awk '{ print $NF }')
	echo "shm $m" >> "$BATS_TEST_TMPDIR/sysv-made"
	q=$(ipcmk -Q -p 0600 | awk '{ print $NF }')
	echo "msg $q" >> "$BATS_TEST_TMPDIR/sysv-made"
	s=$(ipcmk -S 5 -p 0604 | awk '{ print $NF }')
	echo "sem $s" >> "$BATS_TEST_TMPDIR/sysv-made"
	# ipcs: key id owner perms, then bytes nattch; used-bytes messages;
	# nsems.
	for t in shm:-m:$m:size,nattch:6 msg:-q:$q:size,msgs:6 sem:-s:$s:nsems:5; do
		IFS=: read -r type opt id cols n <<< "$t"
		run -0 ipc-ls -nr -T "sysv-$type" -o "key,id,owner,mode,$cols" "id:$id"
		IFS=$'\t' read -r -a f <<< "$output"
		f[3]=$(octal "${f[3]}")
		want=$(ipcs "$opt" | awk -v id="$id" -v n="$n" '
		    /^0x/ && $2 == id { NF = n; print }')
		[ -n "$want" ] || false
		[ "${f[*]}" = "$want" ] || { echo "ipc-ls: ${f[*]}; ipcs: $want"; false; }
	done
}

@test "ipc-ls: key: and id: select System V objects, a glob over keys too; -J" {
	requires python3
	k1=$(sysv_key 1) k2=$(sysv_key 2)
	a=$(mk_sysv shm "$k1" 600 10)
	b=$(mk_sysv shm "$k2" 600 20)
	c=$(mk_sysv sem "$k1" 600 1)
	run -0 --separate-stderr ipc-ls -nr -o type,name,id "key:$k1"
	assert_output "$(printf 'sysv-sem\tkey:%s\t%s\nsysv-shm\tkey:%s\t%s' "$k1" "$c" "$k1" "$a")"
	assert_equal "$stderr" ""
	run -0 ipc-ls -nr -o name,size -T sysv-shm "key:${k1%??}*"
	assert_output "$(printf 'key:%s\t10\nkey:%s\t20' "$k1" "$k2")"
	# A key in capitals, or without its leading zeros, is the same key.
	run -0 ipc-ls -nr -o name -T sysv-shm "key:0x${k2#0x}" "key:0x$(printf '%X' "$k2")"
	assert_output "key:$k2"
	run -0 ipc-ls -nr -o name,size -T sysv-shm "id:$b"
	assert_output "$(printf 'key:%s\t20' "$k2")"
	run -0 ipc-ls -J -o name,id,nattch -T sysv-shm "id:$a"
	assert_output "$(printf '[\n  {"name": "key:%s", "id": %s, "nattch": 0}\n]' "$k1" "$a")"
	# A POSIX glob is no System V name.
	run -0 --separate-stderr ipc-ls -nr -o type -T sysv '*'
	assert_output ""
	run -2 --separate-stderr ipc-ls -n -T sysv-msg "key:$k1"
	assert_output ""
	assert_equal "$stderr" "ipc-ls: key:$k1: No such file or directory"
}

@test "ipc-ls: bad key: and id: forms exit 2 with one line" {
	for bad in 'key:' 'key:0x' 'key:12' 'key:-1' 'key:0x12g'; do
		run -2 --separate-stderr ipc-ls "$bad"
		assert_output ""
		assert_equal "$stderr" "ipc-ls: $bad: key is not 0x and hex digits (key:0x0000abcd)"
	done
	run -2 --separate-stderr ipc-ls key:0x123456789
	assert_equal "$stderr" "ipc-ls: key:0x123456789: key is too large (32 bits: at most key:0xffffffff)"
	for bad in 'id:' 'id:-1' 'id:+1' 'id:1x' 'id:0x1'; do
		run -2 --separate-stderr ipc-ls "$bad"
		assert_output ""
		assert_equal "$stderr" "ipc-ls: $bad: id is not a decimal number (id:N)"
	done
	run -2 --separate-stderr ipc-ls id:2147483648
	assert_equal "$stderr" "ipc-ls: id:2147483648: id is too large (at most 2147483647)"
}

@test "ipc-ls: -g shows the System V limits and their use as lsipc -g does" {
	requires lsipc
	# The use is the machine's: tests run in parallel (make -j2 check)
	# make and remove System V objects between two looks.  The same
	# figures, read in a moment when nothing changed between ours,
	# lsipc's and ours again; ten tries.
	local i
	for i in $(seq 1 10); do
		lookup_g
		[ "$mine" != "$again" ] || [ "$cut" != "$theirs" ] || break
	done
	[ "$(echo "$mine" | wc -l)" -eq 10 ] || false
	assert_equal "$cut" "$theirs"
	assert_equal "$(echo "$mine" | awk '$1 == "SHMALL" { print $3 }')" "$pages"
}

# ipc-ls -g's figures (mine), lsipc -g's (theirs), ours again, the pages
# of all segments as the kernel counts them.
lookup_g() {
	run -0 ipc-ls -g -nr
	mine=$(echo "$output" | awk -F'\t' '$1 ~ /^sysv-/ { print toupper($2), $4, $3 }' | sort)
	# lsipc's SHMALL use is all segments' bytes in pages, rounded down;
	# the kernel counts each segment's pages, rounded up.
	theirs=$(lsipc -g --raw --noheadings -b -o RESOURCE,LIMIT,USED |
	    grep -E '^(MSGMNI|MSGMAX|MSGMNB|SEMMSL|SEMMNS|SEMOPM|SEMMNI|SHMMAX|SHMALL|SHMMNI) ' |
	    sed 's/^\(SHMALL [0-9]*\) .*/\1/' | sort)
	page=$(getconf PAGESIZE)
	pages=$(awk -v p="$page" 'NR > 1 { n += int(($4 + p - 1) / p) } END { print n + 0 }' /proc/sysvipc/shm)
	run -0 ipc-ls -g -nr
	again=$(echo "$output" | awk -F'\t' '$1 ~ /^sysv-/ { print toupper($2), $4, $3 }' | sort)
	cut=$(echo "$mine" | sed 's/^\(SHMALL [0-9]*\) .*/\1/')
}

@test "ipc-ls: -N lists the objects of another IPC and mount namespace, and ipc-rm -N removes them" {
	requires root unshare
	k=$(sysv_key 1)
	mkfifo "$BATS_TEST_TMPDIR/ready"
	unshare --ipc --mount sh -c 'mount -t tmpfs none /dev/shm &&
	    peer-sysv shm "$1" 600 64 >/dev/null && peer-obj shm "/$2" 3 600 &&
	    echo ready && exec sleep 600' sh "$k" "$N" > "$BATS_TEST_TMPDIR/ready" 3>&- &
	ns=$!
	read -r ready < "$BATS_TEST_TMPDIR/ready"
	[ "$ready" = ready ]
	run -0 ipc-ls -N "$ns" -nr -o type,name,size,owner,creator "$N" "key:$k"
	assert_output "$(printf 'shm\t/%s\t3\t0\t-\nsysv-shm\tkey:%s\t64\t0\t0:0' "$N" "$k")"
	# Not here.
	run -2 --separate-stderr ipc-ls -nr -o type,name "$N" "key:$k"
	assert_output ""
	# A namespace file is the IPC namespace alone: System V only.
	run -0 ipc-ls -N "/proc/$ns/ns/ipc" -nr -o type,name "key:$k"
	assert_output "$(printf 'sysv-shm\tkey:%s' "$k")"
	run -2 --separate-stderr ipc-ls -N "/proc/$ns/ns/ipc" -T shm "$N"
	assert_equal "$stderr" "ipc-ls: -N /proc/$ns/ns/ipc: a namespace file is no /dev/shm nor /dev/mqueue: -T sysv, or -N PID"
	run -0 --separate-stderr ipc-rm -N "$ns" -v "$N" "key:$k"
	assert_output "$(printf 'removed shm /%s\nremoved sysv-shm key:%s id:0' "$N" "$k")"
	run -2 --separate-stderr ipc-ls -N "$ns" -nr -o type,name "$N" "key:$k"
	assert_output ""
	kill_bg "$ns"
}

@test "ipc-ls: -N without the privilege setns needs, or of no process, is one line and exit 2" {
	requires root unshare nobody
	run -2 --separate-stderr ipc-ls -N nonsense
	assert_equal "$stderr" "ipc-ls: -N nonsense: neither a process id nor the path of an ipc namespace file"
	run -2 --separate-stderr ipc-ls -N 2147483647
	assert_equal "$stderr" "ipc-ls: -N 2147483647: No such file or directory"
	run -2 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-ls -N 1
	assert_output ""
	assert_equal "$stderr" "ipc-ls: -N 1: Permission denied"
	run -2 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-ls -N /proc/self/ns/ipc
	assert_equal "$stderr" "ipc-ls: -N /proc/self/ns/ipc: its ipc namespace: Operation not permitted (setns needs CAP_SYS_ADMIN)"
}

@test "ipc-ls --holders: the holding sem-wait, its command and since when; a dead holder as such" {
	sem-wait "$N" -- sleep 600 3>&- &
	holder=$!
	# Until the command runs: between its fork and its exec the child
	# is a copy of sem-wait, and /proc says so.
	# Before sem-wait made it, the semaphore is missing: exit 2.
	for i in $(seq 100); do
		run ipc-ls --holders -nr "$N"
		[ "$status" -ne 0 ] ||
		    case $output in *$'\t'"sleep 600") break ;; esac
		sleep 0.1
	done
	assert_success
	seen=$(date +%s)
	IFS=$'\t' read -r name pid child since state command <<< "$output"
	assert_equal "$name $pid $state $command" "/$N $holder holds sleep 600"
	[ "$child" -gt 0 ] || false
	[ "$(ps -o ppid= -p "$child" | tr -d ' ')" = "$holder" ] || false
	# Since it took the unit: after it started (to the second that ps
	# rounds), before it was seen holding.
	start=$(($(date +%s) - $(ps -o etimes= -p "$holder")))
	since_s=$(date -d "$since" +%s)
	[ "$since_s" -ge $((start - 1)) ] && [ "$since_s" -le "$seen" ] || false
	run -0 ipc-ls --holders
	assert_line -n 0 --regexp '^NAME +PID +CHILD +SINCE +STATE +COMMAND$'
	run -0 ipc-ls --holders -J -T sem "$N"
	assert_output --partial "\"pid\": $holder, \"child\": $child, "
	kill -KILL "$holder" "$child"
	wait "$holder" 2>/dev/null || true
	while kill -0 "$child" 2>/dev/null; do sleep 0.1; done
	run -0 ipc-ls --holders -nr "$N"
	assert_output "$(printf '/%s\t%s\t%s\t%s\tdead\t-' "$N" "$holder" "$child" "$since")"
	# Taking a unit gives the dead holder's back, and its record goes.
	run -0 sem-wait -n "$N"
	run -0 ipc-ls --holders -nr "$N"
	assert_output ""
	run -2 --separate-stderr ipc-ls --holders -T shm
	assert_equal "$stderr" "ipc-ls: cannot use --holders with -0, -o or -T other than sem"
}

@test "ipc-ls: a semaphore's SIZE is what its file holds, not the reach of the record" {
	sem-post --init 0 "$N"
	peer-obj sem "/$N-p" 1 600
	run -0 fields size "$N" "$N-p"
	assert_output "$(printf '%s\n%s' "$(($(stat -c %b "/dev/shm/sem.$N") * 512))" 32)"
	[ "$(stat -c %s "/dev/shm/sem.$N")" -gt "${lines[0]}" ] || false
}

@test "ipc-ls --holders: a semaphore another user may not read is reported, exit 2" {
	requires root nobody
	peer-obj sem "/$N" 1 600
	run -2 --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups ipc-ls --holders -n "$N"
	assert_output ""
	assert_equal "$stderr" "ipc-ls: /$N: Permission denied"
}
