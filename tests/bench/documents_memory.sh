#!/bin/sh
# documents.fcgi's memory while a 100 MB document is uploaded (one tus PATCH,
# streamed through nginx with request buffering off) and downloaded
# (decrypted segment by segment): resident set sampled every 0.1 s from
# /proc/<pid>/status of each documents.fcgi process, and VmHWM (peak) after.
# Prints a Markdown section. Usage: documents_memory.sh URL PIDFILE [MB]
# (URL of a running stack, its run/documents.pid). Needs curl, sha256sum.
set -eu
URL=$1
PIDFILE=$2
MB=${3:-100}
work=$(mktemp -d)
trap 'kill "$sampler" 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
sampler=""

pids=$(cat "$PIDFILE")
field() {	# field NAME: the largest value (KiB) over the processes
	m=0
	for p in $pids; do
		v=$(awk -v f="$1:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$m" ] && m=$v
	done
	echo "$m"
}
sample() {	# runs until killed; keeps the largest VmRSS seen in $1
	max=0
	while :; do
		r=$(field VmRSS)
		[ "$r" -gt "$max" ] && { max=$r; echo "$max" > "$1"; }
		sleep 0.1
	done
}
start_sampler() { echo 0 > "$work/$1"; sample "$work/$1" & sampler=$!; }
stop_sampler() { kill "$sampler"; wait "$sampler" 2>/dev/null || true; sampler=""; cat "$work/$1"; }

# A patient to upload as.
email="bench-docs-$(date +%s)-$$@example.org"
body=$(curl -fsS -c "$work/jar" -H 'Content-Type: application/json' "$URL/api/v1/auth/register" \
    -d "{\"email\":\"$email\",\"password\":\"bench-correct-horse-42\",\"given_name\":\"Bench\",\"family_name\":\"Documents\",\"date_of_birth\":\"1980-01-01\"}")
csrf=$(printf '%s' "$body" | sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')

# A PDF-typed file of MB MiB.
{ printf '%%PDF-1.7\n'; head -c $((MB * 1048576 - 9)) /dev/urandom; } > "$work/big.pdf"
size=$(wc -c < "$work/big.pdf")
want=$(sha256sum "$work/big.pdf" | cut -d' ' -f1)

rss0=$(field VmRSS)
hwm0=$(field VmHWM)
meta="filename $(printf 'bench.pdf' | base64),category $(printf other | base64)"
loc=$(curl -fsS -D - -o /dev/null -b "$work/jar" -X POST -H "X-CSRF-Token: $csrf" \
    -H 'Tus-Resumable: 1.0.0' -H "Upload-Length: $size" -H "Upload-Metadata: $meta" \
    "$URL/api/v1/documents/uploads" | awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
start_sampler up
t0=$(date +%s.%N)
code=$(curl -sS -o /dev/null -w '%{http_code}' -b "$work/jar" -X PATCH -H "X-CSRF-Token: $csrf" \
    -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
    -H 'Expect:' -T "$work/big.pdf" "$URL$loc")
t1=$(date +%s.%N)
up_peak=$(stop_sampler up)
[ "$code" = 204 ] || { echo "upload failed: $code" >&2; exit 1; }
rss1=$(field VmRSS)
hwm1=$(field VmHWM)

id=$(curl -fsS -b "$work/jar" "$URL/api/v1/documents" | sed 's/.*"documents":\[{"id":\([0-9]*\).*/\1/')
start_sampler down
t2=$(date +%s.%N)
curl -fsS -b "$work/jar" -o "$work/got.pdf" "$URL/api/v1/documents/$id/content"
t3=$(date +%s.%N)
down_peak=$(stop_sampler down)
rss2=$(field VmRSS)
hwm2=$(field VmHWM)
got=$(sha256sum "$work/got.pdf" | cut -d' ' -f1)
[ "$got" = "$want" ] || { echo "downloaded bytes differ" >&2; exit 1; }
rate() { awk -v b="$size" -v a="$1" -v z="$2" 'BEGIN { printf "%.0f", b / 1048576 / (z - a) }'; }

cat <<T
| documents.fcgi (largest of its processes) | VmRSS KiB | VmHWM KiB |
|---|---|---|
| before | $rss0 | $hwm0 |
| during the $MB MiB upload (highest sample) | $up_peak | |
| after the upload | $rss1 | $hwm1 |
| during the $MB MiB download (highest sample) | $down_peak | |
| after the download | $rss2 | $hwm2 |

- upload: one tus PATCH of $size bytes with curl through nginx (\`fastcgi_request_buffering off\`), $(rate "$t0" "$t1") MiB/s; download $(rate "$t2" "$t3") MiB/s; SHA-256 of the download identical.
- method: tests/bench/documents_memory.sh samples VmRSS in /proc/<pid>/status of every documents.fcgi process every 0.1 s and reads VmHWM (the kernel's peak) after each transfer.
T
