// A real card's file-system dump (pySim-shell `export`, ../shared/reference/cards/*.fsdump.txt) read at test
// time, and a side-by-side walk of it against a card reached through any libsim transport: every file the
// dump shows is selected by its path on the other card and the two SELECT answers are compared TLV by TLV.
// The dumps are reference material: tests read them, the project never copies them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <regex>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/apdu.hpp"
#include "sim/bytes.hpp"
#include "sim/transport.hpp"

namespace simtest {

// Where the shared reference dumps live next to the source tree: <source>/../shared/reference/cards.
inline std::filesystem::path reference_dump(const std::string& name) {
    return std::filesystem::path(SIM_SOURCE_DIR) / ".." / "shared" / "reference" / "cards" / name;
}

// One file of the dump: its path by names and by identifiers (FIDs; an ADF by its AID), the SELECT answer the
// real card gave (none for an application without FCP) and what it exported as content.
struct DumpedFile {
    std::string path;                // "MF/DF.GSM/EF.LP"
    std::vector<sim::Bytes> ids;     // {3F00, 7F20, 6F05}; an ADF's entry is its AID (more than 2 bytes)
    std::optional<sim::Bytes> fcp;   // "RAW FCP Template"
    std::optional<sim::Bytes> body;  // update_binary
    std::map<unsigned, sim::Bytes> records;  // update_record N
    std::string bad;                         // "# bad file:" note (SW the real card gave)
    [[nodiscard]] bool exists() const { return fcp.has_value(); }
};

// Throws (the test fails) when the dump is missing: a fidelity test must not pass without its reference.
inline std::vector<DumpedFile> read_fsdump(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw std::runtime_error("reference dump " + file.string() +
                                 " not found: the fidelity test needs ../shared/reference/cards next to the "
                                 "source tree");
    }
    static const std::regex directory(R"(^# directory: (\S+) \(([0-9a-f/]+)\)$)");
    static const std::regex update_record(R"(^update_record (\d+) ([0-9a-f]*)$)");
    std::vector<DumpedFile> files;
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_match(line, m, directory)) {
            DumpedFile f;
            f.path = m[1];
            std::stringstream ids(m[2].str());
            for (std::string id; std::getline(ids, id, '/');) f.ids.push_back(sim::from_hex(id));
            files.push_back(std::move(f));
        } else if (files.empty()) {
            continue;
        } else if (line.starts_with("# RAW FCP Template: ") && !line.ends_with("None")) {
            files.back().fcp = sim::from_hex(line.substr(20));
        } else if (line.starts_with("update_binary ")) {
            files.back().body = sim::from_hex(line.substr(14));
        } else if (std::regex_match(line, m, update_record)) {
            files.back().records[static_cast<unsigned>(std::stoul(m[1]))] = sim::from_hex(m[2].str());
        } else if (line.starts_with("# bad file: ")) {
            files.back().bad = line.substr(12);
        }
    }
    return files;
}

// One BER-TLV data object (ISO 7816-4 §5.2): tag of 1-2 bytes, definite length.
struct Tlv {
    unsigned tag = 0;
    sim::Bytes value;
};

inline std::vector<Tlv> parse_tlvs(const sim::Bytes& data) {
    std::vector<Tlv> out;
    std::size_t i = 0;
    const auto need = [&](std::size_t n) {
        if (i + n > data.size()) throw std::runtime_error("truncated TLV in " + sim::to_hex(data));
    };
    while (i < data.size()) {
        need(2);
        unsigned tag = data[i++];
        if ((tag & 0x1F) == 0x1F) tag = tag << 8 | data[i++];
        need(1);
        std::size_t length = data[i++];
        if (length == 0x81) {
            need(1);
            length = data[i++];
        } else if (length == 0x82) {
            need(2);
            length = static_cast<std::size_t>(data[i] << 8 | data[i + 1]);
            i += 2;
        }
        need(length);
        out.push_back({tag, sim::Bytes(data.begin() + static_cast<std::ptrdiff_t>(i),
                                       data.begin() + static_cast<std::ptrdiff_t>(i + length))});
        i += length;
    }
    return out;
}

inline std::string tag_name(unsigned tag) {
    std::ostringstream s;
    s << std::hex << std::uppercase << tag;
    return s.str();
}

