#!/usr/bin/env bash
# make binder-check: build a clean virtual environment from binder/ alone, as Binder would,
# and execute the tour notebook in it. Fails loudly if the Binder set-up is broken.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$PY" -m venv "$WORK/venv"
export PATH="$WORK/venv/bin:$PATH" HOME="$WORK/home"
mkdir -p "$HOME"
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -r binder/requirements.txt
# Binder reaches the PyTorch CPU index; where only the package registries are reachable (CI),
# pip's configured sources must provide torch==2.13.0+cpu instead.
if ! curl -sf -m 5 -o /dev/null https://download.pytorch.org/whl/cpu/torch/; then
  export TORCH_INDEX=""
fi
bash binder/postBuild >/dev/null
grep -q "00_tour.ipynb" "$HOME/.jupyter/jupyter_server_config.py"
python - <<'PY'
import torch
assert not torch.cuda.is_available() and "+cpu" in torch.__version__, torch.__version__
print("binder-check: torch", torch.__version__)
PY
cd notebooks
python -m jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 --output "$WORK/tour-executed.ipynb" 00_tour.ipynb >/dev/null
echo "binder-check: the tour notebook ran in a clean environment built from binder/"
