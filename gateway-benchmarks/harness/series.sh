#!/bin/bash
# Compares two builds of the bench proxy over N pairs of ab.sh runs in ABBA order (A B, B A, A B, ...), so that
# neither build always runs second, and prints every run, each build's median rate and CPU a request, and the median
# of the pairs' rate ratios (B / A). The environment reaches both (BENCH_OTEL, AB_HEADER, ...):
#
#   gateway-benchmarks/harness/series.sh 4 /tmp/before.jar /tmp/after.jar
#
# On a machine whose launches differ by tens of percent, read the ratio's spread before its median.
set -euo pipefail
pairs=$1
a=$2
b=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(mktemp /tmp/portico-series.XXXXXX)
trap 'rm -f "$out"' EXIT
for i in $(seq 1 "$pairs"); do
    if [ $((i % 2)) = 1 ]; then order=("$a" "$b"); else order=("$b" "$a"); fi
    for jar in "${order[@]}"; do
        line=$(bash "$here/ab.sh" "$jar" | tail -1)
        echo "pair $i: $line"
        echo "$i $jar $line" >> "$out"
    done
done
python3 - "$out" "$a" "$b" <<'PY'
import re, statistics, sys
out, a, b = sys.argv[1:]
runs = {}
for line in open(out):
    pair, jar, rest = line.split(" ", 2)
    rps = float(re.search(r"([\d.]+) rps", rest).group(1))
    cpu = float(re.search(r"CPU ([\d.]+) us", rest).group(1))
    runs.setdefault(jar, {})[int(pair)] = (rps, cpu)
for jar in (a, b):
    rates = [r for r, _ in runs[jar].values()]
    cpus = [c for _, c in runs[jar].values()]
    print(f"{jar}: median {statistics.median(rates):,.0f} rps, {statistics.median(cpus):.1f} us CPU a request")
ratios = sorted(runs[b][p][0] / runs[a][p][0] for p in runs[a])
print(f"{b} / {a}, rate by pair: {' '.join(f'{r:.3f}' for r in ratios)}; median {statistics.median(ratios):.3f}")
PY
