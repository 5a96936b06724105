// One error hierarchy for the whole toolkit. Each leaf says what happened in the user's terms; the exit code
// follows the project convention: 1 card/reader/device failure, 2 bad input, 3 refused for safety, 4 card
// check failed (the card answered every command, but a check made on the host found it is not what it must
// be).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace sim {

enum class ExitCode : int { Ok = 0, DeviceFailure = 1, BadInput = 2, SafetyRefusal = 3, CardCheckFailed = 4 };

class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
    [[nodiscard]] virtual ExitCode exit_code() const { return ExitCode::DeviceFailure; }
};

// ---- bad input (exit 2): files, arguments, values --------------------------------------------------------
class InputError : public Error {
  public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const override { return ExitCode::BadInput; }
};

// ---- refused for safety (exit 3): ADM guard, key file permissions
// ------------------------------------------
class SafetyRefusal : public Error {
  public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const override { return ExitCode::SafetyRefusal; }
};

// ---- PC/SC service and readers (exit 1) ------------------------------------------------------------------
class ReaderError : public Error {
  public:
    ReaderError(const std::string& what, long pcsc_code = 0) : Error(what), pcsc_code_(pcsc_code) {}
    [[nodiscard]] long pcsc_code() const { return pcsc_code_; }

  private:
    long pcsc_code_;
};
class ServiceUnavailable : public ReaderError {
    using ReaderError::ReaderError;
};
class NoReaders : public ReaderError {
    using ReaderError::ReaderError;
};
class ReaderUnavailable : public ReaderError {
    using ReaderError::ReaderError;
};
class NoCard : public ReaderError {
    using ReaderError::ReaderError;
};
class CardRemoved : public ReaderError {
    using ReaderError::ReaderError;
};
class CardReset : public ReaderError {
    using ReaderError::ReaderError;
};
class CardUnresponsive : public ReaderError {
    using ReaderError::ReaderError;
};
class SharingViolation : public ReaderError {
    using ReaderError::ReaderError;
};
class ReaderTimeout : public ReaderError {
    using ReaderError::ReaderError;
};

// ---- the card answered, but not with success (exit 1) ----------------------------------------------------
// Carries the status word the card sent; the message already contains its meaning and the command that drew
// it. No status word when the card layer knew the answer without asking (a 2G SIM has no USIM, EF.DIR lists
// none): a status word is never made up.
class CardError : public Error {
  public:
    explicit CardError(const std::string& what, std::optional<std::uint16_t> sw = std::nullopt)
        : Error(what), sw_(sw) {}
    [[nodiscard]] std::optional<std::uint16_t> sw() const { return sw_; }

  private:
    std::optional<std::uint16_t> sw_;
};
class FileNotFound : public CardError {
    using CardError::CardError;
};
class AccessDenied : public CardError {
    using CardError::CardError;
};  // 6982 / 9804 without a code
class OutOfRange : public CardError {
    using CardError::CardError;
};  // 6B00 / 6A83 / 9402 / 6282
class WrongLength : public CardError {
    using CardError::CardError;
};  // 67xx / 6700
class IncompatibleFile : public CardError {
    using CardError::CardError;
};  // 6981 / 9408 / 6986
class NotSupported : public CardError {
    using CardError::CardError;
};  // 6D00 / 6E00 / 6A81
class InvalidData : public CardError {
    using CardError::CardError;
};  // 6A80 / 6A87
class AuthenticationFailed : public CardError {
    using CardError::CardError;
};  // 9862 MAC failure
// A PIN/PUK/ADM presented and rejected; attempts_left is known when the card said (63Cx, 9804 on 2G:
// unknown).
class WrongCode : public CardError {
  public:
    WrongCode(const std::string& what, std::optional<std::uint16_t> sw, std::optional<int> attempts_left)
        : CardError(what, sw), attempts_left_(attempts_left) {}
    [[nodiscard]] std::optional<int> attempts_left() const { return attempts_left_; }

  private:
    std::optional<int> attempts_left_;
};
class CodeBlocked : public CardError {
    using CardError::CardError;
};  // 6983 / 9840
class CardTechnicalError : public CardError {
    using CardError::CardError;
};

// ---- a check made on the host failed (exit 4) ------------------------------------------------------------
// The card answered every command with success, but is not what it must be. Not a reader failure: the card in
// hand goes aside, the reader and the rest of the batch are fine.
class CardCheckFailed : public Error {
  public:
    using Error::Error;
    [[nodiscard]] ExitCode exit_code() const override { return ExitCode::CardCheckFailed; }
};
// The card is of another type than the one expected (an order's card type); nothing was written.
class WrongCardType : public CardCheckFailed {
    using CardCheckFailed::CardCheckFailed;
};
// What was read back differs from what was written.
class ReadBackMismatch : public CardCheckFailed {
    using CardCheckFailed::CardCheckFailed;
};
// The card's answers to authentication challenges differ from the local computation: it does not hold the
// keys it should (see sim/key_proof.hpp).
class KeyProofFailed : public CardCheckFailed {
    using CardCheckFailed::CardCheckFailed;
};

// ---- the card or reader answered something that breaks the protocol (exit 1) ------------------------------
class ProtocolError : public Error {
  public:
    using Error::Error;
};

}  // namespace sim
