#!/bin/sh
# tour.sh: a message crosses from one process to another through a queue.
set -eu
bin=${1:-}
q=tour-$$

echo "A consumer waits on queue /$q (created on use, mode 0600) ..."
"${bin}mq-recv" -c 2 -u "$q" > /tmp/tour-$$.out &
consumer=$!
echo "... and another process sends it two messages:"
echo "  mq-send $q 'hello from pid $$' 'and goodbye'"
"${bin}mq-send" "$q" "hello from pid $$" "and goodbye"
wait "$consumer"
echo "The consumer (pid $consumer) received, then removed the queue:"
sed 's/^/  > /' /tmp/tour-$$.out
rm -f /tmp/tour-$$.out
echo "See man/ipcutils.7 for the rest; run 'make check' for the tests."
