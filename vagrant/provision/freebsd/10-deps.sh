#!/bin/sh
# FreeBSD VM, step 1: Python with jinja2 (to render the Makefile) and rsync (to sync the tree).
set -eu
export ASSUME_ALWAYS_YES=yes
pkg install -y python3 rsync
flavor=$(python3 -c 'import sys; print("py%d%d" % sys.version_info[:2])')
pkg install -y "$flavor-Jinja2"
