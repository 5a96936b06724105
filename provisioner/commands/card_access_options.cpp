#include "commands/card_access_options.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include "sim/error.hpp"
#include "store/journal.hpp"

namespace provisioner {

void CardAccessOptions::check() const {
    adm.check();
    if (adm_reserve < 1)
        throw sim::InputError("--adm-reserve must be at least 1 (0 would allow the last ADM try)");
}

std::string CardAccessOptions::store_url() const {
    return store.empty() ? default_store_url() : store;
}

std::string CardAccessOptions::station() const {
    if (!station_id.empty()) return station_id;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
}

std::optional<sim::AdmKeys> CardAccessOptions::adm_keys() const {
    adm.check();
    if (!adm.file.empty()) return sim::AdmKeys::from_file(adm.file);
    if (!adm.env.empty()) return sim::AdmKeys::from_env(adm.env);
    return std::nullopt;
}

std::optional<TransportKeys> CardAccessOptions::transport_keys() const {
    if (!transport_keys_file.empty()) return TransportKeys::from_file(transport_keys_file);
    if (const char* env = std::getenv(kTransportKeyEnv); env != nullptr && *env != '\0')
        return TransportKeys::from_env();
    return std::nullopt;
}

TransportKeys CardAccessOptions::required_transport_keys() const {
    if (!transport_keys_file.empty()) return TransportKeys::from_file(transport_keys_file);
    return TransportKeys::from_env();  // InputError naming the variable when it is unset
}

std::optional<OpKeys> CardAccessOptions::op_keys() const {
    if (!op_keys_file.empty()) return OpKeys::from_file(op_keys_file);
    if (const char* env = std::getenv(kOpKeyEnv); env != nullptr && *env != '\0') return OpKeys::from_env();
    return std::nullopt;
}

sim::AdmGuardOptions CardAccessOptions::adm_guard() const {
    check();
    sim::AdmGuardOptions guard;
    guard.reserve = adm_reserve;
    guard.allow_unknown_counter = adm_blind;
    return guard;
}

void add_card_access_options(CLI::App& cmd, CardAccessOptions& o, CardAccess which,
                             const CardAccessHelp& help) {
    if (has(which, CardAccess::Store)) {
        cmd.add_option(
            "--store", o.store,
            "Journal: sqlite:PATH or postgresql://host/db (default: $SIM_STORE, else a per-user "
            "SQLite file). A remote host needs sslmode=verify-full (or insecure_tls=1 to accept less)");
    }
    if (has(which, CardAccess::StationId)) cmd.add_option("--station-id", o.station_id, help.station_id);
    if (has(which, CardAccess::TransportKeys))
        cmd.add_option("--transport-keys", o.transport_keys_file, help.transport_keys);
    if (has(which, CardAccess::OpKeys)) {
        cmd.add_option("--op-keys", o.op_keys_file,
                       "OP key file for orders that name an OP (op-index, a vendor file's OPID): INDEX HEX "
                       "lines, mode 0600; default: $SIM_OP_KEYS");
    }
    if (has(which, CardAccess::Adm)) {
        o.adm.stem = "adm";
        cmd.add_option(
            "--adm-file", o.adm.file,
            fmt::format("ADM1 key file (one value, or ICCID,ADM lines; mode 0600); {}", kOneSecretSource));
        cmd.add_option("--adm-env", o.adm.env,
                       fmt::format("Environment variable holding the ADM1 value; {}", kOneSecretSource));
    }
    if (has(which, CardAccess::AdmReserve)) {
        cmd.add_option("--adm-reserve", o.adm_reserve,
                       "Refuse to present ADM when this many tries or fewer remain (at least 1)")
            ->capture_default_str();
        cmd.add_flag("--adm-blind", o.adm_blind,
                     "Present ADM to cards that cannot tell how many ADM tries are left (2G SIMs such as the "
                     "sysmoSIM-GR1); a key a card rejected is still never presented again in the run");
    }
}

}  // namespace provisioner
