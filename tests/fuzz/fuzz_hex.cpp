// The hex parser every CLI argument and catalogue vector goes through.
// Properties: only InputError; what parses prints back (to_hex) to text that parses to the same bytes; and
// any byte string survives to_hex -> from_hex.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "sim/bytes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz::accepts([&] {
        const auto bytes = sim::from_hex(text, "fuzz input");
        if (sim::from_hex(sim::to_hex(bytes)) != bytes)
            fuzz::fail("from_hex(to_hex(b)) != b after parsing text");
    });
    const sim::Bytes raw(data, data + size);
    if (sim::from_hex(sim::to_hex(raw)) != raw) fuzz::fail("from_hex(to_hex(b)) != b");
    return 0;
}
