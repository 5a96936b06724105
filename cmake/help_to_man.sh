#!/bin/sh
# Build step (cmake/Packaging.cmake): the man page of a program that is not the provisioner (simcard-stub,
# virtual-rig), written from the program's own --help at build time so that it never drifts from it.
# The help text goes in verbatim (it is laid out for an 80-100 column terminal); gzipped as Debian wants
# (-9, no name or timestamp: reproducible).
#   help_to_man.sh OUT.1.gz NAME "SUMMARY" "SEE ALSO" COMMAND [ARG...]
set -eu
out=$1 name=$2 summary=$3 see_also=$4
shift 4
export LC_ALL=C
help=$("$@" --help)
# roff: a backslash is written \e; a line starting with . or ' would be a request, \& before it keeps it text.
body=$(printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/")
upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
mkdir -p "$(dirname "$out")"
{
    printf '.TH %s 1 "" "OPT-NC SIM toolkit" "User Commands"\n' "$upper"
    printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
    printf '.SH SYNOPSIS\n.B %s\n.RI [ options ]\n' "$name"
    printf '.SH DESCRIPTION\n.B %s\n\\- %s.\n' "$name" "$summary"
    printf '.SH OPTIONS\nAs printed by\n.BR "%s --help" :\n.PP\n.nf\n%s\n.fi\n' "$name" "$body"
    printf '.SH SEE ALSO\n%s\n' "$see_also"
} | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
