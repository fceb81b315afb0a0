#!/bin/sh
# Label policy enforced (docs/policy.md): the seed's allow-payment-api on a
# docker network this test creates. order-processor reaches payment-service
# on TCP 80; UDP 80, TCP 81 and every other container are refused; an
# unlabelled container started later, and one that takes order-processor's
# address, are refused at once; egress toCIDRSet with except (EPERM at
# connect); a reload with connections running (none fails); audit mode
# refuses nothing and reports what it would have. Every refusal is a record
# naming the policy. Clients give up after 2 s (bench/netprobe).
. tests/integration/lib.sh

NET=netpol-net
PAY=172.31.181.10
ORD=172.31.181.20
dual_stack_network "$NET" 172.31.181.0/24 fd00:5181::/64
netprobe_build
HOSTPORT=$(free_port)
./bench/netprobe serve "$HOSTPORT" >/dev/null 2>&1 &
HOSTSRV=$!
# netprobe serve forks a child per socket: stop the children too
trap 'pkill -P $HOSTSRV 2>/dev/null; kill $HOSTSRV 2>/dev/null; cleanup; docker network rm $NET >/dev/null 2>&1' EXIT INT TERM

# shellcheck disable=SC2086
run_container netpol-pay --network "$NET" --ip "$PAY" --label app=payment-service $PROBE \
	"$IMAGE" /netprobe serve 80 81
# shellcheck disable=SC2086
run_container netpol-ord --network "$NET" --ip "$ORD" --label app=order-processor $PROBE \
	"$IMAGE" sleep 300
# shellcheck disable=SC2086
run_container netpol-oth --network "$NET" --label app=other $PROBE "$IMAGE" sleep 300
# shellcheck disable=SC2086
run_container netpol-egr --network "$NET" --label app=egress-client $PROBE "$IMAGE" sleep 300

# the seed's example (docs/policy.md), then an egress policy
{ cat tests/fuzz/corpus/net_policy/seed.yaml; echo ---; } >"$WORK/policy.yaml"
cat >>"$WORK/policy.yaml" <<EOF
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: egress-cidr
spec:
  endpointSelector:
    matchLabels:
      app: egress-client
  egress:
  - toCIDRSet:
    - cidr: 172.16.0.0/12
      except:
      - 172.31.181.1/32
EOF


start_enforcer() {
	: >"$WORK/records.json"
	./palisade policy enforce "$@" "$WORK/policy.yaml" >"$WORK/records.json" 2>"$WORK/enforce.err" &
	ENFORCER=$!
	i=0
	while ! grep -q 'enforcing' "$WORK/enforce.err" && [ $i -lt 200 ]; do
		kill -0 $ENFORCER 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	grep -q 'enforcing' "$WORK/enforce.err" || { not_ok "the enforcer started"; cat "$WORK/enforce.err"; exit 1; }
	# payment-service and egress-client enforced: the maps are in force
	until_ok grep -Eq 'compiled: [2-9] enforced' "$WORK/enforce.err" ||
		{ not_ok "the enforcer compiled the containers"; cat "$WORK/enforce.err"; exit 1; }
}
stop_enforcer() { kill "$ENFORCER" 2>/dev/null; wait "$ENFORCER" 2>/dev/null; }
# record PATTERN: a verdict record matching it is written within 15 s
record() { until_ok grep -q "$1" "$WORK/records.json"; }

check "policy check accepts the seed's policy" sh -c "./palisade policy check '$WORK/policy.yaml' >'$WORK/check.out'"
until_ok allowed tcp netpol-oth "$PAY" 80 || { not_ok "before any policy, other reaches payment-service"; exit 1; }

