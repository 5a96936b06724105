// provisioner esim build (issue 18 part 3): an eSIM order's identities become profile packages, one `.der`
// per identity, through the same journal, keys and sealing as cards. Per batch of identities: allocated in
// one transaction; each package written 0600 and fsync'd (output/secure_file.hpp); the batch journaled
// `built` (with its sealed secrets) in one transaction; each file read back, hashed and decoded to its
// identity; the batch journaled verified and issued in one transaction. A crash leaves packages `allocated`
// or `built`, and the resumed run builds those again (with the secrets already journaled) before taking new
// identities.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include "identity/card_identity.hpp"
#include "identity/transport_key.hpp"
#include "order/order.hpp"
#include "output/secure_file.hpp"
#include "sim/bytes.hpp"
#include "store/journal.hpp"

namespace provisioner::esim {

struct PackageBuildContext {
    const Order* order = nullptr;
    Journal* journal = nullptr;
    JobId job = 0;
    const TransportKeys* transport_keys = nullptr;
    std::string station_id;
    std::filesystem::path directory;  // the packages' folder (created 0700 when missing)
    bool overwrite = false;           // --overwrite: replace a file at a package's path that is not ours
    std::size_t batch = 256;          // identities per journal transaction
    // by_caller: the batch's files are made durable by one syncfs(2) before they are journaled built, instead
    // of two fsyncs per file (file and folder) in SecureFileWriter::commit.
    Durability durability = Durability::by_caller;
    const std::atomic<bool>* stop = nullptr;  // Ctrl-C: finish the batch in hand, then stop
    // Threads that build and read back the packages of a batch (the journal's transactions stay on the
    // calling thread): one per core by default.
    std::size_t threads = std::max(1U, std::thread::hardware_concurrency());
};

struct PackageBuildReport {
    std::uint64_t issued = 0;   // packages built, verified and issued this run
    std::uint64_t rebuilt = 0;  // of which left allocated or built by an earlier run
    std::uint64_t bytes = 0;
    double seconds = 0;
    bool stopped = false;  // by the operator (Ctrl-C)
    [[nodiscard]] double per_second() const {
        return seconds > 0 ? static_cast<double>(issued) / seconds : 0;
    }
};

// Builds every package of the job that is not issued yet. Throws on the first failure (the journal keeps
// every package in its last state; --resume carries on).
PackageBuildReport build_packages(const PackageBuildContext& ctx);

// A package's file: DIR/ICCID.der.
std::filesystem::path package_path(const std::filesystem::path& directory, const CardIdentity& identity);

// The package read back does not show the journal's identity (or is not the bytes written).
class PackageCheckFailed : public sim::Error {
  public:
    using sim::Error::Error;
};
// Decodes `der` (sim::esim::Package::decode) and checks that its header's ICCID and its USIM's EF.IMSI are
// `identity`'s. Throws PackageCheckFailed (or sim::esim::PackageError for bytes that do not decode).
void check_package_identity(sim::ByteView der, const CardIdentity& identity);

}  // namespace provisioner::esim
