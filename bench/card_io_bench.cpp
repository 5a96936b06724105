// Card I/O per card for the Forfait M profile (issue 9, part 5): APDUs, bytes and card time under the
// simulated card's timing model, against the floor computed from the card's own write plan. In-process (no
// pcscd): the station's real per-card procedure (provisioner::issue_card) talks to simcard::CardOs through
// libsim's loopback transport, behind simcard::FaultyCard which counts characters and adds up the modelled
// card time.
//
//   card_io_bench                  prints the report (BENCHMARKS.md "Card I/O") and runs the Google
//   Benchmarks card_io_bench --report-only    the report alone card_io_bench --trace          also lists
//   every APDU of one steady-state card per configuration
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "bench_station.hpp"
#include "identity/keys.hpp"
#include "personalisation/card_image.hpp"
#include "sim/codecs/identity.hpp"
#include "sim/loopback_transport.hpp"
#include "sim/personalise.hpp"
#include "simcard/faults.hpp"

namespace {

struct Personality {
    std::string label;
    std::string card_file;
    std::string card_type;  // order <card-type>
    std::string adm;
};

const Personality kStub{"stub-usim", "stub-usim-blank.card", "stub-usim", "88888888"};
const Personality kSja2{"sysmoISIM-SJA2", "sysmoISIM-SJA2-blank.card", "sysmoISIM-SJA2", "67225880"};

// The demo order (Forfait M) for `card_type`, with room for many cards, in a temp folder with its profile
// (an order's paths stay inside its folder).
std::string order_for(const Personality& p) {
    std::string text = bench::read_source("profiles/orders/demo-forfait-m-40.xml");
    auto replace = [&](const std::string& from, const std::string& to) {
        const auto at = text.find(from);
        if (at == std::string::npos) throw std::runtime_error("demo order changed: no " + from);
        text.replace(at, from.size(), to);
    };
    replace("<quantity>40</quantity>", "<quantity>900</quantity>");
    replace("<card-type>stub-usim</card-type>", "<card-type>" + p.card_type + "</card-type>");
    replace("file=\"../forfait-m.xml\"", "file=\"forfait-m.xml\"");
    replace("directory=\"../../out/demo-forfait-m-40\"", "directory=\"out\"");
    const auto dir =
        std::filesystem::temp_directory_path() / fmt::format("bench-order-{}-{}", p.label, ::getpid());
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(bench::source_root() / "profiles/forfait-m.xml", dir / "forfait-m.xml",
                               std::filesystem::copy_options::overwrite_existing);
    const auto file = dir / "order.xml";
    std::ofstream(file) << text;
    return file.string();
}

std::string factory_iccid(std::uint64_t n) {
    const std::string digits = fmt::format("8999903{:011}", n);
    int sum = 0;
    bool twice = true;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it, twice = !twice) {
        int d = *it - '0';
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    std::string all = digits + static_cast<char>('0' + (10 - sum % 10) % 10) + "F";
    std::string out;
    for (std::size_t i = 0; i < all.size(); i += 2) out += std::string{all[i + 1], all[i]};
    return out;
}

// A fresh blank body with `iccid_hex` as the ICCID its vendor wrote (the SJA2 personality's EF.ICCID is
// update=NEV, as on the real card: the issuer checks it against the identity instead of writing it).
simcard::CardOs blank_card(const Personality& p, const std::string& iccid_hex) {
    return bench::blank_body(p.card_file, iccid_hex);
}

// What one card cost.
struct CardCost {
    std::uint64_t apdus = 0;
    std::uint64_t apdus_to_last_write = 0;  // up to and including the last UPDATE
    std::uint64_t command_bytes = 0;
    std::uint64_t response_bytes = 0;
    std::uint64_t characters = 0;
    std::uint64_t nv_writes = 0;
    double card_ms = 0;
    std::map<std::string, int> by_command;
    std::vector<std::string> trace;
};

std::string command_name(std::uint8_t ins) {
    switch (ins) {
        case 0xA4:
            return "SELECT";
        case 0xC0:
            return "GET RESPONSE";
        case 0xB0:
            return "READ BINARY";
        case 0xB2:
            return "READ RECORD";
        case 0xD6:
            return "UPDATE BINARY";
        case 0xDC:
            return "UPDATE RECORD";
        case 0x20:
            return "VERIFY";
        case 0x88:
            return "AUTHENTICATE";
        case 0xF2:
            return "STATUS";
        default:
            return fmt::format("INS {:02X}", ins);
    }
}

struct Floor {
    std::size_t writes = 0, presentations = 0, reads = 0, proofs = 0;
    double card_ms = 0;
    [[nodiscard]] std::size_t total() const { return writes + presentations + reads + proofs; }
};

class Station {
  public:
    Station(const Personality& p, bool t0, simcard::TimingModel timing)
        : p_(p),
          t0_(t0),
          timing_(timing),
          f_(order_for(p)),
          identities_(f_.order()),
          fixed_iccid_(sim::driver_by_name(p.card_type)->iccid_factory_fixed()) {
        f_.ctx().adm_keys = sim::AdmKeys::single(sim::SecretBytes::from_text(p.adm));
    }

