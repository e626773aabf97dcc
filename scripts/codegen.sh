#!/usr/bin/env bash
# Generated client code, from proto/ with buf.gen.yaml.
#   scripts/codegen.sh generate [DIR]   regenerate in place (make proto)
#   scripts/codegen.sh check [DIR]      regenerate into a temporary directory and
#                                       fail, naming each stale file, when the
#                                       code in DIR differs (make proto-check)
# DIR defaults to the repository; it needs proto/, buf.yaml, buf.gen.yaml and
# the plugins buf.gen.yaml names (.venv, tools/, clients/typescript/node_modules).
set -euo pipefail
mode=${1:?usage: codegen.sh generate|check [DIR]}
BUF=${BUF:-$(cd "$(dirname "$0")/.." && pwd)/node_modules/.bin/buf}
cd "${2:-$(dirname "$0")/..}"

# Every directory a plugin in buf.gen.yaml writes to; each holds only generated code.
GENERATED=(
  clients/python/src/ilios/v1
  clients/typescript/src/gen
  clients/go/ilios
  clients/cpp/gen
  clients/csharp/gen
  clients/java/gen
  clients/php/gen
  clients/ruby/gen
)

case $mode in
generate)
  rm -rf "${GENERATED[@]}"
  "$BUF" generate
  ;;
check)
  fresh=$(mktemp -d)
  trap 'rm -rf "$fresh"' EXIT
  if ! "$BUF" generate -o "$fresh"; then
    echo "Generated code cannot be checked: buf generate failed (see above)." >&2
    exit 1
  fi
  unknown=$(cd "$fresh" && find . -type f | sed 's|^\./||' | while IFS= read -r f; do
    for dir in "${GENERATED[@]}"; do [[ $f == "$dir"/* ]] && continue 2; done
    echo "$f"
  done | sort)
  if [ -n "$unknown" ]; then
    echo "buf.gen.yaml writes outside the directories listed in scripts/codegen.sh:" >&2
    echo "$unknown" | sed 's/^/  /' >&2
    exit 1
  fi
  stale=()
  while IFS= read -r file; do
    if [ ! -e "$file" ]; then
      stale+=("$file (missing)")
    elif [ ! -e "$fresh/$file" ]; then
      stale+=("$file (no longer generated)")
    elif ! cmp -s "$file" "$fresh/$file"; then
      stale+=("$file (differs)")
    fi
  done < <(
    {
      (cd "$fresh" && find "${GENERATED[@]}" -type f 2>/dev/null || true)
      find "${GENERATED[@]}" -type f -not -path '*/__pycache__/*' 2>/dev/null || true
    } | sort -u
  )
  if [ ${#stale[@]} -gt 0 ]; then
    echo "Generated code is stale: ${#stale[@]} file(s) differ from what proto/ generates:" >&2
    printf '  %s\n' "${stale[@]}" >&2
    echo "Run 'make proto' and commit the result." >&2
    exit 1
  fi
  echo "Generated code is up to date (${#GENERATED[@]} directories)."
  ;;
*)
  echo "usage: codegen.sh generate|check [DIR]" >&2
  exit 2
  ;;
esac
