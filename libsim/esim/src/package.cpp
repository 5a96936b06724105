// The only file that sees asn1c's C structures. Views are read through asn1c's type descriptors (member
// names, offsets, types) so that every file-system PE of the module is handled by one walk, named as in the
// ASN.1 module.
#include "sim/esim/package.hpp"

#include <fmt/format.h>

#include <cstring>

#include "asn1c.hpp"

namespace sim::esim {
namespace {

struct PeDeleter {
    void operator()(ProfileElement_t* pe) const {
        asn_DEF_ProfileElement.free_struct(&asn_DEF_ProfileElement, pe, 0);
    }
};
using PePtr = std::unique_ptr<ProfileElement_t, PeDeleter>;

template <typename T>
const T* member_at(const void* base, const asn_TYPE_member_t& m) {
    const auto* at = static_cast<const char*>(base) + m.memb_offset;
    if (m.flags & ATF_POINTER) return *reinterpret_cast<const T* const*>(at);
    return reinterpret_cast<const T*>(at);
}

Bytes bytes(const OCTET_STRING_t& s) {
    return Bytes(s.buf, s.buf + s.size);
}
std::optional<Bytes> bytes(const OCTET_STRING_t* s) {
    if (s == nullptr) return std::nullopt;
    return bytes(*s);
}
std::optional<int> number(const long* v) {
    if (v == nullptr) return std::nullopt;
    return static_cast<int>(*v);
}

std::string oid_text(const OBJECT_IDENTIFIER_t& oid) {
    unsigned long arcs[32];
    const int n = OBJECT_IDENTIFIER_get_arcs(&oid, arcs, sizeof(arcs[0]), 32);
    if (n <= 0 || n > 32) return "?";
    std::string out;
    for (int i = 0; i < n; ++i) out += (i ? "." : "") + std::to_string(arcs[i]);
    return out;
}

// The alternative of ProfileElement whose outer tag is `tag`; nullptr for a tag the module does not define.
const asn_TYPE_member_t* alternative_for_tag(ber_tlv_tag_t tag) {
    for (int i = 0; i < asn_DEF_ProfileElement.elements_count; ++i) {
        const auto& m = asn_DEF_ProfileElement.elements[i];
        if (m.tag == tag) return &m;
    }
    return nullptr;
}

std::string tag_text(ByteView der, std::size_t tag_length) {
    return to_hex(der.subspan(0, tag_length));
}

Fcp fcp_view(const Fcp_t& f) {
    Fcp out;
    out.file_descriptor = bytes(f.fileDescriptor);
    out.file_id = bytes(f.fileID);
    out.df_name = bytes(f.dfName);
    out.lcsi = bytes(f.lcsi);
    out.security_attributes = bytes(f.securityAttributesReferenced);
    out.ef_file_size = bytes(f.efFileSize);
    out.pin_status_template = bytes(f.pinStatusTemplateDO);
    out.short_ef_id = bytes(f.shortEFID);
    out.link_path = bytes(f.linkPath);
    if (const auto* p = f.proprietaryEFInfo) {
        out.proprietary_info = true;
        out.special_file_information = bytes(p->specialFileInformation);
        out.fill_pattern = bytes(p->fillPattern);
        out.repeat_pattern = bytes(p->repeatPattern);
        out.maximum_file_size = bytes(p->maximumFileSize);
        out.file_details = bytes(p->fileDetails);
    }
    return out;
}

std::vector<FileElement> file_view(const File_t& file) {
    std::vector<FileElement> out;
    for (int i = 0; i < file.list.count; ++i) {
        const auto& e = *file.list.array[i];
        switch (e.present) {
            case File__Member_PR_doNotCreate:
                out.push_back({FileElement::Kind::DoNotCreate, {}, 0, {}});
                break;
            case File__Member_PR_fileDescriptor:
                out.push_back({FileElement::Kind::Descriptor, fcp_view(e.choice.fileDescriptor), 0, {}});
                break;
            case File__Member_PR_fillFileOffset:
                out.push_back({FileElement::Kind::FillOffset,
                               {},
                               static_cast<std::size_t>(e.choice.fillFileOffset),
                               {}});
                break;
            case File__Member_PR_fillFileContent:
                out.push_back({FileElement::Kind::FillContent, {}, 0, bytes(e.choice.fillFileContent)});
                break;
            default:
                break;  // an extension this module version does not know: skipped, as the module allows
        }
    }
    return out;
}

std::vector<FileElement> command_view(const FileManagement_t& cmd) {
    std::vector<FileElement> out;
    for (int i = 0; i < cmd.list.count; ++i) {
        const auto& e = *cmd.list.array[i];
        switch (e.present) {
            case FileManagement__Member_PR_filePath:
                out.push_back({FileElement::Kind::FilePath, {}, 0, bytes(e.choice.filePath)});
                break;
            case FileManagement__Member_PR_createFCP:
                out.push_back({FileElement::Kind::Descriptor, fcp_view(e.choice.createFCP), 0, {}});
                break;
            case FileManagement__Member_PR_fillFileOffset:
                out.push_back({FileElement::Kind::FillOffset,
                               {},
                               static_cast<std::size_t>(e.choice.fillFileOffset),
                               {}});
                break;
            case FileManagement__Member_PR_fillFileContent:
                out.push_back({FileElement::Kind::FillContent, {}, 0, bytes(e.choice.fillFileContent)});
                break;
            default:
                break;
        }
    }
    return out;
}

Header header_view(const ProfileHeader_t& h) {
    Header out;
    out.major_version = static_cast<int>(h.major_version);
    out.minor_version = static_cast<int>(h.minor_version);
    if (h.profileType)
        out.profile_type = std::string(h.profileType->buf, h.profileType->buf + h.profileType->size);
    out.iccid = bytes(h.iccid);
    for (int i = 0; i < asn_DEF_ServicesList.elements_count; ++i) {
        const auto& m = asn_DEF_ServicesList.elements[i];
        if (member_at<NULL_t>(&h.eUICC_Mandatory_services, m) != nullptr) out.services.emplace_back(m.name);
    }
    for (int i = 0; i < h.eUICC_Mandatory_GFSTEList.list.count; ++i)
        out.template_oids.push_back(oid_text(*h.eUICC_Mandatory_GFSTEList.list.array[i]));
    return out;
}

AkaParameters aka_view(const PE_AKAParameter_t& a) {
    AkaParameters out;
    const auto& c = a.algoConfiguration;
    if (c.present == PE_AKAParameter__algoConfiguration_PR_algoParameter) {
        const auto& p = c.choice.algoParameter;
        out.algorithm = static_cast<int>(p.algorithmID);
        out.algorithm_options = bytes(p.algorithmOptions);
        out.key = bytes(p.key);
        out.opc = bytes(p.opc);
        out.rotation_constants = bytes(p.rotationConstants);
        out.xoring_constants = bytes(p.xoringConstants);
        out.auth_counter_max = bytes(p.authCounterMax);
        out.number_of_keccak = number(p.numberOfKeccak);
    } else if (c.present == PE_AKAParameter__algoConfiguration_PR_mappingParameter) {
        out.mapping_options = bytes(c.choice.mappingParameter.mappingOptions);
        out.mapping_source_aid = bytes(c.choice.mappingParameter.mappingSource);
    }
    out.sqn_options = bytes(a.sqnOptions);
    out.sqn_delta = bytes(a.sqnDelta);
    out.sqn_age_limit = bytes(a.sqnAgeLimit);
    if (a.sqnInit) {
        std::vector<Bytes> init;
        for (int i = 0; i < a.sqnInit->list.count; ++i) init.push_back(bytes(*a.sqnInit->list.array[i]));
        out.sqn_init = std::move(init);
    }
    return out;
}

// What one decoded PE says, read through the descriptor of its alternative.
ProfileElement view(const ProfileElement_t& pe, const asn_TYPE_member_t& alt, std::size_t offset,
                    std::size_t length) {
    ProfileElement out;
    out.offset = offset;
    out.length = length;
    out.type = alt.name;
    const void* body = reinterpret_cast<const char*>(&pe) + alt.memb_offset;
    const asn_TYPE_descriptor_t& td = *alt.type;
    if (td.elements_count > 0 && td.elements[0].type == &asn_DEF_PEHeader) {
        const auto* h = member_at<PEHeader_t>(body, td.elements[0]);
        out.identification = static_cast<int>(h->identification);
        out.mandated = h->mandated != nullptr;
    }
    for (int i = 0; i < td.elements_count; ++i) {
        const auto& m = td.elements[i];
        if (m.type == &asn_DEF_OBJECT_IDENTIFIER && std::strcmp(m.name, "templateID") == 0) {
            if (const auto* oid = member_at<OBJECT_IDENTIFIER_t>(body, m)) out.template_oid = oid_text(*oid);
        } else if (m.type == &asn_DEF_File) {
            if (const auto* file = member_at<File_t>(body, m))
                out.files.push_back({m.name, file_view(*file)});
        }
    }
    switch (pe.present) {
        case ProfileElement_PR_header:
            out.header = header_view(pe.choice.header);
            break;
        case ProfileElement_PR_genericFileManagement: {
            const auto& list = pe.choice.genericFileManagement.fileManagementCMD.list;
            for (int i = 0; i < list.count; ++i) out.commands.push_back(command_view(*list.array[i]));
            break;
        }
        case ProfileElement_PR_pinCodes: {
            const auto& codes = pe.choice.pinCodes.pinCodes;
            if (codes.present == PE_PINCodes__pinCodes_PR_filePath) {
                out.pins_shared_from = bytes(codes.choice.filePath);
                break;
            }
            const auto& list = codes.choice.pinconfig.list;
            for (int i = 0; i < list.count; ++i) {
                const auto& p = *list.array[i];
                out.pins.push_back({static_cast<int>(p.keyReference), bytes(p.pinValue),
                                    number(p.unblockingPINReference), number(p.pinAttributes),
                                    number(p.maxNumOfAttemps_retryNumLeft)});
            }
            break;
        }
        case ProfileElement_PR_pukCodes: {
            const auto& list = pe.choice.pukCodes.pukCodes.list;
            for (int i = 0; i < list.count; ++i) {
                const auto& p = *list.array[i];
                out.puks.push_back({static_cast<int>(p.keyReference), bytes(p.pukValue),
                                    number(p.maxNumOfAttemps_retryNumLeft)});
            }
            break;
        }
        case ProfileElement_PR_akaParameter:
            out.aka = aka_view(pe.choice.akaParameter);
            break;
        default:
            break;
    }
    return out;
}

int append_to(const void* buffer, size_t size, void* key) {
    auto* out = static_cast<Bytes*>(key);
    const auto* p = static_cast<const std::uint8_t*>(buffer);
    out->insert(out->end(), p, p + size);
    return 0;
}

}  // namespace

struct Package::Impl {
    std::vector<PePtr> decoded;
    std::vector<ProfileElement> views;
};

Package::Package(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Package::Package(Package&&) noexcept = default;
Package& Package::operator=(Package&&) noexcept = default;
Package::~Package() = default;

const std::vector<ProfileElement>& Package::elements() const {
    return impl_->views;
}

Package Package::decode(ByteView der) {
    if (der.empty())
        throw PackageError("byte 0: the package is empty (expected DER Profile Elements)", 0, "");
    auto impl = std::make_unique<Impl>();
    std::size_t offset = 0;
    while (offset < der.size()) {
        const auto rest = der.subspan(offset);
        const std::size_t index = impl->views.size();
        // The outer TLV is read with asn1c's own tag and length readers, only to name the PE and the byte
        // where the package goes wrong; the PE itself is decoded by the generated codec below.
        ber_tlv_tag_t tag = 0;
        const ssize_t tag_length = ber_fetch_tag(rest.data(), rest.size(), &tag);
        if (tag_length <= 0) {
            throw PackageError(
                fmt::format("byte {}: PE #{}: the package ends inside a tag (truncated DER)", offset, index),
                offset, "");
        }
        const auto tl = static_cast<std::size_t>(tag_length);
        const auto* alt = alternative_for_tag(tag);
        const std::string name = alt ? alt->name : "tag " + tag_text(rest, tl);
        if (alt == nullptr) {
            throw PackageError(
                fmt::format("byte {}: PE #{}: unknown Profile Element (tag {}; the PEDefinitions "
                            "3.3.1 module has no such PE)",
                            offset, index, tag_text(rest, tl)),
                offset, name);
        }
        ber_tlv_len_t body_length = 0;
        const ssize_t length_length = ber_fetch_length((rest[0] & 0x20) != 0,  // constructed
                                                       rest.data() + tl, rest.size() - tl, &body_length);
        if (length_length <= 0 || body_length < 0) {
            throw PackageError(
                fmt::format("byte {}: PE #{} ({}): {}", offset + tl, index, name,
                            length_length == 0 ? "the package ends inside the length (truncated DER)"
                                               : "invalid length (expected a definite DER length)"),
                offset + tl, name);
        }
        const std::size_t total =
            tl + static_cast<std::size_t>(length_length) + static_cast<std::size_t>(body_length);
        if (total > rest.size()) {
            throw PackageError(
                fmt::format("byte {}: PE #{} ({}) is truncated: it declares {} bytes of content, "
                            "the package holds {} more",
                            offset, index, name, body_length,
                            rest.size() - tl - static_cast<std::size_t>(length_length)),
                offset, name);
        }
        ProfileElement_t* raw = nullptr;
        const asn_dec_rval_t r =
            ber_decode(nullptr, &asn_DEF_ProfileElement, reinterpret_cast<void**>(&raw), rest.data(), total);
        PePtr pe(raw);
        if (r.code != RC_OK || r.consumed != total || pe == nullptr ||
            pe->present == ProfileElement_PR_NOTHING) {
            throw PackageError(fmt::format("byte {}: PE #{} ({}): not a valid {} (DER decoding failed{})",
                                           offset, index, name, name,
                                           r.consumed > 0 && r.consumed < total
                                               ? fmt::format(" near byte {}", offset + r.consumed)
                                               : ""),
                               offset, name);
        }
        char message[256] = {};
        size_t message_length = sizeof message;
        detail::restore_typedef_constraints();
        if (asn_check_constraints(&asn_DEF_ProfileElement, pe.get(), message, &message_length) != 0) {
            throw PackageError(fmt::format("byte {}: PE #{} ({}): constraint violated: {}", offset, index,
                                           name, std::string(message, strnlen(message, sizeof message))),
                               offset, name);
        }
        impl->views.push_back(view(*pe, *alt, offset, total));
        impl->decoded.push_back(std::move(pe));
        offset += total;
    }
    return Package(std::move(impl));
}

Bytes Package::encode() const {
    Bytes out;
    for (const auto& pe : impl_->decoded) {
        const asn_enc_rval_t r = der_encode(&asn_DEF_ProfileElement, pe.get(), append_to, &out);
        if (r.encoded < 0)
            throw Error(
                fmt::format("DER encoding of a {} PE failed", r.failed_type ? r.failed_type->name : "?"));
    }
    return out;
}

std::vector<std::string> file_members(const std::string& pe_type) {
    std::vector<std::string> out;
    for (int i = 0; i < asn_DEF_ProfileElement.elements_count; ++i) {
        const auto& alt = asn_DEF_ProfileElement.elements[i];
        if (pe_type != alt.name) continue;
        for (int j = 0; j < alt.type->elements_count; ++j)
            if (alt.type->elements[j].type == &asn_DEF_File) out.emplace_back(alt.type->elements[j].name);
    }
    return out;
}

}  // namespace sim::esim
