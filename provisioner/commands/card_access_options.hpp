// The station options of the verbs that write cards or present ADM (issue, reprofile, activate/replace/twin,
// pin verify): `--store`, `--station-id`, `--adm-file`/`--adm-env`, `--transport-keys`, `--adm-reserve`.
// Declared once with one help text each, resolved once: a secret comes from a file OR an environment
// variable, never both (InputError, exit 2); the station is named by `--station-id`, else the host name.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "code_input.hpp"
#include "identity/op_keys.hpp"
#include "identity/transport_key.hpp"
#include "sim/adm_guard.hpp"
#include "sim/key_file.hpp"

namespace provisioner {

// Which of the options a verb takes (a verb asks for the ones it uses).
enum class CardAccess : unsigned {
    Store = 1U << 0U,
    StationId = 1U << 1U,
    Adm = 1U << 2U,  // --adm-file / --adm-env
    TransportKeys = 1U << 3U,
    AdmReserve = 1U << 4U,
    OpKeys = 1U << 5U,  // --op-keys (issue: the OP an order names)
};
constexpr CardAccess operator|(CardAccess a, CardAccess b) {
    return static_cast<CardAccess>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(CardAccess set, CardAccess one) {
    return (static_cast<unsigned>(set) & static_cast<unsigned>(one)) != 0;
}
// Everything a station verb (issue, reprofile, the agency verbs) takes.
inline constexpr CardAccess kStationOptions = CardAccess::Store | CardAccess::StationId | CardAccess::Adm |
                                              CardAccess::TransportKeys | CardAccess::AdmReserve;

struct CardAccessOptions {
    std::string store;
    std::string station_id;
    SecretSource adm;  // stem "adm"
    std::string transport_keys_file;
    std::string op_keys_file;
    int adm_reserve = 1;
    // Present ADM to a card that cannot tell its ADM counter (a 2G SIM: its GSM response has none).
    bool adm_blind = false;

    // The options against each other, before anything is read or opened: a secret given both as a file and as
    // a variable, an ADM reserve below 1 (InputError).
    void check() const;
    // --store, else $SIM_STORE, else the per-user SQLite file.
    [[nodiscard]] std::string store_url() const;
    // --station-id, else the host name.
    [[nodiscard]] std::string station() const;
    // The ADM keys of --adm-file / --adm-env; nullopt when neither is given.
    [[nodiscard]] std::optional<sim::AdmKeys> adm_keys() const;
    // --transport-keys FILE, else $SIM_TRANSPORT_KEYS when it is set (not empty), else nullopt.
    [[nodiscard]] std::optional<TransportKeys> transport_keys() const;
    // Same, but one is required: InputError when neither is there.
    [[nodiscard]] TransportKeys required_transport_keys() const;
    [[nodiscard]] sim::AdmGuardOptions adm_guard() const;
    // --op-keys FILE, else $SIM_OP_KEYS when it is set, else nullopt.
    [[nodiscard]] std::optional<OpKeys> op_keys() const;
};

// What a verb says about some options in --help (the others have one text for every verb).
struct CardAccessHelp {
    std::string station_id = "Name of this station in the journal (default: host name)";
    std::string transport_keys =
        "K4 transport key file (INDEX HEX lines, mode 0600); default: $SIM_TRANSPORT_KEYS";
};

// Adds the options `which` names to `cmd`, bound to `o`.
void add_card_access_options(CLI::App& cmd, CardAccessOptions& o, CardAccess which,
                             const CardAccessHelp& help = {});

}  // namespace provisioner
