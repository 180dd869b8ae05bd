#!/usr/bin/env bash
# ActiveEM device check: what the GPU (webgpu) backend does on this machine, as JSON lines.
#
#   bash resources/device/check.sh [--real] [--steps LIST] [--help]      (or: npm run bench:device)
#
# Run it from a checkout after `npm ci`, on a machine with a GPU; it needs no network. Standard output
# is JSON lines only, one object a line; each step's own output goes to ${OUT:-/tmp}/activeem-device/.
# Steps 1-4 finish within 8 minutes; --real adds step 5, up to 6 minutes more. resources/device/README.md
# says what each line means and which environment variables change what.
set -u -o pipefail

usage() {
  cat <<'EOF'
usage: bash resources/device/check.sh [--real] [--steps LIST] [--help]
  --real        also train, predict and score on the Lucchi++ crops (step 5, up to 6 more minutes)
  --steps LIST  only these steps, comma-separated, of:
                doctor,tests,unet,vae,kmeans,predict,real (default: all but real; real with --real)
environment: NODE, OUT, ACTIVEEM_PYTHON, ACTIVEEM_LUCCHI, ACTIVEEM_DEVICE_ALLOW_SOFTWARE=1,
             ACTIVEEM_DEVICE_BUDGET_S (480), ACTIVEEM_DEVICE_TRAIN_MINUTES (4)
EOF
}

