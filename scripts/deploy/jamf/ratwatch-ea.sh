#!/bin/bash
# Jamf Pro extension attribute (Settings > Computer management > Extension attributes, input type Script,
# data type String). Jamf stores the text between <result> and </result>; this prints exactly one such
# line and always exits 0, because an extension attribute that fails just records nothing.
# Values: "ratwatch: clean", "ratwatch: N remote-access finding(s): ...", "ratwatch error: ...",
# "ratwatch not installed". Smart groups can match on "finding" and on "error".
set -u

RATWATCH_BIN="${RATWATCH_BIN:-/usr/local/bin/ratwatch}"

MAX_VALUE_BYTES=2000

# The value as XML text, at most MAX_VALUE_BYTES bytes (so at most that many characters). Escaped first and
# cut after, and the cut moved back so that it never leaves half an entity ("&am") or half a UTF-8
# character: either would make Jamf's XML parser drop the whole value.
xml_value() {
  local s
  s="$(printf '%s' "$1" | LC_ALL=C tr -d '\000-\010\013\014\016-\037\177' | LC_ALL=C tr '\r\n\t' '   ' \
    | LC_ALL=C sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g')"
  if [ "$(printf '%s' "$s" | LC_ALL=C wc -c | tr -d ' ')" -gt "$MAX_VALUE_BYTES" ]; then
    s="$(printf '%s' "$s" | LC_ALL=C head -c "$MAX_VALUE_BYTES" | LC_ALL=C sed -e 's/&[a-z]*$//')"
  fi
  # iconv -c drops bytes that are not UTF-8, among them a character the cut split (exit 1 when it drops any)
  printf '%s' "$s" | { iconv -c -f UTF-8 -t UTF-8 2>/dev/null; true; }
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
  echo "<result>$(xml_value "ratwatch error (exit $code): ${why:-no output}")</result>"
fi
exit 0