// The fields of a SELECT answer, flattened: "62/82", "62/A5/D0", "62/C6/83#3" (repeats numbered). The
// templates whose fields matter one by one (proprietary A5, PIN status C6) are opened; the others compare
// as one value.
inline std::map<std::string, sim::Bytes> fcp_fields(const sim::Bytes& answer) {
    std::map<std::string, sim::Bytes> fields;
    std::map<std::string, int> seen;
    const auto add = [&](const std::string& key, const sim::Bytes& value) {
        const int n = ++seen[key];
        fields[n == 1 ? key : key + "#" + std::to_string(n)] = value;
    };
    for (const auto& outer : parse_tlvs(answer)) {
        const std::string top = tag_name(outer.tag);
        if (outer.tag != 0x62 && outer.tag != 0x6F) {
            add(top, outer.value);
            continue;
        }
        for (const auto& field : parse_tlvs(outer.value)) {
            const std::string key = top + "/" + tag_name(field.tag);
            if (field.tag == 0xA5 || field.tag == 0xC6) {
                add(key, {});  // the template is there; its contents follow field by field
                for (const auto& inner : parse_tlvs(field.value))
                    add(key + "/" + tag_name(inner.tag), inner.value);
            } else {
                add(key, field.value);
            }
        }
    }
    return fields;
}

// What SELECT (and GET RESPONSE) gave: the FCP (empty when none) and the final status word.
struct Selected {
    sim::Bytes fcp;
    std::uint16_t sw = 0;
};

// Sends a command as pySim does on T=0 and T=1 alike: 61xx (9Fxx in the 2G dialect) fetched with GET
// RESPONSE in the command's class, 6Cxx repeated with Le.
inline sim::ResponseApdu exchange(sim::Transport& card, const sim::CommandApdu& command) {
    auto response = card.transmit(command);
    if (response.sw1() == 0x6C)
        response = card.transmit(command.with_le(response.sw2() ? response.sw2() : 256));
    if (response.sw1() == 0x61 || response.sw1() == 0x9F) {
        response = card.transmit(
            sim::CommandApdu::case2(command.cla(), 0xC0, 0x00, 0x00, response.sw2() ? response.sw2() : 256));
    }
    return response;
}

// Selects a dumped file from the MF down, asking for the FCP at each step; ADFs by their AID.
inline Selected select_path(sim::Transport& card, const std::vector<sim::Bytes>& ids) {
    Selected result;
    for (const auto& id : ids) {
        const bool by_aid = id.size() > 2;
        const auto response =
            exchange(card, sim::CommandApdu::case4(0x00, 0xA4, by_aid ? 0x04 : 0x00, 0x04, id, 256));
        result = {response.data(), response.sw()};
        if (!response.ok()) return result;
    }
    return result;
}

// A difference the test accepts, with the reason it cannot (or must not) be removed.
struct AllowedDifference {
    std::string path;   // dump path, "MF/DF.SYSTEM/EF.CHV1"
    std::string field;  // fcp_fields key, "62/8C"
    std::string why;
};

struct FieldDifference {
    std::string path, field, expected, actual;
};

struct WalkResult {
    int compared = 0;                          // files the real card answered with an FCP
    int identical = 0;                         // SELECT answers byte for byte equal
    int tolerated = 0;                         // differing only in allowed fields
    std::vector<FieldDifference> differences;  // not allowed
    std::vector<FieldDifference> allowed_used;
};

inline std::string hex_or_absent(const std::map<std::string, sim::Bytes>& m, const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? "(absent)" : sim::to_hex(it->second);
}

