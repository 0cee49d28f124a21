# Shared by the studio's tests under Xvfb (sourced; POSIX sh): skips (exit 77)
# without xvfb-run or when Xvfb cannot start; a scratch folder $TMP, removed
# at exit; a session of its own (XDG folders in $TMP, GSettings in memory, no
# accessibility bus) so that no user setting changes what the test sees; and
# a GTK critical aborts the studio (a critical is a bug: no carrying on).
command -v xvfb-run >/dev/null 2>&1 || { echo "skip: xvfb-run not installed"; exit 77; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export XDG_DATA_HOME="$TMP/data" XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache"
export GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 GTK_A11Y=none
export G_DEBUG=fatal-criticals
XVFB="-screen 0 1600x1000x24"
xvfb-run -a -s "$XVFB" true >/dev/null 2>&1 || { echo "skip: Xvfb cannot start"; exit 77; }
