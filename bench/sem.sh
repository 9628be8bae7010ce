# bench/sem.sh: sem-wait NAME -- true against flock(1) and GNU parallel's
# sem, and a post/wait ping-pong between two processes.
LOOPS=${SEM_LOOPS:-300}
PLOOPS=${SEM_PARALLEL_LOOPS:-10}
PINGS=${SEM_PINGS:-300}
s=ipcb-$$
dir=$(mktemp -d)
trap 'for n in "$s" "$s-ping" "$s-pong"; do rm -f "/dev/shm/sem.$n"; done;
    rm -rf "$dir"' EXIT
sem-post -x "$s"	# the lock, made free

compare "a lock around a command, $LOOPS times (goal: sem-wait at most 0.8x flock's time)" \
    "flock F true" \
	"for i in \$(seq $LOOPS); do flock $dir/lock true; done" \
    "sem-wait L -- true" \
	"for i in \$(seq $LOOPS); do sem-wait $s -- true; done"

if command -v sem >/dev/null && sem --version 2>/dev/null | grep -q parallel; then
	export HOME=$dir	# parallel keeps its semaphores in ~/.parallel
	compare "a lock around a command, $PLOOPS times, with GNU parallel's sem" \
	    "flock F true" \
		"for i in \$(seq $PLOOPS); do flock $dir/lock true; done" \
	    "sem-wait L -- true" \
		"for i in \$(seq $PLOOPS); do sem-wait $s -- true; done" \
	    "sem --id x true" \
		"for i in \$(seq $PLOOPS); do sem --id ipcb-$$ true; done"
else
	echo "(GNU parallel's sem is not installed: not compared)"
fi

# Two processes hand a turn back and forth, $PINGS times each way.
# flock(1) has no post and no wait for another process; its line is the
# nearest it offers: the same number of invocations, two processes
# contending for one lock.
compare "ping-pong between two processes, $PINGS round trips" \
    "flock: 2 x $PINGS x flock F true" \
	"(for i in \$(seq $PINGS); do flock $dir/lock true; done) &
	 for i in \$(seq $PINGS); do flock $dir/lock true; done; wait" \
    "sem-post / sem-wait" \
	"(for i in \$(seq $PINGS); do sem-wait $s-ping; sem-post $s-pong; done) &
	 for i in \$(seq $PINGS); do sem-post $s-ping; sem-wait $s-pong; done; wait"
