# bench/ipc.sh: ipc-ls against ls -l of the same directories, and ipc-rm
# of a glob against rm of the same files.
SHM=${IPC_SHM:-1000}
SEM=${IPC_SEM:-100}
MQ=${IPC_MQ:-20}
p=ipcb-$$
trap 'rm -f /dev/shm/$p-* /dev/shm/sem.$p-*; ipc-rm -f -T mq "$p-*" 2>/dev/null' EXIT

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
