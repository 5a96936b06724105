#include "sim/status_word.hpp"

#include <fmt/format.h>

#include "sim/error.hpp"

namespace sim {
namespace {

struct SwMeaning {
    std::uint16_t sw;
    std::uint16_t mask;  // bits of `sw` that must match (0xFF00: SW2 is a parameter)
    const char* meaning;
};

// ISO 7816-4 / TS 102 221 §10.2.
constexpr SwMeaning kUiccMeanings[] = {
    {0x9000, 0xFFFF, "OK"},
    {0x9100, 0xFF00, "OK, proactive command pending"},
    {0x9200, 0xFF00, "OK, data transfer information"},
    {0x6100, 0xFF00, "response bytes available (GET RESPONSE)"},
    {0x6C00, 0xFF00, "wrong Le, resend with the Le given in SW2"},
    {0x6200, 0xFFFF, "warning: no information, non-volatile memory unchanged"},
    {0x6281, 0xFFFF, "warning: part of returned data may be corrupted"},
    {0x6282, 0xFFFF, "warning: end of file or record reached before Le bytes"},
    {0x6283, 0xFFFF, "warning: selected file deactivated"},
    {0x6285, 0xFFFF, "warning: selected file terminated"},
    {0x6400, 0xFFFF, "execution error: non-volatile memory unchanged"},
    {0x6500, 0xFFFF, "execution error: non-volatile memory changed"},
    {0x6581, 0xFFFF, "execution error: memory problem"},
    {0x6700, 0xFF00, "wrong length (Lc or Le)"},
    {0x6800, 0xFFFF, "function in CLA not supported"},
    {0x6881, 0xFFFF, "logical channel not supported"},
    {0x6882, 0xFFFF, "secure messaging not supported"},
    {0x6981, 0xFFFF, "command incompatible with file structure"},
    {0x6982, 0xFFFF, "security status not satisfied (PIN or ADM needed)"},
    {0x6983, 0xFFFF, "authentication method blocked"},
    {0x6984, 0xFFFF, "referenced data invalidated"},
    {0x6985, 0xFFFF, "conditions of use not satisfied"},
    {0x6986, 0xFFFF, "command not allowed: no EF selected"},
    {0x6A80, 0xFFFF, "incorrect data field"},
    {0x6A81, 0xFFFF, "function not supported"},
    {0x6A82, 0xFFFF, "file or application not found"},
    {0x6A83, 0xFFFF, "record not found"},
    {0x6A84, 0xFFFF, "not enough memory space"},
    {0x6A86, 0xFFFF, "incorrect P1-P2"},
    {0x6A87, 0xFFFF, "Lc inconsistent with P1-P2"},
    {0x6A88, 0xFFFF, "referenced data not found"},
    {0x6B00, 0xFFFF, "wrong parameters P1-P2 (offset beyond the file)"},
    {0x6D00, 0xFFFF, "instruction not supported"},
    {0x6E00, 0xFFFF, "class not supported"},
    {0x6F00, 0xFF00, "technical problem, no precise diagnosis"},
    {0x9862, 0xFFFF, "authentication error: MAC check failed"},
    {0x9864, 0xFFFF, "authentication error: security context not supported"},
    {0x9865, 0xFFFF, "key freshness failure"},
};

// TS 51.011 §9.4.
constexpr SwMeaning kSimMeanings[] = {
    {0x9000, 0xFFFF, "OK"},
    {0x9100, 0xFF00, "OK, proactive command pending"},
    {0x9F00, 0xFF00, "response bytes available (GET RESPONSE)"},
    {0x9E00, 0xFF00, "SIM data download error"},
    {0x9300, 0xFFFF, "SIM application toolkit busy"},
    {0x9240, 0xFFFF, "memory problem"},
    {0x9200, 0xFFF0, "OK after internal retries"},
    {0x9400, 0xFFFF, "no EF selected"},
    {0x9402, 0xFFFF, "out of range (invalid address or record)"},
    {0x9404, 0xFFFF, "file ID or pattern not found"},
    {0x9408, 0xFFFF, "file inconsistent with the command"},
    {0x9802, 0xFFFF, "no CHV initialised"},
    {0x9804, 0xFFFF, "access condition not fulfilled, or wrong code (attempts remain)"},
    {0x9808, 0xFFFF, "in contradiction with CHV status"},
    {0x9810, 0xFFFF, "in contradiction with invalidation status"},
    {0x9840, 0xFFFF, "code blocked (wrong code presented too many times)"},
    {0x9850, 0xFFFF, "INCREASE cannot be performed, maximum value reached"},
    {0x6700, 0xFF00, "wrong length (P3)"},
    {0x6B00, 0xFF00, "wrong parameters P1-P2"},
    {0x6D00, 0xFF00, "unknown instruction"},
    {0x6E00, 0xFF00, "wrong instruction class"},
    {0x6F00, 0xFF00, "technical problem, no precise diagnosis"},
};

template <std::size_t N>
const char* lookup(const SwMeaning (&table)[N], std::uint16_t sw) {
    for (const auto& entry : table) {
        if ((sw & entry.mask) == entry.sw) return entry.meaning;
    }
    return nullptr;
}

std::string message(std::uint16_t sw, Dialect dialect, std::string_view context) {
    return fmt::format("{}: card answered {:04X} ({})", context, sw, describe_sw(sw, dialect));
}

[[noreturn]] void throw_uicc(std::uint16_t sw, const std::string& what) {
    if ((sw & 0xFFF0) == 0x63C0) throw WrongCode(what, sw, sw & 0x0F);
    switch (sw) {
        case 0x6A82:
        case 0x6A88: throw FileNotFound(what, sw);
        case 0x6982:
        case 0x6985: throw AccessDenied(what, sw);
        case 0x6983: throw CodeBlocked(what, sw);
        case 0x6B00:
        case 0x6A83:
        case 0x6282: throw OutOfRange(what, sw);
        case 0x6981:
        case 0x6986: throw IncompatibleFile(what, sw);
        case 0x6D00:
        case 0x6E00:
        case 0x6A81:
        case 0x6800: throw NotSupported(what, sw);
        case 0x6A80:
        case 0x6A86:
        case 0x6A87: throw InvalidData(what, sw);
        case 0x9862: throw AuthenticationFailed(what, sw);
        default: break;
    }
    if ((sw & 0xFF00) == 0x6700) throw WrongLength(what, sw);
    if ((sw & 0xFF00) == 0x6400 || (sw & 0xFF00) == 0x6500 || (sw & 0xFF00) == 0x6F00) {
        throw CardTechnicalError(what, sw);
    }
    throw CardError(what, sw);
}

[[noreturn]] void throw_sim(std::uint16_t sw, const std::string& what) {
    switch (sw) {
        case 0x9404: throw FileNotFound(what, sw);
        // 9804 means both "access condition not fulfilled" and "wrong CHV"; the CHV layer tells them apart.
        case 0x9804:
        case 0x9802:
        case 0x9808:
        case 0x9810: throw AccessDenied(what, sw);
        case 0x9840: throw CodeBlocked(what, sw);
        case 0x9402: throw OutOfRange(what, sw);
        case 0x9400:
        case 0x9408: throw IncompatibleFile(what, sw);
        default: break;
    }
    switch (sw & 0xFF00) {
        case 0x6700: throw WrongLength(what, sw);
        case 0x6B00: throw OutOfRange(what, sw);
        case 0x6D00:
        case 0x6E00: throw NotSupported(what, sw);
        case 0x6F00:
        case 0x9200: throw CardTechnicalError(what, sw);
        default: throw CardError(what, sw);
    }
}

}  // namespace

std::string describe_sw(std::uint16_t sw, Dialect dialect) {
    if (dialect == Dialect::Uicc && (sw & 0xFFF0) == 0x63C0) {
        const int left = sw & 0x0F;
        return left == 0 ? "wrong code, now blocked" : fmt::format("wrong code, {} attempt{} left", left,
                                                                    left == 1 ? "" : "s");
    }
    const char* meaning = dialect == Dialect::Uicc ? lookup(kUiccMeanings, sw) : lookup(kSimMeanings, sw);
    if (meaning == nullptr && dialect == Dialect::Sim2G) meaning = lookup(kUiccMeanings, sw);
    return meaning != nullptr ? meaning : "unknown status word";
}

bool is_success_sw(std::uint16_t sw) { return sw == 0x9000 || (sw & 0xFF00) == 0x9100 || (sw & 0xFF00) == 0x9200; }

void throw_for_sw(std::uint16_t sw, Dialect dialect, std::string_view context) {
    const std::string what = message(sw, dialect, context);
    if (dialect == Dialect::Uicc) throw_uicc(sw, what);
    throw_sim(sw, what);
}

}  // namespace sim
