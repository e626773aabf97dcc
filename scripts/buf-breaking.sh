#!/usr/bin/env bash
# buf breaking: compares proto/ with a base revision, the last tag if there is
# one, else the merge base with origin/main (or main). Skips, saying why, when
# there is no git history to compare with (e.g. a shallow or archived copy).
set -euo pipefail
cd "$(dirname "$0")/.."
BUF=${BUF:-node_modules/.bin/buf}

skip() { echo "buf breaking: skipped: $*"; exit 0; }

git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git repository"
base="" what=""
if tag=$(git describe --tags --abbrev=0 2>/dev/null); then
  base=$tag what="last tag $tag"
else
  for ref in origin/main main; do
    if git rev-parse -q --verify "$ref^{commit}" >/dev/null && mb=$(git merge-base HEAD "$ref" 2>/dev/null); then
      base=$mb what="merge base with $ref ($(git rev-parse --short "$mb"))"
      break
    fi
  done
fi
[ -n "$base" ] || skip "no tag and no merge base with main (shallow clone?)"
git cat-file -e "$base:proto" 2>/dev/null || skip "$what has no proto/ directory"

against=$(mktemp -d)
trap 'rm -rf "$against"' EXIT
git archive "$base" proto buf.yaml | tar -x -C "$against"
echo "buf breaking: against $what"
"$BUF" breaking --against "$against"
echo "buf breaking: no breaking changes"
