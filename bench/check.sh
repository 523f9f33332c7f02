#!/usr/bin/env bash
# Compares `meshproof check` with the conftest CLI on the same rule pack and
# the same synthetic mesh, side by side in one run, and prints a Markdown
# table for docs/benchmarks.md.
#
#   bench/check.sh                       # 100 namespaces x 49 workloads = 20,200 documents
#   NAMESPACES=20 WORKLOADS=10 RUNS=1 bench/check.sh
#
# Needs Go and GNU time (/usr/bin/time). Builds both tools from the module
# cache (conftest at the version in go.mod).
set -euo pipefail
cd "$(dirname "$0")/.."

NAMESPACES=${NAMESPACES:-100}
WORKLOADS=${WORKLOADS:-49}
RUNS=${RUNS:-3}
SINGLE_RUNS=${SINGLE_RUNS:-20}
out=bench/results/check
bin=bench/results/bin
mkdir -p "$out" "$bin"

[ -x /usr/bin/time ] || { echo "bench/check.sh needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }

conftest_version=$(awk '$1 == "github.com/open-policy-agent/conftest" {print $2}' go.mod)
echo "building meshproof and conftest $conftest_version ..." >&2
go build -o "$bin/meshproof" ./cmd/meshproof
GOFLAGS=-mod=mod GOBIN="$PWD/$bin" go install "github.com/open-policy-agent/conftest@$conftest_version"

rm -rf "$out/mesh"
docs=$(go run ./bench/cmd/synthmesh -namespaces "$NAMESPACES" -workloads "$WORKLOADS" -out "$out/mesh")
files=$(find "$out/mesh" -name '*.yaml' | wc -l)
echo "synthetic mesh: $docs documents in $files files" >&2

# measure NAME CMD...: runs CMD RUNS times, prints "NAME best_seconds max_rss_kib".
measure() {
	local name=$1; shift
	local best="" rss=0
	for _ in $(seq "$RUNS"); do
		/usr/bin/time -f "%e %M" -o "$out/time" "$@" > /dev/null 2> "$out/stderr" || true
		read -r secs kib < <(tail -1 "$out/time")
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$secs; fi
		[ "$kib" -gt "$rss" ] && rss=$kib
	done
	echo "$name $best $rss"
}

# median_ms CMD...: median wall time of SINGLE_RUNS runs, in milliseconds.
median_ms() {
	local times=()
	for _ in $(seq "$SINGLE_RUNS"); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" > /dev/null 2>&1 || true
		t1=$(date +%s%N)
		times+=($(( (t1 - t0) / 1000000 )))
	done
	printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

read -r _ m_secs m_rss < <(measure meshproof "$bin/meshproof" check --no-fail -o json "$out/mesh")
read -r _ c_secs c_rss < <(measure conftest "$bin/conftest" test --no-fail --all-namespaces -p rules/pack -o json "$out/mesh")

single=$(find "$out/mesh" -name 'svc-000.yaml' -print -quit)
m_single=$(median_ms "$bin/meshproof" check --no-fail "$single")
c_single=$(median_ms "$bin/conftest" test --no-fail --all-namespaces -p rules/pack "$single")

rules=$("$bin/meshproof" check --no-fail -o json "$single" | awk -F: '/"rules"/ {gsub(/[ ,]/, "", $2); print $2}')

awk -v docs="$docs" -v files="$files" -v ms="$m_secs" -v cs="$c_secs" -v mr="$m_rss" -v cr="$c_rss" \
	-v m1="$m_single" -v c1="$c_single" -v rules="$rules" -v cv="$conftest_version" \
	-v cores="$(nproc)" -v date="$(date -u +%Y-%m-%d)" -v cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" 'BEGIN {
	printf "Machine: %s, %s cores, %s (UTC)\n\n", cpu, cores, date
	printf "%d documents in %d files, %s rules (the built-in pack; conftest %s runs the same Rego files)\n\n", docs, files, rules, cv
	printf "| | meshproof check | conftest test | ratio |\n|---|---|---|---|\n"
	printf "| wall time, whole mesh (best of runs) | %.2f s | %.2f s | conftest / meshproof = %.1fx |\n", ms, cs, cs/ms
	printf "| throughput | %.0f docs/s | %.0f docs/s | %.1fx |\n", docs/ms, docs/cs, cs/ms
	printf "| peak memory (max RSS) | %.0f MiB | %.0f MiB | %.2fx |\n", mr/1024, cr/1024, mr/cr
	printf "| one file, wall incl. process start (median) | %d ms | %d ms | %.1fx |\n", m1, c1, c1/m1
}'
