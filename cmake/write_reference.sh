#!/bin/sh
# Build step (provisioner/CMakeLists.txt): the man pages and the bash completion, written by the provisioner
# from its own CLI definition. Man pages gzipped as Debian wants them (-9, no name or timestamp: reproducible).
#   write_reference.sh PROVISIONER MAN_DIR COMPLETION_FILE
set -eu
provisioner=$1 man_dir=$2 completion=$3
rm -rf "$man_dir"
"$provisioner" --write-man-pages "$man_dir" >/dev/null
gzip -9nf "$man_dir"/*.1
mkdir -p "$(dirname "$completion")"
"$provisioner" --bash-completion >"$completion.tmp"
mv "$completion.tmp" "$completion"
