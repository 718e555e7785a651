# instantjson.web's tests: headless Chromium from Debian (Playwright's Python API drives it through
# executable_path; Playwright's own browser download is never used) and node (a second, plain
# JavaScript fold of the Vercel UI message stream). Installed only when missing.
_web_missing=""
command -v chromium >/dev/null 2>&1 || _web_missing="$_web_missing chromium"
command -v node >/dev/null 2>&1 || _web_missing="$_web_missing nodejs"
if [ -n "$_web_missing" ]; then
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $_web_missing fonts-dejavu-core
fi
INSTANTJSON_CHROMIUM="$(command -v chromium)"
export INSTANTJSON_CHROMIUM
unset _web_missing
