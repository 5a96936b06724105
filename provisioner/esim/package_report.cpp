#include "esim/package_report.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "render/key_values.hpp"
#include "sim/error.hpp"
#include "sim/esim/templates.hpp"
#include "sim/files/catalogue.hpp"

namespace provisioner::esim {
namespace {

using nlohmann::json;
using sim::esim::ProfileElement;
using sim::esim::ResolvedFile;
using sim::files::Parent;

constexpr std::string_view kHidden = "*** (not shown)";

// Which catalogue directory the files of a file-system PE are in (nullopt: the toolkit has no codecs there).
std::optional<Parent> catalogue_parent(const std::string& pe_type) {
    if (pe_type == "mf") return Parent::MF;
    if (pe_type == "usim" || pe_type == "opt-usim") return Parent::ADF_USIM;
    if (pe_type == "telecom") return Parent::DF_TELECOM;
    if (pe_type == "gsm-access") return Parent::DF_GSM_ACCESS;
    if (pe_type == "phonebook") return Parent::DF_PHONEBOOK;
    return std::nullopt;
}

std::string hex_or_none(const std::optional<sim::Bytes>& b) {
    return b ? sim::to_hex(*b) : std::string();
}

// The content through the catalogue entry's codec, one object per record for record files; a content the
// codec refuses is reported beside the hex, never hidden.
json decoded_content(const sim::files::FileSpec& spec, const ResolvedFile& f) {
    auto one = [&](sim::ByteView data) -> json {
        if (data.size() < spec.min_size)
            return json{{"note", fmt::format("shorter than {}'s {} bytes", spec.name, spec.min_size)}};
        try {
            return spec.to_json(data);
        } catch (const sim::Error& e) {
            return json{{"note", fmt::format("{} does not decode: {}", spec.name, e.what())}};
        }
    };
    if (!f.is_record() || f.record_length == 0) return one(f.content);
    json records = json::array();
    for (std::size_t r = 0; r + f.record_length <= f.content.size(); r += f.record_length)
        records.push_back(one(sim::ByteView(f.content).subspan(r, f.record_length)));
    return records;
}

json file_json(const ResolvedFile& f, std::optional<Parent> parent) {
    json j{{"member", f.member}};
    if (f.not_created) {
        j["not_created"] = true;
        return j;
    }
    if (f.fid) j["fid"] = sim::fid_hex(*f.fid);
    j["type"] = std::string(sim::esim::file_type_name(f.type));
    if (f.aid) j["aid"] = sim::to_hex(*f.aid);
    if (f.type != sim::esim::FileType::MF && f.type != sim::esim::FileType::DF &&
        f.type != sim::esim::FileType::ADF) {
        j["size"] = f.size;
        if (f.is_record()) {
            j["record_length"] = f.record_length;
            j["records"] = f.record_count();
        }
        j["sfi"] = f.sfi ? json(fmt::format("{:02X}", *f.sfi)) : json(nullptr);
    }
    if (f.arr) j["arr"] = sim::to_hex(*f.arr);
    j["lcsi"] = sim::to_hex(f.lcsi);
    if (f.link) j["link_path"] = sim::to_hex(*f.link);
    if (f.implicit) j["implicit"] = "not in the package: created by the template's default";
    j["defaults"] = f.defaults;
    if (!f.content.empty()) {
        const auto* spec = parent && f.fid ? sim::files::find(*parent, *f.fid) : nullptr;
        if (spec && spec->secret) {
            j["content"] = kHidden;
        } else {
            // A file the catalogue knows shows its content decoded, raw hex included (per record).
            if (spec) {
                j["ef"] = std::string(spec->name);
                j["decoded"] = decoded_content(*spec, f);
            } else {
                j["content"] = sim::to_hex(f.content);
            }
        }
    }
    return j;
}

json fcp_json(const sim::esim::Fcp& fcp) {
    json j = json::object();
    auto put = [&](const char* key, const std::optional<sim::Bytes>& v) {
        if (v) j[key] = sim::to_hex(*v);
    };
    put("file_descriptor", fcp.file_descriptor);
    put("file_id", fcp.file_id);
    put("df_name", fcp.df_name);
    put("lcsi", fcp.lcsi);
    put("security_attributes", fcp.security_attributes);
    put("ef_file_size", fcp.ef_file_size);
    put("pin_status_template", fcp.pin_status_template);
    put("short_ef_id", fcp.short_ef_id);
    put("fill_pattern", fcp.fill_pattern);
    put("repeat_pattern", fcp.repeat_pattern);
    put("link_path", fcp.link_path);
    return j;
}

json command_json(const std::vector<sim::esim::FileElement>& command) {
    json out = json::array();
    for (const auto& e : command) {
        switch (e.kind) {
            case sim::esim::FileElement::Kind::FilePath:
                out.push_back({{"file_path", sim::to_hex(e.content)}});
                break;
            case sim::esim::FileElement::Kind::Descriptor:
                out.push_back({{"create", fcp_json(e.fcp)}});
                break;
            case sim::esim::FileElement::Kind::FillOffset:
                out.push_back({{"fill_offset", e.offset}});
                break;
            case sim::esim::FileElement::Kind::FillContent:
                out.push_back({{"fill_content", sim::to_hex(e.content)}});
                break;
            case sim::esim::FileElement::Kind::DoNotCreate:
                break;
        }
    }
    return out;
}

// A value the package leaves out takes the ASN.1 DEFAULT; the name goes to `defaults`.
template <typename T>
json or_default(const std::optional<T>& v, json fallback, const char* name, json& defaults) {
    if (v) return json(*v);
    defaults.push_back(name);
    return fallback;
}

std::string algorithm_name(int id) {
    switch (id) {
        case 1:
            return "milenage";
        case 2:
            return "tuak";
        case 3:
            return "usim-test-algorithm";
        default:
            return fmt::format("unknown ({})", id);
    }
}

json aka_json(const sim::esim::AkaParameters& a) {
    json j;
    json defaults = json::array();
    if (a.algorithm) {
        j["algorithm"] = algorithm_name(*a.algorithm);
        j["algorithm_options"] = sim::to_hex(a.algorithm_options);
        j["key"] = kHidden;
        j["opc"] = kHidden;
        if (*a.algorithm == 1) {
            j["rotation_constants"] = a.rotation_constants
                                          ? sim::to_hex(*a.rotation_constants)
                                          : (defaults.push_back("rotation_constants"), "4000204060");
            if (a.xoring_constants) {
                j["xoring_constants"] = sim::to_hex(*a.xoring_constants);
            } else {
                j["xoring_constants"] = "c1=0, c2=1, c3=2, c4=4, c5=8";
                defaults.push_back("xoring_constants");
            }
        }
        if (*a.algorithm == 2)
            j["number_of_keccak"] = or_default(a.number_of_keccak, 1, "number_of_keccak", defaults);
        if (a.auth_counter_max) j["auth_counter_max"] = sim::to_hex(*a.auth_counter_max);
    } else {
        j["mapping_options"] = hex_or_none(a.mapping_options);
        j["mapping_source_aid"] = hex_or_none(a.mapping_source_aid);
    }
    auto hex_default = [&](const std::optional<sim::Bytes>& v, const char* fallback,
                           const char* name) -> json {
        if (v) return sim::to_hex(*v);
        defaults.push_back(name);
        return fallback;
    };
    j["sqn_options"] = hex_default(a.sqn_options, "02", "sqn_options");
    j["sqn_delta"] = hex_default(a.sqn_delta, "000010000000", "sqn_delta");
    j["sqn_age_limit"] = hex_default(a.sqn_age_limit, "000010000000", "sqn_age_limit");
    if (a.sqn_init) {
        json init = json::array();
        for (const auto& s : *a.sqn_init) init.push_back(sim::to_hex(s));
        j["sqn_init"] = init;
    } else {
        j["sqn_init"] = "32 × 000000000000";
        defaults.push_back("sqn_init");
    }
    j["defaults"] = defaults;
    return j;
}

json element_json(const ProfileElement& pe, std::size_t index) {
    json j{{"index", index}, {"offset", pe.offset}, {"length", pe.length}, {"type", pe.type}};
    if (pe.identification) j["identification"] = *pe.identification;
    if (pe.type != "header") j["mandated"] = pe.mandated;
    if (pe.header) {
        const auto& h = *pe.header;
        std::string iccid = sim::to_hex(h.iccid);
        iccid.erase(std::remove(iccid.begin(), iccid.end(), 'F'), iccid.end());
        j["header"] = {{"version", fmt::format("{}.{}", h.major_version, h.minor_version)},
                       {"profile_type", h.profile_type ? json(*h.profile_type) : json(nullptr)},
                       {"iccid", iccid},
                       {"mandatory_services", h.services},
                       {"mandatory_templates", h.template_oids}};
    }
    if (pe.template_oid) {
        j["template"] = *pe.template_oid;
        const auto* t = sim::esim::find_template(*pe.template_oid);
        j["template_name"] =
            t ? json(std::string(t->name)) : json("no template table: attributes from the package only");
        json files = json::array();
        const auto parent = catalogue_parent(pe.type);
        for (const auto& f : sim::esim::resolve_files(pe)) files.push_back(file_json(f, parent));
        j["files"] = files;
    }
    if (!pe.commands.empty()) {
        json commands = json::array();
        for (const auto& c : pe.commands) commands.push_back(command_json(c));
        j["commands"] = commands;
    }
    if (pe.type == "pinCodes") {
        if (pe.pins_shared_from) j["shared_from"] = sim::to_hex(*pe.pins_shared_from);
        json pins = json::array();
        for (const auto& p : pe.pins) {
            json defaults = json::array();
            json pin{{"key_reference", fmt::format("{:02X}", p.key_reference)}, {"value", kHidden}};
            if (p.unblocking_reference)
                pin["unblocking_reference"] = fmt::format("{:02X}", *p.unblocking_reference);
            pin["attributes"] = or_default(p.attributes, 7, "attributes", defaults);
            pin["counters"] =
                fmt::format("{:02X}", or_default(p.counters, 0x33, "counters", defaults).get<int>());
            pin["defaults"] = defaults;
            pins.push_back(pin);
        }
        j["pins"] = pins;
    }
    if (pe.type == "pukCodes") {
        json puks = json::array();
        for (const auto& p : pe.puks) {
            json defaults = json::array();
            json puk{{"key_reference", fmt::format("{:02X}", p.key_reference)}, {"value", kHidden}};
            puk["counters"] =
                fmt::format("{:02X}", or_default(p.counters, 0xAA, "counters", defaults).get<int>());
            puk["defaults"] = defaults;
            puks.push_back(puk);
        }
        j["puks"] = puks;
    }
    if (pe.aka) j["aka"] = aka_json(*pe.aka);
    return j;
}

}  // namespace

json package_json(const sim::esim::Package& package) {
    json elements = json::array();
    std::size_t size = 0;
    for (std::size_t i = 0; i < package.elements().size(); ++i) {
        const auto& pe = package.elements()[i];
        elements.push_back(element_json(pe, i));
        size = pe.offset + pe.length;
    }
    return {{"size", size}, {"profile_elements", elements}};
}

std::string package_text(const json& report) {
    std::string out = fmt::format("profile package: {} bytes, {} Profile Elements\n",
                                  report.at("size").get<std::size_t>(), report.at("profile_elements").size());
    for (const auto& pe : report.at("profile_elements")) {
        out += fmt::format("\nPE #{} {} (byte {}, {} bytes", pe.at("index").get<std::size_t>(),
                           pe.at("type").get<std::string>(), pe.at("offset").get<std::size_t>(),
                           pe.at("length").get<std::size_t>());
        if (pe.contains("identification")) out += fmt::format(", id {}", pe.at("identification").get<int>());
        if (pe.value("mandated", false)) out += ", mandated";
        out += ")\n";
        json rest = pe;
        for (const char* k : {"index", "type", "offset", "length", "identification", "mandated", "files"})
            rest.erase(k);
        out += render::key_values(rest);
        if (!pe.contains("files")) continue;
        for (const auto& f : pe.at("files")) {
            json attributes = f;
            attributes.erase("member");
            out += fmt::format("  {}\n", f.at("member").get<std::string>());
            std::string block = render::key_values(attributes);
            for (std::size_t at = 0; at < block.size();) {
                const auto end = block.find('\n', at);
                out += "  " + block.substr(at, end - at + 1);
                at = end + 1;
            }
        }
    }
    return out;
}

}  // namespace provisioner::esim
