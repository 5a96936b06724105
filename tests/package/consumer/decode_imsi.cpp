// decode-imsi HEX: prints the IMSI digits of an EF.IMSI content, decoded by the installed libsim.
#include <sim/bytes.hpp>
#include <sim/codecs/identity.hpp>
#include <sim/error.hpp>

#include <iostream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: decode-imsi HEX\n";
        return 2;
    }
    try {
        const sim::Bytes content = sim::from_hex(argv[1], "EF.IMSI content");
        std::cout << sim::ef::decode<sim::ef::Imsi>(content, sim::ef::Imsi::kSpecName).digits << '\n';
    } catch (const sim::Error& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 2;
    }
    return 0;
}
