#include "esim/package_build.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "esim/package_writer.hpp"
#include "output/secure_file.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/error.hpp"
#include "sim/esim/package.hpp"
#include "station/card_issuer.hpp"

namespace provisioner::esim {
namespace {

std::string sha256_hex(sim::ByteView data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &n, EVP_sha256(), nullptr) != 1)
        throw sim::Error("OpenSSL SHA-256 failed");
    return sim::to_hex(sim::ByteView(md.data(), n));
}

sim::Bytes read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PackageCheckFailed(fmt::format("{}: cannot read the package back", path.string()));
    return sim::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The journal says this package's identity is the job's and not yet verified (a run stopped before): the file
// at its path is that run's package, replaced by the one built now, whatever its bytes.
class UnverifiedPackage final : public OutputLedger {
  public:
    bool wrote(const std::filesystem::path&, std::string_view) override { return true; }
    void will_publish(const std::filesystem::path&, std::string_view) override {}
};

// One package of the batch in hand, between its file and its journal state.
struct Pending {
    CardRecord record;
    std::filesystem::path path;
    std::string sha256;
    std::size_t size = 0;
    BuiltPackage built;
};

class Builder {
  public:
    explicit Builder(const PackageBuildContext& ctx) : ctx_(ctx) {
        issue_.order = ctx.order;
        issue_.journal = ctx.journal;
        issue_.job = ctx.job;
        issue_.transport_keys = ctx.transport_keys;
        issue_.station_id = ctx.station_id;
    }

    PackageBuildReport run() {
        const auto start = std::chrono::steady_clock::now();
        make_private_directories(ctx_.directory);
        finish_verified();
        // Left by an earlier run: built again first, each with the secrets it was journaled with.
        std::vector<CardRecord> unfinished;
        for (const CardState state : {CardState::allocated, CardState::built}) {
            ctx_.journal->for_each_card({ctx_.job, state, false}, [&](const CardRecord& r) {
                if (r.reader_id == "esim") unfinished.push_back(r);
            });
        }
        report_.rebuilt = unfinished.size();
        for (std::size_t i = 0; i < unfinished.size() && !stopped(); i += ctx_.batch) {
            const auto end = std::min(unfinished.size(), i + ctx_.batch);
            build_batch({unfinished.begin() + static_cast<std::ptrdiff_t>(i),
                         unfinished.begin() + static_cast<std::ptrdiff_t>(end)},
                        true);
        }
        while (!stopped()) {
            auto batch = ctx_.journal->allocate_packages(ctx_.job, ctx_.batch, ctx_.station_id);
            if (batch.empty()) break;
            build_batch(std::move(batch), false);
        }
        report_.stopped = stopped();
        report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return report_;
    }

  private:
    [[nodiscard]] bool stopped() const { return ctx_.stop != nullptr && ctx_.stop->load(); }

    // A package journaled verified but not issued (a store that lost the answer between): issued now.
    void finish_verified() {
        std::vector<CardId> verified;
        ctx_.journal->for_each_card({ctx_.job, CardState::verified, false}, [&](const CardRecord& r) {
            if (r.reader_id == "esim") verified.push_back(r.id);
        });
        for (const CardId id : verified) ctx_.journal->mark_issued(id, ctx_.station_id);
        report_.issued += verified.size();
    }

    // Runs job(i) for every i < n on the context's threads (each package is independent of the others: its
    // secrets, its bytes, its file). The first failure is rethrown once all have stopped.
    void parallel(std::size_t n, const std::function<void(std::size_t)>& job) const {
        const std::size_t threads = std::max<std::size_t>(1, std::min(ctx_.threads, n));
        std::atomic<std::size_t> next{0};
        std::exception_ptr failure;
        std::mutex failure_mutex;
        const auto work = [&] {
            for (std::size_t i = next++; i < n; i = next++) {
                try {
                    job(i);
                } catch (...) {
                    const std::lock_guard lock(failure_mutex);
                    if (!failure) failure = std::current_exception();
                    next = n;
                }
            }
        };
        std::vector<std::jthread> helpers;
        for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
        work();
        helpers.clear();  // joined
        if (failure) std::rethrow_exception(failure);
    }

