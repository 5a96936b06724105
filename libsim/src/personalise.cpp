#include "sim/personalise.hpp"

#include <fmt/format.h>
#include <algorithm>

#include "sim/error.hpp"

namespace sim {
namespace {

constexpr std::size_t kMaxUpdate = 255;

FilePath directory_of(const EfRef& ef) {
    return FilePath(ef.path.begin(), ef.path.end() - (ef.path.empty() ? 0 : 1));
}

std::string file_label(const EfRef& ef) {
    return ef.name.empty() ? path_to_string(ef.path)
                           : fmt::format("{} ({})", ef.name, path_to_string(ef.path));
}

// The EF as the card layer must address it: secret files get their APDUs masked.
EfRef addressed(const FileContent& file) {
    EfRef ef = file.ef;
    ef.secret = ef.secret || file.secret;
    return ef;
}

std::size_t first_difference(ByteView a, ByteView b) {
    const auto n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (a[i] != b[i]) return i;
    }
    return n;
}

}  // namespace

FileContent::~FileContent() {
    if (!secret) return;
    wipe_bytes(body);
    for (auto& r : records) wipe_bytes(r);
}

ByteView PlanStep::data() const {
    return record == 0 ? ByteView(file->body) : ByteView(file->records[record - 1]);
}

std::string PlanStep::describe() const {
    if (file->command) {
        const auto& c = *file->command;
        return fmt::format("COMMAND {:02X} {:02X} {:02X} {:02X} {} {} B: ***", c.cla, c.ins, c.p1, c.p2,
                           file->ef.name, data().size());
    }
    const bool masked = file->secret || file->ef.secret;
    const std::string shown = masked ? std::string("***") : to_hex(data());
    if (record == 0)
        return fmt::format("UPDATE BINARY {} {} B: {}", file_label(file->ef), data().size(), shown);
    return fmt::format("UPDATE RECORD {} record {} {} B: {}", file_label(file->ef), record, data().size(),
                       shown);
}

std::size_t WritePlan::write_apdus() const {
    std::size_t n = 0;
    for (const auto& step : steps)
        n += std::max<std::size_t>(1, (step.data().size() + kMaxUpdate - 1) / kMaxUpdate);
    return n;
}

std::string WritePlan::to_text() const {
    std::string out = fmt::format("{} writes, {} APDUs{}{}{}\n", steps.size(), write_apdus(),
                                  needs_adm ? ", needs ADM" : "", needs_pin1 ? ", needs PIN1" : "",
                                  needs_pin2 ? ", needs PIN2" : "");
    for (std::size_t i = 0; i < steps.size(); ++i)
        out += fmt::format("{:3}  {}\n", i + 1, steps[i].describe());
    return out;
}

WritePlan plan(const CardImage& image) {
    std::vector<const FileContent*> files;
    for (const auto& f : image.files) files.push_back(&f);
    // Lexicographic order of directory paths puts each DF right after its parent (MF, 7F10, 7F10/5F3A, 7F20,
    // A515, then 7FFF, 7FFF/5F3B): every directory is entered once. ADF.USIM's subtree goes last whatever the
    // other FIDs (an ADF.ISIM at FF01, a DF at A515) so the authentication after the writes needs no SELECT.
    // stable_sort keeps the image's order inside one.
    std::stable_sort(files.begin(), files.end(), [](const FileContent* a, const FileContent* b) {
        const FilePath da = a->command ? a->ef.path : directory_of(a->ef);
        const FilePath db = b->command ? b->ef.path : directory_of(b->ef);
        const bool usim_a = !da.empty() && da.front() == kFidCurrentAdf;
        const bool usim_b = !db.empty() && db.front() == kFidCurrentAdf;
        return usim_a != usim_b ? usim_b : da < db;
    });
    WritePlan out;
    for (const FileContent* f : files) {
        out.needs_adm = out.needs_adm || f->access == FileContent::Access::Adm;
        out.needs_pin1 = out.needs_pin1 || f->access == FileContent::Access::Pin1;
        out.needs_pin2 = out.needs_pin2 || f->access == FileContent::Access::Pin2;
        if (f->command && (f->record_based || f->body.empty() || f->body.size() > kMaxUpdate))
            throw InputError(
                fmt::format("card image: command {} needs 1-255 bytes of data", file_label(f->ef)));
        if (!f->record_based) {
            if (f->body.empty())
                throw InputError(fmt::format("card image: {} has no content", file_label(f->ef)));
            out.steps.push_back({f, 0});
            continue;
        }
        for (std::size_t r = 0; r < f->records.size(); ++r) {
            if (f->records[r].empty()) continue;
            if (r + 1 > 254)
                throw InputError(fmt::format("card image: {} record {} (max 254)", file_label(f->ef), r + 1));
            out.steps.push_back({f, static_cast<std::uint8_t>(r + 1)});
        }
    }
    return out;
}

namespace {

// Reads one written step back; nullopt when it matches or is not to be read back.
std::optional<Mismatch> read_back(Card& card, const PlanStep& step) {
    // Key and code files are proven by authentication and VERIFY, not read back (most cards refuse it).
    if (step.file->command || !step.file->readback || step.file->secret || step.file->ef.secret)
        return std::nullopt;
    const EfRef ef = addressed(*step.file);
    const ByteView expected = step.data();
    const Bytes actual = step.record == 0 ? card.read_binary(ef, 0, expected.size())
                                          : card.read_record(ef, step.record, expected.size());
    const std::size_t at = first_difference(actual, expected);
    if (at == expected.size() && actual.size() == expected.size()) return std::nullopt;
    return Mismatch{
        step.record == 0 ? file_label(ef) : fmt::format("{} record {}", file_label(ef), step.record), at};
}

// A key command carries its key in the data field: secret in traces, its path is where it is sent.
void send_command(Card& card, const FileContent& file) {
    const auto& c = *file.command;
    if (!file.ef.path.empty()) card.select_df(file.ef.path);
    card.send(CommandApdu::case3(c.cla, c.ins, c.p1, c.p2, file.body).with_secret_data(),
              fmt::format("{} ({:02X} {:02X})", file.ef.name, c.cla, c.ins));
}

void write_step(Card& card, const PlanStep& step) {
    if (step.file->command) return send_command(card, *step.file);
    const EfRef ef = addressed(*step.file);
    if (step.record == 0) {
        card.update_binary(ef, 0, step.data());
    } else {
        card.update_record(ef, step.record, step.data());
    }
}

}  // namespace

void run(Card& card, const WritePlan& plan, const StepObserver& observer) {
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        write_step(card, plan.steps[i]);
        if (observer) observer(i + 1, plan.steps.size(), plan.steps[i]);
    }
}

std::vector<Mismatch> verify_readback(Card& card, const WritePlan& plan) {
    std::vector<Mismatch> mismatches;
    for (const auto& step : plan.steps) {
        if (auto m = read_back(card, step)) mismatches.push_back(std::move(*m));
    }
    return mismatches;
}

std::vector<Mismatch> run_and_verify(Card& card, const WritePlan& plan, const StepObserver& observer,
                                     const StepHook& before) {
    std::vector<Mismatch> mismatches;
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        if (before) before(plan.steps[i]);
        write_step(card, plan.steps[i]);
        if (auto m = read_back(card, plan.steps[i])) mismatches.push_back(std::move(*m));
        if (observer) observer(i + 1, plan.steps.size(), plan.steps[i]);
    }
    return mismatches;
}

}  // namespace sim