start_enforcer
check "order-processor reaches payment-service on TCP 80" until_ok allowed tcp netpol-ord "$PAY" 80
check "other is refused on TCP 80" refused tcp netpol-oth "$PAY" 80
check "other is refused on UDP 80" refused udp netpol-oth "$PAY" 80
check "order-processor is refused on TCP 81" refused tcp netpol-ord "$PAY" 81
check "order-processor is refused on UDP 80 (the rule says TCP)" refused udp netpol-ord "$PAY" 80
check "each refusal is a record naming the policy" until_ok sh -c "grep '\"verdict\":\"denied\"' '$WORK/records.json' |
	grep '\"container\":\"netpol-pay\"' | grep '\"peer\":\"netpol-oth\"' | grep -q '\"policy\":\"allow-payment-api\"'"
check "the allowed connection is a record naming its rule" record '"verdict":"allowed".*"peer":"netpol-ord".*allowed by allow-payment-api'

# shellcheck disable=SC2086
run_container netpol-new --network "$NET" $PROBE "$IMAGE" sleep 300
check "an unlabelled container started later is refused at once" refused tcp netpol-new "$PAY" 80
check "... while its network works (it reaches the host)" until_ok allowed tcp netpol-new 172.17.0.1 "$HOSTPORT"

docker rm -f netpol-ord >/dev/null
# shellcheck disable=SC2086
run_container netpol-reuse --network "$NET" --ip "$ORD" $PROBE "$IMAGE" sleep 300
# Its identity is known once Docker's start event is processed (docs/policy.md
# states that window); from then on the old identity is gone for good.
check "a container on order-processor's old address is refused" until_ok refused tcp netpol-reuse "$PAY" 80
check "... while its network works (it reaches the host)" until_ok allowed tcp netpol-reuse 172.17.0.1 "$HOSTPORT"
# shellcheck disable=SC2086
run_container netpol-ord --network "$NET" --ip 172.31.181.21 --label app=order-processor $PROBE \
	"$IMAGE" sleep 300
check "order-processor, started again elsewhere, is allowed" until_ok allowed tcp netpol-ord "$PAY" 80

check "egress toCIDRSet: an address inside the cidr is reached" until_ok allowed tcp netpol-egr 172.17.0.1 "$HOSTPORT"
check "egress toCIDRSet: the except is refused" refused tcp netpol-egr 172.31.181.1 "$HOSTPORT"
check "egress: outside every cidr is refused" refused udp netpol-egr 192.0.2.1 53
check "the egress refusal names its policy" record '"verdict":"denied","direction":"egress","container":"netpol-egr","peer":"172.31.181.1".*"policy":"egress-cidr"'

# Reload with connections running: 200 connects, none may fail.
docker exec netpol-ord /netprobe connects "$PAY" 80 200 >"$WORK/connects.out" 2>&1 &
LOOP=$!
cat >>"$WORK/policy.yaml" <<EOF
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: allow-81
spec:
  endpointSelector:
    matchLabels:
      app: payment-service
  ingress:
  - fromEndpoints:
    - matchLabels:
        app: order-processor
    toPorts:
    - ports:
      - port: "81"
EOF
kill -HUP "$ENFORCER"
wait "$LOOP"
check "a reload while connecting: no connection failed" grep -q '^connects 200' "$WORK/connects.out"
check "the reloaded policy is in force" until_ok allowed tcp netpol-ord "$PAY" 81
check "the reload still refuses other" refused tcp netpol-oth "$PAY" 81
stop_enforcer

start_enforcer --audit
# Each try connects again: the first may come before the endpoint is compiled.
check "audit: other reaches payment-service, and the would-be refusal is reported" \
	until_ok sh -c "docker exec netpol-oth /netprobe tcp $PAY 80 x | grep -q '^ok' &&
		grep -q '\"verdict\":\"audit\",\"direction\":\"ingress\",\"container\":\"netpol-pay\",\"peer\":\"netpol-oth\"' '$WORK/records.json'"
stop_enforcer
check "without the enforcer, nothing is refused" until_ok allowed tcp netpol-oth "$PAY" 81
