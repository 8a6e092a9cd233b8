#!/usr/bin/env bash
# Writes io/gatehouse/build.properties into the folder given: the project's version and the commit it was built
# from, which --version and the gatehouse_build_info metric report. The commit is GATEHOUSE_COMMIT when set (a
# container build, which has no .git), else git's HEAD, else "unknown" (a build outside a git checkout).
set -u
out=$1 version=$2 basedir=$3
commit=${GATEHOUSE_COMMIT:-}
if [[ -z $commit ]]; then
  commit=$(git -C "$basedir" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
fi
mkdir -p "$out/io/gatehouse"
printf 'version=%s\ncommit=%s\n' "$version" "${commit:-unknown}" >"$out/io/gatehouse/build.properties"
