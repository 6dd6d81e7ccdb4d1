#!/usr/bin/env bash
# Cron-friendly backup: an online, verified copy of the database with retention applied.
# Safe while `tradewizard serve` runs. Exits non-zero and says why on failure, so cron mails it.
#
#   15 3 * * * tradewizard /usr/local/bin/backup.sh        (in /etc/cron.d/tradewizard)
#
# Environment: TRADEWIZARD_BIN (default: tradewizard on PATH, else /usr/local/bin/tradewizard),
# TRADEWIZARD_DATA_DIR (default /var/lib/tradewizard), TRADEWIZARD_ENV_FILE (default
# /etc/tradewizard/tradewizard.env when readable, for the retention settings).
set -euo pipefail

bin="${TRADEWIZARD_BIN:-$(command -v tradewizard || echo /usr/local/bin/tradewizard)}"
data_dir="${TRADEWIZARD_DATA_DIR:-/var/lib/tradewizard}"
env_file="${TRADEWIZARD_ENV_FILE:-/etc/tradewizard/tradewizard.env}"
[ -r "$env_file" ] || env_file=/dev/null

if [ ! -x "$bin" ]; then
    echo "backup.sh: tradewizard binary not found at $bin (set TRADEWIZARD_BIN)" >&2
    exit 1
fi
if [ ! -d "$data_dir" ]; then
    echo "backup.sh: data directory $data_dir does not exist (set TRADEWIZARD_DATA_DIR)" >&2
    exit 1
fi

if ! output="$("$bin" backup --data-dir "$data_dir" --env-file "$env_file" 2>&1)"; then
    echo "backup.sh: tradewizard backup failed for $data_dir:" >&2
    echo "$output" >&2
    exit 1
fi
echo "$output"