REAL=0
STEPS=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --real) REAL=1 ;;
    --steps)
      [[ $# -ge 2 ]] || { usage >&2; exit 2; }
      STEPS=$2
      shift
      ;;
    --steps=*) STEPS=${1#--steps=} ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
if [[ -z $STEPS ]]; then
  STEPS=doctor,tests,unet,vae,kmeans,predict
  [[ $REAL == 1 ]] && STEPS+=,real
fi
for s in ${STEPS//,/ }; do
  case $s in
    doctor | tests | unet | vae | kmeans | predict | real) ;;
    *) echo "check.sh: unknown step '$s'" >&2; usage >&2; exit 2 ;;
  esac
done
wants() { [[ ",$STEPS," == *",$1,"* ]]; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd) || exit 1
cd "$ROOT" || exit 1
LOG_DIR=${OUT:-/tmp}/activeem-device
mkdir -p "$LOG_DIR" || exit 1
BUDGET_S=${ACTIVEEM_DEVICE_BUDGET_S:-480}
SOFTWARE_OK=${ACTIVEEM_DEVICE_ALLOW_SOFTWARE:-0}

# ---------------------------------------------------------------------------------------------------
# JSON out: emit key=string key:=raw-json ... prints one object.

jstr() {
  local s
  # Control characters other than tab, newline and carriage return have no place in a log line.
  s=$(printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037')
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

emit() {
  local out="" sep="" kv k v
  for kv in "$@"; do
    k=${kv%%=*}
    if [[ $k == *: ]]; then
      k=${k%:}
      v=${kv#*=}
    else
      v=$(jstr "${kv#*=}")
    fi
    out+="$sep$(jstr "$k"):$v"
    sep=,
  done
  printf '{%s}\n' "$out"
}

now() {
  if [[ -n ${EPOCHREALTIME:-} ]]; then printf '%s' "${EPOCHREALTIME/,/.}"; else date +%s; fi
}
# Seconds since $1, to 0.1 s (awk: bash has no floating point).
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

START=$(now)
DEADLINE=$((SECONDS + BUDGET_S))

# ---------------------------------------------------------------------------------------------------
# node: $NODE, else the one on PATH, else ./.node/bin/node.

NODE_BIN=""
if [[ -n ${NODE:-} ]]; then
  NODE_BIN=$(command -v "$NODE" 2>/dev/null || true)
elif command -v node >/dev/null 2>&1; then
  NODE_BIN=$(command -v node)
elif [[ -x ./.node/bin/node ]]; then
  NODE_BIN=$ROOT/.node/bin/node
fi
if [[ -z $NODE_BIN ]] || ! "$NODE_BIN" --version >/dev/null 2>&1; then
  emit step=node ok:=false "error=no working node: set NODE, put node on PATH or in ./.node/bin"
  exit 1
fi
if [[ ! -d node_modules ]]; then
  emit step=node ok:=false "error=no node_modules in $ROOT: run 'npm ci' first"
  exit 1
fi

# Every line of a step's standard output that is a JSON object goes out as it is; any other line is
# wrapped as {"step", "log"}. 'whole' reads the output as one JSON document: {"step", "ok", "report"}.
FILTER=$LOG_DIR/filter.cjs
cat >"$FILTER" <<'EOF'
const [step, mode] = process.argv.slice(2)
const text = require('fs').readFileSync(0, 'utf8')
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`)
if (mode === 'whole') {
  try {
    out({ step, ok: true, report: JSON.parse(text) })
  } catch (e) {
    out({ step, ok: false, error: `not JSON: ${e.message}`, log: text.slice(0, 2000) })
  }
} else {
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (!t) continue
    let v = null
    try {
      v = JSON.parse(t)
    } catch {}
    out(v && typeof v === 'object' && !Array.isArray(v) ? v : { step, log: t })
  }
}
EOF

TIMEOUT_BIN=$(command -v timeout 2>/dev/null || command -v gtimeout 2>/dev/null || true)

# with_timeout SECONDS CMD...: exit 124 when it ran out of time.
with_timeout() {
  local secs=$1
  shift
  if [[ -n $TIMEOUT_BIN ]]; then
    "$TIMEOUT_BIN" --kill-after=10 "$secs" "$@"
    return $?
  fi
  "$@" &
  local pid=$! watcher rc
  (
    sleep "$secs"
    kill -TERM "$pid" 2>/dev/null
    sleep 10
    kill -KILL "$pid" 2>/dev/null
  ) &
  watcher=$!
  wait "$pid"
  rc=$?
  kill "$watcher" 2>/dev/null
  wait "$watcher" 2>/dev/null
  [[ $rc == 143 || $rc == 137 ]] && rc=124
  return "$rc"
}

FAILED=()

# Seconds a step may take: its own cap, within what is left of the budget (0: none left).
allowance() {
  local cap=$1 left=$((DEADLINE - SECONDS))
  ((left < 20)) && left=0
  ((cap < left)) && left=$cap
  echo "$left"
}

# run_step NAME CAP MODE CMD...: runs CMD with stdout and stderr in $LOG_DIR/NAME.{out,err}, passes the
# output on (MODE lines|whole|none), then one status line {"step", "done", "ok", "seconds", ...}.
run_step() {
  local name=$1 cap=$2 mode=$3
  shift 3
  local secs out err t0 rc
  secs=$(allowance "$cap")
  if [[ $secs == 0 ]]; then
    emit "step=$name" done:=true ok:=false "error=skipped: the ${BUDGET_S} s budget is spent"
    FAILED+=("$name")
    return 1
  fi
  out=$LOG_DIR/$name.out
  err=$LOG_DIR/$name.err
  t0=$(now)
  with_timeout "$secs" "$@" >"$out" 2>"$err" </dev/null
  rc=$?
  [[ $mode != none ]] && "$NODE_BIN" "$FILTER" "$name" "$mode" <"$out"
  local seconds
  seconds=$(since "$t0")
  if [[ $rc == 0 ]]; then
    emit "step=$name" done:=true ok:=true "seconds:=$seconds" "log=$err"
    return 0
  fi
  local why
  if [[ $rc == 124 ]]; then
    why="timed out after ${secs} s"
  else
    why=$(grep -v '^[[:space:]]*$' "$err" | tail -n 1)
    [[ -z $why ]] && why="exit $rc"
  fi
  emit "step=$name" done:=true ok:=false "seconds:=$seconds" "exit:=$rc" "error=$why" "log=$err"
  FAILED+=("$name")
  return 1
}

CLI=(bin/activeem.mjs)

emit step=start "node=$("$NODE_BIN" --version)" "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  "steps=$STEPS" "budget_s:=$BUDGET_S" "software_allowed:=$([[ $SOFTWARE_OK == 1 ]] && echo true || echo false)" \
  "vk_icd_filenames=${VK_ICD_FILENAMES:-}" "log_dir=$LOG_DIR" "host=$(uname -srm)"

# ---------------------------------------------------------------------------------------------------
# 1. doctor, and whether the webgpu adapter is one the GPU steps should run on.

GPU_OK=1
GPU_WHY=""
if wants doctor; then
  run_step doctor 90 whole "$NODE_BIN" "${CLI[@]}" doctor --json
fi
# The adapter: from the doctor report when there is one, else from a doctor run of its own.
if [[ ! -s $LOG_DIR/doctor.out ]] || ! wants doctor; then
  with_timeout 90 "$NODE_BIN" "${CLI[@]}" doctor --json >"$LOG_DIR/doctor.out" 2>"$LOG_DIR/doctor.err" </dev/null
fi
ADAPTER_INFO=$("$NODE_BIN" -e '
  let r = {}
  try { r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")) } catch {}
  const w = (r.backends || {}).webgpu || { ok: false, detail: "doctor gave no report" }
  const a = (r.webgpu || {}).adapter
  const software = a && typeof a.software === "boolean" ? a.software : /\(software\b/.test(w.detail || "")
  console.log([w.ok ? 1 : 0, software ? 1 : 0, (w.detail || "").replace(/\s+/g, " ")].join("\t"))
' "$LOG_DIR/doctor.out" 2>/dev/null)
IFS=$'\t' read -r WEBGPU_STARTS WEBGPU_SOFTWARE WEBGPU_DETAIL <<<"$ADAPTER_INFO"
QUICK=()
if [[ ${WEBGPU_STARTS:-0} != 1 ]]; then
  GPU_OK=0
  GPU_WHY="webgpu does not start: ${WEBGPU_DETAIL:-no doctor report}"
elif [[ ${WEBGPU_SOFTWARE:-0} == 1 ]]; then
  if [[ $SOFTWARE_OK == 1 ]]; then
    QUICK=(--quick)
  else
    GPU_OK=0
    GPU_WHY="the webgpu adapter is a software one (${WEBGPU_DETAIL}): no GPU driver is visible to Vulkan; ACTIVEEM_DEVICE_ALLOW_SOFTWARE=1 runs the steps anyway, with small shapes"
  fi
fi
emit step=adapter "ok:=$([[ $GPU_OK == 1 ]] && echo true || echo false)" "detail=${WEBGPU_DETAIL:-}" \
  "software:=$([[ ${WEBGPU_SOFTWARE:-0} == 1 ]] && echo true || echo false)" \
  "quick:=$([[ ${#QUICK[@]} -gt 0 ]] && echo true || echo false)" ${GPU_WHY:+"error=$GPU_WHY"}
[[ $GPU_OK == 1 ]] || FAILED+=(adapter)

gpu_step_or_skip() {
  [[ $GPU_OK == 1 ]] && return 0
  emit "step=$1" done:=true ok:=false "error=skipped: $GPU_WHY"
  FAILED+=("$1")
  return 1
}

# ---------------------------------------------------------------------------------------------------
# 2. The webgpu correctness tests on this machine's adapter: node's test runner summary as one line.

if wants tests; then
  TEST_FILES=$(find test/engine/tensor test/engine/cluster test/engine/predict test/cli -name '*.test.ts' 2>/dev/null |
    grep -E 'engine/tensor/webgpu|engine/cluster/gpu|engine/predict/webgpu|cli/predict-webgpu' | sort)
  if [[ -z $TEST_FILES ]]; then
    # test/run.mjs with no matching file would run node's default discovery instead.
    emit step=tests done:=true ok:=false "error=no test file matches engine/tensor/webgpu or engine/cluster/gpu"
    FAILED+=(tests)
  else
    t0=$(now)
    secs=$(allowance 180)
    if [[ $secs == 0 ]]; then
      emit step=tests done:=true ok:=false "error=skipped: the ${BUDGET_S} s budget is spent"
      FAILED+=(tests)
    else
      ACTIVEEM_REQUIRE_WEBGPU=1 ACTIVEEM_WEBGPU_ADAPTER=any \
        with_timeout "$secs" "$NODE_BIN" test/run.mjs engine/tensor/webgpu engine/cluster/gpu \
        engine/predict/webgpu cli/predict-webgpu \
        >"$LOG_DIR/tests.out" 2>"$LOG_DIR/tests.err" </dev/null
      rc=$?
      count() {
        # TAP ('# pass 3') or spec ('ℹ pass 3') summary; the last one is the whole run's.
        local n
        n=$(grep -E "^(# |ℹ )$1 [0-9]+\$" "$LOG_DIR/tests.out" | tail -n 1 | grep -oE '[0-9]+$')
        echo "${n:-null}"
      }
      pass=$(count pass)
      fail=$(count fail)
      skipped=$(count skipped)
      cancelled=$(count cancelled)
      total=$(count tests)
      # The first failures by name (TAP 'not ok N - name'), for the line.
      names=""
      while IFS= read -r l; do
        names+="${names:+,}$(jstr "$l")"
      done < <(grep -E '^[[:space:]]*not ok [0-9]+ - ' "$LOG_DIR/tests.out" | sed -E 's/^[[:space:]]*not ok [0-9]+ - //' | head -n 10)
      ok=false
      [[ $rc == 0 && $fail == 0 && $pass != null && $pass != 0 ]] && ok=true
      why=""
      if [[ $ok == false ]]; then
        if [[ $rc == 124 ]]; then
          why="timed out after ${secs} s"
        elif [[ $pass == null ]]; then
          why=$(grep -v '^[[:space:]]*$' "$LOG_DIR/tests.err" "$LOG_DIR/tests.out" | tail -n 1)
          why=${why#*:}
          [[ -z $why ]] && why="exit $rc, no test summary"
        else
          why="$fail failed, $cancelled cancelled"
        fi
        # The first error the runner printed that says more than 'cancelled by its parent'.
        first=$(grep -E "^[[:space:]]+error: " "$LOG_DIR/tests.out" | grep -v 'did not finish before its parent' |
          head -n 1 | sed -E "s/^[[:space:]]+error: //; s/^['\"](.*)['\"]\$/\1/")
        [[ -n $first ]] && why+=": $first"
      fi
      emit step=tests done:=true "ok:=$ok" "seconds:=$(since "$t0")" "exit:=$rc" "tests:=$total" "pass:=$pass" \
        "fail:=$fail" "skipped:=$skipped" "cancelled:=$cancelled" "not_ok:=[$names]" \
        "files=$(echo "$TEST_FILES" | tr '\n' ' ' | sed 's/ $//')" ${why:+"error=$why"} "log=$LOG_DIR/tests.out"
      [[ $ok == true ]] || FAILED+=(tests)
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------------
# 3. bench rows on webgpu; the PyTorch peers on CUDA when this Python's torch sees a GPU, else the CPU.

PY=${ACTIVEEM_PYTHON:-}
if [[ -z $PY ]]; then
  if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else PY=$(command -v python3 2>/dev/null || true); fi
fi
PEER_DEVICE=cpu
if wants unet || wants vae || wants kmeans; then
  if [[ -n $PY ]]; then
    export ACTIVEEM_PYTHON=$PY
    TORCH=$(with_timeout 60 "$PY" -c 'import torch; print(torch.__version__, int(torch.cuda.is_available()), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' 2>/dev/null)
    read -r TORCH_VERSION TORCH_CUDA TORCH_GPU <<<"$TORCH"
    [[ ${TORCH_CUDA:-0} == 1 ]] && PEER_DEVICE=cuda
    emit step=peer "python=$PY" "torch=${TORCH_VERSION:-not installed}" "peer_device=$PEER_DEVICE" "gpu=${TORCH_GPU:-}"
  else
    emit step=peer "python=" "error=no python3: the bench rows go out without their peers"
  fi
fi

for row in unet vae kmeans; do
  wants "$row" || continue
  gpu_step_or_skip "bench_$row" || continue
  cap=150
  [[ $row == unet ]] && cap=200
  extra=()
  [[ $row != kmeans ]] && extra=(--peer-device "$PEER_DEVICE")
  run_step "bench_$row" "$cap" lines "$NODE_BIN" "${CLI[@]}" bench --only "$row" --backend webgpu \
    ${extra[@]+"${extra[@]}"} ${QUICK[@]+"${QUICK[@]}"} --json
done

# The U-Net again with the backend's own Conv3D and with ours (tiled) instead of one 2D convolution per
# depth tap: whichever is fastest here decides ACTIVEEM_CONV3D's default for GPUs.
for method in native tiled; do
  wants unet || continue
  gpu_step_or_skip "bench_unet_$method" || continue
  ACTIVEEM_CONV3D=$method run_step "bench_unet_$method" 200 lines "$NODE_BIN" "${CLI[@]}" bench --only unet \
    --backend webgpu --peer-device "$PEER_DEVICE" ${QUICK[@]+"${QUICK[@]}"} --json
done

# ---------------------------------------------------------------------------------------------------
# 4. Whole-volume prediction on webgpu: voxels/s against the goal of 10M.

GOAL=10000000
if wants predict && gpu_step_or_skip predict; then
  shape=64,512,512
  [[ ${#QUICK[@]} -gt 0 ]] && shape=8,64,64
  if run_step predict 150 lines "$NODE_BIN" "${CLI[@]}" bench --only predict --backend webgpu \
    --predict-shape "$shape" ${QUICK[@]+"${QUICK[@]}"} --json; then
    vps=$(grep -oE '"voxels_per_s":[0-9]+' "$LOG_DIR/predict.out" | tail -n 1 | grep -oE '[0-9]+$')
    if [[ -n $vps ]]; then
      emit step=predict_goal "ok:=$([[ $vps -ge $GOAL ]] && echo true || echo false)" "shape=$shape" \
        "voxels_per_s:=$vps" "goal_voxels_per_s:=$GOAL"
      [[ $vps -ge $GOAL ]] || FAILED+=(predict_goal)
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------------
# 5. --real: train on the Lucchi++ training crop, predict the test crop, VOC and Dice. 6 minutes at most.

real_step() {
  local data=""
  for d in "${ACTIVEEM_LUCCHI:-}" ../shared/data/lucchipp-mito ./shared/data/lucchipp-mito ../shared/data/lucchipp; do
    if [[ -n $d && -f $d/lucchipp_train_crop.h5 && -f $d/lucchipp_test_crop.h5 ]]; then
      data=$(cd "$d" && pwd)
      break
    fi
  done
  if [[ -z $data ]]; then
    emit step=real done:=true ok:=false "error=no lucchipp_train_crop.h5 and lucchipp_test_crop.h5 in \$ACTIVEEM_LUCCHI, ../shared/data/lucchipp-mito or ./shared/data/lucchipp-mito"
    FAILED+=(real)
    return
  fi
  gpu_step_or_skip real || return
  # A budget of its own: the 6 minutes start now.
  BUDGET_S=360
  DEADLINE=$((SECONDS + BUDGET_S))
  local project=$LOG_DIR/real-project minutes=${ACTIVEEM_DEVICE_TRAIN_MINUTES:-4}
  rm -rf "$project"
  local train_args raw test_raw test_gt predict_backend=webgpu
  if [[ ${#QUICK[@]} -gt 0 ]]; then
    # A software adapter: a few steps of a tiny network on webgpu, and the small test stack predicted
    # on wasm (a software adapter would take an hour for it): the plumbing, not the figure.
    train_args=(--iterations 3 --width 4 --depth 2 --window "4,32,32")
    test_raw=$data/lucchipp_test_small_raw.tif
    test_gt=$data/lucchipp_test_small_mito.tif
    predict_backend=wasm
  else
    train_args=(--minutes "$minutes" --width 16 --depth 3 --window "16,128,128" --batch 2)
    test_raw=$data/lucchipp_test_crop.h5#raw
    test_gt=$data/lucchipp_test_crop.h5#labels/mitochondria
  fi
  raw=$data/lucchipp_train_crop.h5
  run_step real_project 30 none "$NODE_BIN" "${CLI[@]}" project init "$project" --json || return
  local train_cap
  train_cap=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 + 60 }')
  [[ ${#QUICK[@]} -gt 0 ]] && train_cap=120
  run_step real_train "$train_cap" lines "$NODE_BIN" "${CLI[@]}" train --project "$project" --task mito \
    --raw "$raw#raw" --labels "$raw#labels/mitochondria" --backend webgpu "${train_args[@]}" --json || return
  run_step real_predict 150 lines "$NODE_BIN" "${CLI[@]}" predict --project "$project" --raw "$test_raw" \
    --model mito --out "$project/test.zarr" --backend "$predict_backend" --json || return
  # --metric voc reports Dice too.
  run_step real_eval 60 lines "$NODE_BIN" "${CLI[@]}" eval --pred "$project/test.zarr#mito" --gt "$test_gt" \
    --metric voc --json || return
  local voc dice
  voc=$(grep -oE '"voc":[-0-9.eE]+' "$LOG_DIR/real_eval.out" | head -n 1 | cut -d: -f2)
  dice=$(grep -oE '"dice":[-0-9.eE]+' "$LOG_DIR/real_eval.out" | head -n 1 | cut -d: -f2)
  emit step=real ok:=true "voc:=${voc:-null}" "dice:=${dice:-null}" "train_backend=webgpu" \
    "predict_backend=$predict_backend" "test=$test_raw" "data=$data"
}
if wants real; then real_step; fi

# ---------------------------------------------------------------------------------------------------

failed=""
for f in ${FAILED[@]+"${FAILED[@]}"}; do failed+="${failed:+,}$(jstr "$f")"; done
emit step=summary "ok:=$([[ ${#FAILED[@]} -eq 0 ]] && echo true || echo false)" "failed:=[$failed]" \
  "seconds:=$(since "$START")" "log_dir=$LOG_DIR"
[[ ${#FAILED[@]} -eq 0 ]]
