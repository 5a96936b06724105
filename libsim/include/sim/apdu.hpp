// Command and response APDUs as plain values (ISO/IEC 7816-4 short APDUs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/bytes.hpp"

namespace sim {

// CLA bytes of the two dialects: 2G SIM (TS 51.011) and UICC (TS 102 221). Proprietary UICC commands use
// 0x80.
inline constexpr std::uint8_t kClaSim = 0xA0;
inline constexpr std::uint8_t kClaUicc = 0x00;
inline constexpr std::uint8_t kClaUiccProprietary = 0x80;

class CommandApdu {
  public:
    // ISO cases: 1 header only, 2 header+Le, 3 header+data, 4 header+data+Le. Le 1..256 (256 is sent as 00).
    static CommandApdu case1(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2);
    static CommandApdu case2(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                             unsigned le);
    static CommandApdu case3(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                             Bytes data);
    static CommandApdu case4(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data,
                             unsigned le);
    // Parses a raw short APDU (e.g. typed by a technician); throws InputError naming `what` when malformed.
    static CommandApdu parse(ByteView raw, std::string_view what = "APDU");

    CommandApdu(const CommandApdu& other) = default;
    CommandApdu(CommandApdu&& other) noexcept = default;
    // Assigning over an APDU that carried secret data wipes that data first; so does destruction.
    CommandApdu& operator=(const CommandApdu& other);
    CommandApdu& operator=(CommandApdu&& other) noexcept;
    ~CommandApdu();

    // Marks the data field as secret (a PIN, a PUK, a key): traces print it masked and it is wiped on
    // destruction.
    [[nodiscard]] CommandApdu with_secret_data() &&;
    [[nodiscard]] bool has_secret_data() const { return secret_data_; }
    // Marks the answer as secret (a key file read back, authentication results): traces mask its data.
    [[nodiscard]] CommandApdu with_secret_response() &&;
    [[nodiscard]] bool has_secret_response() const { return secret_response_; }

    [[nodiscard]] std::uint8_t cla() const { return cla_; }
    [[nodiscard]] std::uint8_t ins() const { return ins_; }
    [[nodiscard]] std::uint8_t p1() const { return p1_; }
    [[nodiscard]] std::uint8_t p2() const { return p2_; }
    [[nodiscard]] const Bytes& data() const { return data_; }
    [[nodiscard]] std::optional<unsigned> le() const { return le_; }
    [[nodiscard]] int iso_case() const;

    // Same command with another Le (T=0 6Cxx retry).
    [[nodiscard]] CommandApdu with_le(unsigned le) const;
    // The wire bytes.
    [[nodiscard]] Bytes encode() const;
    // Wire bytes as hex with the data field replaced by '*' when secret.
    [[nodiscard]] std::string to_trace_string() const;

  private:
    void wipe_secret_data() noexcept;
    void take_fields_but_data(const CommandApdu& other) noexcept;
    CommandApdu(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2, Bytes data,
                std::optional<unsigned> le);
    std::uint8_t cla_, ins_, p1_, p2_;
    Bytes data_;
    std::optional<unsigned> le_;
    bool secret_data_ = false;
    bool secret_response_ = false;
};

// An answer may hold keys (CK/IK, Kc, a key file read back): its data is wiped when it is destroyed or
// assigned over, whatever the command was.
class ResponseApdu {
  public:
    ResponseApdu(Bytes data, std::uint8_t sw1, std::uint8_t sw2)
        : data_(std::move(data)), sw1_(sw1), sw2_(sw2) {}
    ResponseApdu(const ResponseApdu& other) = default;
    ResponseApdu(ResponseApdu&& other) noexcept = default;
    ResponseApdu& operator=(const ResponseApdu& other);
    ResponseApdu& operator=(ResponseApdu&& other) noexcept;
    ~ResponseApdu();
    // Data ‖ SW1 SW2 as received; throws ProtocolError when shorter than 2 bytes.
    static ResponseApdu parse(ByteView raw);

    [[nodiscard]] const Bytes& data() const { return data_; }
    [[nodiscard]] std::uint8_t sw1() const { return sw1_; }
    [[nodiscard]] std::uint8_t sw2() const { return sw2_; }
    [[nodiscard]] std::uint16_t sw() const { return static_cast<std::uint16_t>((sw1_ << 8) | sw2_); }
    [[nodiscard]] bool ok() const { return sw1_ == 0x90 && sw2_ == 0x00; }
    [[nodiscard]] Bytes encode() const;

  private:
    Bytes data_;
    std::uint8_t sw1_, sw2_;
};

}  // namespace sim
