# bench/mq.sh: mq-send | mq-recv against bare mq_send/mq_receive, and one
# mq-send and one mq-recv invocation against two runs of /bin/true.
N=${MQ_N:-200000}
LOOPS=${MQ_LOOPS:-500}
q=/ipcb-$$
dir=$(mktemp -d)
trap 'mq-recv -n -u "$q" >/dev/null 2>&1; rm -rf "$dir"' EXIT

# 16-byte messages: lines of 16 characters.
yes 'abcdefghijklmnop' | head -n "$N" > "$dir/lines"
mq-recv -n --max-messages 10 --message-size 16 "$q" || true

compare "throughput, $N messages of 16 bytes through a 10 x 16 queue" \
    "raw mq_send/mq_receive" \
	"mq-raw recv $q $N & mq-raw send $q $N 16; wait" \
    "mq-send < file | mq-recv" \
	"mq-recv -c $N $q > /dev/null & mq-send $q < $dir/lines; wait"

compare "start-up, $LOOPS times: mq-send q m; mq-recv q (goal: at most 1.05x true's time)" \
    "/bin/true; /bin/true" \
	"for i in \$(seq $LOOPS); do /bin/true; /bin/true; done" \
    "mq-send q m; mq-recv q" \
	"for i in \$(seq $LOOPS); do mq-send $q m; mq-recv $q > /dev/null; done"
