// What every card-touching verb needs: a PC/SC context, the chosen reader, a traced transport and a Card on
// it.
#pragma once

#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "io/unique_fd.hpp"
#include "sim/card.hpp"
#include "sim/pcsc.hpp"
#include "sim/trace_transport.hpp"
#include "virtual_readers.hpp"

namespace provisioner {

// Options shared by all verbs (set on the root command).
struct GlobalOptions {
    std::string trace_file;  // APDU trace, secrets masked
    bool verbose = false;
};
GlobalOptions& global_options();

class ReaderSession {
  public:
    // `selector`: reader index or a unique part of its name. Connects exclusively, once the reader passed the
    // virtual-reader rule for `use` (sim::SafetyRefusal before anything is sent to the card).
    ReaderSession(const std::string& selector, CardUse use);
    sim::Card& card() { return card_; }
    sim::TraceTransport& traced() { return traced_; }
    [[nodiscard]] const std::string& reader_name() const { return reader_; }

  private:
    sim::PcscContext context_;
    std::string reader_;
    sim::PcscTransport transport_;
    std::unique_ptr<UniqueFd> trace_out_;
    sim::TraceTransport traced_;
    sim::Card card_;
};

}  // namespace provisioner
