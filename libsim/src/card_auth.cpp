#include "sim/card_auth.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim {
namespace {

constexpr std::uint8_t kInsAuthenticate = 0x88;
constexpr std::uint8_t kContext3g = 0x81;
constexpr std::uint8_t kContextGsm = 0x80;
constexpr std::uint8_t kTagSuccess = 0xDB;
constexpr std::uint8_t kTagSyncFailure = 0xDC;
constexpr std::uint16_t kSwMacFailure = 0x9862;

// Length-prefixed fields one after another (TS 31.102 §7.1.2: "L1 RES L2 CK L3 IK [L4 Kc]").
class LvReader {
public:
    LvReader(ByteView data, std::string_view what) : data_(data), what_(what) {}
    ByteView next(std::size_t min, std::size_t max) {
        if (pos_ >= data_.size()) throw ProtocolError(fmt::format("{}: answer ends at byte {}", what_, pos_));
        const std::size_t len = data_[pos_++];
        if (len < min || len > max || pos_ + len > data_.size()) {
            throw ProtocolError(fmt::format("{}: field of {} bytes at byte {} (expected {} to {})", what_, len,
                                            pos_ - 1, min, max));
        }
        const ByteView out = data_.subspan(pos_, len);
        pos_ += len;
        return out;
    }
    [[nodiscard]] bool done() const { return pos_ >= data_.size(); }

private:
    ByteView data_;
    std::string_view what_;
    std::size_t pos_ = 0;
};

template <std::size_t N>
std::array<std::uint8_t, N> to_array(ByteView v) {
    std::array<std::uint8_t, N> out{};
    std::copy_n(v.begin(), std::min(N, v.size()), out.begin());
    return out;
}

Bytes lv_data(std::initializer_list<ByteView> fields) {
    Bytes out;
    for (const auto f : fields) {
        out.push_back(static_cast<std::uint8_t>(f.size()));
        out.insert(out.end(), f.begin(), f.end());
    }
    return out;
}

}  // namespace

Auth3gResult authenticate_3g(Card& card, const auth::Rand& rand, const auth::Autn& autn) {
    if (card.dialect() != Dialect::Uicc) throw NotSupported("AUTHENTICATE 3G context: the card is a 2G SIM");
    card.enter_usim();  // AUTHENTICATE runs in the current application: any DF or EF of the USIM will do
    const auto command = CommandApdu::case4(kClaUicc, kInsAuthenticate, 0x00, kContext3g, lv_data({rand, autn}), 256)
                             .with_secret_response();
    const ResponseApdu r = card.exchange(command);
    if (r.sw() == kSwMacFailure) return Auth3gMacFailure{};
    if (!r.ok() && r.sw1() != 0x61) throw_for_sw(r.sw(), card.dialect(), "AUTHENTICATE (3G context)");
    const auto& d = r.data();
    if (d.empty()) throw ProtocolError("AUTHENTICATE (3G context): empty answer");
    LvReader fields(ByteView(d).subspan(1), "AUTHENTICATE (3G context)");
    if (d[0] == kTagSyncFailure) return Auth3gSyncFailure{to_array<14>(fields.next(14, 14))};
    if (d[0] != kTagSuccess) throw ProtocolError(fmt::format("AUTHENTICATE: unknown result tag {:02X}", d[0]));
    Auth3gSuccess ok;
    const auto res = fields.next(4, 16);
    ok.res.assign(res.begin(), res.end());
    ok.ck = to_array<16>(fields.next(16, 16));
    ok.ik = to_array<16>(fields.next(16, 16));
    if (!fields.done()) ok.kc = to_array<8>(fields.next(8, 8));
    return ok;
}

auth::GsmOutput authenticate_gsm(Card& card, const auth::Rand& rand) {
    if (card.dialect() == Dialect::Sim2G) {
        card.select_df({0x7F20});  // RUN GSM ALGORITHM needs DF.GSM current (TS 51.011 §9.2.16)
        const auto r = card.send(
            CommandApdu::case4(kClaSim, kInsAuthenticate, 0, 0, Bytes(rand.begin(), rand.end()), 12)
                .with_secret_response(),
            "RUN GSM ALGORITHM");
        if (r.data().size() < 12) throw ProtocolError("RUN GSM ALGORITHM: answer shorter than SRES + Kc");
        return {to_array<4>(ByteView(r.data()).subspan(0, 4)), to_array<8>(ByteView(r.data()).subspan(4, 8))};
    }
    card.enter_usim();
    const auto r = card.send(CommandApdu::case4(kClaUicc, kInsAuthenticate, 0x00, kContextGsm, lv_data({rand}), 256)
                                 .with_secret_response(),
                             "AUTHENTICATE (GSM context)");
    LvReader fields(r.data(), "AUTHENTICATE (GSM context)");
    const auto sres = fields.next(4, 4);
    const auto kc = fields.next(8, 8);
    return {to_array<4>(sres), to_array<8>(kc)};
}

}  // namespace sim
