#!/usr/bin/env bash
# Compares meshproof-proxy with nginx (stream + ssl) and HAProxy doing the
# same job, side by side in one run: terminate TLS 1.3 with a required,
# verified client certificate and forward TCP to the same local backend.
# The load client is bench/cmd/proxyload (it presents a client
# certificate, which none of Debian's load generators does). Prints a
# Markdown table for docs/benchmarks.md.
#
#   bench/proxy.sh                          # defaults below
#   SIZE=268435456 DURATION=5s RUNS=1 bench/proxy.sh
#
# The request/response run also measures bench/floorrelay (a plaintext C
# relay doing only the system calls the job needs) as the kernel's floor on
# the machine at that moment; it needs a C compiler (cc) and is left out
# without one.
#
# Needs: go, nginx, libnginx-mod-stream, haproxy (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-1073741824}   # bulk: bytes each way
RUNS=${RUNS:-3}            # bulk: best of RUNS
DURATION=${DURATION:-10s}  # rr and conn runs
RR_CONNS=${RR_CONNS:-16}
CONN_CONNS=${CONN_CONNS:-8}
BACKEND=127.0.0.1:19000
MP=127.0.0.1:19100 NGX=127.0.0.1:19101 HAP=127.0.0.1:19102 FLOOR=127.0.0.1:19103 ADMIN=127.0.0.1:19150

for tool in nginx haproxy; do
	command -v "$tool" >/dev/null || { echo "bench/proxy.sh needs $tool (apt-get install nginx libnginx-mod-stream haproxy)" >&2; exit 2; }
done
stream_mod=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f "$stream_mod" ] || { echo "bench/proxy.sh needs libnginx-mod-stream" >&2; exit 2; }

work=$(mktemp -d /tmp/meshproof-proxy-bench.XXXXXX)
bin=$work/bin
mkdir -p "$bin"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "building ..." >&2
go build -trimpath -ldflags="-s -w" -o "$bin/meshproof-proxy" ./cmd/meshproof-proxy
go build -o "$bin/meshproof-proxy-default" ./cmd/meshproof-proxy
go build -o "$bin/proxyload" ./bench/cmd/proxyload
load=$bin/proxyload
floor=
if command -v cc >/dev/null; then
	cc -O2 -o "$bin/floorrelay" bench/floorrelay/relay.c
	floor=$bin/floorrelay
else
	echo "no C compiler: the floor relay is left out" >&2
fi
size_stripped=$(stat -c %s "$bin/meshproof-proxy")
size_default=$(stat -c %s "$bin/meshproof-proxy-default")

$load pki -dir "$work"
$load config -dir "$work" -listen "$MP" -forward "$BACKEND" -admin "$ADMIN"

$load backend -listen "$BACKEND" & pids+=($!)

GOMAXPROCS=${MP_GOMAXPROCS:-} "$bin/meshproof-proxy" --config "$work/proxy.yaml" --trust-key "$work/signing.pub" --state "$work/state.json" 2>"$work/mp.err" & mp_pid=$!
pids+=("$mp_pid")

cat > "$work/nginx.conf" <<NGX
load_module $stream_mod;
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 4096; }
stream {
	server {
		listen $NGX ssl;
		ssl_certificate $work/server.pem;
		ssl_certificate_key $work/server-key.pem;
		ssl_client_certificate $work/ca.pem;
		ssl_verify_client on;
		ssl_protocols TLSv1.3;
		ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;
		proxy_pass $BACKEND;
	}
}
NGX
nginx -p "$work" -e "$work/nginx.err" -c "$work/nginx.conf" & ngx_pid=$!
pids+=("$ngx_pid")

cat > "$work/haproxy.cfg" <<HAP
global
	nbthread 2
	maxconn 8000
	ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256
	ssl-default-bind-options ssl-min-ver TLSv1.3
defaults
	mode tcp
	timeout connect 5s
	timeout client 60s
	timeout server 60s
frontend bench
	bind $HAP ssl crt $work/server-combined.pem ca-file $work/ca.pem verify required
	default_backend backend
