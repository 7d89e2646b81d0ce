# Sourced by the server scripts that stop a server by its pid file.

# stop_pid <pid>: SIGTERM, up to 10 s for the process to end, then SIGKILL.
stop_pid() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}