    CardCost issue_one(bool keep_trace = false) {
        // A card type whose vendor fixes the ICCID comes with the identities of the vendor's file: each body
        // carries the ICCID of the identity the journal hands out next (the lowest free one, in the order's
        // sequence).
        auto identity = identities_.next();
        ++serial_;
        const std::string iccid_hex =
            fixed_iccid_ && identity ? sim::to_hex(sim::ef::encode(sim::ef::Iccid{identity->identity.iccid}))
                                     : factory_iccid(serial_);
        simcard::CardOs os = blank_card(p_, iccid_hex);
        simcard::Options options;
        options.t0 = t0_;
        os.set_options(options);
        os.power_on();
        simcard::FaultyCard card(os, {}, timing_);
        CardCost cost;
        std::uint64_t n = 0;
        sim::LoopbackTransport transport(
            os.atr(),
            [&](const sim::Bytes& c) -> sim::Bytes {
                auto r = card.process(c);
                ++n;
                cost.command_bytes += c.size();
                cost.response_bytes += r.size();
                cost.by_command[command_name(c[1])]++;
                if (c[1] == 0xD6 || c[1] == 0xDC) cost.apdus_to_last_write = n;
                if (keep_trace) cost.trace.push_back(os.trace_command(c) + " -> " + sim::to_hex(r));
                return r;
            },
            [&](bool) { os.reset(); }, t0_ ? sim::Protocol::T0 : sim::Protocol::T1);
        sim::Card sim_card(transport);
        provisioner::issue_card(sim_card, "reader-0", f_.ctx());
        cost.apdus = n;
        cost.characters = card.characters();
        cost.nv_writes = card.nv_writes();
        cost.card_ms = card.modelled_us() / 1000.0;
        return cost;
    }

    // The floor from this card type's plan for one card of the order (sizes as learnt from the cards).
    Floor floor() {
        const auto driver = sim::driver_by_name(p_.card_type);
        const auto& order = f_.order();
        provisioner::IdentityReader reader(order);
        const auto sample = reader.next().value();
        provisioner::KeyPolicy policy;
        const auto m = provisioner::generate_key_material(policy, sim::SecretBytes::from_text(p_.adm));
        sim::KeySet keys;
        keys.algorithm = sim::auth::Algorithm::Milenage;
        keys.ki = m.ki;
        keys.opc = m.opc;
        sim::CodeSet codes;
        codes.pin1 = sim::SecretBytes::from_text(order.profile.pin.pin1);
        codes.puk1 = m.puk1;
        codes.pin2 = m.pin2;
        codes.puk2 = m.puk2;
        codes.pin_tries = order.profile.pin.pin_retries;
        codes.puk_tries = order.profile.pin.puk_retries;
        auto* sizes = f_.ctx().sizes;
        const auto images = provisioner::build_card_images(
            order.profile, sample.identity, *driver, keys, codes,
            [&](const sim::EfRef& ef, const sim::files::FileSpec& spec) -> std::size_t {
                if (const auto known = driver->file_size(ef)) return *known;
                if (const auto cached = sizes->get(driver->name(), ef.path)) return *cached;
                return spec.default_size;
            });
        const auto iccid_plan = sim::plan(images.iccid);
        const auto codes_plan = sim::plan(images.codes);
        const auto files_plan = sim::plan(images.files);
        Floor fl;
        auto chars = [](std::size_t data) { return 5 + 1 + data + 2; };  // header, procedure byte, data, SW
        double us = 0;
        for (const auto* plan : {&iccid_plan, &codes_plan, &files_plan}) {
            for (const auto& step : plan->steps) {
                const auto len = step.data().size();
                const std::size_t apdus = std::max<std::size_t>(1, (len + 254) / 255);
                fl.writes += apdus;
                us += timing_.wire_us(chars(len) + (apdus - 1) * 8) +
                      static_cast<double>(apdus) * timing_.nv_write_ms * 1000;
                if (!step.file->readback || step.file->secret || step.file->ef.secret) continue;
                fl.reads += 1;
                us += timing_.wire_us(chars(len));
            }
        }
        // ADM, then PIN1 / PIN2 when the files need them: VERIFY with 8 bytes of data.
        fl.presentations = 1 + (files_plan.needs_pin1 ? 1 : 0) + (files_plan.needs_pin2 ? 1 : 0);
        us += static_cast<double>(fl.presentations) * timing_.wire_us(chars(8));
        // The key proof: one AUTHENTICATE (3G context: 34 bytes in, 53 out incl. tags), no GET RESPONSE.
        fl.proofs = 1;
        us += timing_.wire_us(5 + 1 + 34 + 53 + 2);
        fl.card_ms = us / 1000.0;
        return fl;
    }

