#!/bin/bash
# Measures one build of the bench proxy the way docs/performance.md's A/B figures were taken: the shared harness's
# backend and wrk on CPU 0, the proxy alone on CPU 1, 25 s of warm-up, then 20 s of wrk -c64; prints the rate, the
# p99 and the proxy's CPU time a request (user and kernel, from /proc/PID/stat). Alternate two builds, run by run:
#
#   gateway-benchmarks/harness/ab.sh /tmp/before.jar; gateway-benchmarks/harness/ab.sh /tmp/after.jar; ...
#   gateway-benchmarks/harness/ab.sh /tmp/after.jar /tmp/after.jfr     # also records a JFR profile of the 20 s
#
# Before the summary line it prints each of the proxy's threads that used CPU while measured, per request.
#
# The proxy inherits the environment (BENCH_OTEL, BENCH_JWT_SECRET, ...); AB_HEADER adds a header to wrk's requests:
#   AB_HEADER="Authorization: Bearer $TOKEN" BENCH_JWT_SECRET=$S gateway-benchmarks/harness/ab.sh /tmp/after.jar
set -euo pipefail
jar=$1
jfr=${2:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/portico-ab.XXXXXX)
mkdir -p "$work/logs"
taskset -c 0 nginx -p "$work/" -e stderr -c "$root/../shared/bench/backend/nginx.conf" \
    -g "daemon off; worker_processes 1;" &
backend=$!
BENCH_PORT=19104 taskset -c 1 java ${BENCH_JAVA_OPTS:-} -jar "$jar" bench-proxy > "$work/proxy.log" 2>&1 &
proxy=$!
trap 'kill $proxy $backend 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:19104/ && break; sleep 0.3; done
header=()
[ -n "${AB_HEADER:-}" ] && header=(-H "$AB_HEADER")
taskset -c 0 wrk -t1 -c64 -d25s "${header[@]}" http://127.0.0.1:19104/ > /dev/null
[ -n "$jfr" ] && jcmd $proxy JFR.start name=ab settings=profile filename="$jfr" > /dev/null
# each thread's name, user and kernel ticks (the fields after the parenthesised name, which may hold spaces)
threads() { for t in /proc/$proxy/task/*; do echo "$(sed 's/.*) //' "$t/stat" | awk '{print $12, $13}') $(cat "$t/comm")"; done; }
read -r u1 s1 < <(awk '{print $14, $15}' /proc/$proxy/stat)
threads > "$work/threads1"
taskset -c 0 wrk -t1 -c64 -d20s --latency "${header[@]}" http://127.0.0.1:19104/ > "$work/wrk.txt"
read -r u2 s2 < <(awk '{print $14, $15}' /proc/$proxy/stat)
threads > "$work/threads2"
[ -n "$jfr" ] && jcmd $proxy JFR.stop name=ab > /dev/null
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
tick=$(getconf CLK_TCK)
python3 - "$work" "$jar" "$requests" "$tick" "$u1" "$s1" "$u2" "$s2" "$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")" \
    "$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")" "$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")" <<'PY'
import collections, sys
work, jar, requests, tick, u1, s1, u2, s2, rps, p99, non2xx = sys.argv[1:]
us = 1e6 / int(tick)

def threads(name):  # ticks by thread name, summed over threads of the same name
    ticks = collections.defaultdict(lambda: [0, 0])
    for line in open(f"{work}/{name}"):
        user, kernel, comm = line.rstrip("\n").split(" ", 2)
        ticks[comm][0] += int(user)
        ticks[comm][1] += int(kernel)
    return ticks

before, after = threads("threads1"), threads("threads2")
for comm, (tu, tk) in sorted(after.items(), key=lambda t: -sum(t[1])):
    du, dk = [(a - b) * us / int(requests) for a, b in zip((tu, tk), before.get(comm, (0, 0)))]
    if du + dk >= 0.05:
        print(f"  thread {comm}: user {du:.2f}, kernel {dk:.2f} us/request")
user, kernel = (int(u2) - int(u1)) * us / int(requests), (int(s2) - int(s1)) * us / int(requests)
print(f"{jar}: {rps} rps, p99 {p99}, CPU {user + kernel:.1f} us/request (user {user:.1f}, kernel {kernel:.1f}),"
      f" non-2xx {non2xx or 0}")
PY
