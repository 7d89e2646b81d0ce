# The fault scripts' assertions (sourced): each failure is printed and counted in $failures, so
# that a script checks every case and fails at the end if any failed.
failures=0
fail() {
  echo "FAILED: $*" >&2
  failures=$((failures + 1))
}
expect_exit() {  # <wanted> <got> <what>
  [ "$1" = "$2" ] || fail "$3: exit $2, wanted $1"
}
expect_text() {  # <file> <text> <what>
  grep -qF -- "$2" "$1" || fail "$3: no '$2' in: $(cat "$1")"
}
refuse_text() {  # <file> <text> <what>
  ! grep -qF -- "$2" "$1" || fail "$3: '$2' in: $(cat "$1")"
}

# waiter_case <dir> <holder URL> <waiter URL>: the holder migrates <dir> (its first statement
# sleeps 5 s) in the background; once it holds the lease (holder_set, the script's own, asked with
# the last word of <dir>), a second migrator at <waiter URL> gives up after 2 s with exit 4,
# naming the lease's holder and its pid; then the holder finishes with exit 0. Uses $strata and
# $work.
waiter_case() {
  local dir=$1 holder=$2 waiter=$3 name code a
  name=$(basename "$dir")
  "$strata" migrate --url "$holder" --dir "$dir" >"$work/$name-a.out" 2>&1 &
  a=$!
  holder_set "$name"
  code=0
  "$strata" migrate --url "$waiter" --dir "$dir" --lock-timeout 2 >"$work/$name-b.out" 2>"$work/$name-b.err" ||
    code=$?
  expect_exit 4 "$code" "$name: the migrator behind the holder"
  expect_text "$work/$name-b.err" "was not obtained within 2000 ms; it is held by the lease of" "$name"
  expect_text "$work/$name-b.err" "pid $a #" "$name"
  code=0
  wait $a || code=$?
  expect_exit 0 "$code" "$name: the holder ($(cat "$work/$name-a.out"))"
}
