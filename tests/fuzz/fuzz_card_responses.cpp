// What the card (or a technician typing an APDU) sends us: FCP templates, 2G SELECT responses, response
// APDUs, command APDUs and ATRs. Input: byte 0 picks the parser, the rest is the raw bytes.
//
// Properties: no crash; only InputError/ProtocolError; APDUs that parse encode back to the same bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "sim/apdu.hpp"
#include "sim/atr.hpp"
#include "sim/file_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const sim::ByteView raw(data + 1, size - 1);
    switch (data[0] % 5) {
        case 0:
            fuzz::accepts([&] { (void)sim::parse_fcp(raw); });
            break;
        case 1:
            fuzz::accepts([&] { (void)sim::parse_gsm_response(raw); });
            break;
        case 2:
            fuzz::accepts([&] {
                const auto r = sim::ResponseApdu::parse(raw);
                if (r.encode() != sim::Bytes(raw.begin(), raw.end())) fuzz::fail("ResponseApdu round trip");
            });
            break;
        case 3:
            fuzz::accepts([&] {
                const auto c = sim::CommandApdu::parse(raw);
                if (c.encode() != sim::Bytes(raw.begin(), raw.end())) fuzz::fail("CommandApdu round trip");
                (void)c.to_trace_string();
            });
            break;
        default: {
            // Documented never to throw: any exception here is a finding.
            const auto link = sim::parse_atr_link(raw);
            (void)link.describe();
            break;
        }
    }
    return 0;
}
