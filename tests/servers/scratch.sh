# Sourced by the server scripts: where a throwaway server keeps its data.

# server_dir <name>: makes and prints a fresh directory strata-<name>-XXXXXX for a server's data.
# In memory (/dev/shm) when that is a tmpfs with 4 GiB free, else in /tmp. The servers' data is
# thrown away when the suite ends, and a server run on disk spends much of its time creating,
# writing and deleting files: in memory the PostgreSQL suite took 13% less time here, each
# MariaDB suite about 30% less. A process killed with SIGKILL (the fault tests) keeps what it
# wrote either way; only the machine's crash would lose it, which no test makes. STRATA_SERVER_DIR
# names another parent directory.
server_dir() {
  local parent=${STRATA_SERVER_DIR:-}
  if [ -z "$parent" ]; then
    parent=/tmp
    if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
       [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')" -ge $((4 * 1024 * 1024)) ] 2>/dev/null; then
      parent=/dev/shm
    fi
  fi
  mktemp -d "$parent/strata-$1-XXXXXX"
}
