// omacp-sms: the SMS PDUs parse back (TS 23.040 SMS-SUBMIT, UDH port addressing and concatenation), the parts
// reassemble to the WSP Push PDU whose body is the WBXML document, and the MAC verifies with an HMAC-SHA1
// recomputed here through OpenSSL's EVP_MAC API (not the helper under test). The helper itself is checked
// against RFC 2202.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <filesystem>
#include <map>

#include "profile/profile.hpp"
#include "sim/bytes.hpp"
#include "sim/error.hpp"
#include "terminal/hmac.hpp"
#include "terminal/omacp.hpp"
#include "terminal/sms_pdu.hpp"
#include "terminal/wap_push.hpp"
#include "terminal/wbxml.hpp"

namespace {

namespace term = provisioner::terminal;

sim::Bytes text_bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

std::string hmac_hex(const sim::Bytes& key, const sim::Bytes& data) {
    return sim::to_hex(term::hmac_sha1(key, data));
}

// RFC 2202 §3, test cases 1, 2, 3 and 6.
TEST(TerminalHmac, Rfc2202Vectors) {
    EXPECT_EQ(hmac_hex(sim::Bytes(20, 0x0b), text_bytes("Hi There")),
              "B617318655057264E28BC0B6FB378C8EF146BE00");
    EXPECT_EQ(hmac_hex(text_bytes("Jefe"), text_bytes("what do ya want for nothing?")),
              "EFFCDF6AE5EB2FA2D27416D5F184DF9C259A7C79");
    EXPECT_EQ(hmac_hex(sim::Bytes(20, 0xaa), sim::Bytes(50, 0xdd)),
              "125D7342B9AC11CD91A39AF48AA17B4F63F175D3");
    EXPECT_EQ(
        hmac_hex(sim::Bytes(80, 0xaa), text_bytes("Test Using Larger Than Block-Size Key - Hash Key First")),
        "AA4AE5E15272D00E95705637CE8A3B55ED402112");
}

// ProvBoot §5.3: the IMSI as in EF.IMSI without the length byte.
TEST(TerminalPush, NetwpinKeyIsTheImsiInSemiOctets) {
    // 15 digits: parity nibble 9 first, no filler.
    EXPECT_EQ(sim::to_hex(term::netwpin_key("404020506708200")), "4940205060072800");
    // 14 digits: type nibble 1, F filler at the end.
    EXPECT_EQ(sim::to_hex(term::netwpin_key("21407650123456")), "21417056103254F6");
    EXPECT_THROW(term::netwpin_key("54601x"), sim::InputError);
}

// ---- an SMS-SUBMIT parser written from TS 23.040 §9.2.2.2 ----------------------------------------------
struct ParsedSms {
    std::string destination;
    std::uint8_t dcs = 0;
    std::optional<std::pair<std::uint16_t, std::uint16_t>> ports;  // destination, source
    std::optional<std::uint8_t> reference;
    std::uint8_t total = 1;
    std::uint8_t seq = 1;
    sim::Bytes data;
};

ParsedSms parse_submit(const sim::Bytes& pdu) {
    ParsedSms sms;
    std::size_t i = 0;
    const std::uint8_t first = pdu.at(i++);
    EXPECT_EQ(first & 0x03, 0x01) << "TP-MTI SMS-SUBMIT";
    EXPECT_NE(first & 0x40, 0) << "TP-UDHI";
    EXPECT_EQ((first >> 3) & 0x03, 0) << "no TP-VP";
    ++i;  // TP-MR
    const std::size_t digits = pdu.at(i++);
    const std::uint8_t toa = pdu.at(i++);
    if (toa == 0x91) sms.destination = "+";
    for (std::size_t d = 0; d < digits; ++d) {
        const std::uint8_t b = pdu.at(i + d / 2);
        sms.destination.push_back(static_cast<char>('0' + ((d % 2 == 0) ? (b & 0x0F) : (b >> 4))));
    }
    i += (digits + 1) / 2;
    EXPECT_EQ(pdu.at(i++), 0x00) << "TP-PID";
    sms.dcs = pdu.at(i++);
    const std::size_t udl = pdu.at(i++);
    EXPECT_EQ(pdu.size() - i, udl) << "TP-UDL counts octets in 8-bit data";
    EXPECT_LE(udl, 140u);
    const std::size_t udhl = pdu.at(i++);
    const std::size_t udh_end = i + udhl;
    while (i < udh_end) {
        const std::uint8_t iei = pdu.at(i);
        const std::uint8_t len = pdu.at(i + 1);
        if (iei == 0x05 && len == 4) sms.ports = {{sim::be16(pdu, i + 2), sim::be16(pdu, i + 4)}};
        if (iei == 0x00 && len == 3) {
            sms.reference = pdu.at(i + 2);
            sms.total = pdu.at(i + 3);
            sms.seq = pdu.at(i + 4);
        }
        i += 2u + len;
    }
    sms.data.assign(pdu.begin() + static_cast<long>(i), pdu.end());
    return sms;
}

struct ParsedPush {
    std::uint8_t pdu_type = 0;
    std::uint8_t content_type = 0;
    std::optional<int> sec;
    std::optional<std::string> mac;
    sim::Bytes body;
};

std::size_t read_uintvar(const sim::Bytes& b, std::size_t& i) {
    std::size_t v = 0;
    std::uint8_t octet = 0;
    do {
        octet = b.at(i++);
        v = (v << 7) | (octet & 0x7Fu);
    } while ((octet & 0x80) != 0);
    return v;
}

// WAP-230-WSP §8.2.4.1 (Push PDU) and §8.4.2.24 (Content-type-value).
ParsedPush parse_push(const sim::Bytes& b) {
    ParsedPush push;
    std::size_t i = 1;  // TID
    push.pdu_type = b.at(i++);
    const std::size_t headers_length = read_uintvar(b, i);
    const std::size_t body_start = i + headers_length;
    if (b.at(i) >= 0x80) {
        push.content_type = static_cast<std::uint8_t>(b.at(i) & 0x7F);
    } else {
        std::size_t length = b.at(i++);
        if (length == 0x1F) length = read_uintvar(b, i);
        const std::size_t end = i + length;
        push.content_type = static_cast<std::uint8_t>(b.at(i++) & 0x7F);
        while (i < end) {
            const std::uint8_t param = b.at(i++);
            if (param == 0x91) push.sec = b.at(i++) & 0x7F;
            if (param == 0x92) {
                std::string mac;
                for (std::uint8_t c = b.at(i++); c != 0; c = b.at(i++)) mac.push_back(static_cast<char>(c));
                push.mac = mac;
            }
        }
    }
    push.body.assign(b.begin() + static_cast<long>(body_start), b.end());
    return push;
}

sim::Bytes reassemble(const std::vector<sim::Bytes>& pdus, const std::string& to) {
    std::map<int, sim::Bytes> parts;
    std::optional<std::uint8_t> reference;
    for (const auto& pdu : pdus) {
        const auto sms = parse_submit(pdu);
        EXPECT_EQ(sms.destination, to);
        EXPECT_EQ(sms.dcs, 0x04) << "8-bit data";
        EXPECT_TRUE(sms.ports) << "port addressing in every part";
        if (sms.ports) {
            EXPECT_EQ(sms.ports->first, 2948);
            EXPECT_EQ(sms.ports->second, 9200);
        }
        EXPECT_EQ(sms.total, pdus.size());
        if (pdus.size() > 1) {
            EXPECT_TRUE(sms.reference);
            if (reference) {
                EXPECT_EQ(sms.reference, reference);
            }
            reference = sms.reference;
        }
        parts[sms.seq] = sms.data;
    }
    sim::Bytes whole;
    for (int seq = 1; seq <= static_cast<int>(pdus.size()); ++seq) {
        EXPECT_EQ(parts.count(seq), 1u) << "part " << seq;
        whole.insert(whole.end(), parts[seq].begin(), parts[seq].end());
    }
    return whole;
}

std::string evp_hmac_sha1_hex(const sim::Bytes& key, const sim::Bytes& data) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char digest[] = "SHA1";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    unsigned char out[20];
    std::size_t out_len = 0;
    EVP_MAC_init(ctx, key.data(), key.size(), params);
    EVP_MAC_update(ctx, data.data(), data.size());
    EVP_MAC_final(ctx, out, &out_len, sizeof out);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return sim::to_hex(sim::ByteView(out, out_len));
}

