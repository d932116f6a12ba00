# bench/lib.sh — shared by the bench/ scripts: cleanup by PID, timing, CPU and RSS of a process,
# free ports, a distribution registry to test against, OCI image layouts made of real layers, and
# dockerd and skiff daemon side by side on their own bridges (bench/containers, bench/build).
# Source it after setting BENCH_NAME; it sets `tmp` (one temp dir for everything) on bench_init.

say() { printf '%s\n' "$*" >&2; }
die() { say "$BENCH_NAME: $*"; exit 1; }

pids=()
tmp=""
cleanup_hooks=()
pre_cleanup_hooks=()  # run while the servers still run (e.g. to remove the containers a daemon leaves running)
cleanup() {
  local rc=$? pid hook
  for hook in "${pre_cleanup_hooks[@]}"; do "$hook" || true; done
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  for hook in "${cleanup_hooks[@]}"; do "$hook" || true; done  # after the processes are gone
  [[ -n "$tmp" && -d "$tmp" ]] && rm -rf "$tmp"
  exit "$rc"
}

# bench_init NEED_MIB: checks /tmp has room, makes the temp dir, installs the cleanup traps.
bench_init() {
  local need_mib=$1 avail_mib
  avail_mib=$(df -Pm /tmp | awk 'NR == 2 { print $4 }')
  (( avail_mib >= need_mib )) || die "needs ${need_mib} MiB free in /tmp, has ${avail_mib} MiB"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  tmp="$(mktemp -d "/tmp/skiff-${BENCH_NAME//\//-}.XXXXXX")"
  load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
}

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
ratio() { calc "$1 / $2" 2; }
verdict() {  # VALUE OP LIMIT
  awk "BEGIN { exit !($1 $2 $3) }" && echo ok || echo MISS
}

free_port() {  # a port nobody listens on (the server's own check catches a lost race)
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    [[ -z "$(ss -Htln "sport = :$p")" ]] && { echo "$p"; return 0; }
  done
  die "found no free port"
}

cpu_ticks() {  # utime + stime of a process, in clock ticks
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
cpu_seconds_since() {  # PID TICKS_BEFORE
  calc "($(cpu_ticks "$1") - $2) / $(getconf CLK_TCK)" 1
}
rss_mib() {  # PID: resident set now
  awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}
peak_rss_mib() {  # PID: VmHWM
  awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

wait_registry_ready() {  # NAME PID PORT LOG: until GET /v2/ answers from *this* process
  local name=$1 pid=$2 port=$3 log=$4 deadline=$(( SECONDS + 120 ))
  while (( SECONDS < deadline )); do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$log" >&2; die "$name exited before it was ready"; }
    if ss -Htlnp "sport = :$port" | grep -q "pid=$pid,"; then
      local code
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true)
      [[ "$code" == 200 || "$code" == 401 ]] && return 0
    fi
    sleep 0.2
  done
  tail -n 30 "$log" >&2
  die "$name did not answer GET /v2/ on port $port within 120 s"
}

stop_pid() {  # PID: SIGTERM, then SIGKILL after 10 s
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { say "  (PID $pid did not stop within 10 s of SIGTERM; killing)"; kill -KILL "$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
size_of() { stat -c %s "$1"; }

# start_distribution NAME: Debian's docker-registry (distribution 2.8) on a fresh root and a free
# port, access log off; sets DIST_PID[NAME] and DIST_PORT[NAME].
declare -A DIST_PID DIST_PORT
start_distribution() {
  local name=$1 root="$tmp/root-$1" port pid
  mkdir -p "$root"
  port=$(free_port)
  cat > "$tmp/$name.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $root
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
  docker-registry serve "$tmp/$name.yml" >"$tmp/$name.log" 2>&1 &
  pid=$!; pids+=("$pid")
  wait_registry_ready "$name" "$pid" "$port" "$tmp/$name.log"
  say "$name: distribution $(docker-registry --version | awk '{ print $3 }') on 127.0.0.1:$port, PID $pid"
  DIST_PID[$name]=$pid DIST_PORT[$name]=$port
}

# make_layer DIR INDEX BYTES KIND -> DIR/layer-INDEX.{gz,diffid}: a tar holding one file of BYTES
# bytes, KIND random (does not compress) or text (base64 of random bytes: compresses to about 3/4,
# and costs gzip real work, like binaries and text in real images), gzip -1.
make_layer() {
  local out=$1 i=$2 bytes=$3 kind=$4
  local dir="$out/layer-$i.d"
  mkdir -p "$dir"
  if [[ "$kind" == text ]]; then
    head -c "$(( bytes * 3 / 4 ))" /dev/urandom | base64 -w 76 > "$dir/file-$i.txt"  # bytes + 1/76 of newlines
  else
    head -c "$bytes" /dev/urandom > "$dir/file-$i.bin"
  fi
  tar -C "$dir" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$out/layer-$i.tar" .
  rm -rf "$dir"
  echo "sha256:$(sha256_of "$out/layer-$i.tar")" > "$out/layer-$i.diffid"
  gzip -1 -n -c "$out/layer-$i.tar" > "$out/layer-$i.gz"
  rm -f "$out/layer-$i.tar"
}

# make_system_layer DIR INDEX BYTES -> DIR/layer-INDEX.{gz,diffid}: a tar of real files from this
# machine's /usr (binaries, libraries, text: what OS images hold), the INDEX-th slice of about BYTES
# in a fixed order, so every run and both engines get the same layers.
make_system_layer() {
  local out=$1 i=$2 bytes=$3
  find /usr/lib /usr/share /usr/bin -xdev -type f -size +0 -readable -printf '%s %p\n' 2>/dev/null | sort -k2 \
    | awk -v want="$bytes" -v slice="$i" '{ if (sum >= want) { n++; sum = 0 } if (n == slice) print substr($0, index($0, " ") + 1); sum += $1 }' \
    > "$out/layer-$i.files"
  [[ -s "$out/layer-$i.files" ]] || die "this machine's /usr has too little data for layer $i of $bytes bytes"
  tar --owner=0 --group=0 --numeric-owner --mtime=@0 --ignore-failed-read -cf "$out/layer-$i.tar" -T "$out/layer-$i.files" 2>/dev/null
  rm -f "$out/layer-$i.files"
  echo "sha256:$(sha256_of "$out/layer-$i.tar")" > "$out/layer-$i.diffid"
  gzip -1 -n -c "$out/layer-$i.tar" > "$out/layer-$i.gz"
  rm -f "$out/layer-$i.tar"
}

# make_image LAYOUT_DIR TOTAL_BYTES LAYERS KIND: an OCI layout (tag latest) of LAYERS layers made by
# make_layer (KIND random or text) or make_system_layer (KIND system); prints the manifest's hex digest.
make_image() {
  local out=$1 layers=$3 kind=$4 bytes i job hex size diff_ids="" layer_descs="" history="" config_hex manifest_hex
  bytes=$(( $2 / layers ))
  mkdir -p "$out/blobs/sha256"
  for (( i = 0; i < layers; i += 2 )); do  # two at a time: this machine has 2 cores
    local maker=make_layer
    [[ "$kind" == system ]] && maker=make_system_layer
    "$maker" "$out" "$i" "$bytes" "$kind" & job=$!
    if (( i + 1 < layers )); then "$maker" "$out" "$(( i + 1 ))" "$bytes" "$kind"; fi
    wait "$job"
  done
  for (( i = 0; i < layers; i++ )); do
    hex=$(sha256_of "$out/layer-$i.gz")
    size=$(size_of "$out/layer-$i.gz")
    mv "$out/layer-$i.gz" "$out/blobs/sha256/$hex"
    diff_ids+="${diff_ids:+,}\"$(cat "$out/layer-$i.diffid")\""
    history+="${history:+,}{\"created\":\"2026-01-01T00:00:00Z\",\"created_by\":\"bench layer $i\"}"
    rm -f "$out/layer-$i.diffid"
    layer_descs+="${layer_descs:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$hex\",\"size\":$size}"
  done
  printf '{"architecture":"amd64","os":"linux","created":"2026-01-01T00:00:00Z","config":{},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
    "$diff_ids" "$history" > "$out/config.json"
  config_hex=$(sha256_of "$out/config.json")
  cp "$out/config.json" "$out/blobs/sha256/$config_hex"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$config_hex" "$(size_of "$out/config.json")" "$layer_descs" > "$out/manifest.json"
  manifest_hex=$(sha256_of "$out/manifest.json")
  cp "$out/manifest.json" "$out/blobs/sha256/$manifest_hex"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$manifest_hex" "$(size_of "$out/manifest.json")" > "$out/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
  rm -f "$out/config.json" "$out/manifest.json"
  echo "$manifest_hex"
}

# --- dockerd and skiff daemon side by side (bench/containers, bench/build) ---------------------
# engines_init DOCKER_NET SKIFF_NET (e.g. 10.98.0 10.99.0): after bench_init. Each engine gets its
# own bridge on NET.1/24 (never Docker's 172.17), sockets and roots under $tmp; the iptables tables
# are saved now and restored on exit (dockerd leaves its DOCKER chains behind when it stops), every
# container of both engines is removed before the daemons stop (skiff daemon leaves its containers
# running by design, and a run that failed half-way leaves some behind), then the mounts under $tmp
# and both bridges go. Call start_docker and start_skiff after it.
docker_sock="" skiff_sock="" docker_pid="" skiff_pid="" docker_bridge="" skiff_bridge="" docker_net="" skiff_net=""
engines_init() {
  docker_net=$1 skiff_net=$2
  iptables-save > "$tmp/iptables.before"
  docker_sock="$tmp/docker.sock"
  skiff_sock="$tmp/skiff.sock"
  docker_bridge="skbd$$"
  skiff_bridge="skbs$$"
  mkdir -p "$tmp/docker-config"
  cleanup_hooks+=(remove_leftovers restore_iptables)
  pre_cleanup_hooks+=(remove_all_containers)
}
restore_iptables() { iptables-restore < "$tmp/iptables.before"; }

docker_cli() { DOCKER_CONFIG="$tmp/docker-config" docker -H "unix://$docker_sock" "$@"; }
docker_on_skiff() { DOCKER_CONFIG="$tmp/docker-config" docker -H "unix://$skiff_sock" "$@"; }
skiff_cli() { SKIFF_CONFIG="$tmp/skiff-config" "$skiff" -H "unix://$skiff_sock" "$@"; }

# containers first (their mounts and veths), then the daemons' own mounts and the bridges
remove_leftovers() {
  local m
  for m in $(awk -v root="$tmp/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  ip link del "$docker_bridge" 2>/dev/null || true
  ip link del "$skiff_bridge" 2>/dev/null || true
}

remove_all_containers() {
  local cli ids
  for cli in docker_cli docker_on_skiff; do
    ids=$("$cli" ps -aq 2>/dev/null) || continue
    [[ -z "$ids" ]] || "$cli" rm -f $ids >/dev/null 2>&1 || true
  done
}

start_docker() {
  ip link add "$docker_bridge" type bridge
  ip addr add "$docker_net.1/24" dev "$docker_bridge"
  ip link set "$docker_bridge" up
  dockerd --data-root "$tmp/docker-data" --exec-root "$tmp/docker-exec" -H "unix://$docker_sock" \
    --pidfile "$tmp/docker.pid" --bridge "$docker_bridge" \
    --containerd-namespace bench --containerd-plugins-namespace bench-plugins >"$tmp/dockerd.log" 2>&1 &
  docker_pid=$!; pids+=("$docker_pid")
  local deadline=$(( SECONDS + 60 ))
  until docker_cli version >/dev/null 2>&1; do
    kill -0 "$docker_pid" 2>/dev/null || { tail -n 30 "$tmp/dockerd.log" >&2; die "dockerd exited before it was ready"; }
    (( SECONDS < deadline )) || { tail -n 30 "$tmp/dockerd.log" >&2; die "dockerd did not answer within 60 s"; }
    sleep 0.2
  done
  say "docker: dockerd $(docker_cli version -f '{{.Server.Version}}') on $docker_sock, PID $docker_pid, bridge $docker_bridge $docker_net.1/24"
}

start_skiff() {
  "$skiff" daemon --data-root "$tmp/skiff-data" --exec-root "$tmp/skiff-exec" -H "unix://$skiff_sock" \
    --bridge "$skiff_bridge" --bip "$skiff_net.1/24" >"$tmp/skiff.log" 2>&1 &
  skiff_pid=$!; pids+=("$skiff_pid")
  local deadline=$(( SECONDS + 60 ))
  until skiff_cli version >/dev/null 2>&1; do
    kill -0 "$skiff_pid" 2>/dev/null || { tail -n 30 "$tmp/skiff.log" >&2; die "skiff daemon exited before it was ready"; }
    (( SECONDS < deadline )) || { tail -n 30 "$tmp/skiff.log" >&2; die "skiff daemon did not answer within 60 s"; }
    sleep 0.2
  done
  say "skiff: skiff daemon on $skiff_sock, PID $skiff_pid, bridge $skiff_bridge $skiff_net.1/24"
}

# busybox_tar TAR APPLET...: a rootfs of this machine's busybox (busybox-static) with a symlink per
# applet in /bin, as a tar both engines import from (`import TAR NAME`).
busybox_tar() {
  local out=$1 rootfs="$tmp/rootfs" applet; shift
  mkdir -p "$rootfs/bin"
  cp "$(readlink -f "$(command -v busybox)")" "$rootfs/bin/busybox"
  for applet in "$@"; do ln -s busybox "$rootfs/bin/$applet"; done
  tar -C "$rootfs" --owner=0 --group=0 --numeric-owner -cf "$out" .
}

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# median_of COMMAND...: runs it RUNS times, prints the median wall seconds; any failure stops the bench
median_of() {
  local i t
  for (( i = 0; i < RUNS; i++ )); do
    t=$(now)
    "$@" >"$tmp/out.log" 2>&1 || { cat "$tmp/out.log" >&2; die "'$*' failed"; }
    calc "$(now) - $t" 4; echo
  done | median
}
