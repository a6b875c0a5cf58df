#!/usr/bin/env bash
# The bench compares our S3 export with `rclone copy` (Debian's package). Installs it only when it
# is missing; prints where it is. `npm run bench` and the bench smoke test call this.
set -euo pipefail
if command -v rclone >/dev/null 2>&1; then
  command -v rclone
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "rclone is missing and this is not root: install it with 'apt-get install -y rclone'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends rclone >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends rclone >/dev/null
fi
command -v rclone
