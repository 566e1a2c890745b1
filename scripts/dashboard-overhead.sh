#!/usr/bin/env bash
# What the dashboard costs: the same training run headless and in the dashboard (in a 120x40
# tmux pane), side by side, and the terminal bytes the dashboard wrote per second.
#
#   scripts/dashboard-overhead.sh [PRESET] [EPOCHS] [LIMIT]
#
# Prints the wall time of each run, their ratio, and the dashboard's bytes per second.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-vae-mnist}
epochs=${2:-1}
limit=${3:-30000}
cargo build --release --quiet
bin=$PWD/target/release/tinyvae
work=$(mktemp -d)
trap 'tmux kill-session -t tinyvae-overhead 2>/dev/null || true; rm -rf "$work"' EXIT
args=(--preset "$preset" --epochs "$epochs" --limit "$limit" --checkpoint "$work/c.ckpt")

start=$(date +%s.%N)
"$bin" train --headless "${args[@]}" --metrics /dev/null 2>/dev/null
headless=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')

# The dashboard's output goes through `tee` into a file so its bytes can be counted.
start=$(date +%s.%N)
tmux new-session -d -s tinyvae-overhead -x 120 -y 40 \
  "script -qfc '$bin ${args[*]}' /dev/null | tee $work/terminal.bytes"
until tmux capture-pane -p -t tinyvae-overhead | grep -q ' DONE '; do sleep 0.05; done
dashboard=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
bytes=$(stat -c %s "$work/terminal.bytes")
tmux send-keys -t tinyvae-overhead q

printf 'preset %s, %s epoch(s) of %s samples\n' "$preset" "$epochs" "$limit"
printf 'headless   %6.2f s\n' "$headless"
printf 'dashboard  %6.2f s  (%.3f x headless)\n' "$dashboard" "$(awk -v d="$dashboard" -v h="$headless" 'BEGIN { print d / h }')"
printf 'terminal   %6.1f KB/s written by the dashboard\n' "$(awk -v b="$bytes" -v d="$dashboard" 'BEGIN { print b / 1000 / d }')"
