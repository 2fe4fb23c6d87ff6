#!/bin/bash
# Usage, from the project root after mvn -B -q package -DskipTests: gateway-benchmarks/harness/protocols.sh [JAR]
# The demo gateway's GET /api/products (a proxied 300-byte JSON list) over HTTP/1.1 in cleartext and over TLS (wrk),
# and over h2c and h2 by ALPN (h2load, one stream at a time per connection, then 10), 64 keep-alive connections;
# the demo (gateway and services) alone on CPU 1, the clients on CPU 0.
set -e
JAR=${1:-gateway-examples/target/gateway-examples.jar}
GATEWAY_PORT=18281 GATEWAY_TLS_PORT=18443 DEMO_RATE_LIMIT_PER_MINUTE=2000000000 \
    taskset -c 1 java -jar $JAR > /dev/null 2>&1 & G=$!
trap 'kill $G' EXIT
sleep 8
H1=http://127.0.0.1:18281/api/products
TLS=https://127.0.0.1:18443/api/products
for url in $H1 $TLS; do taskset -c 0 wrk -t1 -c64 -d10s $url > /dev/null; done   # JIT warm-up
taskset -c 0 h2load -c64 -m1 -D10 $TLS > /dev/null
for round in 1 2; do
  echo "== round $round HTTP/1.1 cleartext"
  taskset -c 0 wrk -t1 -c64 -d10s --latency $H1 | grep -E "Requests/sec|50%|99%|Non-2xx|errors"
  echo "== round $round HTTP/1.1 over TLS"
  taskset -c 0 wrk -t1 -c64 -d10s --latency $TLS | grep -E "Requests/sec|50%|99%|Non-2xx|errors"
  for m in 1 10; do
    echo "== round $round h2c, $m streams a connection"
    taskset -c 0 h2load -c64 -m$m -D10 $H1 | grep -E "^finished|^requests|time for request"
    echo "== round $round h2 (ALPN), $m streams a connection"
    taskset -c 0 h2load -c64 -m$m -D10 $TLS | grep -E "^finished|^requests|time for request"
  done
done
