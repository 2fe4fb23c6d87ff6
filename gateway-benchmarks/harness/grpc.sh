#!/bin/bash
# Usage, from the project root after mvn -B -q package -DskipTests: gateway-benchmarks/harness/grpc.sh [JAR]
# Transcoded unary call vs plain proxied REST call, same JSON body (349 bytes), 64 keep-alive connections.
# backend (REST + gRPC) and wrk on CPU 0, the gateway alone on CPU 1.
set -e
JAR=${1:-gateway-examples/target/gateway-examples.jar}
taskset -c 0 java -cp $JAR dev.portico.examples.BenchGrpc backend > /dev/null 2>&1 & B=$!
taskset -c 1 java -cp $JAR dev.portico.examples.BenchGrpc gateway > /dev/null 2>&1 & G=$!
trap 'kill $B $G' EXIT
sleep 6
for p in rest grpc rest grpc; do taskset -c 0 wrk -t1 -c64 -d15s http://127.0.0.1:19204/$p/orders > /dev/null; done   # JIT warm-up
for round in 1 2 3; do
  for p in rest grpc; do
    echo "== round $round $p"
    taskset -c 0 wrk -t1 -c64 -d10s --latency http://127.0.0.1:19204/$p/orders | grep -E "Requests/sec|99%|50%|Non-2xx|errors"
  done
done
