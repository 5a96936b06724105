#include "session.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "sim/error.hpp"

namespace provisioner {

GlobalOptions& global_options() {
    static GlobalOptions options;
    return options;
}

namespace {
// The trace holds every APDU (codes masked, but file contents, IMSIs, ICCIDs in clear): it is created 0600,
// never through a symbolic link, and an existing file others can read is refused rather than appended to.
std::unique_ptr<UniqueFd> open_trace(const std::string& path) {
    if (path.empty()) return nullptr;
    auto fd = std::make_unique<UniqueFd>(
        ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd->get() < 0) {
        throw sim::InputError(fmt::format("--trace {}: cannot open the file for writing ({}{})", path,
                                          std::strerror(errno),
                                          errno == ELOOP ? ": a symbolic link is not followed" : ""));
    }
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode))
        throw sim::InputError(fmt::format("--trace {}: not a regular file", path));
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw sim::SafetyRefusal(fmt::format(
            "--trace {}: the file is accessible by group or others (mode {:04o}); a trace is 0600: "
            "run `chmod 600 {}` or give a new file",
            path, st.st_mode & 07777, path));
    }
    return fd;
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
        traced_.set_sink([fd = trace_out_->get()](const std::string& line) {
            const std::string text = line + '\n';
            // One write per line (O_APPEND): lines of concurrent writers do not interleave.
            // A full disk must not fail the card operation: a lost trace line is not worth a half-written
            // card.
            [[maybe_unused]] const auto written = ::write(fd, text.data(), text.size());
        });
    }
}

}  // namespace provisioner
