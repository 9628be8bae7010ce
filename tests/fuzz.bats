#!/usr/bin/env bats
# The fuzz harnesses of lib/'s parsers, replayed over their seed corpus
# (tests/fuzz/corpus): the inputs behind the bugs they found stay fixed.
# `make fuzz` runs the same harnesses under libFuzzer.

setup() {
	load test_helper
	F=${IPCUTILS_FUZZDIR:?}
	B=$(dirname "$(command -v peer-mq)")/fuzz
}

replay() {
	run -0 --separate-stderr "$B/replay-$1" "$F/corpus/$1"/*
	assert_equal "$stderr" ""
}

@test "fuzz: durations are exact and round up: 0.1234567ms is not 0, past LLONG_MAX ns is too large" {
	replay duration
}

@test "fuzz: numbers and sizes accept digits and one unit, nothing else" {
	replay number
}

@test "fuzz: names of 255 bytes (251 for a semaphore) pass, longer ones and bad ones do not" {
	replay name
}

@test "fuzz: an HTTP answer of any bytes: a status of 100 to 599 or an error, a body of its own bytes" {
	replay http
}

@test "fuzz: socket addresses parse to what they say" {
	replay addr
}

@test "fuzz: --allow specs: ids are digits, prefixes within the address's bits" {
	replay allow
}

@test "fuzz: each framing read back is its input, and framing then reading gives the same records" {
	replay record
}

@test "fuzz: URLs: every host named with a port in range, the shown form without its password, the parts make the same URL again" {
	replay url
}
