#!/usr/bin/env bash
# java-base-images.sh OUT_DIR: stand-ins, made offline from this host, for the two base images of
# examples/java-service, as root file system tars in OUT_DIR:
#   maven.tar  (skiff/maven:debian)  a JDK 17 runtime jlinked from the host's, the host's Maven, busybox
#   jre.tar    (skiff/jre:debian)    a JRE 17 runtime jlinked with what the service needs, busybox
# Users make the real ones with mmdebstrap (examples/java-service/README.md). Each runtime comes with
# the host libraries ldd names for it, /etc/passwd with root and nobody, and java on the PATH.
set -euo pipefail
out=$1
jdk=/usr/lib/jvm/java-17-openjdk-amd64
[[ -x $jdk/bin/jlink ]] || { echo "needs $jdk (Debian openjdk-17-jdk-headless)" >&2; exit 1; }
[[ -d /usr/share/maven/boot ]] || { echo "needs /usr/share/maven (Debian maven)" >&2; exit 1; }
work=$(mktemp -d "$out/rootfs.XXXXXX")
trap 'rm -rf "$work"' EXIT

rootfs() {  # NAME MODULES: a rootfs with a jlinked runtime of MODULES in $work/NAME
  local root=$work/$1 modules=$2 f lib
  mkdir -p "$root"/{bin,usr/bin,usr/lib/jvm,etc,tmp,root}
  chmod 1777 "$root/tmp"
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
    --output "$root/usr/lib/jvm/java-17"
  ln -s /usr/lib/jvm/java-17/bin/java "$root/usr/bin/java"
  for f in "$root"/usr/lib/jvm/java-17/bin/java $(find "$root/usr/lib/jvm/java-17/lib" -name '*.so'); do
    for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | grep -v "^$root"); do
      [[ -e "$root$lib" ]] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    done
  done
  install -m 0755 "$(readlink -f /bin/busybox)" "$root/bin/busybox"
  for f in sh cat cp env ls mkdir printf rm sleep wget; do ln -s busybox "$root/bin/$f"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
}

rootfs maven java.base,java.compiler,java.logging,java.management,java.naming,java.sql,java.xml,java.desktop,jdk.compiler,jdk.unsupported,jdk.zipfs,jdk.crypto.ec,java.net.http,java.security.jgss,jdk.jartool,jdk.httpserver
mkdir -p "$work/maven/usr/share"
cp -rL /usr/share/maven "$work/maven/usr/share/maven"
classworlds=$(cd "$work/maven/usr/share/maven/boot" && ls plexus-classworlds*.jar | head -1)
cat > "$work/maven/usr/bin/mvn" <<MVN
#!/bin/sh
# Debian's mvn, without its script's tools: the same launcher, the same configuration
exec java -classpath /usr/share/maven/boot/$classworlds -Dclassworlds.conf=/usr/share/maven/bin/m2.conf \\
  -Dmaven.home=/usr/share/maven -Dmaven.multiModuleProjectDirectory="\$PWD" \\
  org.codehaus.plexus.classworlds.launcher.Launcher "\$@"
MVN
chmod 0755 "$work/maven/usr/bin/mvn"
tar -C "$work/maven" --owner=0 --group=0 --numeric-owner -cf "$out/maven.tar" .

rootfs jre java.base,jdk.httpserver
tar -C "$work/jre" --owner=0 --group=0 --numeric-owner -cf "$out/jre.tar" .
