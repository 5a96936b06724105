// What a hostile card answers to the card layer's dialogues, rather than to one parser: the T=0 exchange loop
// (61xx/9Fxx GET RESPONSE chains, 6Cxx resends), the USIM AID search through EF.DIR, and the AUTHENTICATE
// (3G and GSM context) and RUN GSM ALGORITHM answers.
//
// Input: byte 0 picks the dialogue, byte 1 shapes the command sent (exchange) ; the rest is the card's
// answers, one after the other, each as a length byte and that many bytes (the last two the status word).
// When the answers run out the card says 6A83 (record not found), which ends any dialogue. In the
// authentication dialogues the SELECTs and the EF.DIR record are answered by a well-behaved card, so that the
// input goes to the answer under test.
//
// Properties: no crash, hang or runaway allocation; only typed sim::Error escapes; a command without Le
// goes to the card exactly once (a VERIFY carrying a code is never resent); an exchange sends at most
// 1 + kMaxGetResponses GET RESPONSEs, each possibly resent once after 6Cxx, and anything after the first
// command is a GET RESPONSE or the same command with a new Le; the USIM AID found starts with A0000000871002;
// AUTHENTICATE results have the sizes TS 31.102 §7.1.2 gives.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "fuzz_support.hpp"
#include "sim/apdu.hpp"
#include "sim/card.hpp"
#include "sim/card_auth.hpp"
#include "sim/error.hpp"
#include "sim/transport.hpp"

namespace {

constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadRecord = 0xB2;
constexpr std::uint8_t kInsGetResponse = 0xC0;

// A card whose answers are the fuzz input.
class ScriptedCard final : public sim::Transport {
  public:
    ScriptedCard(sim::ByteView script, bool well_behaved_files)
        : script_(script), files_(well_behaved_files) {}

    [[nodiscard]] sim::Bytes atr() const override { return {0x3B, 0x00}; }
    [[nodiscard]] sim::ResponseApdu transmit(const sim::CommandApdu& command) override {
        sent.push_back(command);
        if (files_ && command.ins() == kInsSelect) return {{}, 0x90, 0x00};
        if (files_ && command.ins() == kInsReadRecord) {
            if (command.p1() != 1) return {{}, 0x6A, 0x83};
            // EF.DIR record 1: 61 { 4F AID (USIM), 50 label }.
            return {{0x61, 0x0F, 0x4F, 0x07, 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0x50, 0x04, 'U', 'S',
                     'I', 'M'},
                    0x90,
                    0x00};
        }
        return next_answer();
    }
    void reset(bool) override {}
    [[nodiscard]] sim::Protocol protocol() const override { return sim::Protocol::T0; }
    [[nodiscard]] std::string name() const override { return "fuzz"; }

    std::vector<sim::CommandApdu> sent;

  private:
    sim::ResponseApdu next_answer() {
        if (pos_ >= script_.size()) return {{}, 0x6A, 0x83};
        const std::size_t want = script_[pos_++];
        const std::size_t len = std::min(want, script_.size() - pos_);
        const sim::ByteView answer = script_.subspan(pos_, len);
        pos_ += len;
        if (answer.size() < 2) return {{}, 0x90, answer.empty() ? std::uint8_t{0x00} : answer[0]};
        return {sim::Bytes(answer.begin(), answer.end() - 2), answer[answer.size() - 2], answer.back()};
    }

