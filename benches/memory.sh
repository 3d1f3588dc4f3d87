#!/bin/sh
# benches/memory.sh DIR SECONDS BIN...: each build's dashboard in tmux (120x40) over DIR for
# SECONDS, then q; prints its wall time, CPU (user, sys) and peak resident memory as
# `/usr/bin/time` measured the whole process. The builds share one cache home
# (SCRATCH/home, SCRATCH defaulting to /tmp/sprout-memory), warmed by `sprout frame` first.
# Name a build twice to see a second start with unchanged data (the kept `check` count).
# Each run has a tmux server of its own (`sprout-memory-PID`), so two runs at once do not
# stop each other's dashboards.
# With COLD=1 there is no `frame` first and each build starts with an empty cache home: the
# dashboard's own first start, a full load (give each build its own copy of DIR).
set -eu
DIR=$1; SECS=$2; shift 2
SCRATCH=${SCRATCH:-/tmp/sprout-memory}
H=$SCRATCH/home
SOCKET=sprout-memory-$$
mkdir -p "$H/cache" "$H/state" "$H/config"
ENV="XDG_CACHE_HOME=$H/cache XDG_STATE_HOME=$H/state SPROUT_CONFIG=$H/config"
for bin in "$@"; do
  if [ "${COLD:-}" = 1 ]; then
    rm -rf "$H"; mkdir -p "$H/cache" "$H/state" "$H/config"
  else
    env $ENV "$bin" --data "$DIR" frame >/dev/null
  fi
  out=$SCRATCH/time.$$
  tmux -L "$SOCKET" new-session -d -x 120 -y 40 \
    "env $ENV /usr/bin/time -f '%e s wall, %U s user, %S s sys, peak %M KB' -o $out $bin --data $DIR"
  sleep "$SECS"
  tmux -L "$SOCKET" send-keys q
  sleep 3
  tmux -L "$SOCKET" kill-server 2>/dev/null || true
  echo "$bin: $(cat "$out")"
  rm -f "$out"
done