sim::Bytes forfait_m_wbxml() {
    const auto profile =
        provisioner::load_profile(std::filesystem::path(SIM_SOURCE_DIR) / "profiles" / "forfait-m.xml");
    return term::encode_wbxml(term::build_provisioning_doc(profile, std::nullopt));
}

TEST(TerminalPush, UnsignedPushFitsSmsPartsThatReassemble) {
    const auto wbxml = forfait_m_wbxml();
    const auto push = term::wsp_push_pdu(wbxml, std::nullopt);
    const auto pdus = term::sms_submit_pdus(push, {"+687751234", 0x42});
    ASSERT_GT(pdus.size(), 1u) << "a NAPDEF+MMS document needs concatenation";
    const auto parsed = parse_push(reassemble(pdus, "+687751234"));
    EXPECT_EQ(parsed.pdu_type, 0x06);
    EXPECT_EQ(parsed.content_type, 0x36) << "application/vnd.wap.connectivity-wbxml";
    EXPECT_FALSE(parsed.sec);
    EXPECT_EQ(parsed.body, wbxml);
}

TEST(TerminalPush, UserpinMacVerifies) {
    const auto wbxml = forfait_m_wbxml();
    const auto pin = sim::SecretBytes::from_text("1234");
    const auto key = term::security_key(term::PinType::UserPin, "", pin);
    const auto push = term::wsp_push_pdu(
        wbxml, term::PushSecurity{term::PinType::UserPin, term::provisioning_mac(key, wbxml)});
    const auto parsed = parse_push(reassemble(term::sms_submit_pdus(push, {"+687751234", 7}), "+687751234"));
    ASSERT_TRUE(parsed.sec && parsed.mac);
    EXPECT_EQ(*parsed.sec, 1) << "USERPIN";
    EXPECT_EQ(parsed.mac->size(), 40u);
    EXPECT_EQ(*parsed.mac, evp_hmac_sha1_hex(text_bytes("1234"), parsed.body));
    EXPECT_EQ(parsed.body, wbxml);
}

