// The card's file system: MF, DFs, ADFs and EFs with their raw bytes and access conditions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hex.hpp"

namespace simcard {

// Who may perform an operation. ADM means ADM1 (key reference 0A).
enum class Access { Always, Pin1, Pin2, Adm, Never };

enum class NodeKind { Mf, Df, Adf, Ef };
enum class Structure { Transparent, LinearFixed, Cyclic };

// What the card OS itself makes of an EF's content (description attribute `role=`). Most EFs are plain
// storage; these few are read by the card's own commands (AUTHENTICATE, RUN GSM ALGORITHM) or are views of
// the code table. Every role but None makes the EF secret: traces mask the data written to it.
enum class Role {
    None,
    UsimKey,    // cfg ‖ K ‖ OP/OPc of an application: 3G context (and GSM context when no 2G key file)
    UsimKey2g,  // the same layout, GSM context of an application
    SimKey,     // the same layout, RUN GSM ALGORITHM of the 2G SIM (DF.GSM)
    Sqn,        // SQN freshness state of an application (TS 33.102 Annex C), updated by AUTHENTICATE
    ChvPin1,    // write-only view of PIN1 ‖ PUK1 values and counters
    ChvPin2,    // the same for PIN2 ‖ PUK2
    ChvAdm1,    // the same for ADM1 (no PUK)
    // Cards whose OS keeps K and OP/OPc in two files and runs MILENAGE only (no algorithm byte):
    Ki,          // K (16 B)
    OpcFlagged,  // flag ‖ OP or OPc (17 B): flag 01 = OPc, 00 = OP
    // Records of a multi-profile 2G card (the MagicSIM family's 3F00/000C): flag ‖ name(14) ‖ ICCID(10) ‖
    // IMSI(9) ‖ Ki(16) ‖ SMSP; the first record flagged 81 (valid, active) is the card's subscription.
    ProviderRecords,
};

// A referenced security attribute (FCP tag 8B): EF.ARR file id and record number.
struct ArrReference {
    std::uint16_t arr_fid = 0;
    std::uint8_t record = 0;
};

struct Node {
    NodeKind kind = NodeKind::Ef;
    std::optional<std::uint16_t> fid;  // an ADF may have none (reachable by AID only)
    std::string name;
    Bytes aid;                        // ADF only
    std::optional<ArrReference> arr;  // FCP 8B instead of the compact 8C derived from read/update
    Role role = Role::None;
    // What a real card's FCP shows that the model cannot derive (description `fcp-a5=`, `fcp-8c=`): the
    // proprietary template's value (memory, toolkit conditions) and the compact security attributes in the
    // card's own AM/SC encoding. Informational: the commands still check `read` / `update`.
    std::optional<Bytes> proprietary;
    std::optional<Bytes> compact_security;
    // More of the same kind (description `fcp-82=`, `fcp-ab=`, `fcp-c6=`): the file descriptor as the card
    // encodes it, an expanded security attribute template (AB, replaces 8C/8B) and a directory's PIN status
    // template (C6: the keys the card lists for that directory, in its order).
    std::optional<Bytes> descriptor;
    std::optional<Bytes> expanded_security;
    std::optional<Bytes> pin_status;
    // DFs: the key references the PIN status template C6 lists (description `fcp-keys=`), when a real card
    // lists fewer than the codes it has (e.g. only PIN1 on the MF, PIN1 and PIN2 on an ADF, never ADM1). The
    // PS_DO still follows the codes' enabled state. Default: every code the card has.
    std::optional<Bytes> listed_keys;
    // The whole SELECT answer of an application that is no file (description `select-answer=`): a
    // GlobalPlatform security domain answers with its FCI (tag 6F), which the file model does not describe.
    std::optional<Bytes> select_answer;
    // What a real 2G card's GSM response (TS 51.011 §9.2.1) shows that the model cannot derive (description
    // `gsm-*=` attributes, hex). DF: free memory (bytes 3-4), file characteristics (byte 14), the counts of
    // DFs / EFs / codes (bytes 15-17: the card counts files and codes the dump does not show) and the bytes
    // after the CHV status bytes (byte 13 grows with them). EF: the access conditions (bytes 9-11) in the
    // card's own numbering (e.g. an ADM level the card never grants) and byte 8. Informational, as fcp-8c=.
    struct GsmFields {
        std::optional<Bytes> memory;
        std::optional<std::uint8_t> characteristics;
        std::optional<std::uint8_t> dfs;
        std::optional<std::uint8_t> efs;
        std::optional<std::uint8_t> codes;
        std::optional<Bytes> tail;
        std::optional<Bytes> access;
        std::optional<std::uint8_t> increase;  // EF byte 8 (b7: INCREASE allowed), derived 40 on cyclic EFs
    } gsm;
    // Not reachable by SELECT and not counted among the DF's files (description `hidden=yes`): a file the
    // card OS keeps for itself, e.g. the key store a proprietary command writes.
    bool hidden = false;

    // EF only.
    Structure structure = Structure::Transparent;
    std::optional<std::uint8_t> sfi;
    std::size_t record_length = 0;  // record EFs
    std::size_t record_count = 0;   // record EFs
    Access read = Access::Always;
    Access update = Access::Never;
    // Life cycle "operational, deactivated" (description `state=deactivated`): the FCP says so (8A 04) and
    // reads and updates answer 6984 / 9810, as a real card's invalidated EF does.
    bool deactivated = false;
    // Transparent: the body. Record EFs: records concatenated in logical order (cyclic: record 1 = newest).
    Bytes body;

    Node* parent = nullptr;
    std::vector<std::unique_ptr<Node>> children;

    bool is_df() const { return kind != NodeKind::Ef; }
    bool is_record_ef() const { return kind == NodeKind::Ef && structure != Structure::Transparent; }
    std::size_t size() const { return body.size(); }

    // Hidden files only when `hidden_too` (the description parser's uniqueness check).
    Node* child_by_fid(std::uint16_t wanted, bool hidden_too = false) const;
    Node* child_by_sfi(std::uint8_t wanted) const;
    Node& add_child(std::unique_ptr<Node> child);
    std::size_t count_children(bool dfs) const;
};

std::string access_name(Access a);
std::optional<Access> parse_access(std::string_view text);
std::string role_name(Role r);
std::optional<Role> parse_role(std::string_view text);
std::string structure_name(Structure s);
std::optional<Structure> parse_structure(std::string_view text);

}  // namespace simcard
