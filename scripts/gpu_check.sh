#!/usr/bin/env bash
# The GPU figures of issue 21, in one short run on a lent CUDA device (under 8 minutes):
#   1. `bench --policy` of full pi0 with 3 cameras: our bf16 sampler (compiled, CUDA graphs)
#      and stock transformers beside it, in the same run;
#   2. one training step of LoRA and one of full fine-tuning (bf16 autocast, as the trainer)
#      at the largest batch the planner says fits this GPU, measured against its estimate.
# Usage: scripts/gpu_check.sh [OUT_DIR]   (PY=python by default; writes OUT_DIR/*.jsonl)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python}
OUT=${1:-${OUT:-gpu_check}}
mkdir -p "$OUT"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-8}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
$PY -c "import torch, transformers; print('torch', torch.__version__, 'transformers',
transformers.__version__)" | tee -a "$OUT/gpu.txt"

echo "== bench --policy --preset pi0 --device cuda --cameras 3 (bf16, stock beside)"
timeout 200 $PY main.py bench --policy --preset pi0 --device cuda --cameras 3 --json \
  | tee "$OUT/bench_policy.txt"
echo "exit $?" >> "$OUT/bench_policy.txt"

for mode in lora full; do
  echo "== one training step, $mode, at the planner's largest batch"
  flag=$([ "$mode" = lora ] && echo --lora)
  $PY main.py train --preset pi0 $flag --plan --precision bf16 --cameras a,b,c \
    --memory-gb "$($PY -c 'import torch; print(torch.cuda.get_device_properties(0).total_memory / 2**30)')" \
    --json | tail -n 1 > "$OUT/plan_$mode.json"
  timeout 100 $PY scripts/calibrate_memory.py --preset pi0 --device cuda --precision bf16 \
    --batches fit $flag | tee "$OUT/train_step_$mode.jsonl"
done
echo "results in $OUT/"
