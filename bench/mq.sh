# bench/mq.sh: mq-send | mq-recv against bare mq_send/mq_receive, one
# mq-send and one mq-recv invocation against two runs of /bin/true, and
# mq-recv --exec against xargs -P4 (or socat's POSIXMQ-RECV fork where
# socat has it, 1.8 on) and against bare posix_spawn(3) of true, the most
# that a program spawning commands can do here; --exec 'true;' is the
# same work through sh (ipcutils(7), Commands).  mq-raw cpuid says what
# a CPUID costs here and how many a command's start runs.
N=${MQ_N:-200000}
LOOPS=${MQ_LOOPS:-500}
EXEC_N=${MQ_EXEC_N:-10000}
q=/ipcb-$$
dir=$(mktemp -d)
trap 'mq-recv -n -u "$q" >/dev/null 2>&1; rm -rf "$dir"' EXIT

# 16-byte messages: lines of 16 characters.
yes 'abcdefghijklmnop' | head -n "$N" > "$dir/lines"
seq "$EXEC_N" > "$dir/jobs"
mq-recv -n --max-messages 10 --message-size 16 "$q" || true

compare "throughput, $N messages of 16 bytes through a 10 x 16 queue" \
    "raw mq_send/mq_receive" \
	"mq-raw recv $q $N & mq-raw send $q $N 16; wait" \
    "mq-send < file | mq-recv" \
	"mq-recv -c $N $q > /dev/null & mq-send $q < $dir/lines; wait" \
    "... | mq-recv | cat (a pipe)" \
	"mq-recv -c $N $q | cat > /dev/null & mq-send $q < $dir/lines; wait" \
    "... | mq-recv --lockstep | cat" \
	"mq-recv --lockstep -c $N $q | cat > /dev/null & mq-send $q < $dir/lines; wait"

if socat -h 2>&1 | grep -q POSIXMQ-RECV; then
	alt="socat POSIXMQ-RECV,fork,max-children=4"
	altcmd="socat -u POSIXMQ-RECV:$q,fork,max-children=4 SYSTEM:true & s=\$!; mq-send $q < $dir/jobs; until grep -q '^QSIZE:0 ' /dev/mqueue$q; do sleep 0.01; done; kill \$s; wait"
else
	alt="mq-recv | xargs -n1 -P4 sh -c true"
	altcmd="mq-send $q < $dir/jobs & mq-recv -c $EXEC_N $q | xargs -n1 -P4 sh -c true; wait"
fi
# Where a CPUID traps (a virtual machine), each command's start in glibc
# pays for some 40 of them, on both sides alike: what bounds the ratio.
if [ "$(uname -m)" = x86_64 ]; then
	echo "each command's start in glibc, here: true: $(mq-raw cpuid "$(type -P true)")"
	echo "  sh -c true: $(mq-raw cpuid /bin/sh -c true)"
fi
compare "a command per message, $EXEC_N messages each running true (goal: -j 4 at least 1.5x $alt)" \
    "$alt" "$altcmd" \
    "mq-recv --exec true -j 4" \
	"mq-send $q < $dir/jobs & mq-recv -c $EXEC_N -j 4 --exec true $q; wait" \
    "mq-recv --exec 'true;' -j 4 (sh)" \
	"mq-send $q < $dir/jobs & mq-recv -c $EXEC_N -j 4 --exec 'true;' $q; wait" \
    "mq-recv --exec true -j 1" \
	"mq-send $q < $dir/jobs & mq-recv -c $EXEC_N --exec true $q; wait" \
    "bare spawn of true, 4 at once" \
	"mq-raw spawn $(type -P true) $EXEC_N 4" \
    "bare spawn of true, serially" \
	"mq-raw spawn $(type -P true) $EXEC_N" \
    "sh -c true, bare, serially" \
	"mq-raw spawn - $EXEC_N"

compare "start-up, $LOOPS times: mq-send q m; mq-recv q (goal: at most 1.05x true's time)" \
    "/bin/true; /bin/true" \
	"for i in \$(seq $LOOPS); do /bin/true; /bin/true; done" \
    "mq-send q m; mq-recv q" \
	"for i in \$(seq $LOOPS); do mq-send $q m; mq-recv $q > /dev/null; done"
