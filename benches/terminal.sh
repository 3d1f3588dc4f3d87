#!/usr/bin/env bash
# benches/terminal.sh: sprout beside `less` at the terminal, as a person sees them.
#
#   benches/terminal.sh DATA_DIR [SPROUT_BINARY[,ANOTHER...]] [ROUNDS]
#
# Both run in the same tmux server (its own socket), in a 120x40 window, in the same run,
# interleaved round by round (several sprout builds, comma-separated, each get a column: a
# before and after measured in the same run): sprout on DATA_DIR with its cache present, `less` on a CSV export
# of the same fleet (`sprout export`). Printed, each the median of ROUNDS (default 5) with the
# ratio sprout/less:
#   - launch to first rows: from the command sent to tmux until the pane shows a server's row;
#   - key to screen: from the key sent until the pane differs from before the key.
# With SPROUT_TERMINAL_COLD=edit (or touch), each sprout launch follows a real edit of
# DATA_DIR/fleet.ron (one server's `users`, a new value each time; the directory is changed!)
# or a touch of it, so there is no valid cache: then launch to the first progress line is
# printed too, and no keys are pressed.
# Times come from polling `tmux capture-pane` as fast as it answers (each poll costs about
# 2-4 ms on a 2-core machine), so they include tmux's own latency, as a person's view does.
set -euo pipefail

DATA=${1:?usage: benches/terminal.sh DATA_DIR [SPROUT_BINARY] [ROUNDS]}
SPROUT=${2:-$(dirname "$0")/../target/release/sprout}
ROUNDS=${3:-5}
IFS=, read -r -a SPROUTS <<< "$SPROUT"
for i in "${!SPROUTS[@]}"; do SPROUTS[i]=$(realpath "${SPROUTS[i]}"); done
SPROUT=${SPROUTS[0]}
DATA=$(realpath "$DATA")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sprout-terminal.XXXXXX")
SOCKET="sprout-terminal-$$"
T() { tmux -L "$SOCKET" "$@"; }
cleanup() {
    T kill-server 2>/dev/null || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCKET"
    rm -rf "$WORK"
}
trap cleanup EXIT

# The dashboard's own settings and cache, so nothing of the user's is read or written.
export XDG_CACHE_HOME="$WORK/cache" XDG_STATE_HOME="$WORK/state" SPROUT_CONFIG="$WORK/config"
mkdir -p "$SPROUT_CONFIG"
"$SPROUT" --data "$DATA" export > "$WORK/fleet.csv"   # also writes the cache
# A cache home per build: builds with different cache formats sharing one would each find
# the other's cache and load in full at every launch.
for i in "${!SPROUTS[@]}"; do
    XDG_CACHE_HOME="$WORK/cache-$i" XDG_STATE_HOME="$WORK/state-$i" "${SPROUTS[i]}" --data "$DATA" frame > /dev/null
done
echo "fleet: $(($(wc -l < "$WORK/fleet.csv") - 1)) servers; machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"

T -f /dev/null new-session -d -s bench -x 120 -y 40 -n idle "sleep 100000"
T set-option -g status off > /dev/null

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
# Until the pane matches REGEX (or 10 s): the microseconds since START.
wait_for() {
    local target=$1 regex=$2 start=$3 deadline=$(( $(now_us) + 30000000 ))
    while :; do
        if T capture-pane -p -t "$target" | grep -Eq "$regex"; then
            echo $(( $(now_us) - start ))
            return
        fi
        if (( $(now_us) > deadline )); then echo 30000000; return; fi
    done
}
# Send KEY and wait until the pane changes: the microseconds it took.
key_to_screen() {
    local target=$1 key=$2 before start deadline
    before=$(T capture-pane -p -t "$target")
    start=$(now_us)
    T send-keys -t "$target" "$key"
    deadline=$(( start + 5000000 ))
    while :; do
        if [[ "$(T capture-pane -p -t "$target")" != "$before" ]]; then
            echo $(( $(now_us) - start ))
            return
        fi
        if (( $(now_us) > deadline )); then echo 5000000; return; fi
    done
}
# Wait until the pane has not changed for 300 ms.
quiet() {
    local target=$1 last now
    last=$(T capture-pane -p -t "$target")
    while :; do
        sleep 0.3
        now=$(T capture-pane -p -t "$target")
        [[ "$now" == "$last" ]] && return
        last=$now
    done
}

