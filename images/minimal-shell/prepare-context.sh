#!/bin/sh
# Fills the build context directory $1 for the minimal-shell image from the host's static binaries.
set -eu
dir=$1
for f in /bin/busybox /bin/bash-static; do
  [ -x "$f" ] || { echo "missing $f: apt-get install busybox-static bash-static" >&2; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
cp "$here/Dockerfile" "$dir/Dockerfile"
cp /bin/busybox "$dir/busybox"
cp /bin/bash-static "$dir/bash"
mkdir -p "$dir/etc"
printf 'root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000:sandbox:/home/sandbox:/bin/bash\n' >"$dir/etc/passwd"
printf 'root:x:0:\nsandbox:x:1000:\n' >"$dir/etc/group"
