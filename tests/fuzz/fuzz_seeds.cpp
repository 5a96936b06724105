// Writes the seed corpora derived from shipped files into <out>/<target>/: the catalogue's example vectors
// (fuzz_ef_decode), the shipped and test-data profiles (fuzz_profile) and orders with their identity lists
// (fuzz_order), and hand-made card dialogues (fuzz_card_exchange), key files and modem answers
// (fuzz_station_inputs). Derived at run time rather than committed so that seeds follow the catalogue and the
// shipped files; the hand-written seeds in tests/fuzz/corpus/ complete them.
//
// Usage: fuzz-seeds OUT_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/files/catalogue.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& file, const std::string& content) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
}

int ef_seeds(const fs::path& out) {
    fs::create_directories(out);
    const auto files = sim::files::catalogue();
    int n = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& spec = files[i];
        const auto selector = static_cast<char>(i);
        // An erased (all FF) file of the usual size: the state of a blank card.
        spit(out / fmt::format("{:02}-{}-blank", i, spec.cli),
             std::string(1, selector) + std::string(spec.default_size, '\xFF'));
        ++n;
        for (std::size_t k = 0; k < spec.examples.size(); ++k) {
            const auto bytes = spec.examples[k].bytes();
            spit(out / fmt::format("{:02}-{}-{}", i, spec.cli, k),
                 std::string(1, selector) + std::string(bytes.begin(), bytes.end()));
            ++n;
        }
    }
    return n;
}

int profile_seeds(const fs::path& src, const fs::path& out) {
    fs::create_directories(out);
    int n = 0;
    const std::pair<std::string, fs::path> dirs[] = {{"shipped", src / "profiles"},
                                                     {"test", src / "tests" / "data" / "profiles"}};
    for (const auto& [label, dir] : dirs) {
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.path().extension() != ".xml") continue;
            fs::copy_file(e.path(), out / (label + "-" + e.path().filename().string()),
                          fs::copy_options::overwrite_existing);
            ++n;
        }
    }
    return n;
}

// fuzz_order writes the order into <scratch>/profiles/orders/examples/ and its list as "fuzz-list" there,
// with the shipped profiles two levels up: point each seed's references there.
int order_seeds(const fs::path& src, const fs::path& out) {
    fs::create_directories(out);
    static const std::regex profile_file(R"((<profile\b[^>]*\bfile=")[^"]*/([^"/]+"))");
    static const std::regex list_file(R"#((<(csv|vendor-file)\b[^>]*\bfile=")([^"]*)")#");
    int n = 0;
    for (const auto& dir : {src / "profiles" / "orders", src / "profiles" / "orders" / "examples",
                            src / "tests" / "data" / "orders"}) {
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.path().extension() != ".xml") continue;
            std::string xml = std::regex_replace(slurp(e.path()), profile_file, "$1../../$2");
            std::string list;
            std::smatch m;
            if (std::regex_search(xml, m, list_file)) {
                const auto list_path = dir / m[3].str();
                if (fs::exists(list_path)) list = slurp(list_path);
                xml = std::regex_replace(xml, list_file, "$1fuzz-list\"");
            }
            if (!list.empty()) xml += "\n#LIST#\n" + list;
            spit(out / (dir.filename().string() + "-" + e.path().filename().string()), xml);
            ++n;
        }
    }
    return n;
}

// Writes each seed as <out>/<name>, the selector byte first.
int write_seeds(const fs::path& out, const std::vector<std::pair<std::string, std::string>>& seeds) {
    fs::create_directories(out);
    for (const auto& [name, bytes] : seeds) spit(out / name, bytes);
    return static_cast<int>(seeds.size());
}

// One card answer as fuzz_card_exchange reads it: a length byte, then the data and status word.
std::string answer(const std::string& bytes) {
    return std::string(1, static_cast<char>(bytes.size())) + bytes;
}

