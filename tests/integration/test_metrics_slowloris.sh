#!/bin/sh
# The metrics endpoint under issue 12's slowloris: 64 connections from an
# unprivileged user, each sending one header line every 2 s. Slow connections
# are cut at their deadline; another client still scrapes; /healthz on its
# own listener answers; the bearer token and the unix socket keep out who
# should be kept out.
. tests/integration/lib.sh

PORT=21213
HEALTH=21214
SOCK=$WORK/metrics.sock
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 755 "$WORK"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"
chmod 600 "$WORK/token"
cat >"$WORK/cfg.yaml" <<EOF
metrics:
  listen: 127.0.0.1:$PORT
  health_listen: 127.0.0.1:$HEALTH
  token_file: $WORK/token
EOF
start_agent --no-docker --config "$WORK/cfg.yaml" || exit 1
TOKEN=$(cat "$WORK/token")
scrape() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@"; }

check "/metrics without the token: 401" [ "$(scrape "http://127.0.0.1:$PORT/metrics")" = 401 ]
check "/metrics with the token: 200" \
	[ "$(scrape -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/metrics")" = 200 ]
check "/metrics with a wrong token: 401" \
	[ "$(scrape -H "Authorization: Bearer ${TOKEN}x" "http://127.0.0.1:$PORT/metrics")" = 401 ]
check "/healthz needs no token" [ "$(scrape "http://127.0.0.1:$PORT/healthz")" = 200 ]
check "the health listener serves /healthz" [ "$(scrape "http://127.0.0.1:$HEALTH/healthz")" = 200 ]
check "the health listener serves nothing else" \
	[ "$(scrape -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HEALTH/metrics")" = 404 ]

# The attack: nobody, from 127.0.0.1, 64 trickling connections for 14 s.
# (the script on stdin: nobody cannot read a clone under a 0700 directory, e.g. mktemp -d)
as_nobody /usr/bin/python3 - 127.0.0.1 "$PORT" 64 14 <tests/tools/slowloris.py >"$WORK/loris.json" &
LORIS=$!
sleep 3
ok_scrapes=0
ok_health=0
for i in 1 2 3 4 5; do
	# Another client (another address: the per-client bound keeps room for it).
	[ "$(scrape --interface 127.0.0.2 -H "Authorization: Bearer $TOKEN" \
		"http://127.0.0.1:$PORT/metrics")" = 200 ] && ok_scrapes=$((ok_scrapes + 1))
	[ "$(scrape "http://127.0.0.1:$HEALTH/healthz")" = 200 ] && ok_health=$((ok_health + 1))
	sleep 1
done
wait "$LORIS"
check "another client scraped /metrics during the attack ($ok_scrapes/5)" [ "$ok_scrapes" -eq 5 ]
check "/healthz on its listener answered during the attack ($ok_health/5)" [ "$ok_health" -eq 5 ]
cat "$WORK/loris.json"
closed=$(jq .closed_by_server "$WORK/loris.json")
longest=$(jq .longest_closed "$WORK/loris.json")
check "the attack ran: 64 connections held at once" [ "$(jq .opened "$WORK/loris.json")" -ge 64 ]
check "slow connections were cut by the server ($closed)" [ "$closed" -gt 0 ]
check "none lived much past the 5 s deadline (longest ${longest}s)" \
	awk -v l="$longest" 'BEGIN { exit !(l != "" && l > 0 && l <= 8) }'
m=$(curl -s --max-time 5 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/metrics")
check "the cuts are counted" sh -c "printf '%s\n' '$(printf '%s' "$m" | grep '^palisade_http_refused_total{reason="deadline"}')' | awk '{ exit !(\$2 >= 1) }'"
check "the token refusals are counted" sh -c "printf '%s\n' '$(printf '%s' "$m" | grep '^palisade_http_refused_total{reason="token"}')' | awk '{ exit !(\$2 >= 2) }'"
stop_agent

# A unix socket: root only; the same attack from nobody cannot even connect.
start_agent --no-docker --metrics "unix:$SOCK" || exit 1
check "the unix socket is root's only (0600)" [ "$(stat -c %a "$SOCK")" = 600 ]
as_nobody /usr/bin/python3 - - 0 64 3 "unix:$SOCK" <tests/tools/slowloris.py >"$WORK/loris2.json"
check "nobody cannot connect to it" [ "$(jq .opened "$WORK/loris2.json")" -eq 0 ]
check "root scrapes it" [ "$(scrape --unix-socket "$SOCK" http://localhost/metrics)" = 200 ]
stop_agent
check "the socket is removed at exit" [ ! -e "$SOCK" ]