ROW_SPROUT='^  [A-Z0-9]{3}-[A-Z]+[0-9]+ '
ROW_LESS='^[A-Z0-9]{3}-[A-Z]+[0-9]+,'
declare -A R
keys=(j k NPage PPage G g)
COLD=${SPROUT_TERMINAL_COLD:-}
EDITS=0
if [[ -n $COLD ]]; then keys=(); fi
progs=(less "${!SPROUTS[@]}")
for ((r = 0; r < ROUNDS; r++)); do
    for prog in "${progs[@]}"; do
        if [[ $prog != less ]]; then
            cmd="env XDG_CACHE_HOME='$WORK/cache-$prog' XDG_STATE_HOME='$WORK/state-$prog' '${SPROUTS[prog]}' --data '$DATA' --no-presence"
            regex=$ROW_SPROUT
        else
            cmd="less -S '$WORK/fleet.csv'"
            regex=$ROW_LESS
        fi
        if [[ -n $COLD && $prog != less ]]; then
            if [[ $COLD == edit ]]; then
                EDITS=$((EDITS + 1))
                sed -i "0,/users: [0-9]*,/s//users: $((1000 + EDITS)),/" "$DATA/fleet.ron"
            else
                touch "$DATA/fleet.ron"
            fi
        fi
        start=$(now_us)
        T new-window -d -t bench -n "p$prog" "$cmd"
        if [[ -n $COLD && $prog != less ]]; then
            R[$prog,progress]+="$(wait_for "bench:p$prog" "reading|replaying|writing|building" "$start") "
        fi
        R[$prog,launch]+="$(wait_for "bench:p$prog" "$regex" "$start") "
        if [[ -n $COLD ]]; then
            T send-keys -t "bench:p$prog" q
            sleep 0.5
            T kill-window -t "bench:p$prog" 2>/dev/null || true
            continue
        fi
        # sprout's background check runs for seconds after the first frame at 100k: let it end.
        if [[ $prog != less ]]; then sleep "${SPROUT_TERMINAL_SETTLE:-12}"; fi
        quiet "bench:p$prog"
        # Each press changes the screen: a move down and back, the end and the start in turn.
        for _ in 1 2 3; do
            for k in "${keys[@]}" o; do
                [[ $prog == less && $k == o ]] && continue
                R[$prog,$k]+="$(key_to_screen "bench:p$prog" "$k") "
                quiet "bench:p$prog"
            done
        done
        T send-keys -t "bench:p$prog" q
        sleep 0.3
        T kill-window -t "bench:p$prog" 2>/dev/null || true
    done
done

median_ms() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -n | awk '{a[NR]=$1} END {if (NR == 0) exit; m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.1f", m / 1000}'; }
echo
head="| what | less (ms)"; rule="|---|---"
for i in "${!SPROUTS[@]}"; do
    name=$(basename "${SPROUTS[i]}")
    head+=" | $name (ms) | $name / less"; rule+="|---|---"
done
echo "$head |"; echo "$rule|"
label() { case $1 in progress) echo "launch to the first progress line";; launch) echo "launch to first rows";; j) echo "j (down a line)";; k) echo "k (up a line)";; NPage) echo "PgDn";; PPage) echo "PgUp";; G) echo "G (last)";; g) echo "g (first)";; o) echo "o (sort; less has none)";; esac; }
rows=(launch "${keys[@]}" o)
if [[ -n $COLD ]]; then rows=(progress launch); fi
for k in "${rows[@]}"; do
    l=$(echo "${R[less,$k]:-}" | median_ms)
    line="| $(label "$k") | ${l:-—}"
    for i in "${!SPROUTS[@]}"; do
        s=$(echo "${R[$i,$k]}" | median_ms)
        if [[ -n "$l" ]]; then ratio=$(awk -v s="$s" -v l="$l" 'BEGIN { printf "%.1fx", s / l }'); else ratio="—"; fi
        line+=" | $s | $ratio"
    done
    echo "$line |"
done
echo
if [[ -n $COLD ]]; then echo "each sprout launch after a $COLD of fleet.ron (no valid cache); less as always"; fi
echo "median of $ROUNDS rounds (launch) and of $((ROUNDS * 3)) presses (keys); $(date -u +%F), tmux $(tmux -V | cut -d' ' -f2), 120x40"
