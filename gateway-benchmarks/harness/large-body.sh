#!/bin/bash
# Runs ../shared/bench/compare.sh with a backend that also serves a 64 KiB JSON body at /64k, for the proxy-speed
# issue's large-body comparison. The shared harness serves one 314-byte body at every path, so this copies it to a
# temporary directory, adds the location to the copy's backend, and passes every argument on with --path /64k.
#
#   gateway-benchmarks/harness/large-body.sh --only nginx,undertow-proxy,candidate \
#       --candidate 'exec java $BENCH_JAVA_OPTS -jar gateway-examples/target/gateway-examples.jar bench-proxy' \
#       --json /tmp/large-1.json
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
shared="$root/../shared/bench"
work=$(mktemp -d /tmp/portico-large-body.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # nginx's worker, which serves the file, is not this user
cp -r "$shared/." "$work/"
# 64 KiB of JSON: one array of 1,024 equal 64-byte objects
python3 - "$work/body.json" <<'PY'
import sys
item = '{"id":"00000000-0000-4000-8000-000000000000","priceCents":1999},'
assert len(item) == 64
body = ('[' + item * 1024)[:-1] + ']'
body = body + ' ' * (65536 - len(body))
open(sys.argv[1], 'w').write(body)
PY
chmod 644 "$work/body.json"
# the location goes before the catch-all one in the backend's only server block
python3 - "$work/backend/nginx.conf" "$work/body.json" <<'PY'
import sys
conf, body = sys.argv[1], sys.argv[2]
text = open(conf).read()
anchor = '        location / {'
assert anchor in text
text = text.replace(anchor, '        location = /64k {\n            default_type application/json;\n'
                    '            alias ' + body + ';\n        }\n\n' + anchor, 1)
open(conf, 'w').write(text)
PY
cd "$root"
"$work/compare.sh" --path /64k "$@"
