# Shared by scripts/test and scripts/demo: finds Swift and installs missing Debian packages.
# Source it; it defines ensure_swift and ensure_packages.

# The Debian packages soak builds against and its tests and demo run.
SOAK_BUILD_PACKAGES=(pkg-config libcurl4-openssl-dev libpq-dev zlib1g-dev)
SOAK_TEST_PACKAGES=(prometheus curl gzip nginx-light openssl python3 wrk postgresql pgbouncer chromium)

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

# ensure_python_tool COMMAND PYPI-PACKAGE: installs a PyPI tool into .build/python-tools (once) and
# puts its bin directory on PATH.
ensure_python_tool() {
    local command="$1" package="$2" target=".build/python-tools"
    export PATH="$PWD/$target/bin:$PATH"
    command -v "$command" >/dev/null 2>&1 && return 0
    if ! command -v python3 >/dev/null 2>&1; then
        echo "error: python3 not found; install python3 and python3-pip to fetch $package from PyPI" >&2
        exit 1
    fi
    echo "installing $package from PyPI into $target" >&2
    PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --quiet --root-user-action=ignore --target "$target" "$package" >&2 \
        || { echo "error: could not install $package from PyPI (is python3-pip installed?)" >&2; exit 1; }
}