    sim::ByteView script_;
    std::size_t pos_ = 0;
    bool files_;
};

// Only typed errors are documented rejections of what a card says.
template <class F>
void card_may_refuse(F&& f) {
    try {
        f();
    } catch (const sim::Error&) {
    }
}

// The command byte 1 describes: its case (bits 0-1), dialect's CLA, a secret response (bit 2), Le (bits 3-7).
sim::CommandApdu command_for(std::uint8_t shape, std::uint8_t cla) {
    const unsigned le = (shape >> 3U) == 0 ? 256U : (shape >> 3U) * 8U;
    sim::CommandApdu c = [&] {
        switch (shape & 3U) {
            case 0:
                return sim::CommandApdu::case1(cla, 0x20, 0x00, 0x01);
            case 1:
                return sim::CommandApdu::case2(cla, 0xB0, 0x00, 0x00, le);
            case 2:  // a VERIFY carrying a code: never sent twice
                return sim::CommandApdu::case3(cla, 0x20, 0x00, 0x01, sim::Bytes(8, '1'));
            default:
                return sim::CommandApdu::case4(cla, 0x88, 0x00, 0x81, sim::Bytes(34, 0x11), le);
        }
    }();
    return (shape & 4U) != 0 ? std::move(c).with_secret_response() : c;
}

void check_exchange(const sim::CommandApdu& command, const std::vector<sim::CommandApdu>& sent,
                    const sim::ResponseApdu* answer) {
    if (sent.empty() || !(sent.front().encode() == command.encode()))
        fuzz::fail("the command was not sent first");
    if (!command.le().has_value() && sent.size() != 1) fuzz::fail("a command without Le was sent again");
    if (sent.size() > 2 * (1 + static_cast<std::size_t>(sim::Card::kMaxGetResponses)))
        fuzz::fail("the exchange is not bounded", std::to_string(sent.size()) + " APDUs");
    for (std::size_t i = 1; i < sent.size(); ++i) {
        const auto& c = sent[i];
        const bool same_command = c.ins() == command.ins() && c.data() == command.data();
        if (c.ins() != kInsGetResponse && !same_command) fuzz::fail("an unexpected APDU in the exchange");
        if (!c.le().has_value()) fuzz::fail("a resend or GET RESPONSE without Le");
        if (c.has_secret_response() != command.has_secret_response())
            fuzz::fail("a GET RESPONSE of a secret answer is not marked secret");
    }
    if (answer != nullptr && answer->data().size() > sim::Card::kMaxResponseBytes + 255)
        fuzz::fail("the answer grew past the bound");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t mode = data[0] % 6;
    const sim::ByteView answers(data + 2, size - 2);
    ScriptedCard transport(answers, mode >= 3);
    sim::Card card(transport);
    switch (mode) {
        case 0:
        case 1: {  // the T=0 exchange loop, UICC (61xx) or 2G SIM (9Fxx)
            card.use_dialect(mode == 0 ? sim::Dialect::Uicc : sim::Dialect::Sim2G);
            const auto command = command_for(data[1], card.cla());
            try {
                const auto answer = card.exchange(command);
                check_exchange(command, transport.sent, &answer);
            } catch (const sim::ProtocolError&) {
                check_exchange(command, transport.sent, nullptr);
            }
            break;
        }
        case 2:  // the USIM AID from EF.DIR
            card.use_dialect(sim::Dialect::Uicc);
            card_may_refuse([&] {
                const auto& aid = card.usim_aid();
                if (aid.size() < sim::kUsimAidPrefix.size() ||
                    !std::equal(sim::kUsimAidPrefix.begin(), sim::kUsimAidPrefix.end(), aid.begin()))
                    fuzz::fail("EF.DIR gave an AID that is not the USIM's");
            });
            break;
        case 3:  // AUTHENTICATE, 3G context
            card.use_dialect(sim::Dialect::Uicc);
            card_may_refuse([&] {
                const auto result = sim::authenticate_3g(card, sim::auth::Rand{}, sim::auth::Autn{});
                if (const auto* ok = std::get_if<sim::Auth3gSuccess>(&result)) {
                    if (ok->res.size() < 4 || ok->res.size() > 16) fuzz::fail("RES outside 4..16 bytes");
                }
            });
            break;
        default:  // GSM context: AUTHENTICATE on a UICC, RUN GSM ALGORITHM on a 2G SIM
            card.use_dialect(mode == 4 ? sim::Dialect::Uicc : sim::Dialect::Sim2G);
            card_may_refuse([&] { (void)sim::authenticate_gsm(card, sim::auth::Rand{}); });
            break;
    }
    return 0;
}
