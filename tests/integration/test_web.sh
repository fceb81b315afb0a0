#!/bin/sh
# The live view in the browser (docs/web.md): `palisade run --flows --web`
# with a token, two containers on a docker network of this test's own (one
# connects to the other), and a real headless Chromium (Selenium) that must
# show both containers and the edge between them, then an alert raised in
# the client while the page is open (without a reload), its markup as text.
# curl checks what the browser cannot: 401 without the token, 405 on other
# methods, the headers, a missing token file refused. The page's screenshot
# is kept under build/test-artifacts/test_web/ (its path is printed).
. tests/integration/lib.sh

T=web$$
NET=$T-net
SRV=$T-srv
CLI=$T-cli
ART=${TEST_ARTIFACTS:-$PWD/build/test-artifacts}/test_web
mkdir -p "$ART"

# --- web.enabled without a token file is refused, saying how to make one ---
./palisade run --web --syscalls none --status-socket none --no-docker \
	>"$WORK/notoken.out" 2>&1
rc=$?
check "--web without web.token_file is refused with the way to make one" \
	sh -c "[ $rc -ne 0 ] && grep -q 'web.enabled needs web.token_file' '$WORK/notoken.out' &&
	       grep -q 'openssl rand -hex 32' '$WORK/notoken.out'"
check "web.listen is loopback by default" \
	sh -c "./palisade config keys | grep -q '^| \`web.listen\` | string | \`127.0.0.1:9466\`'"

# Markup cannot reach the page through a container's name: Docker refuses it
# (the attacker-controlled text the browser checks is an alert's command line).
docker create --name "<b>$T</b>" "$IMAGE" true >"$WORK/name.out" 2>&1
rc=$?
check "docker refuses a container name with markup (names reach the page as text anyway)" \
	sh -c "[ $rc -ne 0 ] && grep -qi 'invalid container name' '$WORK/name.out'"

docker network rm "$NET" >/dev/null 2>&1
# A subnet of its own: one picked by docker from its pool can be 172.31.0.0/16,
# which other tests' fixed /24s there would then overlap.
docker network create --subnet 172.31.221.0/24 "$NET" >/dev/null || { not_ok "docker network $NET"; exit 1; }
trap 'cleanup; docker network rm "$NET" >/dev/null 2>&1' EXIT INT TERM
netprobe_build
# shellcheck disable=SC2086
run_container "$SRV" --network "$NET" $PROBE "$IMAGE" /netprobe serve 18090 18091
# shellcheck disable=SC2086
run_container "$CLI" --network "$NET" $PROBE "$IMAGE" sh -c "echo 'root:*:19000:0:99999:7:::' > /etc/shadow; sleep 300"
SRV_IP=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$SRV")

openssl rand -hex 32 >"$WORK/token"
chmod 600 "$WORK/token"
TOKEN=$(cat "$WORK/token")
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
start_agent_with --flows --web --web-token-file "$WORK/token" --web-listen "127.0.0.1:$PORT" \
	--status-socket "$WORK/status.sock" --output "$WORK/alerts.json" ||
	{ not_ok "the agent started with --flows --web"; exit 1; }
check "the agent says where the live view is" grep -q "^palisade: web: the live view on $BASE/" \
	"$WORK/agent.err"

check "both containers run" sh -c "[ \"\$(docker inspect -f '{{.State.Running}}' $SRV $CLI | sort -u)\" = true ]"
# The client connects to the server once a second for the rest of the test.
docker exec -d "$CLI" sh -c "while :; do /netprobe tcp $SRV_IP 18090 hello; sleep 1; done"
# ... and keeps one connection talking (a few bytes every 0.2 s): a live rate.
docker exec -d "$CLI" sh -c "while :; do echo live; sleep 0.2; done | nc $SRV_IP 18090 >/dev/null"
# edge_in FILE: the topology document in FILE has the edge CLI -> SRV tcp/18090.
edge_in() {
	jq -e --arg c "$CLI" --arg s "$SRV" \
		'[.edges[] | select(.src == $c and .dst == $s and .port == 18090)] | length == 1' \
		"$1" >/dev/null 2>&1
}
deadline=$(($(date +%s) + 60))
until curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/topology" >"$WORK/topology.json" &&
	edge_in "$WORK/topology.json"; do
	[ "$(date +%s)" -lt "$deadline" ] || break
	sleep 0.5
done
if edge_in "$WORK/topology.json"; then
	ok "/api/topology has the edge $CLI -> $SRV tcp/18090 (the client connects once a second)"
