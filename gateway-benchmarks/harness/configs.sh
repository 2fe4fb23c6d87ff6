#!/bin/bash
# Runs ab.sh on one build in several bench-proxy configurations, interleaved round by round, and prints one line per
# run: the configuration, ab.sh's summary and its per-thread lines (the IO thread, the access log's writer).
#
#   gateway-benchmarks/harness/configs.sh JAR [ROUNDS]            # ROUNDS defaults to 3
#   CONFIGS="plain token full" gateway-benchmarks/harness/configs.sh JAR 3
#
# The configurations: plain (the defaults: no telemetry, request ids on), api (the OpenTelemetry API with no SDK),
# noids (request ids off), token (plain, sent an HS256 bearer token it forwards untouched), sdk (BENCH_OTEL=sdk), jwt
# (the token, verified), limit (a local rate limit that never rejects), log (the access log to a file) and full
# (jwt + limit + sdk + log: issue 12's full stack).
set -euo pipefail
jar=$1
rounds=${2:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
secret=bench-secret-of-at-least-thirty-two-bytes
token=$(DEMO_JWT_SECRET=$secret java -jar "$jar" token bench | tail -1)
bearer="Authorization: Bearer $token"
log=$(mktemp -u /tmp/portico-access.XXXXXX)
for round in $(seq 1 "$rounds"); do
    for config in ${CONFIGS:-plain token sdk jwt limit log full}; do
        case $config in
            plain) vars=() ;;
            api) vars=(BENCH_OTEL=api) ;;
            noids) vars=(BENCH_REQUEST_IDS=off) ;;
            token) vars=(AB_HEADER="$bearer") ;;
            sdk) vars=(BENCH_OTEL=sdk) ;;
            jwt) vars=(AB_HEADER="$bearer" BENCH_JWT_SECRET=$secret) ;;
            limit) vars=(BENCH_RATE_LIMIT=1000000000) ;;
            log) vars=(BENCH_ACCESS_LOG="$log") ;;
            full) vars=(AB_HEADER="$bearer" BENCH_JWT_SECRET=$secret BENCH_RATE_LIMIT=1000000000 BENCH_OTEL=sdk
                        BENCH_ACCESS_LOG="$log") ;;
            *) echo "unknown configuration: $config" >&2; exit 2 ;;
        esac
        result=$(env "${vars[@]}" bash "$here/ab.sh" "$jar" 2>&1)
        threads=$(echo "$result" | grep -E 'I/O|access' | tr -s ' ' | tr '\n' ';' || true)
        echo "round $round $config | $(echo "$result" | tail -1 | sed 's/^[^:]*: //') |$threads"
        rm -f "$log"
    done
done
