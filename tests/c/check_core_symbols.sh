#!/bin/sh
# Fails if the core library references any external symbol besides the OS hooks,
# the memory primitives the compiler may emit, and sanitizer/profiling runtime hooks.
set -eu
linked=$(mktemp)
trap 'rm -f "$linked"' EXIT
# Link the archive's objects together so references between core files resolve.
ld -r --whole-archive "$1" -o "$linked"
bad=$(nm -u "$linked" | awk '{print $2}' |
	grep -v -E '^(ms_os_[a-z0-9_]+|memcpy|memset|memcmp|memmove|__(a|ub|t)san_.*|__sanitizer_.*|__asan_.*|_GLOBAL_OFFSET_TABLE_|__stack_chk_fail)$' || true)
if [ -n "$bad" ]; then
	echo "the core calls symbols outside its hooks:" $bad
	exit 1
fi
echo "ok: the core calls only ms_os_* hooks and memory primitives"