// The dialogues of a well-behaved card (TS 102 221 §7.3 T=0 chains, TS 31.102 §7.1.2 AUTHENTICATE), and a few
// hostile ones, for fuzz_card_exchange: byte 0 the dialogue, byte 1 the command's shape.
int card_exchange_seeds(const fs::path& out) {
    const std::string ok("\x90\x00", 2);
    const std::string dir_record =
        std::string("\x61\x0F\x4F\x07\xA0\x00\x00\x00\x87\x10\x02\x50\x04USIM", 17);
    const std::string auth_ok = std::string("\xDB\x08", 2) + std::string(8, '\x11') + '\x10' +
                                std::string(16, '\x22') + '\x10' + std::string(16, '\x33') + '\x08' +
                                std::string(8, '\x44');
    const std::string sync = std::string("\xDC\x0E", 2) + std::string(14, '\x55');
    const std::string gsm = std::string("\x04", 1) + std::string(4, '\x66') + '\x08' + std::string(8, '\x77');
    std::string long_chain;
    for (int i = 0; i < 40; ++i) long_chain += answer(std::string(4, '\xAB') + "\x61\x04");
    return write_seeds(
        out,
        {{"uicc-chain", std::string("\x00\x0B", 2) + answer("\x61\x10") + answer(std::string(16, 'A') + ok)},
         {"uicc-6c", std::string("\x00\x09", 2) + answer("\x6C\x05") + answer(std::string(5, 'B') + ok)},
         {"uicc-6c-in-chain", std::string("\x00\x0B", 2) + answer("\x61\x20") + answer("\x6C\x08") +
                                  answer(std::string(8, 'C') + "\x61\x02") + answer("DD" + ok)},
         {"uicc-endless-chain", std::string("\x00\x0D", 2) + long_chain},
         {"uicc-verify-6c", std::string("\x00\x02", 2) + answer("\x6C\x08")},
         {"sim-chain", std::string("\x01\x0F", 2) + answer("\x9F\x0F") + answer(std::string(15, 'E') + ok)},
         {"ef-dir", std::string("\x02\x00", 2) + answer(dir_record + ok) + answer("\x6A\x83")},
         {"ef-dir-6c", std::string("\x02\x00", 2) + answer("\x6C\x11") + answer(dir_record + ok)},
         {"ef-dir-second", std::string("\x02\x00", 2) +
                               answer(std::string("\x61\x05\x4F\x03\xA0\x00\x00", 7) + ok) +
                               answer(dir_record + ok)},
         {"auth-3g", std::string("\x03\x00", 2) +
                         answer("\x61" + std::string(1, static_cast<char>(auth_ok.size()))) +
                         answer(auth_ok + ok)},
         {"auth-3g-direct", std::string("\x03\x00", 2) + answer(auth_ok + ok)},
         {"auth-3g-sync", std::string("\x03\x00", 2) + answer(sync + ok)},
         {"auth-3g-mac", std::string("\x03\x00", 2) + answer("\x98\x62")},
         {"auth-gsm-uicc", std::string("\x04\x00", 2) + answer(gsm + ok)},
         {"auth-gsm-sim",
          std::string("\x05\x00", 2) + answer("\x9F\x0C") + answer(std::string(12, '\x12') + ok)}});
}

// Key files, a keys JSON and modem answers for fuzz_station_inputs (byte 0 the parser). Test values only.
int station_input_seeds(const fs::path& out) {
    const std::string key(32, 'a');
    return write_seeds(
        out, {{"adm-single", std::string("\x00", 1) + "12345678\n"},
              {"adm-per-iccid",
               std::string("\x00", 1) + "89687000000000000001,12345678\n8968700000000000002F,87654321\n"},
              {"adm-header", std::string("\x00", 1) +
                                 "# vendor list\nICCID,IMSI,ADM1\n89687000000000000001,546010000000001,"
                                 "0123456789ABCDEF\n"},
              {"transport-lines",
               "\x01"
               "# K4\n1 " +
                   key + "\n2 " + std::string(64, 'B') + "\n"},
              {"transport-env",
               "\x01"
               "1:" +
                   key + ",7:" + std::string(48, 'c')},
              {"keys-milenage", "\x02{\"ki\":\"" + key + "\",\"opc\":\"" + std::string(32, 'b') + "\"}"},
              {"keys-op", "\x02{\"ki\":\"" + key + "\",\"op\":\"" + std::string(32, 'b') +
                              "\",\"algorithm\":\"milenage\"}"},
              {"keys-comp128", "\x02{\"ki\":\"" + key + "\",\"algorithm\":\"comp128v1\"}"},
              {"modem-cgdcont", std::string("\x03\x05", 2) +
                                    "AT+CGDCONT?\r\r\n+CGDCONT: 1,\"IPV4V6\",\"internet\",\"0.0.0.0\",0,0\r\n"
                                    "+CGDCONT: 2,\"IP\",\"MMS\"\r\n\r\nOK\r\n"},
              {"modem-error", std::string("\x03\x00", 2) + "\r\n+CME ERROR: 3\r\n"},
              {"modem-partial", std::string("\x03\x1F", 2) + "+CGDCONT: 1,\"IP\",\"inter"}});
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    const fs::path out = argv[1];
    const fs::path src = SIM_SOURCE_DIR;
    const int ef = ef_seeds(out / "fuzz_ef_decode");
    const int profiles = profile_seeds(src, out / "fuzz_profile");
    const int orders = order_seeds(src, out / "fuzz_order");
    const int card = card_exchange_seeds(out / "fuzz_card_exchange");
    const int station = station_input_seeds(out / "fuzz_station_inputs");
    std::printf("seeds: %d EF, %d profiles, %d orders, %d card dialogues, %d key files and modem answers\n",
                ef, profiles, orders, card, station);
    return 0;
}