    const Personality& personality() const { return p_; }
    bool t0() const { return t0_; }

  private:
    Personality p_;
    bool t0_;
    simcard::TimingModel timing_;
    bench::IssueStation f_;
    provisioner::IdentityReader identities_;
    bool fixed_iccid_ = false;
    std::uint64_t serial_ = 0;
};

void report(bool with_trace) {
    fmt::print("## Card I/O per card: Forfait M (profiles/forfait-m.xml), in-process simulated card\n\n");
    fmt::print(
        "Floor = one APDU per file (or record) written + code presentations (ADM, PIN1/PIN2 when the files "
        "need them) + one read per file read back + one AUTHENTICATE for the key proof; no SELECT, no GET "
        "RESPONSE, no identification. Card time: T=0, 12 etu/char, NVM write {} ms per accepted UPDATE.\n\n",
        simcard::TimingModel{}.nv_write_ms);
    fmt::print(
        "| card | link | APDUs/card | to last write | floor (W+P+R+A) | ratio | bytes cmd+resp | card time "
        "9600 bit/s | floor time | ratio | card time TA1 rate | floor time |\n");
    fmt::print("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    std::vector<std::pair<std::string, CardCost>> traces;
    for (const auto& p : {kStub, kSja2}) {
        for (const bool t0 : {false, true}) {
            simcard::TimingModel slow;  // 9600 bit/s
            Station s(p, t0, slow);
            CardCost first;
            try {
                first = s.issue_one();  // learns file sizes the driver does not know
            } catch (const std::exception& e) {
                fmt::print("| {} | {} | FAILED: {} |\n", p.label, t0 ? "T=0" : "T=1", e.what());
                continue;
            }
            const CardCost steady = s.issue_one(with_trace);
            const Floor fl = s.floor();
            // Same card under the ATR's TA1 rate (after PPS).
            simcard::TimingModel fast;
            const auto atr = bench::blank_body(p.card_file, factory_iccid(1)).atr();
            fast.bit_rate = simcard::TimingModel::bit_rate_from_atr(atr).value_or(9600);
            Station sf(p, t0, fast);
            (void)sf.issue_one();
            const CardCost steady_fast = sf.issue_one();
            const Floor fl_fast = sf.floor();
            fmt::print(
                "| {} | {} | {} (first card {}) | {} | {} = {}+{}+{}+{} | {:.2f} | {}+{} | {:.0f} ms | "
                "{:.0f} ms | "
                "{:.2f} | {:.0f} ms @{:.0f} | {:.0f} ms |\n",
                p.label, t0 ? "T=0" : "T=1", steady.apdus, first.apdus, steady.apdus_to_last_write,
                fl.total(), fl.writes, fl.presentations, fl.reads, fl.proofs,
                static_cast<double>(steady.apdus) / static_cast<double>(fl.total()), steady.command_bytes,
                steady.response_bytes, steady.card_ms, fl.card_ms, steady.card_ms / fl.card_ms,
                steady_fast.card_ms, fast.bit_rate, fl_fast.card_ms);
            std::string mix;
            for (const auto& [name, count] : steady.by_command) mix += fmt::format("{} {}, ", name, count);
            fmt::print("|  | commands | {} |\n", mix.substr(0, mix.size() - 2));
            if (with_trace) traces.emplace_back(fmt::format("{} {}", p.label, t0 ? "T=0" : "T=1"), steady);
        }
    }
    for (const auto& [label, cost] : traces) {
        fmt::print("\n### trace: {}\n", label);
        for (std::size_t i = 0; i < cost.trace.size(); ++i) fmt::print("{:4} {}\n", i + 1, cost.trace[i]);
    }
    std::fflush(stdout);
}

// Host time per card in-process (journal transactions included, no card time): Google Benchmark.
void BM_IssueCard(benchmark::State& state, Personality p, bool t0) {
    Station s(p, t0, simcard::TimingModel{});
    (void)s.issue_one();
    CardCost last;
    for (auto _ : state) last = s.issue_one();
    state.counters["apdus"] = static_cast<double>(last.apdus);
    state.counters["card_ms_9600"] = last.card_ms;
}

}  // namespace

int main(int argc, char** argv) {
    bool report_only = false, trace = false;
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--report-only")
            report_only = true;
        else if (a == "--trace")
            trace = true;
        else
            rest.push_back(argv[i]);
    }
    report(trace);
    if (report_only) return 0;
    benchmark::RegisterBenchmark("IssueCard/stub-usim/T1", BM_IssueCard, kStub, false)->Iterations(200);
    benchmark::RegisterBenchmark("IssueCard/stub-usim/T0", BM_IssueCard, kStub, true)->Iterations(200);
    benchmark::RegisterBenchmark("IssueCard/sysmoISIM-SJA2/T1", BM_IssueCard, kSja2, false)->Iterations(200);
    int n = static_cast<int>(rest.size());
    benchmark::Initialize(&n, rest.data());
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
