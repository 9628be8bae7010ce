# bench/amqp.sh: mq-send and mq-recv on an amqp:// queue of a private
# RabbitMQ, against librabbitmq called directly (bench/amqp-raw, publisher
# confirms in batches: the limit) and against what a user does without
# ipcutils, a loop of amqp-publish, one process a line.
N=${AMQP_N:-100000}
LOOP=${AMQP_LOOP:-1000}
BATS_TEST_TMPDIR=${TMPDIR:-/tmp}
. "$(dirname "${BASH_SOURCE[0]}")/../tests/broker.bash"
if ! command -v amqp-raw >/dev/null || ! command -v amqp-publish >/dev/null; then
	echo "amqp: skipped: needs bench/amqp-raw (librabbitmq) and amqp-publish (amqp-tools)"
	return 0
fi
broker_start
if [ -n "$BROKER_SKIP" ]; then
	echo "amqp: skipped: $BROKER_SKIP"
	return 0
fi
echo "broker started in ${BROKER_START_SECONDS}s"
dir=$(mktemp -d)
trap 'broker_stop; rm -rf "$dir"' EXIT
q=ipcb-$$
yes 'abcdefghijklmnop' | head -n "$N" > "$dir/lines"
head -n "$LOOP" "$dir/lines" > "$dir/few"
h=127.0.0.1 p=$BROKER_PORT

# One queue per contender, each emptied by its own receiver every round.
compare "throughput, $N persistent messages of 16 bytes, sent and received at once" \
    "amqp-raw (librabbitmq)" \
	"amqp-raw recv $h $p $q-raw $N & amqp-raw send $h $p $q-raw $N 16; wait" \
    "mq-send < file & mq-recv -c" \
	"mq-recv -c $N $AMQP_URL/$q-ipc > /dev/null & mq-send $AMQP_URL/$q-ipc < $dir/lines; wait"

# amqp-publish neither confirms nor takes priorities: a user's loop of it
# is timed on $LOOP lines, and scaled to $N.  Each queue is deleted after.
SCALE="$((N / LOOP)) 1 1" compare \
    "sending $N messages of 16 bytes (amqp-publish: $LOOP lines, scaled)" \
    "while read: amqp-publish" \
	"mq-recv -n $AMQP_URL/$q-pub; while read -r l; do amqp-publish -s $h --port $p --username ipct --password \"\$BROKER_PASSWORD\" -p -r $q-pub -b \"\$l\"; done < $dir/few; ipc-rm $AMQP_URL/$q-pub" \
    "amqp-raw send" \
	"amqp-raw send $h $p $q-raw $N 16; ipc-rm $AMQP_URL/$q-raw" \
    "mq-send < file" \
	"mq-send $AMQP_URL/$q-ipc < $dir/lines; ipc-rm $AMQP_URL/$q-ipc"

# Fan-out: $N lines published to a fanout exchange, and every one of them
# taken by each of $FAN subscribers, their queues bound before the rounds
# (a subscriber's queue of its own would bind after the publisher may have
# begun).  The time is the last subscriber's: N / time is the rate at
# each.  amqp-publish, one process a line, on $LOOP lines, scaled.
FAN=${AMQP_FAN:-4}
for c in raw ipc pub; do
	for i in $(seq "$FAN"); do
		mq-recv -n "$AMQP_URL/$q-$c-$i?exchange=$q-x$c" || true
	done
done
subs() { # contender count command...: the subscribers, in the background
	local c=$1 n=$2 i
	shift 2
	for i in $(seq "$FAN"); do
		"$@" "$c" "$i" "$n" &
	done
}
raw_sub() { amqp-raw recv "$h" "$p" "$q-$1-$2" "$3"; }
ipc_sub() { mq-recv -c "$3" "$AMQP_URL/$q-$1-$2?exchange=$q-x$1" > /dev/null; }
SCALE="1 1 $((N / LOOP))" compare \
    "fan-out: $N messages of 16 bytes to $FAN subscribers each (amqp-publish: $LOOP, scaled)" \
    "amqp-raw xsend, recv" \
	"subs raw $N raw_sub; amqp-raw xsend $h $p $q-xraw $N 16; wait" \
    "mq-send ?exchange=, mq-recv" \
	"subs ipc $N ipc_sub; mq-send '$AMQP_URL/?exchange=$q-xipc' < $dir/lines; wait" \
    "while read: amqp-publish -e" \
	"subs pub $LOOP raw_sub; while read -r l; do amqp-publish -s $h --port $p --username ipct --password \"\$BROKER_PASSWORD\" -p -e $q-xpub -r '' -b \"\$l\"; done < $dir/few; wait"
