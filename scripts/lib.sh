# Shared by scripts/quickstart and scripts/test. Sourced, not run.

ensure_debian_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing Debian packages: ${missing[*]} — run as root, or: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "== installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_venv [EXTRA]: a .venv with tinbai installed (editable), plus the extra's packages.
ensure_venv() {
    local extra="${1:-}"
    local python=python3
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "tinbai needs Python 3.11 or newer; $("$python" --version) found" >&2
        exit 1
    }
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    local spec="."
    [ -n "$extra" ] && spec=".[$extra]"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"
    # An editable install leaves tinbai's own modules uncompiled: every start would compile
    # them again wherever bytecode is not written back (PYTHONDONTWRITEBYTECODE, a service
    # user that cannot write here) — half a second of each `tinbai poll`.
    .venv/bin/python -m compileall -q classify digest ingest store texts tinbai >/dev/null
}