backend backend
	server b1 $BACKEND
HAP
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.out" 2>&1 & hap_pid=$!
pids+=("$hap_pid")
if [ -n "$floor" ]; then
	"$floor" "${FLOOR#*:}" "${BACKEND#*:}" & floor_pid=$!
	pids+=("$floor_pid")
fi

# Wait for the listeners.
for addr in "$BACKEND" "$MP" "$NGX" "$HAP" ${floor:+"$FLOOR"}; do
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/${addr%:*}/${addr#*:}") 2>/dev/null && break
		sleep 0.05
	done
done
sleep 1
ngx_workers=$(pgrep -P "$ngx_pid" | paste -sd, -)
ngx_all="$ngx_pid,$ngx_workers"

declare -A addr_of=([meshproof-proxy]=$MP [nginx]=$NGX [haproxy]=$HAP)
declare -A pids_of=([meshproof-proxy]=$mp_pid [nginx]=$ngx_all [haproxy]=$hap_pid)
declare -A result
peers=(meshproof-proxy nginx haproxy)

field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p"; }

for p in "${peers[@]}"; do
	result[$p,idle_rss]=$($load rss -pids "${pids_of[$p]}" | field rss_kib)
done
best() { awk -v a="$1" -v b="$2" -v dir="$3" 'BEGIN { if (a == "") print b; else if (dir == "max") print (b > a) ? b : a; else print (b < a) ? b : a }'; }
# best_cpu PEER LINE keeps the request/response round with the least CPU
# per request, and its user/kernel split.
best_cpu() {
	local cpu
	cpu=$(echo "$2" | field cpu_us_per_req)
	if [ -z "${result[$1,cpu_us]:-}" ] || awk -v a="$cpu" -v b="${result[$1,cpu_us]}" 'BEGIN { exit !(a < b) }'; then
		result[$1,cpu_us]=$cpu
		result[$1,user_us]=$(echo "$2" | field user_us_per_req)
		result[$1,sys_us]=$(echo "$2" | field sys_us_per_req)
	fi
}
# Rounds alternate the peers, so that noise from other work on the machine
# spreads over all of them; each figure is the best of RUNS rounds.
for round in $(seq "$RUNS"); do
	for p in "${peers[@]}"; do
		echo "round $round/$RUNS, $p: bulk, request/response, new connections ..." >&2
		v=$($load bulk -addr "${addr_of[$p]}" -dir "$work" -size "$SIZE" | field bulk_MiBps)
		result[$p,bulk]=$(best "${result[$p,bulk]:-}" "$v" max)
		line=$($load rr -addr "${addr_of[$p]}" -dir "$work" -conns "$RR_CONNS" -size 1024 -duration "$DURATION" -pids "${pids_of[$p]}")
		result[$p,rps]=$(best "${result[$p,rps]:-}" "$(echo "$line" | field rr_rps)" max)
		best_cpu "$p" "$line"
		result[$p,rr_rss]=$(best "${result[$p,rr_rss]:-}" "$(echo "$line" | field loaded_rss_kib)" max)
		line=$($load conn -addr "${addr_of[$p]}" -dir "$work" -conns "$CONN_CONNS" -duration "$DURATION" -pids "${pids_of[$p]}")
		result[$p,cps]=$(best "${result[$p,cps]:-}" "$(echo "$line" | field conn_per_s)" max)
		result[$p,cfail]=$(( ${result[$p,cfail]:-0} + $(echo "$line" | field failed) ))
		result[$p,conn_rss]=$(best "${result[$p,conn_rss]:-}" "$(echo "$line" | field loaded_rss_kib)" max)
	done
	if [ -n "$floor" ]; then
		echo "round $round/$RUNS, floor relay: request/response ..." >&2
		line=$($load rr -plain -addr "$FLOOR" -dir "$work" -conns "$RR_CONNS" -size 1024 -duration "$DURATION" -pids "$floor_pid")
		best_cpu floor "$line"
	fi
done

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b) ? a : b }'; }

