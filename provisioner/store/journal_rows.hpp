// Reads the journal's rows in the column order of journal_schema.hpp's selects, for both stores. A Row is a
// store's current result row: is_null, int64, opt_int64, text, opt_text and blob by column index.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "store/journal.hpp"

namespace provisioner {

template <class Row>
std::optional<WrappedSecret> read_wrapped(const Row& row, int index_col, int blob_col) {
    if (row.is_null(index_col) || row.is_null(blob_col)) return std::nullopt;
    return WrappedSecret{static_cast<std::uint32_t>(row.int64(index_col)), row.blob(blob_col)};
}

template <class Row>
CardRecord read_card(const Row& row) {
    CardRecord c;
    c.id = row.int64(0);
    c.job_id = row.int64(1);
    c.seq = static_cast<std::uint64_t>(row.int64(2));
    c.identity.imsi = row.text(3);
    c.identity.iccid = row.text(4);
    c.identity.msisdn = row.opt_text(5);
    c.fingerprint = row.text(6);
    c.reader_id = row.text(7);
    c.station_id = row.text(8);
    c.state = card_state_from_string(row.text(9));
    c.reason = row.text(10);
    auto ki = read_wrapped(row, 11, 12);
    auto opc = read_wrapped(row, 13, 14);
    if (ki && opc) c.secrets = CardSecrets{std::move(*ki), std::move(*opc), read_wrapped(row, 15, 16)};
    c.listed = read_wrapped(row, 17, 18);
    c.twin = row.opt_int64(19);
    c.replaced_by = row.opt_int64(20);
    c.created_at = row.text(21);
    c.updated_at = row.text(22);
    c.profile = row.text(23);
    c.activated_on = row.text(24);
    c.order_id = row.text(25);
    c.fleet = row.text(26);
    return c;
}

template <class Row>
Job read_job(const Row& row) {
    return Job{row.int64(0), row.text(1), row.text(2), static_cast<std::uint64_t>(row.int64(3)),
               row.text(4),  row.text(5), row.text(6)};
}

// Columns: id, card_id, line, period, effective_on, from_profile, to_profile, forced_reason, station_id, at.
inline constexpr const char* kOfferChangeSelect =
    "SELECT id, card_id, line, period, effective_on, from_profile, to_profile, forced_reason, station_id, at "
    "FROM offer_change ";
template <class Row>
OfferChangeRow read_offer_change(const Row& row) {
    return OfferChangeRow{row.int64(0), row.int64(1), row.text(2), row.text(3), row.text(4),
                          row.text(5),  row.text(6),  row.text(7), row.text(8), row.text(9)};
}

template <class Row>
Event read_event(const Row& row) {
    const auto state = [&](int col) -> std::optional<CardState> {
        if (auto name = row.opt_text(col)) return card_state_from_string(*name);
        return std::nullopt;
    };
    return Event{.id = row.int64(0),
                 .at = row.text(1),
                 .station_id = row.text(2),
                 .job = row.opt_int64(3),
                 .card = row.opt_int64(4),
                 .kind = row.text(5),
                 .from = state(6),
                 .to = state(7),
                 .detail = row.text(8)};
}

// A card's block (schema v5), in the column order of kLineBlockSelect.
inline constexpr std::string_view kLineBlockSelect =
    "SELECT card_id, reason, declared_by, declared_at, state_before, confirmed_at, confirmed_by FROM "
    "line_block ";

template <class Row>
LineBlock read_line_block(const Row& row) {
    return LineBlock{row.int64(0), row.text(1), row.text(2), row.text(3), card_state_from_string(row.text(4)),
                     row.text(5),  row.text(6)};
}

inline constexpr std::string_view kNumberHoldSelect =
    "SELECT msisdn, card_id, cause, from_date, until_date, at FROM number_hold ";

template <class Row>
NumberHold read_number_hold(const Row& row) {
    return NumberHold{row.text(0), row.int64(1), hold_cause_from_string(row.text(2)),
                      row.text(3), row.text(4),  row.text(5)};
}

}  // namespace provisioner
