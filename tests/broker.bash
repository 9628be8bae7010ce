# broker.bash: a private RabbitMQ for one test file (setup_file and
# teardown_file), on 127.0.0.1 only: its own AMQP port, node name, data
# directory, Erlang distribution port and epmd, so that it never meets
# the machine's own broker or another session's.
#
#   broker_start    start it, export AMQP_URL (amqp://127.0.0.1:PORT),
#                   BROKER_PORT, and credentials in the environment;
#                   with openssl, also AMQPS_URL on BROKER_TLS_PORT, its
#                   CA in BROKER_CA and a certificate for broker.test;
#                   BROKER_SKIP holds the reason when it cannot run.
#                   IPCUTILS_AMQP_HTTP is http://127.0.0.1:BROKER_HTTP_PORT
#   broker_start management
#                   the same, with the plugin rabbitmq_management serving
#                   its HTTP API there (it slows the start: only for the
#                   file that needs it), its counts of a queue kept for
#                   0.5 s, not 5; without it, nothing listens on
#                   BROKER_HTTP_PORT
#   broker_stop     stop it and its epmd, by pid
#   broker_ctl ...  rabbitmqctl against it
#   broker_pause / broker_resume   stop and start the node again on the
#                   same port and data
#
# The user is ipct with a password only the test knows (no guest), so
# every test also goes through ipcutils' credentials.

RABBITMQ_BIN=${RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}

# Free TCP ports on the loopback, one per argument name.
broker_ports() {
	python3 -c '
import socket, sys
ss = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}

# The environment every rabbitmq script of this broker runs with.
broker_env() {
	local d=$BROKER_DIR
	export HOME=$d/home
	export ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$BROKER_EPMD_PORT
	export RABBITMQ_NODENAME=$BROKER_NODE
	export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
	export RABBITMQ_NODE_PORT=$BROKER_PORT
	export RABBITMQ_DIST_PORT=$BROKER_DIST_PORT
	export RABBITMQ_CONFIG_FILE=$d/rabbitmq.conf
	export RABBITMQ_ADVANCED_CONFIG_FILE=$d/advanced.config
	export RABBITMQ_CONF_ENV_FILE=$d/rabbitmq-env.conf
	export RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins
	export RABBITMQ_MNESIA_BASE=$d/mnesia
	export RABBITMQ_LOG_BASE=$d/log
	export RABBITMQ_PID_FILE=$d/pid
	export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
	export RABBITMQ_CTL_DIST_PORT_MIN=$BROKER_CTL_PORT
	export RABBITMQ_CTL_DIST_PORT_MAX=$BROKER_CTL_PORT
}

broker_ctl() {
	(broker_env; "$RABBITMQ_BIN/rabbitmqctl" -q -n "$BROKER_NODE" "$@")
}

# Start the node (again) and wait until it answers, at most 60 seconds.
broker_run() {
	local deadline
	# Not our child (a shell's plain wait would wait for it), and fd 3
	# closed (bats waits for whoever holds it open).  The pids go in
	# files, for teardown_file, which does not see a test's variables.
	rm -f "$BROKER_DIR/pid" "$BROKER_DIR/script.pid"
	( (broker_env; cd "$BROKER_DIR" &&
	    exec "$RABBITMQ_BIN/rabbitmq-server" \
	    > "$BROKER_DIR/log/out" 2>&1 < /dev/null) &
	    echo $! > "$BROKER_DIR/script.pid" ) 3>&-
	BROKER_PID=$(cat "$BROKER_DIR/script.pid")
	deadline=$((SECONDS + 60))
	# The broker opens its AMQP port last, when it is ready: connect
	# until it answers (an AMQP header draws the broker's reply).
	until printf 'AMQP\0\0\11\1' 2>/dev/null |
	    timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BROKER_PORT &&
	    cat >&3 && head -c 1 <&3" 2>/dev/null | grep -q .; do
		if ! kill -0 "$BROKER_PID" 2>/dev/null ||
		    [ "$SECONDS" -ge "$deadline" ]; then
			BROKER_SKIP="rabbitmq-server did not start: $(tail -n 3 "$BROKER_DIR/log/out" | tr '\n' ' ')"
			return 1
		fi
		sleep 0.1
	done
	# The management API, when it is on: until its port answers.
	until [ -z "${BROKER_MANAGEMENT:-}" ] ||
	    timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$BROKER_HTTP_PORT" \
	    2>/dev/null; do
		if ! kill -0 "$BROKER_PID" 2>/dev/null ||
		    [ "$SECONDS" -ge "$deadline" ]; then
			BROKER_SKIP="the management API did not start: $(tail -n 3 "$BROKER_DIR/log/out" | tr '\n' ' ')"
			return 1
		fi
		sleep 0.1
	done
}

