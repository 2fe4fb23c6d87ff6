#!/bin/bash
# Usage, from the project root after mvn -B -q package -DskipTests: gateway-benchmarks/harness/websocket-memory.sh [N] [JAR]
# The gateway's live heap (after two full GCs) with no WebSocket open, then with N idle ones (default 3000), each
# opened by a raw-socket client that exchanged one message through it; the difference over N is the cost of one.
set -e
N=${1:-3000}
JAR=${2:-gateway-examples/target/gateway-examples.jar}
java -cp $JAR dev.portico.examples.BenchWebSockets backend > /dev/null 2>&1 & B=$!
java -Xms256m -Xmx256m -XX:+UseSerialGC -cp $JAR dev.portico.examples.BenchWebSockets gateway > /dev/null 2>&1 & G=$!
HOLD=$(mktemp -u); mkfifo $HOLD
trap 'kill $B $G 2>/dev/null; rm -f $HOLD' EXIT
sleep 4
CLIENT='
import socket, sys
n = int(sys.argv[1])
head = (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
open_ = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", 19212))
    s.sendall(head)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(4096)
    assert data.startswith(b"HTTP/1.1 101"), data[:60]
    s.sendall(bytes([0x81, 0x82, 1, 2, 3, 4, ord("h") ^ 1, ord("i") ^ 2]))  # "hi", masked
    echo = b""
    while len(echo) < 4:
        echo += s.recv(16)
    open_.append(s)
print("open", len(open_), flush=True)
sys.stdin.readline()
'
heap() {
  jcmd $G GC.run > /dev/null; sleep 1; jcmd $G GC.run > /dev/null; sleep 1
  jcmd $G GC.heap_info | grep generation | grep -o 'used [0-9]*K' | grep -o '[0-9]*' | paste -sd+ | bc
}
python3 -c "$CLIENT" 50 < /dev/null > /dev/null   # loads the classes of the path
BASE=$(heap)
python3 -c "$CLIENT" $N < $HOLD & C=$!
exec 3> $HOLD
sleep 2; while ! ss -tn state established "( sport = :19212 )" | awk 'NR>1' | wc -l | grep -qx $N; do sleep 1; done
sleep 2
OPEN=$(heap)
jcmd $G GC.class_histogram | head -40
echo >&3; exec 3>&-; wait $C
echo "idle WebSockets: $N; live heap: ${BASE} KiB before, ${OPEN} KiB with them open; $(( (OPEN - BASE) * 1024 / N )) bytes each"