TEST(TerminalPush, NetwpinAndUsernetwpinMacsVerify) {
    const auto wbxml = forfait_m_wbxml();
    const std::string imsi = "546010000000001";
    const sim::Bytes imsi_key = sim::from_hex("5964100000000010");
    const auto netw = term::provisioning_mac(term::security_key(term::PinType::NetwPin, imsi, {}), wbxml);
    EXPECT_EQ(netw, evp_hmac_sha1_hex(imsi_key, wbxml));
    const auto both = term::provisioning_mac(
        term::security_key(term::PinType::UserNetwPin, imsi, sim::SecretBytes::from_text("9876")), wbxml);
    EXPECT_EQ(both, evp_hmac_sha1_hex(sim::concat(imsi_key, text_bytes("9876")), wbxml));
    const auto push = term::wsp_push_pdu(wbxml, term::PushSecurity{term::PinType::NetwPin, netw});
    const auto parsed = parse_push(reassemble(term::sms_submit_pdus(push, {"687751234", 1}), "687751234"));
    EXPECT_EQ(parsed.sec, 0);
    EXPECT_EQ(parsed.mac, netw);
}

TEST(TerminalPush, ShortPushIsOneSmsWithoutConcatenation) {
    const sim::Bytes small(100, 0xAB);
    const auto pdus = term::sms_submit_pdus(small, {"+687751234", 9});
    ASSERT_EQ(pdus.size(), 1u);
    const auto sms = parse_submit(pdus.front());
    EXPECT_FALSE(sms.reference);
    EXPECT_EQ(sms.data, small);
    EXPECT_EQ(term::sms_submit_pdus(sim::Bytes(134, 1), {"1", 0}).size(), 2u)
        << "133 octets fit one SMS, 134 not";
}

TEST(TerminalPush, BadDestinationIsBadInput) {
    EXPECT_THROW(term::sms_submit_pdus(sim::Bytes(3, 0), {"+687-75", 0}), sim::InputError);
}

}  // namespace
