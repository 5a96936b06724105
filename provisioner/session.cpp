#include "session.hpp"

#include "sim/error.hpp"

namespace provisioner {

GlobalOptions& global_options() {
    static GlobalOptions options;
    return options;
}

namespace {
std::unique_ptr<std::ofstream> open_trace(const std::string& path) {
    if (path.empty()) return nullptr;
    auto out = std::make_unique<std::ofstream>(path, std::ios::app);
    if (!*out) throw sim::InputError("--trace " + path + ": cannot open the file for writing");
    return out;
}

std::string allowed_reader(const sim::PcscContext& context, const std::string& selector, CardUse use) {
    auto reader = context.resolve_reader(selector);
    require_reader_allowed(reader, use, virtual_readers_allowed());
    return reader;
}
}  // namespace

ReaderSession::ReaderSession(const std::string& selector, CardUse use)
    : reader_(allowed_reader(context_, selector, use)),
      transport_(context_, reader_),
      trace_out_(open_trace(global_options().trace_file)),
      traced_(transport_),
      card_(traced_) {
    // A code verified by this command must not stay verified for whoever uses the reader next.
    transport_.set_disposition_on_close(sim::PcscTransport::Disposition::Reset);
    if (trace_out_) {
        traced_.set_sink([out = trace_out_.get()](const std::string& line) {
            *out << line << '\n' << std::flush;
        });
    }
}

}  // namespace provisioner