    void build_batch(std::vector<CardRecord> records, bool resumed) {
        std::vector<Pending> pending(records.size());
        parallel(records.size(),
                 [&](std::size_t i) { pending[i] = write_one(std::move(records[i]), resumed); });
        for (const Pending& p : pending) report_.bytes += p.size;
        // Every file of the batch on disk, data and directory entry: now, and only now, the journal may say
        // so.
        if (ctx_.durability == Durability::by_caller) sync_file_system(ctx_.directory);
        std::vector<BuiltPackage> built;
        built.reserve(pending.size());
        for (Pending& p : pending) built.push_back(std::move(p.built));
        ctx_.journal->mark_packages_built(built, ctx_.station_id);
        parallel(pending.size(), [&](std::size_t i) {
            const Pending& p = pending[i];
            sim::Bytes der = read_file(p.path);
            const sim::WipeOnExit wipe(der);  // the package holds Ki/OPc in clear
            if (sha256_hex(der) != p.sha256) {
                throw PackageCheckFailed(fmt::format(
                    "{}: the file read back is not the package written (SHA-256 differs); it stays built, "
                    "--resume builds it again",
                    p.path.string()));
            }
            check_package_identity(der, p.record.identity);
        });
        std::vector<CardId> checked;
        checked.reserve(pending.size());
        for (const Pending& p : pending) checked.push_back(p.record.id);
        ctx_.journal->mark_packages_verified_and_issued(checked, ctx_.station_id);
        report_.issued += checked.size();
    }

    Pending write_one(CardRecord record, bool resumed) const {
        const Profile& profile = profile_at(*ctx_.order, record.seq);
        const bool own_offer = &profile != &ctx_.order->profile;
        IssueSecrets secrets = secrets_for(record, issue_, record.identity.iccid, AdmOrigin::generated);
        PackageSecrets package_secrets{key_set(profile, secrets.material),
                                       code_set(profile, secrets.material), secrets.material.adm};
        const sim::SecretBytes der = write_profile_package(profile, record.identity, package_secrets);
        Pending p;
        p.path = package_path(ctx_.directory, record.identity);
        UnverifiedPackage own;
        ReplaceRule rule{fmt::format("order {}", ctx_.order->id), resumed ? &own : nullptr, ctx_.overwrite};
        SecureFileWriter file(p.path, rule);
        const auto bytes = der.reveal();
        file.append(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        p.sha256 = file.commit(ctx_.durability);
        p.size = bytes.size();
        p.built.card = record.id;
        p.built.secrets = std::move(secrets.sealed);
        if (own_offer) p.built.profile = profile.id;
        p.built.detail = fmt::format("package {} ({} bytes, SHA-256 {})", p.path.filename().string(),
                                     bytes.size(), p.sha256);
        p.record = std::move(record);
        return p;
    }

    const PackageBuildContext& ctx_;
    IssueContext issue_;
    PackageBuildReport report_;
};

std::string iccid_digits(const sim::Bytes& header_iccid) {
    std::string hex = sim::to_hex(header_iccid);
    while (!hex.empty() && (hex.back() == 'F' || hex.back() == 'f')) hex.pop_back();
    return hex;
}

std::optional<sim::Bytes> imsi_content(const sim::esim::Package& package) {
    for (const auto& pe : package.elements()) {
        if (pe.type != "usim") continue;
        for (const auto& f : pe.files) {
            if (f.member != "ef-imsi") continue;
            for (const auto& e : f.elements)
                if (e.kind == sim::esim::FileElement::Kind::FillContent) return e.content;
        }
    }
    return std::nullopt;
}

}  // namespace

std::filesystem::path package_path(const std::filesystem::path& directory, const CardIdentity& identity) {
    return directory / (identity.iccid + ".der");
}

void check_package_identity(sim::ByteView der, const CardIdentity& identity) {
    const auto package = sim::esim::Package::decode(der);
    const auto& elements = package.elements();
    if (elements.empty() || !elements.front().header) {
        throw PackageCheckFailed(fmt::format("package of ICCID {}: no header PE", identity.iccid));
    }
    const std::string iccid = iccid_digits(elements.front().header->iccid);
    if (iccid != identity.iccid) {
        throw PackageCheckFailed(fmt::format("package of ICCID {}: its header says ICCID {}, the journal {}",
                                             identity.iccid, iccid, identity.iccid));
    }
    const auto content = imsi_content(package);
    if (!content) {
        throw PackageCheckFailed(
            fmt::format("package of ICCID {}: its USIM PE does not state EF.IMSI", identity.iccid));
    }
    const auto imsi = sim::ef::decode<sim::ef::Imsi>(*content, sim::ef::Imsi::kSpecName);
    if (imsi.digits != identity.imsi) {
        throw PackageCheckFailed(fmt::format("package of ICCID {}: its EF.IMSI says {}, the journal {}",
                                             identity.iccid, imsi.digits, identity.imsi));
    }
}

PackageBuildReport build_packages(const PackageBuildContext& ctx) {
    if (ctx.batch == 0) throw sim::InputError("esim build: the batch size must be at least 1");
    return Builder(ctx).run();
}

}  // namespace provisioner::esim
