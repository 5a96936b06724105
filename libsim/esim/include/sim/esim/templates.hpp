// The TCA file-system templates (OID 2.23.143.1.2.x) and what a file of a package is once they are applied
// (../shared/reference/esim/templates.md §1.5, §2): a PE member that leaves out an attribute or the content
// takes the template's; a created-by-default template (MF, ADF.USIM, ADF.ISIM) creates its files even when
// the PE does not name them. Keyed by the ASN.1 member name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/bytes.hpp"
#include "sim/esim/package.hpp"

namespace sim::esim {

enum class FileType { MF, DF, ADF, Transparent, LinearFixed, Cyclic, BerTlv };
std::string_view file_type_name(FileType type);  // "transparent", "linear fixed", ...

struct TemplateFile {
    std::string_view member;  // "ef-imsi"
    std::uint16_t fid;        // 0: an ADF (the package gives a temporary FID)
    FileType type;
    std::size_t size;     // transparent: bytes; LF/CY: record length; 0: the package must give it
    std::size_t records;  // LF/CY: record count; 0: the package must give it
    std::optional<std::uint8_t> sfi;
    std::uint8_t arr;              // record of the applicable EF.ARR
    std::string_view default_hex;  // "FF…FF" style (templates.md §1.5 step 4); empty: none
    bool high_update = false;
};

struct Template {
    std::string_view oid;  // "2.23.143.1.2.4"
    std::string_view name;
    bool created_by_default;
    std::span<const TemplateFile> files;
};

// nullptr for a template this toolkit has no table for (the attributes then come from the package alone).
const Template* find_template(std::string_view oid);
const TemplateFile* find_template_file(const Template& t, std::string_view member);

// A template default value expanded to `size` bytes: "XX…YY" writes the bytes before "…", repeats the last
// of them and ends with the bytes after it; a value without "…" is written as is and the rest filled with FF.
Bytes expand_default(std::string_view default_hex, std::size_t size);

// A file of a package as an eUICC creates it: attributes and content after the templates' defaults.
struct ResolvedFile {
    std::string member;  // "ef-imsi"
    std::optional<std::uint16_t> fid;
    FileType type = FileType::Transparent;
    std::size_t size = 0;           // whole file in bytes
    std::size_t record_length = 0;  // LF/CY
    std::optional<std::uint8_t> sfi;
    std::optional<Bytes> aid;   // ADF
    std::optional<Bytes> arr;   // securityAttributesReferenced
    std::optional<Bytes> link;  // linkPath
    Bytes lcsi;
    Bytes content;
    bool implicit = false;     // not in the PE: created by a created-by-default template
    bool not_created = false;  // doNotCreate
    std::vector<std::string>
        defaults;  // what the template (or the ASN.1 DEFAULT) supplied: "size", "content", "lcsi" ...

    [[nodiscard]] std::size_t record_count() const { return record_length ? size / record_length : 0; }
    [[nodiscard]] bool is_record() const { return type == FileType::LinearFixed || type == FileType::Cyclic; }
};

// Every file of one file-system PE, template defaults applied, in template order (the PE's own order for a
// template without a table). Throws PackageError (byte offset of the PE) for a file whose size or structure
// neither the package nor a template gives.
std::vector<ResolvedFile> resolve_files(const ProfileElement& pe);

}  // namespace sim::esim
