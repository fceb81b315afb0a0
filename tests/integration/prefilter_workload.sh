#!/bin/sh
# A varied file/process/network workload, run in one container and on the
# host: what the pre-filter proof tests (test_prefilter.sh, and the recording
# tests/data/prefilter/ replayed by tests/unit/test_prefilter.c) compare with
# the filter on and off. Usage: prefilter_workload.sh CONTAINER TAG
# (CONTAINER: a running container of the busybox test image; TAG: a word in
# every file name, so a run can be told apart).
c=$1
t=$2
d=/tmp/pfw-$t
script="
mkdir -p $d; cd $d
for f in /etc/hostname /etc/passwd /etc/shadow /etc/group /etc/hosts /bin/sh /proc/self/status /proc/1/environ /proc/self/cmdline /dev/null /root/.profile /root/.ssh/id_rsa /root/.bashrc /var/lib/dpkg/status /usr/lib/os-release; do
  cat \$f >/dev/null 2>&1
done
for i in 1 2 3 4 5 6 7 8; do cat /etc/hostname >/dev/null; echo \$i > $d/f\$i; cat $d/f\$i >/dev/null; done
echo x > $d/.hidden-$t; rm -f $d/.hidden-$t
ln -s /etc/shadow $d/l1-$t; ln -s /etc/hostname $d/l2-$t; cat $d/l1-$t >/dev/null 2>&1
ln $d/f1 $d/h1-$t 2>/dev/null
mv $d/f2 $d/f2b; chmod 755 $d/f3; touch $d/f4
cat /nonexistent-$t 2>/dev/null; cat $d/../../etc/hostname >/dev/null
timeout 5 cat $d/../../etc/passwd >/dev/null
ls /etc /bin /tmp >/dev/null; id >/dev/null; uname -a >/dev/null; ps >/dev/null 2>&1
nc -w 1 127.0.0.1 9 </dev/null >/dev/null 2>&1
wget -q -T 1 -O /dev/null http://127.0.0.1:9/ 2>/dev/null
sh -c 'cat /etc/shadow' >/dev/null 2>&1
find /etc -maxdepth 1 -name 'pass*' >/dev/null
rm -rf $d
"
# Writes below system directories: in the container only, never on the host.
writes="
mkdir -p /root/.ssh
echo x > /etc/pfw-$t; rm -f /etc/pfw-$t
echo x > /bin/pfw-$t; rm -f /bin/pfw-$t
echo x >> /root/.bashrc
echo k > /root/.ssh/pfw-$t; rm -f /root/.ssh/pfw-$t
echo x > /dev/pfw-$t; rm -f /dev/pfw-$t
"
docker exec "$c" sh -c "$script"
docker exec "$c" sh -c "$writes" 2>/dev/null
sh -c "$script"
