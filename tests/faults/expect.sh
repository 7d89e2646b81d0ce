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
