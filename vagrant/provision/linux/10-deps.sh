#!/bin/sh
# Linux VM, step 1: what building netmap and multistack.ko needs. Safe to run again.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q build-essential bc kmod git rsync python3 python3-jinja2
