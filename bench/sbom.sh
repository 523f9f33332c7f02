#!/usr/bin/env bash
# Compares `meshproof sbom` with the syft CLI (the same syft version, built
# from the module cache) on the same image, side by side in one run, and
# measures a cached re-scan; prints a Markdown table for docs/benchmarks.md.
#
#   bench/sbom.sh            # RUNS=3: best wall time and peak memory of each
#   RUNS=1 bench/sbom.sh
#
# The image is an OCI layout built by bench/cmd/mkimage from this machine's
# own files (dpkg database and copyright files, Python dist-packages, the npm
# CLI's node_modules, Go binaries, and the meshproof binary itself), so it
# holds hundreds of real packages. Needs Go and GNU time (/usr/bin/time).
# Nothing is downloaded: syft's update check is off and both read the layout.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
out=bench/results/sbom
bin=bench/results/bin
mkdir -p "$out" "$bin"
[ -x /usr/bin/time ] || { echo "bench/sbom.sh needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }

syft_version=$(awk '$1 == "github.com/anchore/syft" {print $2; exit}' go.mod)
echo "building meshproof and syft $syft_version ..." >&2
go build -o "$bin/meshproof" ./cmd/meshproof
(cd bench/syft && go build -mod=mod -o "../../$bin/syft" github.com/anchore/syft/cmd/syft)
"$bin/syft" version 2>/dev/null | awk '/^Version:/ {print "syft CLI " $2}' >&2

digest=$(go run ./bench/cmd/mkimage -out "$out/oci" -extra "$PWD/$bin/meshproof")
size=$(du -sm "$out/oci" | cut -f1)
echo "image $digest: $size MiB in the layout" >&2

export SYFT_CHECK_FOR_APP_UPDATE=false

# measure NAME CMD...: runs CMD RUNS times, prints "best_seconds max_rss_kib".
measure() {
	local best="" rss=0
	for _ in $(seq "$RUNS"); do
		[ -n "${BEFORE:-}" ] && eval "$BEFORE"
		/usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/stdout" 2> "$out/stderr" || { cat "$out/stderr" >&2; exit 1; }
		read -r secs kib < <(tail -1 "$out/time")
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$secs; fi
		[ "$kib" -gt "$rss" ] && rss=$kib
	done
	echo "$best $rss"
}

# syft and meshproof alternate, so that load from elsewhere on the machine
# falls on both alike; each keeps its best time and its highest peak memory.
s_secs="" s_rss=0 m_secs="" m_rss=0
for _ in $(seq "$RUNS"); do
	read -r t r < <(RUNS=1 measure "$bin/syft" scan "oci-dir:$out/oci" -o cyclonedx-json -q)
	s_pkgs=$(grep -o '"purl"' "$out/stdout" | wc -l)
	if [ -z "$s_secs" ] || awk -v a="$t" -v b="$s_secs" 'BEGIN{exit !(a<b)}'; then s_secs=$t; fi
	[ "$r" -gt "$s_rss" ] && s_rss=$r
	read -r t r < <(RUNS=1 measure "$bin/meshproof" sbom --no-cache -o cyclonedx-json "oci-layout:$out/oci")
	m_pkgs=$(grep -o '"purl"' "$out/stdout" | wc -l)
	if [ -z "$m_secs" ] || awk -v a="$t" -v b="$m_secs" 'BEGIN{exit !(a<b)}'; then m_secs=$t; fi
	[ "$r" -gt "$m_rss" ] && m_rss=$r
	echo "syft $s_secs s, meshproof $m_secs s so far" >&2
done

# Cached re-scan: the first run fills an empty cache, the others read it.
rm -rf "$out/cache"
read -r f_secs f_rss < <(RUNS=1 measure "$bin/meshproof" sbom --cache-dir "$out/cache" -o cyclonedx-json "oci-layout:$out/oci")
read -r c_secs c_rss < <(measure "$bin/meshproof" sbom --cache-dir "$out/cache" -o cyclonedx-json "oci-layout:$out/oci")
c_pkgs=$(grep -o '"purl"' "$out/stdout" | wc -l)

# The same for meshproof scan with the image named directly.
rm -rf "$out/scancache"
read -r sf_secs sf_rss < <(RUNS=1 measure "$bin/meshproof" scan --no-fail --cache-dir "$out/scancache" --vuln-db scanner/vuln/testdata/feed --image "oci-layout:$out/oci")
read -r sc_secs sc_rss < <(measure "$bin/meshproof" scan --no-fail --cache-dir "$out/scancache" --vuln-db scanner/vuln/testdata/feed --image "oci-layout:$out/oci")

awk -v cpu="$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)" -v cores="$(nproc)" -v date="$(date -u +%Y-%m-%d)" \
	-v sv="$syft_version" -v size="$size" -v runs="$RUNS" \
	-v ss="$s_secs" -v sr="$s_rss" -v sp="$s_pkgs" -v ms="$m_secs" -v mr="$m_rss" -v mp="$m_pkgs" \
	-v fs="$f_secs" -v cs="$c_secs" -v cr="$c_rss" -v cp="$c_pkgs" -v sfs="$sf_secs" -v scs="$sc_secs" -v scr="$sc_rss" 'BEGIN {
	printf "Machine: %s, %s cores, %s (UTC); image: %s MiB OCI layout from bench/cmd/mkimage; best of %s runs\n\n", cpu, cores, date, size, runs
	printf "| | wall time | peak memory (max RSS) | components (PURLs) | ratio |\n|---|---|---|---|---|\n"
	printf "| syft %s CLI, `syft scan oci-dir:... -o cyclonedx-json` | %.2f s | %.0f MiB | %d | 1.00x |\n", sv, ss, sr/1024, sp
	printf "| `meshproof sbom --no-cache -o cyclonedx-json oci-layout:...` | %.2f s | %.0f MiB | %d | %.2fx syft (target: at most 1.1x) |\n", ms, mr/1024, mp, ms/ss
	printf "| `meshproof sbom`, first run (fills the cache) | %.2f s | | | |\n", fs
	printf "| `meshproof sbom`, cached re-scan of the unchanged image | %.2f s | %.0f MiB | %d | %.1f%% of the first run (target: at most 5%%) |\n", cs, cr/1024, cp, 100*cs/fs
	printf "| `meshproof scan --image ... --vuln-db`, first run | %.2f s | | | |\n", sfs
	printf "| `meshproof scan`, cached re-scan | %.2f s | %.0f MiB | | %.1f%% of the first run |\n", scs, scr/1024, 100*scs/sfs
}'
