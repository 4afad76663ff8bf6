#!/usr/bin/env bash
# The nightly campaign: a time-boxed multi-worker campaign per engine (random, property,
# coverage), their findings merged, then report.md / report.json / junit.xml / report.html
# against a baseline. Exit 0: no new finding; 1: a new finding; 2: bad settings; 3: an engine or
# a step failed (the report is still written when it can be). See docs/nightly.md.
#
# Settings (environment):
#   NIGHTLY_TIME      total time budget in seconds, split between the engines (default 1800)
#   NIGHTLY_OUT       output directory (default nightly-out/<UTC date>)
#   NIGHTLY_SEED      campaign seed (default nightly-<UTC date>: reproducible per night)
#   NIGHTLY_BASELINE  directory of known findings (last night's NIGHTLY_OUT, corpus/regressions); empty: none
#   NIGHTLY_WORKERS   workers per engine (default: the number of cores)
#   NIGHTLY_ENGINES   engines to run, space-separated (default "random property coverage")
#   NIGHTLY_SHARD     i/N: this machine's shard of the seed space (Kubernetes Indexed Job, CI matrix)
#   NIGHTLY_ACCEPT    an intended-differences ledger file (--accept)
#   NIGHTLY_CORPUS    the coverage engine's corpus directory, kept from night to night
#                     (default NIGHTLY_OUT/corpus-coverage: a fresh corpus each night)
#   NIGHTLY_FUZZ_ARGS extra options for every `mmufuzz fuzz`, split on spaces (e.g. "--mutant dirty-on-nonleaf")
#   NIGHTLY_REPORT    0 to stop after the merge (a shard of a sharded night: the final job reports)
#   NIGHTLY_BUILD     0 to skip "npm run build" (the CLI is already built)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  echo "nightly: $*" >&2
  exit 2
}
log() {
  echo "nightly: $*"
}

today=$(date -u +%Y-%m-%d)
NIGHTLY_TIME=${NIGHTLY_TIME:-1800}
NIGHTLY_OUT=${NIGHTLY_OUT:-nightly-out/$today}
NIGHTLY_SEED=${NIGHTLY_SEED:-nightly-$today}
NIGHTLY_BASELINE=${NIGHTLY_BASELINE:-}
NIGHTLY_WORKERS=${NIGHTLY_WORKERS:-$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
NIGHTLY_ENGINES=${NIGHTLY_ENGINES:-random property coverage}
NIGHTLY_SHARD=${NIGHTLY_SHARD:-}
NIGHTLY_ACCEPT=${NIGHTLY_ACCEPT:-}
NIGHTLY_CORPUS=${NIGHTLY_CORPUS:-}
NIGHTLY_BUILD=${NIGHTLY_BUILD:-1}
NIGHTLY_REPORT=${NIGHTLY_REPORT:-1}
read -r -a extra_args <<<"${NIGHTLY_FUZZ_ARGS:-}"

[[ $NIGHTLY_TIME =~ ^[0-9]+$ && $NIGHTLY_TIME -gt 0 ]] || die "NIGHTLY_TIME: expected a positive number of seconds, got '$NIGHTLY_TIME'"
[[ $NIGHTLY_WORKERS =~ ^[0-9]+$ && $NIGHTLY_WORKERS -gt 0 ]] || die "NIGHTLY_WORKERS: expected a positive integer, got '$NIGHTLY_WORKERS'"
[[ -z $NIGHTLY_SHARD || $NIGHTLY_SHARD =~ ^[0-9]+/[0-9]+$ ]] || die "NIGHTLY_SHARD: expected i/N (e.g. 3/8), got '$NIGHTLY_SHARD'"
[[ -z $NIGHTLY_BASELINE || -d $NIGHTLY_BASELINE ]] || die "NIGHTLY_BASELINE: '$NIGHTLY_BASELINE' is not a directory"
[[ -z $NIGHTLY_ACCEPT || -f $NIGHTLY_ACCEPT ]] || die "NIGHTLY_ACCEPT: '$NIGHTLY_ACCEPT' is not a file"

if [[ $NIGHTLY_BUILD != 0 ]]; then
  log "building (npm run build)"
  npm run build --silent
  # The coverage engine fuzzes a CommonJS build of the models; it refuses a stale one.
  if [[ " $NIGHTLY_ENGINES " == *" coverage "* && -f scripts/build-cjs.mjs ]]; then
    log "building the CommonJS bundle for the coverage engine (scripts/build-cjs.mjs)"
    node scripts/build-cjs.mjs || log "the CommonJS build failed: the coverage engine will be skipped"
  fi
fi
CLI=(node dist/harness/cli/main.js)
[[ -f dist/harness/cli/main.js ]] || die "dist/harness/cli/main.js not found: run npm run build (or unset NIGHTLY_BUILD=0)"

mkdir -p "$NIGHTLY_OUT"
out=$(cd "$NIGHTLY_OUT" && pwd)

# What the built CLI offers: an engine is run only if it is built and `fuzz` takes --engine.
fuzz_help=$("${CLI[@]}" fuzz --help 2>&1 || true)
has_option() { grep -q -- "--$1\b" <<<"$fuzz_help"; }
engine_available() {
  local engine=$1
  if ! has_option engine; then
    [[ $engine == random ]]
    return
  fi
  [[ -f dist/harness/engines/$engine.js ]] || return 1
  if [[ $engine == coverage ]]; then
    # jsfuzz drives a CommonJS build of the models (dist-cjs/, scripts/build-cjs.mjs).
    [[ -d node_modules/jsfuzz && -f dist-cjs/build-info.json ]] || return 1
  fi
  return 0
}

engines=()
for e in $NIGHTLY_ENGINES; do
  case $e in
    random | property | coverage) ;;
    *) die "NIGHTLY_ENGINES: unknown engine '$e' (expected random, property, coverage)" ;;
  esac
  if engine_available "$e"; then
    engines+=("$e")
  else
    log "SKIPPED engine $e: not available in this build (dist/harness/engines/$e.js, fuzz --engine, or for coverage jsfuzz and dist-cjs/ missing)"
    echo "$e skipped: not available in this build" >>"$out/engines-skipped.txt"
  fi
