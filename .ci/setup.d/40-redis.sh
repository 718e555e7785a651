# instantjson.redis tests: a real redis-server (Debian's package), started by the test suite
# itself on a free loopback port (tests/redis/_server.py); nothing runs as a service here.
if ! command -v redis-server >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null
fi
redis-server --version
