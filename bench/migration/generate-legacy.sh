#!/usr/bin/env bash
# Writes COUNT legacy server record files into DIRECTORY/servers/, in the shapes older
# installations left: every third record lacks "zone", every fifth carries an "owner"
# field the current shape does not know, every seventh has a non-ASCII name.
#
# Usage: bench/migration/generate-legacy.sh DIRECTORY COUNT
set -euo pipefail
directory=$1
count=$2
mkdir -p "$directory/servers"
awk -v dir="$directory/servers" -v count="$count" 'BEGIN {
  for (i = 0; i < count; i++) {
    id = sprintf("srv-%07d", i)
    name = (i % 7 == 0) ? sprintf("ünïcode-名前-%d", i) : sprintf("web-%d", i)
    text = sprintf("{\"id\":\"%s\",\"name\":\"%s\",\"provider\":\"local\",\"plan\":\"1xCPU-2GB\"", id, name)
    if (i % 3 != 0) text = text ",\"zone\":\"local-1\""
    if (i % 5 == 0) text = text sprintf(",\"owner\":\"team-%d\"", i % 4)
    text = text ",\"status\":\"running\",\"ip_address\":\"127.0.0.2\",\"created_at\":\"2024-01-02T03:04:05.000Z\",\"tags\":[\"bench\"]}"
    file = dir "/" id ".json"
    print text > file
    close(file)
  }
}'
