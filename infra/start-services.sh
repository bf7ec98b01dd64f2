#!/usr/bin/env bash
# Start PostgreSQL, Redis and RabbitMQ with their own start commands when they are
# installed here but not answering (Debian packages, as on the CI machines).
set -uo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do answers "$port" && { echo "$name is up on $port"; return 0; }; sleep 1; done
  echo "$name did not come up on port $port" >&2; return 1
}

if ! answers 5432 && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_for 5432 PostgreSQL
fi
if ! answers 6379 && command -v redis-server >/dev/null; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 6379 Redis
fi
if ! answers 5672 && command -v rabbitmq-server >/dev/null; then
  rabbitmq-server -detached
  wait_for 5672 RabbitMQ
fi
exit 0
