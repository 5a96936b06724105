# Shared by bench/throughput and bench/host_cost (sourced, not run): a private work directory with an order of
# N Forfait M cards (identity ranges), a K4 transport key and an ADM file (0600), and simcard-stub processes in
# feed mode on given vpcd slots, stopped again on exit. Only the stubs this script started are ever stopped;
# pcscd must already be running with the rig's reader.conf (hw/rig/virtual-rig start).
# shellcheck shell=bash

bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$bench_root/build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$bench_root/$BUILD_DIR" ;; esac
readonly BASE_PORT=35963
PROVISIONER="$BUILD_DIR/provisioner/provisioner"
# The rig's readers are virtual (vpcd): allowed for the benchmarks (hw/readers.md §9).
export SIM_ALLOW_VIRTUAL_READERS=1
STUB="$BUILD_DIR/firmware-stubs/simcard-stub"
BLANK_CARD="$bench_root/firmware-stubs/cards/stub-usim-blank.card"
declare -a bench_stub_pids=()

bench_die() {
    printf '%s: %s\n' "$(basename "$0")" "$*" >&2
    exit 2
}

bench_check_binaries() {
    [[ -x "$PROVISIONER" && -x "$STUB" ]] ||
        bench_die "build provisioner and simcard-stub first (BUILD_DIR=$BUILD_DIR): cmake --build \"$BUILD_DIR\" --target provisioner simcard-stub"
}

# "2,3" -> array of slot numbers; refuses anything but 0..7 and duplicates.
bench_parse_slots() {
    local spec=$1 s
    local -n out=$2
    out=()
    IFS=',' read -r -a out <<<"$spec"
    ((${#out[@]} > 0)) || bench_die "no slot given"
    local seen=" "
    for s in "${out[@]}"; do
        [[ $s =~ ^[0-7]$ ]] || bench_die "slot '$s': expected a vpcd slot 0..7"
        [[ $seen == *" $s "* ]] && bench_die "slot $s given twice"
        seen+="$s "
    done
}

# A slot whose vpcd port already has a client holds someone else's card (the rig's stub, a test): refuse rather
# than fight over it.
bench_check_slots_free() {
    local s port
    for s in "$@"; do
        port=$((BASE_PORT + s))
        if ss -Htn state established "( dport = :$port )" 2>/dev/null | grep -q .; then
            bench_die "slot $s (port $port) already has a card connected (the rig's stub? see hw/rig/virtual-rig status): stop it first"
        fi
    done
}

# bench_write_order DIR CARDS ID [PROFILE [CARD_TYPE]]: order DIR/order.xml (with its profile beside it) for
# CARDS cards of PROFILE (default forfait-m) of CARD_TYPE (default stub-usim), outputs in DIR/out.
bench_write_order() {
    local dir=$1 cards=$2 id=$3 profile=${4:-forfait-m} card_type=${5:-stub-usim}
    ((cards >= 1 && cards <= 1000000)) || bench_die "cards: 1..1000000"
    local msin_end msisdn_last
    msin_end=$(printf '%010d' "$cards")
    msisdn_last=$((687700000 + cards - 1))
    ((cards <= 300000)) || msisdn_last=""  # +687 numbers have 6 digits: no MSISDN range past that
    {
        printf '<?xml version="1.0" encoding="UTF-8"?>\n'
        printf '<order id="%s" format="1">\n' "$id"
        printf '  <profile id="%s" file="%s.xml"/>\n' "$profile" "$profile"
        printf '  <quantity>%d</quantity>\n  <card-type>%s</card-type>\n' "$cards" "$card_type"
        printf '  <identities>\n    <ranges>\n'
        printf '      <imsi mcc="546" mnc="01" msin-start="0000000001" msin-end="%s"/>\n' "$msin_end"
        printf '      <iccid prefix="89687010" sequence-start="0000000001"/>\n'
        [[ -n $msisdn_last ]] && printf '      <msisdn first="+687700000" last="+%s"/>\n' "$msisdn_last"
        printf '    </ranges>\n  </identities>\n'
        printf '  <keys transport-key-index="1" op-index="1"/>\n'
        printf '  <outputs directory="out">\n'
        printf '    <hlr-import file="hlr-import.out"/>\n    <print file="print.csv"/>\n'
        printf '    <summary file="summary.json"/>\n  </outputs>\n</order>\n'
    } >"$dir/order.xml"
    # An order's paths stay inside its folder (profiles/README.md "Order root"): its profile goes beside it.
    cp "$bench_root/profiles/$profile.xml" "$dir/$profile.xml"
}

# Bench-only secrets: a random K4 and the stub cards' ADM1, both 0600 (the provisioner checks the mode).
bench_write_keys() {
    local dir=$1
    (
        umask 077
        printf '1 %s\n' "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >"$dir/k4.keys"
        printf '88888888\n' >"$dir/adm.key"
    )
}

# bench_start_stubs DIR "STUB ARGS" SLOT...: one feed-mode stub per slot (state and archive under DIR).
bench_start_stubs() {
    local dir=$1 extra=$2 s
    shift 2
    local -a extra_args=()
    read -r -a extra_args <<<"$extra"
    for s in "$@"; do
        "$STUB" --card "$BLANK_CARD" --state "$dir/slot$s.card" --port $((BASE_PORT + s)) --feed \
            --feed-archive "$dir/archive$s" --quiet "${extra_args[@]}" 2>>"$dir/stub$s.log" &
        bench_stub_pids+=("$!")
    done
}

# Running and not a zombie (an exited child stays one until `wait`).
bench_alive() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

# SIGTERM (the stub saves and exits), SIGKILL after 5 s for one that does not.
bench_stop_stubs() {
    local pid i
    for pid in "${bench_stub_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${bench_stub_pids[@]}"; do
        for ((i = 0; i < 50; i++)); do
            bench_alive "$pid" || break
            sleep 0.1
        done
        if bench_alive "$pid"; then
            printf '%s: simcard-stub %s ignored SIGTERM for 5 s: killed\n' "$(basename "$0")" "$pid" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    bench_stub_pids=()
}

# True when pcscd sees a card in every given reader (reader index = vpcd slot).
bench_cards_present() {
    local listing s
    listing=$("$PROVISIONER" readers 2>/dev/null) || return 1
    for s in "$@"; do
        awk -v s="$s" '$1 == s && !/\(no card\)/ { found = 1 } END { exit !found }' <<<"$listing" || return 1
    done
}

bench_wait_cards() {
    local i
    for ((i = 0; i < 100; i++)); do
        bench_cards_present "$@" && return 0
        sleep 0.1
    done
    bench_die "no card seen in reader(s) $* after 10 s (is pcscd running with the rig's reader.conf?)"
}

# The commit the measured binaries were built from (+wt: with uncommitted changes): BUILD_DIR's source tree.
bench_code_version() {
    local src rev
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
    [[ -n $src ]] || src=$bench_root
    if rev=$(git -C "$src" rev-parse --short HEAD 2>/dev/null); then
        [[ -n $(git -C "$src" status --porcelain --untracked-files=no 2>/dev/null) ]] && rev+="+wt"
    else
        rev="source $src (no git)"
    fi
    printf '%s\n' "$rev"
}
