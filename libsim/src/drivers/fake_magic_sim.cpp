#include "sim/drivers/fake_magic_sim.hpp"

#include <algorithm>
#include <array>

#include "sim/error.hpp"

namespace sim {

namespace {

constexpr std::uint16_t kTelecom = 0x7F10;
constexpr std::uint16_t kGsm = 0x7F20;
constexpr std::uint8_t kValidActive = 0x81;
constexpr std::size_t kNameSize = 14;
constexpr std::size_t kSmspSize = 40;

const std::array<std::uint8_t, 14> kAtr{0x3B, 0x9A, 0x94, 0x00, 0x92, 0x02, 0x75,
                                        0x93, 0x11, 0x00, 0x01, 0x02, 0x02, 0x21};

// The standard EFs a profile writes, as the reference card is laid out; 0 = absent, or never writable there
// (an ADM level the card does not grant: unwritable_files()).
constexpr EfSize kSizes[] = {
    {kFidMf, 0x2FE2, 0},    {kGsm, 0x6F07, 0},     {kGsm, 0x6F78, 0},      {kGsm, 0x6F46, 0},
    {kGsm, 0x6FAD, 0},      {kGsm, 0x6F38, 0},     {kGsm, 0x6F31, 0},      {kGsm, 0x6F30, 45},
    {kGsm, 0x6F7B, 12},     {kGsm, 0x6F60, 0},     {kGsm, 0x6F61, 0},      {kGsm, 0x6F62, 0},
    {kGsm, 0x6FB7, 0},      {kGsm, 0x6FC7, 0},     {kGsm, 0x6FC9, 0},      {kTelecom, 0x6F40, 26},
    {kTelecom, 0x6F42, 40}, {kTelecom, 0x6F49, 0}, {kTelecom, 0x6F3A, 26}, {kTelecom, 0x6F3B, 26},
};

void append_padded(Bytes& out, ByteView value, std::size_t size, bool left) {
    if (value.size() > size) throw InputError("provider record: a field is too long");
    const Bytes pad(size - value.size(), 0xFF);
    if (left) out.insert(out.end(), pad.begin(), pad.end());
    out.insert(out.end(), value.begin(), value.end());
    if (!left) out.insert(out.end(), pad.begin(), pad.end());
}

// The record's name field: the operator's name in ASCII (the card shows it in its profile menu), cut to 14.
Bytes record_name(const std::string& name) {
    Bytes out;
    for (char c : name.substr(0, kNameSize)) {
        const auto byte = static_cast<std::uint8_t>(c);
        out.push_back(byte >= 0x20 && byte < 0x7F ? byte : static_cast<std::uint8_t>('?'));
    }
    return out;
}

}  // namespace

FakeMagicSimDriver::FakeMagicSimDriver() : Sim2gDriver(kSizes) {}

bool FakeMagicSimDriver::matches_atr(ByteView atr) const {
    return std::equal(atr.begin(), atr.end(), kAtr.begin(), kAtr.end());
}

bool FakeMagicSimDriver::probe(Card& card) const {
    try {
        const auto info = card.select_with_info({kFidProviders}, true);
        return info.record_length == kRecordLength;
    } catch (const Error&) {
        card.invalidate_selection();
        return false;
    }
}

std::vector<FileContent> FakeMagicSimDriver::key_files(const KeySet& keys) const {
    if (auto refusal = keys_refusal(keys)) throw InputError(*refusal);
    return {};
}

std::vector<FileContent> FakeMagicSimDriver::subscription_files(const Subscription& subscription,
                                                                const KeySet& keys) const {
    if (auto refusal = keys_refusal(keys)) throw InputError(*refusal);
    if (keys.ki.size() != 16) throw InputError("Ki must be 16 bytes");
    if (subscription.iccid.size() != 10 || subscription.imsi.size() != 9)
        throw InputError("provider record: EF.ICCID (10 bytes) and EF.IMSI (9 bytes) bodies expected");
    Bytes record{kValidActive};
    append_padded(record, record_name(subscription.name), kNameSize, false);
    record.insert(record.end(), subscription.iccid.begin(), subscription.iccid.end());
    record.insert(record.end(), subscription.imsi.begin(), subscription.imsi.end());
    record.insert(record.end(), keys.ki.reveal().begin(), keys.ki.reveal().end());
    append_padded(record, subscription.smsp, kSmspSize, true);
    FileContent file;
    file.ef = EfRef{{kFidProviders}, std::nullopt, "EF.PROVIDERS", true};
    file.record_based = true;
    file.records.push_back(std::move(record));
    file.secret = true;
    file.readback = false;
    file.access = FileContent::Access::None;
    return {std::move(file)};
}

std::vector<std::string> FakeMagicSimDriver::unwritable_files() const {
    return {"EF.ICCID (3F00/2FE2): update needs ADM level C; the card shows the active provider record's",
            "EF.IMSI (3F00/7F20/6F07): update needs ADM level B; the card shows the active provider record's",
            "EF.ACC (3F00/7F20/6F78), EF.SPN (6F46), EF.AD (6FAD), EF.SST (6F38): update needs ADM level B",
            "this card has no ADM at all: these levels are never granted"};
}

}  // namespace sim
