#!/usr/bin/env bats
# Backends' names and credentials (lib/url.c, lib/cred.c), through
# tests/cred-get: the hosts of a name, and the user and password each
# would log in with.  tests/amqp.bats covers them against a broker.

setup() {
	load test_helper
	unset IPCUTILS_AMQP_USER IPCUTILS_AMQP_PASSWORD
	unset IPCUTILS_AMQP_CREDENTIALS IPCUTILS_ETCD_USER
	unset IPCUTILS_ETCD_PASSWORD IPCUTILS_ETCD_CREDENTIALS
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME/.config/ipcutils"
	F=$BATS_TEST_TMPDIR/cred
}

# cred FILE LINE...: a credentials file only its owner can read.
cred() {
	local f=$1
	shift
	printf '%s\n' "$@" > "$f"
	chmod 600 "$f"
}

@test "cred: hosts with their ports, IPv6 in brackets, the TLS form's default port" {
	run -0 cred-get amqp 'amqps://a.example,b.example:5680,[::1]:5681,[fe80::1%25eth0]/q'
	assert_output "a.example 1001 - -
b.example 5680 - -
::1 5681 - -
fe80::1%eth0 1001 - -"
	run -0 cred-get etcd 'etcd://h/lock'
	assert_output "h 1000 - -"
}

@test "cred: a bad name says why, and never shows its password" {
	run -2 --separate-stderr cred-get amqp 'amqp://u:secret@h:99999/q'
	[ "$stderr" = "cred-get: amqp://u@h:99999/q: a bad port" ]
	run -2 --separate-stderr cred-get amqp 'amqp://u:secret@/q'
	[ "$stderr" = "cred-get: amqp://u@/q: an empty host" ]
	run -2 --separate-stderr cred-get amqp 'amqp://u:sec%zzret@h/q'
	[ "$stderr" = "cred-get: amqp://u@h/q: a bad %-escape" ]
	run -2 --separate-stderr cred-get amqp 'amqp://[::1/q'
	[ "$stderr" = "cred-get: amqp://[::1/q: a [ without its ]" ]
	run -2 --separate-stderr cred-get amqp 'amqp://[::1]x/q'
	[ "$stderr" = "cred-get: amqp://[::1]x/q: junk after ]" ]
}

@test "cred: the name's user and password come first, then the environment's, then the file's" {
	cred "$F" '* fu fp'
	export IPCUTILS_AMQP_CREDENTIALS=$F
	run -0 env IPCUTILS_AMQP_USER=eu IPCUTILS_AMQP_PASSWORD=ep \
	    cred-get amqp 'amqp://u:p%40ss@h/q'
	assert_output "h 1000 u p@ss"
	run -0 env IPCUTILS_AMQP_USER=eu IPCUTILS_AMQP_PASSWORD=ep \
	    cred-get amqp 'amqp://h/q'
	assert_output "h 1000 eu ep"
	# A password given, the file is not read: nor refused.
	chmod 644 "$F"
	run -0 env IPCUTILS_AMQP_PASSWORD=ep cred-get amqp 'amqp://h/q'
	assert_output "h 1000 - ep"
	chmod 600 "$F"
	run -0 cred-get amqp 'amqp://h/q'
	assert_output "h 1000 fu fp"
	# The user given must be the file's line's.
	run -0 env IPCUTILS_AMQP_USER=eu cred-get amqp 'amqp://h/q'
	assert_output "h 1000 eu -"
	# An empty password in the name is a password.
	run -0 cred-get amqp 'amqp://u:@h/q'
	assert_output "h 1000 u "
}

@test "cred: the file: the first line of the host or '*', whatever its case; comments; the password is the rest of the line" {
	cred "$F" '# host user password' '' \
	    '   # indented comment' \
	    'elsewhere.example nobody x' \
	    'B.Example  bu 	b pass  word' \
	    'b.example bu2 second' \
	    '* any anypass'
	export IPCUTILS_AMQP_CREDENTIALS=$F
	run -0 cred-get amqp 'amqp://a.example,b.example,[::1]/q'
	assert_output "a.example 1000 any anypass
b.example 1000 bu b pass  word
::1 1000 any anypass"
	run -0 cred-get amqp 'amqp://bu2@b.example/q'
	assert_output "b.example 1000 bu2 second"
	run -0 cred-get amqp 'amqp://nobody@a.example/q'
	assert_output "a.example 1000 nobody -"
}

@test "cred: the default file is ~/.config/ipcutils/SCHEME-credentials, missing or not" {
	run -0 cred-get amqp 'amqp://h/q'
	assert_output "h 1000 - -"
	cred "$HOME/.config/ipcutils/amqp-credentials" 'h amqpuser amqppass'
	run -0 cred-get amqp 'amqp://h/q'
	assert_output "h 1000 amqpuser amqppass"
	# Each scheme its own file and variables.
	run -0 cred-get etcd 'etcd://h/lock'
	assert_output "h 1000 - -"
	cred "$HOME/.config/ipcutils/etcd-credentials" 'h etcduser etcdpass'
	run -0 cred-get etcd 'etcd://h/lock'
	assert_output "h 1000 etcduser etcdpass"
	run -0 env IPCUTILS_ETCD_USER=eu IPCUTILS_ETCD_PASSWORD=ep \
	    IPCUTILS_AMQP_PASSWORD=no cred-get etcd 'etcds://h/lock'
	assert_output "h 1001 eu ep"
	# Without a HOME, no default file.
	run -0 env -u HOME cred-get amqp 'amqp://h/q'
	assert_output "h 1000 - -"
}

@test "cred: a file named in the environment must be there" {
	run -2 --separate-stderr env IPCUTILS_AMQP_CREDENTIALS="$F" \
	    cred-get amqp 'amqp://u@h/q'
	[ "$stderr" = "cred-get: amqp://u@h/q: credentials $F: No such file or directory" ]
}

@test "cred: a file others can read or write is refused" {
	cred "$F" '* u p'
	chmod 640 "$F"
	run -2 --separate-stderr env IPCUTILS_AMQP_CREDENTIALS="$F" \
	    cred-get amqp 'amqp://h/q'
	[ "$stderr" = "cred-get: amqp://h/q: credentials $F: others can read or write it (chmod 600 $F)" ]
	d=$HOME/.config/ipcutils/amqp-credentials
	cred "$d" '* u p'
	chmod 602 "$d"
	run -2 --separate-stderr cred-get amqp 'amqp://h/q'
	[ "$stderr" = "cred-get: amqp://h/q: credentials $d: others can read or write it (chmod 600 $d)" ]
}

@test "cred: a file of another user is refused" {
	requires root
	cred "$F" '* u p'
	chown nobody "$F"
	run -2 --separate-stderr env IPCUTILS_AMQP_CREDENTIALS="$F" \
	    cred-get amqp 'amqp://h/q'
	[ "$stderr" = "cred-get: amqp://h/q: credentials $F: owned by another user" ]
}
