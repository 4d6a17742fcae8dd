#!/bin/sh
# test_mail_parse.sh: messages with hostile content built by mail_msg_tool (GMime) and read
# back by Python's email package (policy.default), an independent reader: exactly the
# expected headers, the cleaned subject, multipart/alternative text then html, the bodies
# intact, the unsubscribe headers (mail_parse.py holds the cases). No network.
#
#   test_mail_parse.sh PATH/TO/mail_msg_tool SITE_DIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
python3 -c 'import email.policy' || { echo "FAIL: python3 with the email package is required" >&2; exit 1; }
exec python3 "$here/mail_parse.py" "$1" "$2"
