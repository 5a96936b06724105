// Output of `provisioner journal list|show|export` (the lead wires the verb): JSON for scripts, aligned text
// for people. Secrets never appear, not even wrapped: a record says which key index wraps its secrets, and
// the HLR export (output/) is the only place that carries EKI/EOPc.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "store/journal.hpp"

namespace provisioner {

nlohmann::json to_json(const Job& job);
nlohmann::json to_json(const CardRecord& card);
// Includes "balanced" (ordered = issued + in_progress + quarantined + unused).
nlohmann::json to_json(const JobCounts& counts);
nlohmann::json to_json(const Event& event);

// One line per card: id, state, ICCID, IMSI, MSISDN, reader, station, updated_at; with a header line.
std::string format_card_table(const std::vector<CardRecord>& cards);
// Every field of one card, then its events.
std::string format_card_detail(const CardRecord& card, const std::vector<Event>& events);
std::string format_counts(const Job& job, const JobCounts& counts);

// `journal export`: one JSON object per line (job's cards in id order, streamed), for archiving or audit.
void export_json_lines(Journal& journal, const CardFilter& filter, std::ostream& out);

}  // namespace provisioner