// A status word as hex text ("6A82"), and as the dump writes it ("6a82").
inline std::string sw_hex(std::uint16_t sw) {
    return sim::to_hex(sim::Bytes{static_cast<std::uint8_t>(sw >> 8), static_cast<std::uint8_t>(sw & 0xFF)});
}
inline std::string lower_hex(std::uint16_t sw) {
    std::string text = sw_hex(sw);
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

inline bool is_allowed(const std::vector<AllowedDifference>& allowed, const std::string& path,
                       const std::string& field) {
    for (const auto& a : allowed)
        if (a.path == path && a.field == field) return true;
    return false;
}

// Walks every file the dump shows with a SELECT answer, selects it on the other card with `select`, and
// compares the two answers field by field as `fields` splits them (FCP TLVs, or GSM response bytes).
template <class Select, class Fields>
WalkResult walk_answers(sim::Transport& card, const std::vector<DumpedFile>& dump,
                        const std::vector<AllowedDifference>& allowed, Select select, Fields fields) {
    WalkResult result;
    for (const auto& file : dump) {
        if (!file.exists()) continue;
        ++result.compared;
        const Selected ours = select(card, file.ids);
        if (ours.sw != 0x9000) {
            const FieldDifference d{file.path, "SW", "9000", sw_hex(ours.sw)};
            (is_allowed(allowed, d.path, d.field) ? result.allowed_used : result.differences).push_back(d);
            continue;
        }
        if (ours.fcp == *file.fcp) {
            ++result.identical;
            continue;
        }
        const auto real = fields(*file.fcp);
        const auto sim = fields(ours.fcp);
        std::map<std::string, bool> keys;
        for (const auto& [k, v] : real) keys[k] = true;
        for (const auto& [k, v] : sim) keys[k] = true;
        bool only_allowed = true;
        for (const auto& [key, unused] : keys) {
            const auto expected = hex_or_absent(real, key);
            const auto actual = hex_or_absent(sim, key);
            if (expected == actual) continue;
            const FieldDifference d{file.path, key, expected, actual};
            const bool tolerated = is_allowed(allowed, file.path, key);
            only_allowed = only_allowed && tolerated;
            (tolerated ? result.allowed_used : result.differences).push_back(d);
        }
        if (only_allowed) ++result.tolerated;
    }
    return result;
}

// A UICC: every file the dump shows with an FCP, the SELECT answers compared TLV by TLV.
inline WalkResult walk_fcps(sim::Transport& card, const std::vector<DumpedFile>& dump,
                            const std::vector<AllowedDifference>& allowed) {
    return walk_answers(card, dump, allowed, select_path, fcp_fields);
}

// The content a dumped file holds, as the dump's update_binary / update_record lines give it (records in
// order, concatenated); empty when the real card exported nothing.
inline sim::Bytes dumped_content(const DumpedFile& file) {
    if (file.body) return *file.body;
    sim::Bytes all;
    for (const auto& [n, record] : file.records) all.insert(all.end(), record.begin(), record.end());
    return all;
}

// Reads a file's whole content from the card the same way (selected by path first): READ BINARY in chunks
// for a transparent EF, READ RECORD for each record of a record EF, structure and sizes from its FCP.
inline sim::Bytes read_content(sim::Transport& card, const DumpedFile& file) {
    const Selected selected = select_path(card, file.ids);
    if (selected.sw != 0x9000)
        throw std::runtime_error(file.path + ": SELECT answered " + std::to_string(selected.sw));
    const auto fields = fcp_fields(selected.fcp);
    const auto& descriptor = fields.at("62/82");
    sim::Bytes all;
    if ((descriptor.at(0) & 0x07) == 0x01) {
        const auto& size_field = fields.at("62/80");
        const std::size_t size = static_cast<std::size_t>(size_field.at(0) << 8 | size_field.at(1));
        for (std::size_t at = 0; at < size; at += 255) {
            const auto chunk = static_cast<unsigned>(std::min<std::size_t>(255, size - at));
            const auto r =
                exchange(card, sim::CommandApdu::case2(0x00, 0xB0, static_cast<std::uint8_t>(at >> 8),
                                                       static_cast<std::uint8_t>(at & 0xFF), chunk));
            if (!r.ok())
                throw std::runtime_error(file.path + ": READ BINARY answered " + std::to_string(r.sw()));
            all.insert(all.end(), r.data().begin(), r.data().end());
        }
        return all;
    }
    const unsigned length = static_cast<unsigned>(descriptor.at(2) << 8 | descriptor.at(3));
    const unsigned count = descriptor.at(4);
    for (unsigned n = 1; n <= count; ++n) {
        const auto r =
            exchange(card, sim::CommandApdu::case2(0x00, 0xB2, static_cast<std::uint8_t>(n), 0x04, length));
        if (!r.ok()) throw std::runtime_error(file.path + ": READ RECORD answered " + std::to_string(r.sw()));
        all.insert(all.end(), r.data().begin(), r.data().end());
    }
    return all;
}

inline const DumpedFile& dumped(const std::vector<DumpedFile>& dump, const std::string& path) {
    for (const auto& f : dump)
        if (f.path == path) return f;
    throw std::runtime_error("the dump has no file " + path);
}

// The status words the real card gave for the files it could not export: absent (6A82 to SELECT), readable
// by nobody (6982 to a read even after ADM1) or deactivated (6984). The other card must answer the same.
struct RefusalResult {
    int compared = 0;
    int same = 0;
    std::vector<FieldDifference> differences;
};

// The SW the real card gave, from the dump's "# bad file:" note; nullopt for notes that are pySim's own
// (a structure pySim did not expect).
inline std::optional<std::uint16_t> refusal_sw(const DumpedFile& file) {
    for (const std::uint16_t sw : std::initializer_list<std::uint16_t>{0x6A82, 0x6982, 0x6984}) {
        if (file.bad.find("got " + lower_hex(sw)) != std::string::npos) return sw;
    }
    return std::nullopt;
}

// Expects ADM1 verified already (the dump was made after verify_adm).
inline RefusalResult walk_refusals(sim::Transport& card, const std::vector<DumpedFile>& dump) {
    RefusalResult result;
    for (const auto& file : dump) {
        const auto expected = refusal_sw(file);
        if (!expected) continue;
        ++result.compared;
        std::uint16_t actual = select_path(card, file.ids).sw;
        if (*expected != 0x6A82 && actual == 0x9000) {
            const auto fields = fcp_fields(select_path(card, file.ids).fcp);
            const bool transparent = (fields.at("62/82").at(0) & 0x07) == 0x01;
            actual = exchange(card, transparent ? sim::CommandApdu::case2(0x00, 0xB0, 0, 0, 1)
                                                : sim::CommandApdu::case2(0x00, 0xB2, 1, 0x04, 1))
                         .sw();
        }
        if (actual == *expected)
            ++result.same;
        else
            result.differences.push_back({file.path, "SW", sw_hex(*expected), sw_hex(actual)});
    }
    return result;
}

// ---- the 2G dialect (TS 51.011, CLA A0): the dumps of 2G SIMs hold GSM responses, not FCPs; they are
// selected with A0 and split into the response's byte fields, then walked like FCPs (walk_answers).

// The fields of a GSM SELECT response (TS 51.011 §9.2.1), named: a DF's (MF, DF) or an EF's, by byte 7.
inline std::map<std::string, sim::Bytes> gsm_fields(const sim::Bytes& answer) {
    struct Field {
        const char* name;
        std::size_t from, to;  // byte offsets, [from, to)
    };
    static const Field kDf[] = {{"RFU 1-2", 0, 2},
                                {"free memory", 2, 4},
                                {"FID", 4, 6},
                                {"type", 6, 7},
                                {"RFU 8-12", 7, 12},
                                {"length of the rest", 12, 13},
                                {"characteristics", 13, 14},
                                {"child DFs", 14, 15},
                                {"child EFs", 15, 16},
                                {"codes", 16, 17},
                                {"RFU 18", 17, 18},
                                {"CHV1 status", 18, 19},
                                {"UNBLOCK CHV1 status", 19, 20},
                                {"CHV2 status", 20, 21},
                                {"UNBLOCK CHV2 status", 21, 22}};
    static const Field kEf[] = {{"RFU 1-2", 0, 2},
                                {"file size", 2, 4},
                                {"FID", 4, 6},
                                {"type", 6, 7},
                                {"increase allowed", 7, 8},
                                {"access conditions", 8, 11},
                                {"file status", 11, 12},
                                {"length of the rest", 12, 13},
                                {"structure", 13, 14},
                                {"record length", 14, 15}};
    std::map<std::string, sim::Bytes> fields;
    const bool df = answer.size() > 6 && answer[6] != 0x04;
    std::size_t end = 0;
    for (const auto& f : df ? std::span<const Field>(kDf) : std::span<const Field>(kEf)) {
        if (f.from >= answer.size()) break;
        const std::size_t to = std::min(f.to, answer.size());
        fields[f.name] = sim::Bytes(answer.begin() + static_cast<std::ptrdiff_t>(f.from),
                                    answer.begin() + static_cast<std::ptrdiff_t>(to));
        end = to;
    }
    if (end < answer.size())
        fields["bytes after the standard ones"] =
            sim::Bytes(answer.begin() + static_cast<std::ptrdiff_t>(end), answer.end());
    return fields;
}

// Selects a dumped file from the MF down as a 2G tool does (`A0 A4 00 00 02 FID`, 9Fxx then GET RESPONSE).
inline Selected select_path_gsm(sim::Transport& card, const std::vector<sim::Bytes>& ids) {
    Selected result;
    for (const auto& id : ids) {
        const auto response = exchange(card, sim::CommandApdu::case3(0xA0, 0xA4, 0x00, 0x00, id));
        result = {response.data(), response.sw()};
        if (!response.ok()) return result;
    }
    return result;
}

// A 2G card: every file the dump shows with a GSM response, compared byte field by byte field.
inline WalkResult walk_gsm_responses(sim::Transport& card, const std::vector<DumpedFile>& dump,
                                     const std::vector<AllowedDifference>& allowed) {
    return walk_answers(card, dump, allowed, select_path_gsm, gsm_fields);
}

// read_content for a 2G card: structure, size and record length from the GSM response (bytes 14, 3-4, 15).
inline sim::Bytes read_content_gsm(sim::Transport& card, const DumpedFile& file) {
    const Selected selected = select_path_gsm(card, file.ids);
    if (selected.sw != 0x9000 || selected.fcp.size() < 15)
        throw std::runtime_error(file.path + ": SELECT answered " + std::to_string(selected.sw));
    const unsigned size = static_cast<unsigned>(selected.fcp[2] << 8 | selected.fcp[3]);
    sim::Bytes all;
    if (selected.fcp[13] == 0x00) {
        for (unsigned offset = 0; offset < size; offset += 255) {
            const unsigned n = std::min(255u, size - offset);
            const auto r =
                exchange(card, sim::CommandApdu::case2(0xA0, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                                                       static_cast<std::uint8_t>(offset & 0xFF), n));
            if (!r.ok())
                throw std::runtime_error(file.path + ": READ BINARY answered " + std::to_string(r.sw()));
            all.insert(all.end(), r.data().begin(), r.data().end());
        }
        return all;
    }
    const unsigned length = selected.fcp[14];
    for (unsigned n = 1; length > 0 && n <= size / length; ++n) {
        const auto r =
            exchange(card, sim::CommandApdu::case2(0xA0, 0xB2, static_cast<std::uint8_t>(n), 0x04, length));
        if (!r.ok()) throw std::runtime_error(file.path + ": READ RECORD answered " + std::to_string(r.sw()));
        all.insert(all.end(), r.data().begin(), r.data().end());
    }
    return all;
}

// walk_refusals for a 2G card: absent files answer 9404 to SELECT, files the dump could not read 9804 to a
// READ (its access condition not met: see the caller for which codes were presented).
inline RefusalResult walk_refusals_gsm(sim::Transport& card, const std::vector<DumpedFile>& dump) {
    RefusalResult result;
    for (const auto& file : dump) {
        std::optional<std::uint16_t> expected;
        for (const std::uint16_t sw : std::initializer_list<std::uint16_t>{0x9404, 0x9804}) {
            if (file.bad.find("got " + lower_hex(sw)) != std::string::npos) expected = sw;
        }
        if (!expected) continue;
        ++result.compared;
        const Selected selected = select_path_gsm(card, file.ids);
        std::uint16_t actual = selected.sw;
        if (*expected != 0x9404 && actual == 0x9000) {
            const bool transparent = selected.fcp.size() > 13 && selected.fcp[13] == 0x00;
            actual = exchange(card, transparent ? sim::CommandApdu::case2(0xA0, 0xB0, 0, 0, 1)
                                                : sim::CommandApdu::case2(0xA0, 0xB2, 1, 0x04, 1))
                         .sw();
        }
        if (actual == *expected)
            ++result.same;
        else
            result.differences.push_back({file.path, "SW", sw_hex(*expected), sw_hex(actual)});
    }
    return result;
}

inline std::string describe(const FieldDifference& d) {
    return d.path + " " + d.field + ": real " + d.expected + ", simulated " + d.actual;
}

}  // namespace simtest
