// Which code a command on an EF needs: the file's access condition as a personalisation meets it.
#pragma once

namespace sim::files {

// None: always allowed. Adm: the operator's key (ADM1). A file the standard marks NEV for UPDATE (EF.ICCID)
// is written under ADM during personalisation, which is the only time it is written.
enum class Access { Adm, Pin1, Pin2, None };

// READ and UPDATE conditions of one EF (TS 31.102 / TS 51.011 / TS 102 221, the typical values the
// standards give; a card's own ARR may be stricter).
struct AccessRule {
    Access read = Access::Pin1;
    Access update = Access::Adm;
};

}  // namespace sim::files