else
	not_ok "/api/topology has the edge $CLI -> $SRV tcp/18090 (the client connects once a second)"
	jq -c '.edges' "$WORK/topology.json" | cut -c1-2000 | sed 's/^/# edges: /'
fi

# --- curl: the token, the methods, the headers ---
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
jqf() { jq -e "$@" >/dev/null; }
check "401 without the token (page, script, JSON)" sh -c \
	"[ $(code "$BASE/") = 401 ] && [ $(code "$BASE/app.js") = 401 ] && [ $(code "$BASE/api/alerts") = 401 ]"
check "401 with a wrong token (bearer, cookie, query)" sh -c \
	"[ $(code -H 'Authorization: Bearer x0123456789abcdef' "$BASE/api/health") = 401 ] &&
	 [ $(code -H 'Cookie: palisade_web=x0123456789abcdef' "$BASE/api/health") = 401 ] &&
	 [ $(code "$BASE/?token=x0123456789abcdef") = 401 ]"
check "405 on POST, PUT and DELETE, even with the token" sh -c \
	"[ $(code -X POST -H "Authorization: Bearer $TOKEN" -d x=1 "$BASE/api/alerts") = 405 ] &&
	 [ $(code -X PUT -H "Authorization: Bearer $TOKEN" "$BASE/") = 405 ] &&
	 [ $(code -X DELETE -H "Authorization: Bearer $TOKEN" "$BASE/api/health") = 405 ]"
check "HEAD answers like GET, without a body (200 with the token, 401 without)" sh -c \
	"[ $(code -I -H "Authorization: Bearer $TOKEN" "$BASE/api/health") = 200 ] &&
	 [ $(code -I "$BASE/api/health") = 401 ]"
curl -s -D - -o /dev/null "$BASE/?token=$TOKEN" | tr -d '\r' >"$WORK/signin.h"
check "?token= answers 303 to / with an HttpOnly, SameSite=Strict cookie" sh -c \
	"grep -q '^HTTP/1.1 303' '$WORK/signin.h' && grep -qi '^Location: /$' '$WORK/signin.h' &&
	 grep -qi '^Set-Cookie: palisade_web=$TOKEN; HttpOnly; SameSite=Strict; Path=/' '$WORK/signin.h'"
curl -s -D "$WORK/page.h" -o "$WORK/page.html" -H "Cookie: palisade_web=$TOKEN" "$BASE/"
check "the page: a CSP of its own origin only, its script a file of its own (no inline script)" \
	sh -c "grep -qi \"^Content-Security-Policy: default-src 'none'; script-src 'self'\" '$WORK/page.h' &&
	       grep -q '<script src=\"/app.js\"' '$WORK/page.html' &&
	       ! grep -q '<script>' '$WORK/page.html' && ! grep -q 'https\?://' '$WORK/page.html'"
curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/health" >"$WORK/health.json"
check "/api/health: the summary palisade status --json prints (rules loaded, uptime, losses)" \
	jqf '.rules.loaded > 0 and (.uptime_seconds | type == "number") and
	       (.kernel_counters.losses.ring_buffer_full | type == "number")' "$WORK/health.json"

# --- the browser ---
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] ||
	! /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
	skip "test_web browser checks: chromium, chromium-driver or python3-selenium is not installed (scripts/install-deps.sh)"
else
	/usr/bin/python3 tests/integration/web_browser.py "$BASE" "$TOKEN" "$CLI" "$SRV" \
		"$ART/page.png" -- docker exec "$CLI" cat /etc/shadow \
		'<img src=x onerror=window.__xss=1>' >"$WORK/browser.out" 2>"$WORK/browser.err"
	rc=$?
	cat "$WORK/browser.out"
	if [ $rc -ne 0 ]; then
		sed 's/^/# browser: /' "$WORK/browser.err" | tail -20
		grep -q '^not ok' "$WORK/browser.out" || not_ok "web_browser.py exited $rc"
	fi
fi

# --- what the page read: the alert as JSON, its markup a string ---
curl -s -H "Authorization: Bearer $TOKEN" "$BASE/api/alerts" >"$WORK/alerts_api.json"
if jqf --arg c "$CLI" '[.alerts[] | select(.output_fields["container.name"] == $c and
	(.output | contains("<img src=x onerror=window.__xss=1>")))] | length > 0' \
	"$WORK/alerts_api.json"; then
	ok "/api/alerts: the alert, its markup kept as a JSON string"
else
	not_ok "/api/alerts: the alert, its markup kept as a JSON string"
	grep -F -- "$CLI" "$WORK/alerts.json" | cut -c1-1000 | sed 's/^/# alerts file: /'
fi