echo
echo "Each figure is the best of $RUNS rounds that alternate the peers; the load client runs on the same machine."
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; $(date -u +%Y-%m-%d) (UTC); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "Peers: $(nginx -v 2>&1 | sed 's/nginx version: //'), $(haproxy -v | head -1 | awk '{print "HAProxy " $3}'), Go $(go env GOVERSION | sed 's/go//')"
echo
echo "| | meshproof-proxy | nginx (stream + ssl) | HAProxy | meshproof / nginx | meshproof / HAProxy |"
echo "|---|---|---|---|---|---|"
m=meshproof-proxy
echo "| bulk throughput, $(( SIZE >> 20 )) MiB each way, 1 connection (MiB/s) | ${result[$m,bulk]} | ${result[nginx,bulk]} | ${result[haproxy,bulk]} | $(ratio "${result[$m,bulk]}" "${result[nginx,bulk]}") | $(ratio "${result[$m,bulk]}" "${result[haproxy,bulk]}") |"
echo "| 1 KiB request/response, $RR_CONNS keep-alive connections (requests/s) | ${result[$m,rps]} | ${result[nginx,rps]} | ${result[haproxy,rps]} | $(ratio "${result[$m,rps]}" "${result[nginx,rps]}") | $(ratio "${result[$m,rps]}" "${result[haproxy,rps]}") |"
echo "| proxy CPU per 1 KiB request (us, user + system, all processes/threads) | ${result[$m,cpu_us]} | ${result[nginx,cpu_us]} | ${result[haproxy,cpu_us]} | $(ratio "${result[$m,cpu_us]}" "${result[nginx,cpu_us]}") | $(ratio "${result[$m,cpu_us]}" "${result[haproxy,cpu_us]}") |"
echo "| of which user space / kernel (us) | ${result[$m,user_us]} / ${result[$m,sys_us]} | ${result[nginx,user_us]} / ${result[nginx,sys_us]} | ${result[haproxy,user_us]} / ${result[haproxy,sys_us]} | | |"
echo "| new mTLS connections per second, $CONN_CONNS clients, full handshakes | ${result[$m,cps]} | ${result[nginx,cps]} | ${result[haproxy,cps]} | $(ratio "${result[$m,cps]}" "${result[nginx,cps]}") | $(ratio "${result[$m,cps]}" "${result[haproxy,cps]}") |"
echo "| idle RSS (all processes) | $(mib "${result[$m,idle_rss]}") | $(mib "${result[nginx,idle_rss]}") | $(mib "${result[haproxy,idle_rss]}") | | |"
echo "| loaded RSS, peak (all processes) | $(mib "$(max "${result[$m,rr_rss]}" "${result[$m,conn_rss]}")") | $(mib "$(max "${result[nginx,rr_rss]}" "${result[nginx,conn_rss]}")") | $(mib "$(max "${result[haproxy,rr_rss]}" "${result[haproxy,conn_rss]}")") | | |"
echo
if [ -n "$floor" ]; then
	echo "Floor: bench/floorrelay (plaintext, no TLS, one thread: only the reads, writes and epoll_wait the job needs) in the same rounds: ${result[floor,cpu_us]} us per 1 KiB request (user ${result[floor,user_us]} / kernel ${result[floor,sys_us]}); meshproof-proxy is $(ratio "${result[$m,cpu_us]}" "${result[floor,cpu_us]}") of it, nginx $(ratio "${result[nginx,cpu_us]}" "${result[floor,cpu_us]}"), HAProxy $(ratio "${result[haproxy,cpu_us]}" "${result[floor,cpu_us]}")."
	echo
fi
echo "meshproof-proxy binary: $(awk -v b="$size_stripped" 'BEGIN { printf "%.1f MB", b / 1e6 }') (-trimpath -ldflags=\"-s -w\"), $(awk -v b="$size_default" 'BEGIN { printf "%.1f MB", b / 1e6 }') (plain go build). Failed connections: meshproof-proxy ${result[$m,cfail]}, nginx ${result[nginx,cfail]}, HAProxy ${result[haproxy,cfail]}."
