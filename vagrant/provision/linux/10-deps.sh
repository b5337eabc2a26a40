#!/bin/sh
# Linux VM, step 1: what building netmap and multistack.ko needs. Safe to run again; a box
# that has it all already (the local box of buildsys/vagrant_box.py) needs no mirror.
set -eu
export DEBIAN_FRONTEND=noninteractive
missing=""
for package in build-essential bc kmod rsync python3 python3-jinja2; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $package"
	fi
done
if [ -z "$missing" ]; then
	echo "the build dependencies are installed already"
	exit 0
fi
apt-get update -q
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q $missing
