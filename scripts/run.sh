#!/usr/bin/env bash
# Installs what is missing, builds, and runs the product on loopback: the LiveEvents server with
# its embedded store under ./data, and the gateway in front of it. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build

app_id="${LIVEEVENTS_APP_ID:-1400000001}"
grpc_address="${LIVEEVENTS_GRPC_ADDRESS:-127.0.0.1:50051}"
http_address="${LIVEEVENTS_HTTP_ADDRESS:-127.0.0.1:8080}"
mkdir -p data

build/bin/liveevents-server --grpc_address "$grpc_address" --data_dir data &
server=$!
build/bin/liveevents-gateway --http_address "$http_address" --service_address "$grpc_address" \
  --apps "$app_id" --spool_dir spool &
gateway=$!
trap 'kill -TERM $gateway $server 2>/dev/null; wait' INT TERM EXIT

cat <<MSG

live-events is running (Ctrl-C stops it).
  gateway  http://$http_address/callback   (accepts SdkAppid=$app_id)
  service  grpc $grpc_address                (store: data/; gateway spool: spool/)

Post a callback:
  build/bin/livectl post examples/create_room.json --app $app_id --gateway http://$http_address/callback
Watch events:
  build/bin/livectl tail --server $grpc_address
Query with grpcurl:
  grpcurl -plaintext $grpc_address list
  grpcurl -plaintext -d '{"room_id":"room-1"}' $grpc_address liveevents.v1.LiveEvents/GetRoom
MSG
wait
