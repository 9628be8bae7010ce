# bench/shm.sh: shm-put and shm-get against cat(1) on /dev/shm, 256 MiB.
# shm-put keeps a put all or nothing and shm-get never mixes two puts;
# the goal is to do that at cat's speed or better (ratios >= 1.0).
# SHM_THP=never runs every case with transparent huge pages off for cat
# and shm-put alike, as if /sys/kernel/mm/transparent_hugepage/enabled
# said never, without changing it for the machine (PR_SET_THP_DISABLE,
# which children inherit).  SHM_MIB=N for another size.
MIB=${SHM_MIB:-256}

# Run "$@" with transparent huge pages off, for it and its children.
thp_off() {
	python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(41, 1, 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_THP_DISABLE): " + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

thp_is_off() {
	grep -q '^THP_enabled:[[:space:]]*0' /proc/self/status 2>/dev/null
}

if [ "${SHM_THP:-}" = never ] && ! thp_is_off; then
	thp_off bash -c '. "$1"; . "$2"' bench \
	    "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "${BASH_SOURCE[0]}"
	return
fi
echo "transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)," \
    "shmem: $(cat /sys/kernel/mm/transparent_hugepage/shmem_enabled 2>/dev/null);" \
    "this run: $(thp_is_off && echo "off (prctl)" || echo "as the machine says")"

o=ipcb-$$
dir=$(mktemp -d)
trap 'rm -f /dev/shm/"$o"-cat /dev/shm/"$o"-put; rm -rf "$dir"' EXIT

head -c "${MIB}M" /dev/urandom > "$dir/file"
cat "$dir/file" > /dev/shm/"$o"-cat
shm-put "$o"-put < "$dir/file"

# cat truncates the object and makes its pages anew; shm-put writes in
# place, from the file's own pages.
compare "$MIB MiB from a file into an object that holds $MIB MiB" \
    "cat file > /dev/shm/x" "cat $dir/file > /dev/shm/$o-cat" \
    "shm-put x < file" "shm-put $o-put < $dir/file"

# Both make the object's pages anew, which is most of the cost.
compare "$MIB MiB from a file into a new object" \
    "cat file > /dev/shm/x" "rm /dev/shm/$o-cat; cat $dir/file > /dev/shm/$o-cat" \
    "shm-put x < file" "rm /dev/shm/$o-put; shm-put $o-put < $dir/file"

# shm-put stages the input; nobody has the object open, so the staging
# takes its place by rename (shm-put(1), All or nothing).
compare "$MIB MiB through a pipe into an object" \
    "cat file | cat > /dev/shm/x" "cat $dir/file | cat > /dev/shm/$o-cat" \
    "cat file | shm-put x" "cat $dir/file | shm-put $o-put"

# The same with a program holding the object open (as shm-get -w does):
# shm-put copies into it in place, so that its mappings see the put.
sleep 100000 < /dev/shm/"$o"-put 3>&- &
holder=$!
compare "$MIB MiB through a pipe into an object held open" \
    "cat file | cat > /dev/shm/x" "cat $dir/file | cat > /dev/shm/$o-cat" \
    "cat file | shm-put x" "cat $dir/file | shm-put $o-put"
kill "$holder"
wait "$holder" 2>/dev/null

# The staging of the second case, with no huge pages for anybody.
if thp_is_off; then
	echo "(a new object with THP off: the case above, this run)"
elif command -v python3 >/dev/null; then
	thp_off bash -c '. "$1"; shift; compare "$@"' bench \
	    "$(dirname "${BASH_SOURCE[0]}")/lib.sh" \
	    "$MIB MiB from a file into a new object, THP off (prctl)" \
	    "cat file > /dev/shm/x" "rm /dev/shm/$o-cat; cat $dir/file > /dev/shm/$o-cat" \
	    "shm-put x < file" "rm /dev/shm/$o-put; shm-put $o-put < $dir/file"
else
	echo "bench: shm: no python3 for prctl: no case with THP off" >&2
fi

compare "$MIB MiB from an object through a pipe" \
    "cat /dev/shm/x | cat > /dev/null" "cat /dev/shm/$o-cat | cat > /dev/null" \
    "shm-get x | cat > /dev/null" "shm-get $o-put | cat > /dev/null"

cmp "$dir/file" /dev/shm/"$o"-put || echo "bench: shm: the object is not the file" >&2
