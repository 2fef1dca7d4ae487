#!/bin/bash
# Jamf Pro extension attribute (Settings > Computer management > Extension attributes, input type Script,
# data type String). Jamf stores the text between <result> and </result>; this prints exactly one such
# line and always exits 0, because an extension attribute that fails just records nothing.
# Values: "ratwatch: clean", "ratwatch: N remote-access finding(s): ...", "ratwatch error: ...",
# "ratwatch not installed". Smart groups can match on "finding" and on "error".
set -u

RATWATCH_BIN="${RATWATCH_BIN:-/usr/local/bin/ratwatch}"

escape() {
  # Jamf reads the result as XML text
  printf '%s' "$1" | tr '\r\n\t' '   ' | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' | cut -c1-2000
}

if [ ! -x "$RATWATCH_BIN" ]; then
  echo "<result>ratwatch not installed</result>"
  exit 0
fi

errfile="$(mktemp -t ratwatch-ea.XXXXXX)" || { echo "<result>ratwatch error: mktemp failed</result>"; exit 0; }
trap 'rm -f "$errfile"' EXIT

out="$("$RATWATCH_BIN" scan --format jamf 2>"$errfile")"
code=$?
result="$(printf '%s\n' "$out" | grep -o '<result>.*</result>' | tail -n 1)"

if { [ "$code" -eq 0 ] || [ "$code" -eq 1 ]; } && [ -n "$result" ]; then
  echo "$result"
else
  why="$(grep -v '^[[:space:]]*$' "$errfile" | tail -n 1)"
  echo "<result>ratwatch error (exit $code): $(escape "${why:-no output}")</result>"
fi
exit 0
