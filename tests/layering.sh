#!/usr/bin/env bash
# layering.sh: the subsystems depend on each other in one direction only. Every
# project header is included by folder ("aws/classify.h"); a folder may include
# only itself and the folders listed for it below. Prints each violation.
#
#   layering.sh SOURCE_DIR
set -euo pipefail
cd "$1"

# folder -> the folders it may include (besides itself)
declare -A allowed=(
	[monitor/base]=""
	[monitor/aws]="base"
	[monitor/model]="base aws"
	[monitor/support]="base aws model"
	[monitor/store]="base aws"
	[monitor/cycle]="base aws model support store"
	[publisher/site]="base aws model support store cycle"
	[publisher/email]="base aws model support store cycle site"
	[publisher/http]="base aws model support store cycle site email"
	[publisher/mqtt]="base aws model support store cycle site"
)
bad=0
checked=0
for dir in "${!allowed[@]}"; do
	self=${dir#*/}
	for f in "$dir"/*.[ch]; do
		checked=$((checked + 1))
		while IFS= read -r inc; do
			case "$inc" in
			*/*) top=${inc%%/*} ;;
			*)
				echo "$f: includes \"$inc\" without its folder"
				bad=$((bad + 1))
				continue ;;
			esac
			if [ "$top" != "$self" ] && ! [[ " ${allowed[$dir]} " == *" $top "* ]]; then
				echo "$f: includes \"$inc\": $dir may include only ${allowed[$dir]:-nothing} besides itself"
				bad=$((bad + 1))
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done
# Nothing of monitor/ includes publisher/, and the CLI has no folder of its own to guard.
if [ "$checked" -lt 40 ]; then
	echo "only $checked files checked: the layout moved and this test did not follow"
	bad=$((bad + 1))
fi
if [ "$bad" -gt 0 ]; then
	echo "0 passed, 1 failed"
	exit 1
fi
echo "layering: $checked files, every include goes down the subsystem order"
echo "1 passed, 0 failed"
