# Helpers of sge.sh and slurm.sh (sourced; SCHEDULER names the caller in messages).

say() { echo "$SCHEDULER: $*"; }

# Install the Debian packages among "$@" that are not installed yet.
install_missing_packages() {
    local package missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2> /dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Whether the process whose id is in the file $1 runs.
running() { [ -f "$1" ] && kill -0 "$(cat "$1" 2> /dev/null)" 2> /dev/null; }

# The host name must resolve (Grid Engine and Slurm look it up).
ensure_host_name_resolves() {
    if ! getent hosts "$1" > /dev/null; then
        say "$1 does not resolve: adding it to /etc/hosts as 127.0.0.1"
        echo "127.0.0.1 $1" >> /etc/hosts
    fi
}
