// From a catalogue entry to the card layer's reference: the one place that turns "EF.X as the standard
// describes it" into "what sim::Card selects, reads and writes".
#pragma once

#include "sim/card.hpp"
#include "sim/files/catalogue.hpp"

namespace sim::files {

// The catalogue writes paths from 3F00 (ADF.USIM ones from kAdfMarker); the card layer leaves the MF implicit.
// Carries the SFI, the spec name for messages, and `secret` so that key files are masked in traces.
EfRef ef_ref(const FileSpec& spec);

}  // namespace sim::files
