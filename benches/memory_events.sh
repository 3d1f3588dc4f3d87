#!/bin/sh
# benches/memory_events.sh DIR EVENT BIN...: peak resident memory of a dashboard that lives
# through EVENT, for each build, in tmux (120x40), as `/usr/bin/time` measured the whole process.
#   EVENT=write  another process records a checkout (`sprout record checkout`) 12 s in;
#   EVENT=touch  fleet.ron is touched 12 s in (a new identity, the same content);
#   EVENT=journal  journal.ron is touched 12 s in, and another process records a checkout 4 s
#                later (its write path finds the journal changed since its head: a new generation).
# Each build has its own cache home under SCRATCH (default /tmp/sprout-memory-events) and its
# own copy of DIR (the journal grows): a `frame` and a first `record` (so the directory has a
# head, as any directory sprout has written to), a first start of 15 s (its `check` count is
# made and kept), then the measured second start of 40 s with EVENT at 12 s.
set -eu
DIR=$1; EVENT=$2; shift 2
SCRATCH=${SCRATCH:-/tmp/sprout-memory-events}
SOCK=sprout-memory-events-$$
trap 'tmux -L $SOCK kill-server 2>/dev/null || true' EXIT
for bin in "$@"; do
  n=$(echo "$bin" | tr '/' '_')
  H=$SCRATCH/$n; D=$SCRATCH/$n.data
  rm -rf "$H" "$D"; mkdir -p "$H/cache" "$H/state" "$H/config"; cp -a "$DIR" "$D"
  ENV="XDG_CACHE_HOME=$H/cache XDG_STATE_HOME=$H/state SPROUT_CONFIG=$H/config"
  env $ENV "$bin" --data "$D" frame >/dev/null
  env $ENV "$bin" --data "$D" record checkout LAB-BH01 pass --note first >/dev/null 2>&1
  tmux -L $SOCK new-session -d -x 120 -y 40 "env $ENV $bin --data $D"
  sleep 15; tmux -L $SOCK send-keys q; sleep 3; tmux -L $SOCK kill-server 2>/dev/null || true
  out=$H/time
  tmux -L $SOCK new-session -d -x 120 -y 40 \
    "env $ENV /usr/bin/time -f '%e s wall, %U s user, %S s sys, peak %M KB' -o $out $bin --data $D"
  sleep 12
  case $EVENT in
    write) env $ENV "$bin" --data "$D" record checkout LAB-BH01 pass --note measured >/dev/null 2>&1 ;;
    touch) touch "$D/fleet.ron" ;;
    journal) touch "$D/journal.ron"; sleep 4
      env $ENV "$bin" --data "$D" record checkout LAB-BH01 pass --note measured >/dev/null 2>&1 ;;
    *) echo "EVENT is write, touch or journal" >&2; exit 2 ;;
  esac
  sleep 28
  tmux -L $SOCK send-keys q; sleep 3; tmux -L $SOCK kill-server 2>/dev/null || true
  echo "$bin, $EVENT at 12 s: $(cat "$out")"
  rm -rf "$D"
done
