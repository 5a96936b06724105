// An eSIM profile package (TCA "eUICC Profile Package: Interoperable Format" 3.3.1): DER-encoded Profile
// Elements one after another. The codec is asn1c's, generated from PE_Definitions-3.3.1.asn at build time;
// this header is the only face of it the toolkit sees: typed, read-only views of what each PE says, without
// any template default applied (sim/esim/templates.hpp applies them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sim/bytes.hpp"
#include "sim/error.hpp"

namespace sim::esim {

// Bad package bytes (exit 2). The message names the byte offset and the PE; both are also kept for callers.
class PackageError : public InputError {
  public:
    PackageError(const std::string& what, std::size_t offset, std::string pe)
        : InputError(what), offset_(offset), pe_(std::move(pe)) {}
    [[nodiscard]] std::size_t offset() const { return offset_; }
    [[nodiscard]] const std::string& pe() const { return pe_; }

  private:
    std::size_t offset_;
    std::string pe_;
};

// The Fcp of a file exactly as encoded: nullopt = absent (the template's value applies). For shortEFID an
// empty value is a third state (no SFI), distinct from absent.
struct Fcp {
    std::optional<Bytes> file_descriptor;
    std::optional<Bytes> file_id;
    std::optional<Bytes> df_name;
    std::optional<Bytes> lcsi;
    std::optional<Bytes> security_attributes;
    std::optional<Bytes> ef_file_size;
    std::optional<Bytes> pin_status_template;
    std::optional<Bytes> short_ef_id;
    bool proprietary_info = false;  // proprietaryEFInfo present (possibly empty, as TS.48 sends it)
    std::optional<Bytes> special_file_information;
    std::optional<Bytes> fill_pattern;
    std::optional<Bytes> repeat_pattern;
    std::optional<Bytes> maximum_file_size;
    std::optional<Bytes> file_details;
    std::optional<Bytes> link_path;
};

// One element of a File (or of a genericFileManagement command list), in package order.
struct FileElement {
    enum class Kind { DoNotCreate, Descriptor, FillOffset, FillContent, FilePath };
    Kind kind;
    Fcp fcp;                 // Descriptor
    std::size_t offset = 0;  // FillOffset
    Bytes content;           // FillContent, FilePath
};

// One file member of a file-system PE (mf, usim, opt-usim, telecom, ...), named as in the ASN.1 module.
struct PeFile {
    std::string member;  // "ef-imsi"
    std::vector<FileElement> elements;
};

struct PinCode {
    int key_reference = 0;
    Bytes value;  // secret: never printed
    std::optional<int> unblocking_reference;
    std::optional<int> attributes;  // nullopt: the DEFAULT 7
    std::optional<int> counters;    // maxNumOfAttemps-retryNumLeft, nullopt: the DEFAULT 0x33
};

struct PukCode {
    int key_reference = 0;
    Bytes value;                  // secret: never printed
    std::optional<int> counters;  // nullopt: the DEFAULT 0xAA
};

struct AkaParameters {
    // algoParameter, or a mappingParameter (reuses another NAA's parameters by AID)
    std::optional<int> algorithm;  // 1 Milenage, 2 TUAK, 3 test algorithm
    Bytes algorithm_options;
    Bytes key;  // secret
    Bytes opc;  // secret
    std::optional<Bytes> rotation_constants;
    std::optional<Bytes> xoring_constants;
    std::optional<Bytes> auth_counter_max;
    std::optional<int> number_of_keccak;
    std::optional<Bytes> mapping_options;
    std::optional<Bytes> mapping_source_aid;
    std::optional<Bytes> sqn_options;
    std::optional<Bytes> sqn_delta;
    std::optional<Bytes> sqn_age_limit;
    std::optional<std::vector<Bytes>> sqn_init;
};

struct Header {
    int major_version = 0;
    int minor_version = 0;
    std::optional<std::string> profile_type;
    Bytes iccid;                             // digits in natural order, F-padded (not swapped)
    std::vector<std::string> services;       // eUICC-Mandatory-services set, ASN.1 names: "usim", "milenage"
    std::vector<std::string> template_oids;  // eUICC-Mandatory-GFSTEList, dotted
};

// What one Profile Element says. `type` is the ProfileElement alternative ("header", "usim", ...); the
// members that apply to it are filled, the others stay empty.
struct ProfileElement {
    std::size_t offset = 0;  // of its first byte in the package
    std::size_t length = 0;  // whole TLV
    std::string type;
    std::optional<int> identification;  // PEHeader (every PE but the header)
    bool mandated = false;
    std::optional<Header> header;
    std::optional<std::string> template_oid;         // file-system PEs
    std::vector<PeFile> files;                       // file-system PEs: present members in ASN.1 order
    std::vector<std::vector<FileElement>> commands;  // genericFileManagement
    std::vector<PinCode> pins;
    std::optional<Bytes> pins_shared_from;  // pinCodes `filePath` alternative
    std::vector<PukCode> puks;
    std::optional<AkaParameters> aka;
};

// A decoded package. It keeps asn1c's structures (hidden) so that encode() re-encodes what was decoded.
class Package {
  public:
    // Decodes every PE, checks the module's constraints; throws PackageError naming the byte offset and PE.
    static Package decode(ByteView der);
    Package(Package&&) noexcept;
    Package& operator=(Package&&) noexcept;
    ~Package();

    [[nodiscard]] const std::vector<ProfileElement>& elements() const;
    // DER of every PE again, one after another.
    [[nodiscard]] Bytes encode() const;

  private:
    struct Impl;
    explicit Package(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Encodes PEs from their views, through the generated encoder after the module's constraints are checked:
// the header, every file-system PE, pinCodes (pinconfig), pukCodes, akaParameter (algoParameter) and end.
// Other PE types throw sim::Error. The result holds the views' secrets (K, OPc, codes) in clear, as a package
// does.
Bytes encode_elements(std::span<const ProfileElement> elements);

// The ASN.1 member names of a file-system PE type ("usim" → "adf-usim", "ef-imsi", ...), in module order;
// empty for a PE type that holds no files.
std::vector<std::string> file_members(const std::string& pe_type);

}  // namespace sim::esim
