# bench/shm.sh: shm-put and shm-get against cat(1) on /dev/shm, 256 MiB.
# shm-put keeps a put all or nothing and shm-get never mixes two puts;
# the goal is to do that at cat's speed or better (ratios >= 1.0).
MIB=${SHM_MIB:-256}
o=ipcb-$$
dir=$(mktemp -d)
trap 'rm -f /dev/shm/"$o"-cat /dev/shm/"$o"-put; rm -rf "$dir"' EXIT

head -c "${MIB}M" /dev/urandom > "$dir/file"
cat "$dir/file" > /dev/shm/"$o"-cat
shm-put "$o"-put < "$dir/file"

compare "$MIB MiB from a file into an object that holds $MIB MiB" \
    "cat file > /dev/shm/x" "cat $dir/file > /dev/shm/$o-cat" \
    "shm-put x < file" "shm-put $o-put < $dir/file"

# Both make the object's pages anew, which is most of the cost.
compare "$MIB MiB from a file into a new object" \
    "cat file > /dev/shm/x" "rm /dev/shm/$o-cat; cat $dir/file > /dev/shm/$o-cat" \
    "shm-put x < file" "rm /dev/shm/$o-put; shm-put $o-put < $dir/file"

compare "$MIB MiB through a pipe into an object" \
    "cat file | cat > /dev/shm/x" "cat $dir/file | cat > /dev/shm/$o-cat" \
    "cat file | shm-put x" "cat $dir/file | shm-put $o-put"

compare "$MIB MiB from an object through a pipe" \
    "cat /dev/shm/x | cat > /dev/null" "cat /dev/shm/$o-cat | cat > /dev/null" \
    "shm-get x | cat > /dev/null" "shm-get $o-put | cat > /dev/null"

cmp "$dir/file" /dev/shm/"$o"-put || echo "bench: shm: the object is not the file" >&2
