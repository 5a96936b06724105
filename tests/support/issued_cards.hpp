// What a batch left behind, read back by a test: the card bodies simcard-stub saved (feed archive, state
// files: the card description format of firmware-stubs/README.md) and the HLR import (docs/outputs.md).
// Shared by the issue tests that run `provisioner issue` through pcscd.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "identity/transport_key.hpp"
#include "sim/bytes.hpp"
#include "test_files.hpp"

namespace simtest {

inline std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}
inline std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// ---- card bodies
struct CardBody {
    std::filesystem::path file;
    std::string iccid;     // from EF.ICCID (swapped BCD)
    std::string imsi;      // from ADF.USIM's EF.IMSI (empty when blank)
    std::string gsm_imsi;  // from DF.GSM's EF.IMSI
    std::string ki;  // upper-case hex, from the first role=usim-key EF: cfg(1) ‖ K(16) ‖ OPc(16) ‖ (FF…)
    std::string opc;
};

// The content of the EF whose header line starts with `header` (inside the block opened by `df_line` when
// given): its data lines joined, padded with FF to its size (the writer trims trailing FF).
inline std::string ef_content(const std::string& text, const std::string& df_line,
                              const std::string& header) {
    std::size_t from = 0;
    if (!df_line.empty()) {
        from = text.find(df_line);
        if (from == std::string::npos) return {};
    }
    const auto at = text.find(header, from);
    if (at == std::string::npos) return {};
    const auto eol = text.find('\n', at);
    const std::string ef_line = text.substr(at, eol - at);
    std::smatch m;
    std::size_t size = 0;
    if (std::regex_search(ef_line, m, std::regex(R"(size=(\d+))"))) size = std::stoul(m[1]);
    std::string hex;
    std::istringstream rest(text.substr(eol + 1));
    for (std::string line; std::getline(rest, line);) {
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos || line.compare(first, 5, "data ") != 0) break;
        for (char c : line.substr(first + 5)) {
            if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::toupper(c));
        }
    }
    while (hex.size() < 2 * size) hex += "FF";
    return hex;
}

inline std::string swapped_bcd_digits(const std::string& hex) {
    std::string digits;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        for (char c : {hex[i + 1], hex[i]}) {
            if (c != 'F') digits += c;
        }
    }
    return digits;
}

// EF.IMSI (TS 31.102 §4.2.2): length byte, then the digits in swapped BCD after a parity/type nibble.
inline std::string imsi_digits(const std::string& ef_hex) {
    if (ef_hex.size() < 4 || ef_hex.starts_with("FF")) return {};
    const std::string digits = swapped_bcd_digits(ef_hex.substr(2));
    return digits.empty() ? std::string() : digits.substr(1);
}

// A card body from its description text (CardOs::describe(), a saved .card file); `file` names it in
// messages.
inline CardBody parse_body(const std::string& text, const std::filesystem::path& file) {
    CardBody body{file, {}, {}, {}, {}, {}};
    body.iccid = swapped_bcd_digits(ef_content(text, "", "ef 2FE2 "));
    body.imsi = imsi_digits(ef_content(text, "adf A0000000871002", "ef 6F07 "));
    body.gsm_imsi = imsi_digits(ef_content(text, "df 7F20", "ef 6F07 "));
    // The card's first 3G key file (stub-usim: 7FDE/6F20; the sysmoISIM cards: ADF.USIM AF20), its whole
    // line as the header to look for.
    const auto role = text.find(" role=usim-key");
    EXPECT_NE(role, std::string::npos) << file;
    std::string key;
    if (role != std::string::npos) {
        const auto line = text.rfind('\n', role) + 1;
        key = ef_content(text, "", text.substr(line, text.find('\n', role) - line));
    }
    if (key.size() >= 66) {
        body.ki = key.substr(2, 32);
        body.opc = key.substr(34, 32);
    }
    return body;
}

inline CardBody load_body(const std::filesystem::path& file) {
    return parse_body(read_text(file), file);
}

// Every *.card file under `root` (the feeders' archives).
inline std::vector<CardBody> archived_bodies(const std::filesystem::path& root) {
    std::vector<CardBody> out;
    if (!std::filesystem::exists(root)) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
        if (e.is_regular_file() && e.path().extension() == ".card") out.push_back(load_body(e.path()));
    }
    return out;
}

// ---- the HLR import (docs/outputs.md)
struct HlrRow {
    std::map<std::string, std::string> col;
};
struct HlrFile {
    std::map<std::string, std::string> header;
    std::vector<HlrRow> rows;
};

inline HlrFile parse_hlr(const std::string& text) {
    HlrFile f;
    std::vector<std::string> columns;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '*') continue;
        if (line.starts_with("var_out:")) {
            std::istringstream cols(line.substr(8));
            for (std::string c; cols >> c;) columns.push_back(c);
            continue;
        }
        if (columns.empty()) {
            const auto colon = line.find(" : ");
            if (colon != std::string::npos) f.header[line.substr(0, colon)] = line.substr(colon + 3);
            continue;
        }
        std::istringstream values(line);
        HlrRow row;
        for (const auto& c : columns) values >> row.col[c];
        f.rows.push_back(row);
    }
    return f;
}

inline std::string unwrap_hex(const provisioner::TransportKey& k4, const std::string& hex) {
    const provisioner::WrappedSecret w{k4.index, sim::from_hex(hex)};
    return upper(sim::to_hex(provisioner::unwrap(k4, w).reveal()));
}

// What `provisioner verify --keys-file` takes for the card of `iccid` in an HLR import: its Ki and OPc,
// unwrapped with the K4 (the keys the issuer generated and exported, not the ones it wrote).
inline std::string verify_keys_json(const HlrFile& hlr, const provisioner::TransportKey& k4,
                                    const std::string& iccid) {
    for (const auto& row : hlr.rows) {
        if (row.col.at("ICCID") != iccid) continue;
        return "{\"ki\": \"" + unwrap_hex(k4, row.col.at("EKI")) + "\", \"opc\": \"" +
               unwrap_hex(k4, row.col.at("EOPC")) + "\"}";
    }
    throw std::runtime_error("no card " + iccid + " in the HLR import");
}

}  // namespace simtest
