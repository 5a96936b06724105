// From the typed views back to asn1c's structures, then DER by the generated encoder. Everything is allocated
// with calloc because asn1c frees its structures with free(); one owner (PePtr) frees a PE whatever happens.
// Secret buffers (PIN/PUK/ADM values, K, OPc) are wiped before asn1c frees them.
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <type_traits>

#include "asn1c.hpp"
#include "sim/esim/package.hpp"

namespace sim::esim {
namespace {

struct PeOwner {
    ProfileElement_t* pe = static_cast<ProfileElement_t*>(std::calloc(1, sizeof(ProfileElement_t)));
    std::vector<OCTET_STRING_t*> secrets;
    PeOwner() {
        if (pe == nullptr) throw std::bad_alloc();
    }
    PeOwner(const PeOwner&) = delete;
    PeOwner& operator=(const PeOwner&) = delete;
    ~PeOwner() {
        for (auto* s : secrets)
            if (s->buf) explicit_bzero(s->buf, s->size);
        asn_DEF_ProfileElement.free_struct(&asn_DEF_ProfileElement, pe, 0);
    }
};

template <typename T>
T* zeroed() {
    auto* p = static_cast<T*>(std::calloc(1, sizeof(T)));
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

void set(OCTET_STRING_t& s, ByteView b) {
    if (OCTET_STRING_fromBuf(&s, reinterpret_cast<const char*>(b.data()), static_cast<int>(b.size())) != 0)
        throw std::bad_alloc();
}
OCTET_STRING_t* make(const std::optional<Bytes>& b) {
    if (!b) return nullptr;
    auto* s = zeroed<OCTET_STRING_t>();
    set(*s, *b);
    return s;
}
long* make(const std::optional<int>& v) {
    if (!v) return nullptr;
    auto* p = zeroed<long>();
    *p = *v;
    return p;
}

template <typename List, typename Item>
void add(List& list, Item* item) {
    if (asn_sequence_add(&list, item) != 0) throw std::bad_alloc();
}

void set_oid(OBJECT_IDENTIFIER_t& oid, const std::string& dotted) {
    std::vector<unsigned long> arcs;
    std::size_t at = 0;
    while (at <= dotted.size()) {
        const auto end = std::min(dotted.find('.', at), dotted.size());
        arcs.push_back(std::stoul(dotted.substr(at, end - at)));
        at = end + 1;
    }
    if (OBJECT_IDENTIFIER_set_arcs(&oid, arcs.data(), sizeof(arcs[0]), static_cast<unsigned>(arcs.size())) !=
        0)
        throw Error(fmt::format("template OID {} cannot be encoded", dotted));
}

void fill_fcp(Fcp_t& f, const Fcp& v) {
    f.fileDescriptor = make(v.file_descriptor);
    f.fileID = make(v.file_id);
    f.dfName = make(v.df_name);
    f.lcsi = make(v.lcsi);
    f.securityAttributesReferenced = make(v.security_attributes);
    f.efFileSize = make(v.ef_file_size);
    f.pinStatusTemplateDO = make(v.pin_status_template);
    f.shortEFID = make(v.short_ef_id);
    f.linkPath = make(v.link_path);
    if (v.proprietary_info || v.special_file_information || v.fill_pattern || v.repeat_pattern || v.maximum_file_size ||
        v.file_details) {
        auto* p = zeroed<ProprietaryInfo_t>();
        f.proprietaryEFInfo = p;
        p->specialFileInformation = make(v.special_file_information);
        p->fillPattern = make(v.fill_pattern);
        p->repeatPattern = make(v.repeat_pattern);
        p->maximumFileSize = make(v.maximum_file_size);
        p->fileDetails = make(v.file_details);
    }
}

void fill_file(File_t& file, const std::vector<FileElement>& elements) {
    using Member = std::remove_pointer_t<std::remove_pointer_t<decltype(file.list.array)>>;
    for (const auto& e : elements) {
        auto* m = zeroed<Member>();
        add(file.list, m);
        switch (e.kind) {
            case FileElement::Kind::DoNotCreate:
                m->present = File__Member_PR_doNotCreate;
                break;
            case FileElement::Kind::Descriptor:
                m->present = File__Member_PR_fileDescriptor;
                fill_fcp(m->choice.fileDescriptor, e.fcp);
                break;
            case FileElement::Kind::FillOffset:
                m->present = File__Member_PR_fillFileOffset;
                m->choice.fillFileOffset = static_cast<long>(e.offset);
                break;
            case FileElement::Kind::FillContent:
                m->present = File__Member_PR_fillFileContent;
                set(m->choice.fillFileContent, e.content);
                break;
            case FileElement::Kind::FilePath:
                throw Error("a filePath belongs to genericFileManagement, not a File");
        }
    }
}

void fill_header(ProfileHeader_t& h, const Header& v) {
    h.major_version = v.major_version;
    h.minor_version = v.minor_version;
    if (v.profile_type) {
        h.profileType = zeroed<UTF8String_t>();
        set(*h.profileType,
            ByteView(reinterpret_cast<const std::uint8_t*>(v.profile_type->data()), v.profile_type->size()));
    }
    set(h.iccid, v.iccid);
    for (const auto& name : v.services) {
        bool known = false;
        for (int i = 0; i < asn_DEF_ServicesList.elements_count; ++i) {
            const auto& m = asn_DEF_ServicesList.elements[i];
            if (name != m.name) continue;
            *reinterpret_cast<NULL_t**>(reinterpret_cast<char*>(&h.eUICC_Mandatory_services) +
                                        m.memb_offset) = zeroed<NULL_t>();
            known = true;
        }
        if (!known) throw Error(fmt::format("eUICC-Mandatory-services has no service {}", name));
    }
    for (const auto& oid : v.template_oids) {
        auto* o = zeroed<OBJECT_IDENTIFIER_t>();
        add(h.eUICC_Mandatory_GFSTEList.list, o);
        set_oid(*o, oid);
    }
}

// A file-system PE, generic over the module's PE types: members found by name in the type descriptor.
void fill_file_system(void* body, const asn_TYPE_descriptor_t& td, const ProfileElement& v) {
    for (const auto& file : v.files) {
        const asn_TYPE_member_t* member = nullptr;
        for (int i = 0; i < td.elements_count; ++i)
            if (td.elements[i].type == &asn_DEF_File && file.member == td.elements[i].name)
                member = &td.elements[i];
        if (member == nullptr) throw Error(fmt::format("PE {} has no file member {}", v.type, file.member));
        auto* at = static_cast<char*>(body) + member->memb_offset;
        File_t* f = nullptr;
        if (member->flags & ATF_POINTER) {
            f = zeroed<File_t>();
            *reinterpret_cast<File_t**>(at) = f;
        } else {
            f = reinterpret_cast<File_t*>(at);
        }
        fill_file(*f, file.elements);
    }
    for (int i = 0; i < td.elements_count; ++i) {
        const auto& m = td.elements[i];
        if (m.type == &asn_DEF_OBJECT_IDENTIFIER && std::strcmp(m.name, "templateID") == 0) {
            if (!v.template_oid) throw Error(fmt::format("PE {} needs a templateID", v.type));
            set_oid(*reinterpret_cast<OBJECT_IDENTIFIER_t*>(static_cast<char*>(body) + m.memb_offset),
                    *v.template_oid);
        }
    }
}

void fill_aka(PE_AKAParameter_t& a, const AkaParameters& v, PeOwner& owner) {
    if (!v.algorithm) throw Error("akaParameter: only algoParameter is built");
    a.algoConfiguration.present = PE_AKAParameter__algoConfiguration_PR_algoParameter;
    auto& p = a.algoConfiguration.choice.algoParameter;
    p.algorithmID = *v.algorithm;
    set(p.algorithmOptions, v.algorithm_options);
    set(p.key, v.key);
    set(p.opc, v.opc);
    owner.secrets.push_back(&p.key);
    owner.secrets.push_back(&p.opc);
    p.rotationConstants = make(v.rotation_constants);
    p.xoringConstants = make(v.xoring_constants);
    p.authCounterMax = make(v.auth_counter_max);
    p.numberOfKeccak = make(v.number_of_keccak);
    a.sqnOptions = make(v.sqn_options);
    a.sqnDelta = make(v.sqn_delta);
    a.sqnAgeLimit = make(v.sqn_age_limit);
    if (v.sqn_init) {
        using Init = std::remove_pointer_t<decltype(a.sqnInit)>;
        a.sqnInit = zeroed<Init>();
        for (const auto& s : *v.sqn_init) {
            auto* o = zeroed<OCTET_STRING_t>();
            add(a.sqnInit->list, o);
            set(*o, s);
        }
    }
}

int append_to(const void* buffer, size_t size, void* key) {
    auto* out = static_cast<Bytes*>(key);
    const auto* p = static_cast<const std::uint8_t*>(buffer);
    out->insert(out->end(), p, p + size);
    return 0;
}

void encode_one(const ProfileElement& v, Bytes& out) {
    const asn_TYPE_member_t* alt = nullptr;
    for (int i = 0; i < asn_DEF_ProfileElement.elements_count; ++i)
        if (v.type == asn_DEF_ProfileElement.elements[i].name) alt = &asn_DEF_ProfileElement.elements[i];
    if (alt == nullptr) throw Error(fmt::format("no Profile Element type {}", v.type));
    PeOwner owner;
    owner.pe->present = static_cast<ProfileElement_PR>(alt - asn_DEF_ProfileElement.elements + 1);
    void* body = reinterpret_cast<char*>(owner.pe) + alt->memb_offset;
    const asn_TYPE_descriptor_t& td = *alt->type;
    if (td.elements_count > 0 && td.elements[0].type == &asn_DEF_PEHeader) {
        auto* h = reinterpret_cast<PEHeader_t*>(static_cast<char*>(body) + td.elements[0].memb_offset);
        if (!v.identification) throw Error(fmt::format("PE {} needs an identification", v.type));
        h->identification = *v.identification;
        if (v.mandated) h->mandated = zeroed<NULL_t>();
    }
    auto& pe = *owner.pe;
    switch (pe.present) {
        case ProfileElement_PR_header:
            if (!v.header) throw Error("header PE without its values");
            fill_header(pe.choice.header, *v.header);
            break;
        case ProfileElement_PR_pinCodes: {
            auto& codes = pe.choice.pinCodes.pinCodes;
            codes.present = PE_PINCodes__pinCodes_PR_pinconfig;
            for (const auto& p : v.pins) {
                auto* c = zeroed<PINConfiguration_t>();
                add(codes.choice.pinconfig.list, c);
                c->keyReference = p.key_reference;
                set(c->pinValue, p.value);
                owner.secrets.push_back(&c->pinValue);
                c->unblockingPINReference = make(p.unblocking_reference);
                c->pinAttributes = make(p.attributes);
                c->maxNumOfAttemps_retryNumLeft = make(p.counters);
            }
            break;
        }
        case ProfileElement_PR_pukCodes:
            for (const auto& p : v.puks) {
                auto* c = zeroed<PUKConfiguration_t>();
                add(pe.choice.pukCodes.pukCodes.list, c);
                c->keyReference = p.key_reference;
                set(c->pukValue, p.value);
                owner.secrets.push_back(&c->pukValue);
                c->maxNumOfAttemps_retryNumLeft = make(p.counters);
            }
            break;
        case ProfileElement_PR_akaParameter:
            if (!v.aka) throw Error("akaParameter PE without its values");
            fill_aka(pe.choice.akaParameter, *v.aka, owner);
            break;
        case ProfileElement_PR_end:
            break;
        default:
            if (!v.template_oid) throw Error(fmt::format("PE {} is not built by this encoder", v.type));
            fill_file_system(body, td, v);
            break;
    }
    char message[256] = {};
    size_t message_length = sizeof message;
    detail::restore_typedef_constraints();
    if (asn_check_constraints(&asn_DEF_ProfileElement, owner.pe, message, &message_length) != 0) {
        throw Error(fmt::format("PE {} (id {}): constraint violated: {}", v.type,
                                v.identification.value_or(0),
                                std::string(message, strnlen(message, sizeof message))));
    }
    const asn_enc_rval_t r = der_encode(&asn_DEF_ProfileElement, owner.pe, append_to, &out);
    if (r.encoded < 0) throw Error(fmt::format("DER encoding of PE {} failed", v.type));
}

}  // namespace

Bytes encode_elements(std::span<const ProfileElement> elements) {
    Bytes out;
    for (const auto& pe : elements) encode_one(pe, out);
    return out;
}

}  // namespace sim::esim
