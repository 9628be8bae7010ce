# bench/ipc.sh: ipc-ls against ls -l of the same directories, and against
# lsipc and ipcs -a with System V objects beside the POSIX ones; ipc-rm of
# a glob against rm of the same files, and ipc-rm --unattached against a
# loop of ipcrm.
SHM=${IPC_SHM:-1000}
SEM=${IPC_SEM:-100}
MQ=${IPC_MQ:-20}
p=ipcb-$$
SYSV_SHM=${IPC_SYSV_SHM:-1000}
SYSV_SEM=${IPC_SYSV_SEM:-100}
SYSV_MSG=${IPC_SYSV_MSG:-20}
# The System V objects' keys: 0x1, this shell's pid in 12 bits, a number
# in 16.
k=$(printf '0x1%03x' $(($$ & 0xfff)))
trap 'rm -f /dev/shm/$p-* /dev/shm/sem.$p-*; ipc-rm -f -T mq "$p-*" 2>/dev/null;
    ipc-rm -f -T sysv "key:$k*" 2>/dev/null' EXIT

# System V objects through libc, as a program makes them: segments of
# 4096 bytes (their ids in $BENCHDIR/ids, for ipcrm), sets of 4, queues.
BENCHDIR=$(mktemp -d)
make_sysv() {
	python3 - "$k" "$1" "$2" "$3" "$BENCHDIR/ids" <<'PY'
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
k, shm, sem, msg = int(sys.argv[1], 16) << 16, *map(int, sys.argv[2:5])
ids = []
for i in range(shm):
    ids.append(libc.shmget(k + i, 4096, 0o1600 | 0o2000))
    if ids[-1] < 0:
        sys.exit("shmget: errno %d" % ctypes.get_errno())
for i in range(sem):
    if libc.semget(k + i, 4, 0o1600 | 0o2000) < 0:
        sys.exit("semget: errno %d" % ctypes.get_errno())
for i in range(msg):
    if libc.msgget(k + i, 0o1600 | 0o2000) < 0:
        sys.exit("msgget: errno %d" % ctypes.get_errno())
open(sys.argv[5], "w").write("\n".join(map(str, ids)) + "\n")
PY
}

# Shared memory of 4096 bytes; semaphores as glibc lays one out, value 0;
# queues of 1 x 8, so as not to take much of this user's queue memory.
make_objects() {
	local i
	for i in $(seq "$SHM"); do : > "/dev/shm/$p-m$i"; done
	truncate -s 4096 /dev/shm/"$p"-m*
	for i in $(seq "$SEM"); do head -c 32 /dev/zero > "/dev/shm/sem.$p-s$i"; done
}
make_objects
for i in $(seq "$MQ"); do
	mq-send --max-messages 1 --message-size 8 "$p-q$i" x
done

compare "list $SHM shared memory objects, $SEM semaphores, $MQ queues" \
    "ls -l /dev/shm /dev/mqueue" "ls -l /dev/shm /dev/mqueue > /dev/null" \
    "ipc-ls" "ipc-ls > /dev/null" \
    "ipc-ls -J" "ipc-ls -J > /dev/null" \
    "ipc-ls -0 (names only)" "ipc-ls -0 > /dev/null"

compare "make, then remove by a glob, $SHM shared memory objects and $SEM semaphores" \
    "rm /dev/shm/...-*" "make_objects; rm -f /dev/shm/$p-* /dev/shm/sem.$p-*" \
    "ipc-rm -T sem,shm '...-*'" "make_objects; ipc-rm -T sem,shm '$p-*'" \
    "make only (in both: subtract)" "make_objects"

make_sysv "$SYSV_SHM" "$SYSV_SEM" "$SYSV_MSG"
compare "list $SHM shared memory objects, $SEM semaphores, $MQ queues and System V: $SYSV_SHM segments, $SYSV_SEM sets, $SYSV_MSG queues" \
    "lsipc -m; lsipc -s; lsipc -q (System V only)" "{ lsipc -m; lsipc -s; lsipc -q; } > /dev/null" \
    "ipcs -a (System V only)" "ipcs -a > /dev/null" \
    "ipc-ls (all)" "ipc-ls > /dev/null" \
    "ipc-ls -T sysv" "ipc-ls -T sysv > /dev/null" \
    "ipc-ls -J (all)" "ipc-ls -J > /dev/null" \
    "cat /proc/sysvipc/* (the limit)" "cat /proc/sysvipc/* > /dev/null"
ipc-rm -f -T sysv "key:$k*"

compare "make, then remove, $SYSV_SHM unattached System V segments" \
    "a loop of ipcrm -m ID" "make_sysv $SYSV_SHM 0 0; while read -r id; do ipcrm -m \"\$id\"; done < $BENCHDIR/ids" \
    "ipcrm -m ID ... (one ipcrm)" "make_sysv $SYSV_SHM 0 0; ipcrm \$(sed 's/^/-m /' $BENCHDIR/ids)" \
    "ipc-rm --unattached" "make_sysv $SYSV_SHM 0 0; ipc-rm --unattached 'key:$k*'" \
    "make only (in all: subtract)" "make_sysv $SYSV_SHM 0 0; ipc-rm -T sysv-shm 'key:$k*'"
rm -rf "$BENCHDIR"
