#!/bin/sh
# benches/large.sh SERVERS EVENTS SCRATCH [BIN]: a large fleet on demand (never in CI).
# Generates SERVERS servers and EVENTS journal events in SCRATCH/gSERVERS, then times each
# step as a whole process with `/usr/bin/time` (wall, user CPU, peak resident memory):
# `gen`; `frame` (the dashboard's first frame printed: load, derive, draw) with no cache
# (cold) and again with the cache it wrote (warm); `status`; `record checkout` twice.
# Prints `df -h /` first and last; deletes the fleet and its cache at the end unless KEEP=1.
set -eu
N=$1; E=$2; S=$3; BIN=${4:-target/release/sprout}
D=$S/g$N; H=$S/home-$N
T='%e s wall, %U s user, peak %M KB'
df -h / | tail -1
uptime
rm -rf "$H"; mkdir -p "$H/cache" "$H/state" "$H/config"
run() {
  what=$1; shift
  if env XDG_CACHE_HOME="$H/cache" XDG_STATE_HOME="$H/state" SPROUT_CONFIG="$H/config" \
      /usr/bin/time -f "$T" -o "$S/time.$$" "$@" >"$S/out.$$" 2>&1; then
    echo "$what: $(cat "$S/time.$$")"
  else
    echo "$what: FAILED: $(tail -3 "$S/out.$$") ($(tail -1 "$S/time.$$"))"
  fi
}
[ -f "$D/journal.ron" ] || run "gen $N / $E" "$BIN" gen --servers "$N" --events "$E" "$D"
du -sh "$D"
run "frame, cold (no cache)" "$BIN" --data "$D" frame
run "frame, warm" "$BIN" --data "$D" frame
run "frame, warm again" "$BIN" --data "$D" frame
du -sh "$H/cache"
run "status" "$BIN" --data "$D" status
run "record checkout" "$BIN" --data "$D" record checkout LAB-BH01 pass --note large
run "record checkout, again" "$BIN" --data "$D" record checkout LAB-BH01 pass --note large
uptime
if [ "${KEEP:-0}" != 1 ]; then rm -rf "$D" "$H"; fi
rm -f "$S/time.$$" "$S/out.$$"
df -h / | tail -1
