#!/bin/sh
# Build step (provisioner/CMakeLists.txt): the man pages and the bash completion, written by the provisioner
# from its own CLI definition. Man pages gzipped as Debian wants them (-9, no name or timestamp: reproducible).
#   write_reference.sh PROVISIONER MAN_DIR COMPLETION_FILE
set -eu
provisioner=$1 man_dir=$2 completion=$3
# The pages are English (the CLI's help is not in the message catalogue): the builder's LANG plays no part.
export LC_ALL=C
unset LANGUAGE
rm -rf "$man_dir"
"$provisioner" --write-man-pages "$man_dir" >/dev/null
gzip -9nf "$man_dir"/*.1
mkdir -p "$(dirname "$completion")"
"$provisioner" --bash-completion >"$completion.tmp"
mv "$completion.tmp" "$completion"
