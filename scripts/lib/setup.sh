# Shared by scripts/test and scripts/demo: finds Swift and installs missing Debian packages.
# Source it; it defines ensure_swift and ensure_packages.

# The Debian packages soak builds against and its tests and demo run.
SOAK_BUILD_PACKAGES=(pkg-config libcurl4-openssl-dev libpq-dev zlib1g-dev)
SOAK_TEST_PACKAGES=(prometheus prometheus-alertmanager curl gzip nginx-light openssl apache2-utils python3 python3-venv wrk postgresql pgbouncer chromium)

ensure_swift() {
    if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
        export PATH="/opt/swift/usr/bin:$PATH"
    fi
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: swift not found; install Swift 6.2 or later (https://www.swift.org/install/) and put it on PATH" >&2
        exit 1
    fi
}

# ensure_packages PKG...: installs the packages that are not installed yet, with one apt-get run.
ensure_packages() {
    local missing=()
    local package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo"
        else
            echo "error: missing Debian packages ${missing[*]}; run as root or install them with apt-get" >&2
            exit 1
        fi
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_python_tool COMMAND PYPI-PACKAGE: installs a PyPI tool into a virtual environment in
# .build/python-tools (once; Debian's own Python refuses pip installs outside one) and puts its bin
# directory on PATH.
ensure_python_tool() {
    local command="$1" package="$2" venv=".build/python-tools"
    export PATH="$PWD/$venv/bin:$PATH"
    [ -x "$venv/bin/$command" ] && return 0
    if [ ! -x "$venv/bin/pip" ]; then
        python3 -m venv "$venv" >&2 || { echo "error: python3 -m venv failed; install python3-venv" >&2; exit 1; }
    fi
    echo "installing $package from PyPI into $venv" >&2
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install --quiet "$package" >&2 \
        || { echo "error: could not install $package from PyPI into $venv" >&2; exit 1; }
}