# setup_file's part: broker_start with its arguments, and a line on fd 3
# (bats shows it) of how long it took and where, or why it was skipped.
broker_setup_file() {
	broker_start "$@"
	if [ -n "$BROKER_SKIP" ]; then
		echo "# broker: $BROKER_SKIP" >&3
	elif [ "${1:-}" = management ]; then
		echo "# broker: started in ${BROKER_START_SECONDS}s on port $BROKER_PORT, its management API on $BROKER_HTTP_PORT" >&3
	else
		echo "# broker: started in ${BROKER_START_SECONDS}s on port $BROKER_PORT" >&3
	fi
}

broker_start() {
	local t0=$SECONDS ports mgmt=${1:-}
	BROKER_SKIP=
	if [ ! -x "$RABBITMQ_BIN/rabbitmq-server" ]; then
		BROKER_SKIP="needs rabbitmq-server (Debian package rabbitmq-server)"
		return 0
	fi
	if ! command -v python3 >/dev/null; then
		BROKER_SKIP="needs python3"
		return 0
	fi
	BROKER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ipct-broker.XXXXXX")
	mkdir -p "$BROKER_DIR/home" "$BROKER_DIR/mnesia" "$BROKER_DIR/log"
	ports=$(broker_ports 6)
	read -r BROKER_PORT BROKER_DIST_PORT BROKER_EPMD_PORT BROKER_CTL_PORT \
	    BROKER_TLS_PORT BROKER_HTTP_PORT <<< "$ports"
	BROKER_NODE="ipct-$$@localhost"
	BROKER_PASSWORD="pw-$$-$RANDOM$RANDOM"
	: > "$BROKER_DIR/rabbitmq-env.conf"
	echo '[].' > "$BROKER_DIR/enabled_plugins"
	echo '[].' > "$BROKER_DIR/advanced.config"
	cat > "$BROKER_DIR/rabbitmq.conf" <<-EOF
	listeners.tcp.default = 127.0.0.1:$BROKER_PORT
	default_user = ipct
	default_pass = $BROKER_PASSWORD
	loopback_users = none
	log.console = false
	log.file.level = warning
	EOF
	BROKER_MANAGEMENT=
	if [ "$mgmt" = management ]; then
		if ! ls -d /usr/lib/rabbitmq/lib/*/plugins/rabbitmq_management-* \
		    >/dev/null 2>&1; then
			BROKER_SKIP="needs the plugin rabbitmq_management (Debian package rabbitmq-server)"
			rm -rf "$BROKER_DIR"
			return 0
		fi
		echo '[rabbitmq_management].' > "$BROKER_DIR/enabled_plugins"
		cat >> "$BROKER_DIR/rabbitmq.conf" <<-EOF
		management.tcp.ip = 127.0.0.1
		management.tcp.port = $BROKER_HTTP_PORT
		collect_statistics_interval = 500
		EOF
		BROKER_MANAGEMENT=1
	fi
	if broker_certs; then
		cat >> "$BROKER_DIR/rabbitmq.conf" <<-EOF
		listeners.ssl.default = 127.0.0.1:$BROKER_TLS_PORT
		ssl_options.cacertfile = $BROKER_DIR/ca.pem
		ssl_options.certfile = $BROKER_DIR/server.pem
		ssl_options.keyfile = $BROKER_DIR/server.key
		ssl_options.verify = verify_none
		ssl_options.fail_if_no_peer_cert = false
		EOF
		BROKER_CA=$BROKER_DIR/ca.pem
	else
		BROKER_TLS_PORT= BROKER_CA=
	fi
	# The Erlang cookie lives in HOME, which is ours.
	printf 'ipct%s' "$RANDOM$RANDOM$RANDOM" > "$BROKER_DIR/home/.erlang.cookie"
	chmod 400 "$BROKER_DIR/home/.erlang.cookie"
	if ! broker_run; then
		broker_stop
		return 0
	fi
	BROKER_START_SECONDS=$((SECONDS - t0))
	export BROKER_DIR BROKER_PORT BROKER_DIST_PORT BROKER_EPMD_PORT
	export BROKER_CTL_PORT BROKER_NODE
	export BROKER_PASSWORD BROKER_START_SECONDS BROKER_SKIP
	export AMQP_URL="amqp://127.0.0.1:$BROKER_PORT"
	export BROKER_TLS_PORT BROKER_CA BROKER_HTTP_PORT BROKER_MANAGEMENT
	export IPCUTILS_AMQP_HTTP="http://127.0.0.1:$BROKER_HTTP_PORT"
	export AMQPS_URL=${BROKER_TLS_PORT:+amqps://127.0.0.1:$BROKER_TLS_PORT}
	export IPCUTILS_AMQP_PASSWORD=$BROKER_PASSWORD
	export IPCUTILS_AMQP_USER=ipct
}

# A CA, and a server certificate it signed for broker.test only, so that
# a test can tell --tls-name from the host.
broker_certs() {
	local d=$BROKER_DIR
	command -v openssl >/dev/null || return 1
	{
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
		    -subj /CN=ipct-ca -keyout "$d/ca.key" -out "$d/ca.pem" &&
		openssl req -newkey rsa:2048 -nodes -subj /CN=broker.test \
		    -keyout "$d/server.key" -out "$d/server.csr" &&
		printf 'subjectAltName=DNS:broker.test\n' > "$d/ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" \
		    -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		    -extfile "$d/ext" -out "$d/server.pem"
	} > "$d/log/openssl" 2>&1 || return 1
}

# Stop the node by its pids (the Erlang VM's from RABBITMQ_PID_FILE, the
# script's), and wait for it to go.
broker_halt() {
	local p i pids alive
	# RabbitMQ's pid file ends without a newline.
	pids="$(cat "$BROKER_DIR/pid" 2>/dev/null) $(cat "$BROKER_DIR/script.pid" 2>/dev/null)"
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	for i in $(seq 300); do
		alive=
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && alive=1
		done
		[ -n "$alive" ] || break
		sleep 0.05
	done
	for p in $pids; do
		kill -9 "$p" 2>/dev/null || true
	done
	wait $pids 2>/dev/null || true
}

# Stop the broker, then its epmd: the one that listens on our port.
broker_stop() {
	local p
	[ -n "${BROKER_DIR:-}" ] || return 0
	broker_halt
	for p in $(pgrep -x epmd 2>/dev/null); do
		if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null |
		    grep -qx "ERL_EPMD_PORT=$BROKER_EPMD_PORT"; then
			kill "$p" 2>/dev/null || true
		fi
	done
	rm -rf "$BROKER_DIR"
}

# The broker stopped and started again on the same port and data.
broker_pause() {
	broker_halt
}
broker_resume() {
	broker_run
}

# In a test: skip unless the broker of setup_file runs.
requires_broker() {
	[ -z "${BROKER_SKIP:-}" ] || skip "$BROKER_SKIP"
	[ -n "${BROKER_PORT:-}" ] || skip "no test broker"
}
