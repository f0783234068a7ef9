#!/usr/bin/env bash
# Make one virtual environment per peer: raking peers for benchmarks/weighting.py and the
# sentiment peers (vaderSentiment, textblob) for benchmarks/coding.py.
#
# The peers are never project dependencies: each lives in its own venv outside the repository
# (balance pins numpy < 2, which would clash with the project's numpy 2), under
# ${PMRESEARCH_BENCH_DIR:-/opt/pmresearch-bench}/<peer>/. Versions are pinned so that figures
# from different days compare. No pyarrow: the project's environment has none, so every tool
# sees the same Python-backed pandas string columns.
#
# Idempotent: a venv whose peer imports at the pinned version is left alone; any other is rebuilt.
#
# Usage:
#     bash benchmarks/setup_peers.sh            # all peers
#     bash benchmarks/setup_peers.sh ipfn       # just the named ones
set -euo pipefail

root="${PMRESEARCH_BENCH_DIR:-/opt/pmresearch-bench}"
python="${PYTHON:-python3}"

# peer (its PyPI name and module name alike) -> pinned version
declare -A pins=([weightipy]=0.4.2 [balance]=0.23.0 [ipfn]=1.4.4 [vaderSentiment]=3.3.2
                  [textblob]=0.20.1)

peers=("$@")
if [ ${#peers[@]} -eq 0 ]; then
    peers=(weightipy balance ipfn vaderSentiment textblob)
fi

mkdir -p "$root"
for peer in "${peers[@]}"; do
    if [ -z "${pins[$peer]+set}" ]; then
        echo "unknown peer '$peer' (known: ${!pins[*]})" >&2
        exit 2
    fi
    venv="$root/$peer"
    ready="import importlib.metadata as m, $peer; assert m.version('$peer') == '${pins[$peer]}'"
    if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$ready" >/dev/null 2>&1; then
        echo "$peer: already installed in $venv, left as it is"
    else
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --upgrade pip
        "$venv/bin/python" -m pip install --quiet "$peer==${pins[$peer]}"
        echo "$peer: installed in $venv"
    fi
    "$venv/bin/python" -m pip list --format=freeze 2>/dev/null \
        | grep -i -E "^($peer|numpy|pandas)==" | sed "s/^/    /"
done