done
((${#engines[@]} > 0)) || die "no engine available among: $NIGHTLY_ENGINES"

per_engine=$((NIGHTLY_TIME / ${#engines[@]}))
((per_engine > 0)) || per_engine=1
log "seed $NIGHTLY_SEED, ${NIGHTLY_TIME}s split as ${per_engine}s for each of: ${engines[*]}; $NIGHTLY_WORKERS workers; output $out"

# SIGTERM/SIGINT (a Kubernetes deadline, a cancelled CI job, Ctrl-C): the running campaign gets
# SIGTERM and flushes; the remaining engines are skipped; what was found is merged and reported.
stopping=0
child=
on_signal() {
  stopping=1
  log "signal received: stopping the running campaign, then merging and reporting what was found"
  [[ -z $child ]] || kill -TERM "$child" 2>/dev/null || true
}
trap on_signal TERM INT

# Runs the CLI in the background (so a signal reaches this script) with output teed to a log;
# returns its exit status.
run_logged() {
  local logfile=$1
  shift
  "${CLI[@]}" "$@" </dev/null > >(tee "$logfile") 2>&1 &
  child=$!
  local rc=0
  while :; do
    wait "$child" && rc=0 || rc=$?
    # A trapped signal interrupts wait (status > 128) while the campaign is still flushing.
    kill -0 "$child" 2>/dev/null || break
  done
  child=
  return "$rc"
}

status=0
dirs=()
for e in "${engines[@]}"; do
  if ((stopping)); then
    log "SKIPPED engine $e: stopped by a signal"
    continue
  fi
  findings="$out/findings-$e"
  args=(fuzz --seed "$NIGHTLY_SEED" --time "$per_engine" --findings "$findings")
  has_option engine && args+=(--engine "$e")
  has_option workers && args+=(--workers "$NIGHTLY_WORKERS")
  [[ -n $NIGHTLY_SHARD ]] && { has_option shard || die "NIGHTLY_SHARD set but this build's fuzz has no --shard"; args+=(--shard "$NIGHTLY_SHARD"); }
  [[ -n $NIGHTLY_ACCEPT ]] && { has_option accept || die "NIGHTLY_ACCEPT set but this build's fuzz has no --accept"; args+=(--accept "$NIGHTLY_ACCEPT"); }
  if [[ $e == coverage ]] && has_option corpus; then
    args+=(--corpus "${NIGHTLY_CORPUS:-$out/corpus-coverage}")
  fi
  ((${#extra_args[@]} == 0)) || args+=("${extra_args[@]}")
  log "engine $e: mmufuzz ${args[*]}"
  rc=0
  run_logged "$out/fuzz-$e.log" "${args[@]}" || rc=$?
  case $rc in
    0 | 1) dirs+=("$findings") ;; # clean, or findings (the report decides what is new)
    *)
      log "engine $e FAILED (exit $rc; see $out/fuzz-$e.log)"
      status=3
      [[ -d $findings ]] && dirs+=("$findings")
      ;;
  esac
done
((${#dirs[@]} > 0)) || { log "no engine produced a findings directory"; exit 3; }

# Merge the engines' findings and statistics into one directory, when this build has `merge`.
report_dirs=("${dirs[@]}")
if "${CLI[@]}" merge --help >/dev/null 2>&1; then
  rm -rf "$out/merged"
  log "merging into $out/merged"
  rc=0
  "${CLI[@]}" merge "${dirs[@]}" --out "$out/merged" || rc=$?
  if ((rc == 0 || rc == 1)); then # 1: the merged store holds findings
    report_dirs=("$out/merged")
  else
    log "merge FAILED (exit $rc); reporting on the engines' directories"
    status=3
  fi
else
  log "this build has no merge command: reporting on the engines' directories"
fi

if [[ $NIGHTLY_REPORT == 0 ]]; then
  log "NIGHTLY_REPORT=0: findings in ${report_dirs[*]}; no report (exit $status)"
  exit "$status"
fi

report_args=(report "${report_dirs[@]}" --out "$out")
[[ -n $NIGHTLY_BASELINE ]] && report_args+=(--baseline "$NIGHTLY_BASELINE")
log "mmufuzz ${report_args[*]}"
rc=0
"${CLI[@]}" "${report_args[@]}" || rc=$?
case $rc in
  0) log "no new findings; report in $out/report.md" ;;
  1)
    log "NEW FINDINGS: see $out/report.md"
    exit 1
    ;;
  *)
    log "report FAILED (exit $rc)"
    exit 3
    ;;
esac
exit "$status"
